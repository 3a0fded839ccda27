"""The pure-Python TF-IDF gives the numbers scikit-learn gives."""

from __future__ import annotations

import math

import pytest

from papertriage.tfidf import Similarity, analyse, similarities, stop_words


def sklearn_similarities(
    documents: list[str], prototypes: list[str], background: list[str]
) -> list[list[Similarity]]:
    """What `similarities` must give, computed with scikit-learn's sparse matrices."""
    from sklearn.feature_extraction.text import TfidfVectorizer

    vectorizer = TfidfVectorizer(
        stop_words=sorted(stop_words()), sublinear_tf=True, ngram_range=(1, 2)
    )
    vectorizer.fit(documents + prototypes + background)
    vocabulary = vectorizer.get_feature_names_out()
    docs = vectorizer.transform(documents).tocsr()
    protos = vectorizer.transform(prototypes).tocsr()
    result: list[list[Similarity]] = [[] for _ in documents]
    for j in range(protos.shape[0]):
        products = docs.multiply(protos.getrow(j)).tocsr()
        for i in range(products.shape[0]):
            start, end = products.indptr[i], products.indptr[i + 1]
            pairs = [
                (str(vocabulary[c]), float(v))
                for c, v in zip(products.indices[start:end], products.data[start:end])
            ]
            pairs.sort(key=lambda x: (-x[1], x[0]))
            result[i].append((sum(v for _, v in pairs), pairs[:5]))
    return result


DOCUMENTS = [
    "Tool-using agents recover from failed API calls by planning a repair and retrying.",
    "A student model distilled from a large teacher keeps most of the teacher's accuracy.",
    "Continual pre-training on web text: replay of older data reduces forgetting, "
    "and replay of older data is cheap. Pre-training again is not.",
    "Counting pebbles on a grid is hard for vision models; counting is harder still.",
    "the of and a an",  # nothing but stop words: an empty vector
    "Agents, agents, agents: repeated words get a sublinear term frequency.",
]
PROTOTYPES = [
    "An agent acts in an environment, calls tools and plans actions.",
    "Knowledge distillation transfers what a large teacher knows to a small student model.",
    "Language models are pre-trained on web corpora; pre-training data and recipes matter.",
]
BACKGROUND = [
    "Agents that call tools to finish tasks.",
    "Teachers and students: distillation for vision transformers.",
]


@pytest.fixture(scope="module")
def both():
    pytest.importorskip("sklearn")
    ours = similarities(DOCUMENTS, PROTOTYPES, BACKGROUND)
    theirs = sklearn_similarities(DOCUMENTS, PROTOTYPES, BACKGROUND)
    return ours, theirs


def test_cosines_equal_scikit_learn(both):
    ours, theirs = both
    assert len(ours) == len(theirs) == len(DOCUMENTS)
    for doc_ours, doc_theirs in zip(ours, theirs):
        assert len(doc_ours) == len(doc_theirs) == len(PROTOTYPES)
        for (cos_ours, _), (cos_theirs, _) in zip(doc_ours, doc_theirs):
            assert cos_ours == pytest.approx(cos_theirs, abs=1e-9)


def test_contributing_terms_equal_scikit_learn(both):
    ours, theirs = both
    for doc_ours, doc_theirs in zip(ours, theirs):
        for (_, terms_ours), (_, terms_theirs) in zip(doc_ours, doc_theirs):
            assert [t for t, _ in terms_ours] == [t for t, _ in terms_theirs]
            for (_, w_ours), (_, w_theirs) in zip(terms_ours, terms_theirs):
                assert w_ours == pytest.approx(w_theirs, abs=1e-9)


def test_similarities_are_meaningful(both):
    ours, _ = both
    cosine = [[c for c, _ in row] for row in ours]
    # Each of the first three documents is closest to its own prototype.
    for i in range(3):
        assert max(range(len(PROTOTYPES)), key=lambda j: cosine[i][j]) == i
    assert cosine[4] == [0.0, 0.0, 0.0]  # only stop words
    assert all(0.0 <= c <= 1.0 + 1e-12 for row in cosine for c in row)


def test_identical_texts_have_cosine_one():
    [[(cosine, terms)]] = similarities([PROTOTYPES[1]], [PROTOTYPES[1]])
    assert cosine == pytest.approx(1.0, abs=1e-12)
    assert terms


def test_analyse_gives_unigrams_and_bigrams_without_stop_words():
    terms = analyse("The teacher and the student")
    assert terms == ["teacher", "student", "teacher student"]


def test_sublinear_tf_matches_hand_computation():
    # One document, one prototype: idf is the same for shared words, so the cosine depends
    # only on the tf weights; "agents" three times weighs 1 + ln 3, not 3.
    [[(cosine, _)]] = similarities(["agents agents agents robots"], ["agents robots"])
    # Terms: agents(tf 3), robots(1), bigrams "agents agents"(2), "agents robots"(1).
    # The prototype has agents, robots, "agents robots". All df = 2 except "agents agents" (1).
    n = 2
    idf_shared = math.log((1 + n) / (1 + 2)) + 1
    idf_own = math.log((1 + n) / (1 + 1)) + 1
    doc = {
        "agents": (1 + math.log(3)) * idf_shared,
        "robots": idf_shared,
        "agents agents": (1 + math.log(2)) * idf_own,
        "agents robots": idf_shared,
    }
    proto = {"agents": idf_shared, "robots": idf_shared, "agents robots": idf_shared}
    dot = sum(w * proto.get(t, 0.0) for t, w in doc.items())
    norm = math.sqrt(sum(w * w for w in doc.values())) * math.sqrt(
        sum(w * w for w in proto.values())
    )
    assert cosine == pytest.approx(dot / norm, abs=1e-12)


def test_a_term_repeated_thousands_of_times_weighs_one_plus_its_log():
    from papertriage.tfidf import PrototypeIndex, cosine_terms, vector

    index = PrototypeIndex(["agents call tools"], [], [analyse("agents agents tools")])
    for repeats in (3, 999, 1000, 5000):
        terms = ["agents"] * repeats + ["tools"]
        expected, _ = cosine_terms(vector(terms, index.idf), index.prototypes[0])
        assert index.measure(terms).cosines[0] == pytest.approx(expected, abs=1e-12)
