"""Learning from the reader: label, --sort relevance (list, ingest, digest), explain
--relevance, the model cache, export/import of labels, simulate; on the corpus, precision@10."""

from __future__ import annotations

import json
import os
import random
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

from conftest import RULE_ARGS, assert_one_error_line, invoke

# Two interests a reader could have, and filler shared by both: written for these tests.
BEES = [
    "hive",
    "honeybee",
    "pollination",
    "beekeeping",
    "nectar",
    "queen bee",
    "apiary",
    "swarm",
    "wax comb",
    "varroa mites",
]
VOLCANOES = [
    "magma",
    "lava flow",
    "eruption",
    "volcanic ash",
    "caldera",
    "pyroclastic",
    "basalt",
    "tephra",
    "seismic tremor",
    "crater",
]
FILLER = [
    "we propose a method",
    "experiments show gains",
    "a new dataset",
    "our model outperforms baselines",
    "code is released",
    "we study the problem",
]


def _paper(number: int, topic: str, words: list[str], rng: random.Random) -> dict:
    chosen = rng.sample(words, 4)
    title = f"{chosen[0].title()} and {chosen[1]} study {number}"
    sentences = [f"We look at {w} in field site {rng.randint(1, 99)}." for w in chosen]
    sentences += rng.sample(FILLER, 3)
    rng.shuffle(sentences)
    prefix = {"bee": "2401.1", "volcano": "2401.2"}[topic]  # arXiv ids: the papers' ids
    return {"id": f"{prefix}{number:04d}", "title": title, "abstract": " ".join(sentences)}


def write_papers(path: Path, per_topic: int = 20, seed: int = 3) -> tuple[list[str], list[str]]:
    rng = random.Random(seed)
    bees = [_paper(i, "bee", BEES, rng) for i in range(per_topic)]
    volcanoes = [_paper(i, "volcano", VOLCANOES, rng) for i in range(per_topic)]
    papers = bees + volcanoes
    rng.shuffle(papers)
    path.write_text("".join(json.dumps(p) + "\n" for p in papers), encoding="utf-8")
    return [p["id"] for p in bees], [p["id"] for p in volcanoes]


@pytest.fixture
def library(tmp_path):
    """A library of 40 papers, half about bees; returns (db, bee ids, volcano ids, file)."""
    listing = tmp_path / "papers.jsonl"
    bees, volcanoes = write_papers(listing)
    db = tmp_path / "library.db"
    result = invoke(["ingest", str(listing), "--db", str(db), "-q", "-f", "jsonl", *RULE_ARGS])
    assert result.exit_code == 0, result.stderr
    return db, bees, volcanoes, listing


def label(db: Path, *args: str):
    result = invoke(["label", *args, "--db", str(db)])
    assert result.exit_code == 0, result.stderr
    return result


def ids_of(stdout: str) -> list[str]:
    return [json.loads(line)["id"] for line in stdout.splitlines() if line.strip()]


def test_list_sort_relevance_puts_the_labelled_interest_first(library):
    db, bees, volcanoes, _ = library
    label(db, *bees[:3], "--relevant")
    label(db, *volcanoes[:4], "--irrelevant")
    result = invoke(["list", "--sort", "relevance", "-f", "jsonl", "--db", str(db)])
    assert result.exit_code == 0, result.stderr
    ranked = [json.loads(line) for line in result.stdout.splitlines()]
    order = [p["id"] for p in ranked]
    # The labelled papers are left out; the 17 other bee papers come first.
    assert len(order) == 40 - 7
    assert not set(order) & set(bees[:3] + volcanoes[:4])
    assert set(order[:17]) == set(bees[3:])
    assert [p["rank"] for p in ranked] == list(range(1, 34))
    values = [p["relevance"] for p in ranked]
    assert values == sorted(values, reverse=True)
    assert values[0] > 0.5 > values[-1]
    # --top cuts the relevance order, not the score order.
    top = invoke(["list", "--sort", "relevance", "-n", "5", "-f", "jsonl", "--db", str(db)])
    assert ids_of(top.stdout) == order[:5]
    # Without --sort relevance there is no relevance field.
    plain = invoke(["list", "-f", "jsonl", "--db", str(db)])
    assert all("relevance" not in json.loads(line) for line in plain.stdout.splitlines())


def test_relevance_needs_a_relevant_and_an_irrelevant_label(library):
    db, bees, _, _ = library
    result = invoke(["list", "--sort", "relevance", "--db", str(db)])
    assert result.exit_code == 1
    assert "at least one relevant and one irrelevant label" in assert_one_error_line(result.stderr)
    label(db, bees[0], "--relevant")
    result = invoke(["list", "--sort", "relevance", "--db", str(db)])
    assert result.exit_code == 1
    assert "1 relevant, 0 irrelevant" in assert_one_error_line(result.stderr)


def test_label_replaces_clears_reads_a_file_and_refuses_unknown_ids(library, tmp_path):
    db, bees, volcanoes, _ = library
    label(db, bees[0], bees[1], "--relevant")
    label(db, bees[1], "--irrelevant")  # replaces
    listed = label(db, "--list").stdout.splitlines()
    assert [line.split("\t")[:2] for line in listed] == sorted(
        [[bees[0], "relevant"], [bees[1], "irrelevant"]], key=lambda row: row[0]
    ) or [line.split("\t")[:2] for line in listed] == [
        [bees[0], "relevant"],
        [bees[1], "irrelevant"],
    ]
    ids_file = tmp_path / "skip.txt"
    ids_file.write_text(f"# not for me\n{volcanoes[0]}  a comment\n\n{volcanoes[1]}\n")
    done = label(db, "--from", str(ids_file), "--irrelevant")
    assert "2 papers irrelevant" in done.stderr
    assert "1 relevant and 3 irrelevant labels" in done.stderr
    # An unknown id: one error line, and nothing of the command is labelled.
    bad = invoke(["label", volcanoes[2], "no-such-paper", "--irrelevant", "--db", str(db)])
    assert bad.exit_code == 1
    assert "no-such-paper" in assert_one_error_line(bad.stderr)
    assert len(label(db, "--list").stdout.splitlines()) == 4
    label(db, bees[0], bees[1], "--clear")
    assert len(label(db, "--list").stdout.splitlines()) == 2
    # Exactly one of --relevant / --irrelevant / --clear.
    usage = invoke(["label", bees[0], "--db", str(db)])
    assert usage.exit_code == 2


def test_the_model_is_retrained_only_when_the_labels_change(library, monkeypatch):
    import papertriage.relevance as relevance

    db, bees, volcanoes, _ = library
    label(db, *bees[:2], "--relevant")
    label(db, *volcanoes[:2], "--irrelevant")
    trained = []
    real_train = relevance.train

    def counting_train(*args, **kwargs):
        trained.append(1)
        return real_train(*args, **kwargs)

    monkeypatch.setattr(relevance, "train", counting_train)
    first = invoke(["list", "--sort", "relevance", "-f", "jsonl", "--db", str(db)])
    assert len(trained) == 1
    cache = Path(str(db) + ".relevance.json")
    assert cache.is_file()
    again = invoke(["list", "--sort", "relevance", "-f", "jsonl", "--db", str(db)])
    assert len(trained) == 1  # same labels: the cached model
    assert again.stdout == first.stdout
    label(db, bees[2], "--relevant")
    invoke(["list", "--sort", "relevance", "-f", "jsonl", "--db", str(db)])
    assert len(trained) == 2
    # Labelling a paper as it already is changes nothing, and retrains nothing.
    label(db, bees[2], "--relevant")
    invoke(["list", "--sort", "relevance", "-f", "jsonl", "--db", str(db)])
    assert len(trained) == 2


def test_labels_go_through_db_export_and_import(library, tmp_path):
    db, bees, volcanoes, _ = library
    label(db, bees[0], "--relevant")
    label(db, volcanoes[0], "--irrelevant")
    export = tmp_path / "export.jsonl"
    assert invoke(["db", "export", "-o", str(export), "--db", str(db)]).exit_code == 0
    lines = [json.loads(line) for line in export.read_text().splitlines()[1:]]
    labels = {p["id"]: p["library"].get("label") for p in lines}
    assert labels[bees[0]] == "relevant"
    assert labels[volcanoes[0]] == "irrelevant"
    assert sum(1 for v in labels.values() if v) == 2
    other = tmp_path / "other.db"
    assert invoke(["db", "import", str(export), "--db", str(other)]).exit_code == 0
    listed = label(other, "--list").stdout.splitlines()
    assert sorted(line.split("\t")[0] + " " + line.split("\t")[1] for line in listed) == sorted(
        [f"{bees[0]} relevant", f"{volcanoes[0]} irrelevant"]
    )


def test_explain_relevance_names_the_terms_that_drove_it(library):
    db, bees, volcanoes, listing = library
    label(db, *bees[:4], "--relevant")
    label(db, *volcanoes[:4], "--irrelevant")
    args = ["explain", bees[10], str(listing), "--relevance", "--db", str(db), *RULE_ARGS]
    result = invoke([*args, "-f", "json"])
    assert result.exit_code == 0, result.stderr
    data = json.loads(result.stdout)[0]["relevance"]
    assert data["score"] > 0.5
    terms = {t["term"] for t in data["terms"] if t["contribution"] > 0}
    assert terms & {w for w in BEES for w in w.split()} | terms & set(BEES)
    text = invoke(args)
    assert "relevance 0." in text.stdout and "relevant side" in text.stdout


def test_ingest_and_digest_sort_by_relevance(library, tmp_path):
    db, bees, volcanoes, listing = library
    label(db, *bees[:3], "--relevant")
    label(db, *volcanoes[:3], "--irrelevant")
    args = ["ingest", str(listing), "--db", str(db), "-q", "--sort", "relevance", "-n", "10"]
    result = invoke([*args, "-f", "jsonl", *RULE_ARGS])
    assert result.exit_code == 0, result.stderr
    top = ids_of(result.stdout)
    assert len(top) == 10 and set(top) <= set(bees[3:])
    digest = invoke(["digest", "--sort", "relevance", "-f", "json", "--db", str(db), "-n", "5"])
    assert digest.exit_code == 0, digest.stderr
    papers = [p for g in json.loads(digest.stdout)["groups"] for p in g["papers"]]
    assert len(papers) == 5 and {p["id"] for p in papers} <= set(bees[3:])
    assert all("relevance" in p for p in papers)


def test_simulate_reports_wss_and_writes_an_svg(library, tmp_path):
    db, bees, volcanoes, listing = library
    gold = tmp_path / "gold.jsonl"
    gold.write_text(
        "".join(json.dumps({"id": i, "relevant": i in bees}) + "\n" for i in bees + volcanoes)
    )
    plot = tmp_path / "recall.svg"
    result = invoke(["simulate", "--gold", str(gold), str(listing), "--plot", str(plot)])
    assert result.exit_code == 0, result.stderr
    assert "20 relevant of 40 papers" in result.stdout
    assert "WSS@95" in result.stdout and "recall (*)" in result.stdout
    root = ET.parse(plot).getroot()
    assert root.tag.endswith("svg") and root.findall("{http://www.w3.org/2000/svg}polyline")
    data = json.loads(
        invoke(["simulate", "-g", str(gold), str(listing), "-f", "json", "--seed", "1"]).stdout
    )[0]
    # 19 bee papers make 95%: a perfect ranking reads 19 (+1 prior volcano paper), random
    # order about 38; the model, from one bee and one volcano label, stays near perfect.
    assert data["relevant"] == 20 and data["papers"] == 40
    assert data["read_for_95"] <= 22
    assert data["wss_95"] > 0.4
    # From the library too, with --theme over a themes gold file.
    gold_themes = tmp_path / "themes.jsonl"
    gold_themes.write_text(
        "".join(
            json.dumps({"id": i, "themes": ["bees"] if i in bees else []}) + "\n"
            for i in bees + volcanoes
        )
    )
    lib = invoke(["simulate", "-g", str(gold_themes), "-t", "bees", "-f", "json", "--db", str(db)])
    assert lib.exit_code == 0, lib.stderr
    assert json.loads(lib.stdout)[0]["relevant"] == 20
    missing = invoke(["simulate", "-g", str(gold_themes), "--db", str(db)])
    assert missing.exit_code == 1 and "--theme" in assert_one_error_line(missing.stderr)
    png = invoke(["simulate", "-g", str(gold), str(listing), "--plot", str(tmp_path / "r.png")])
    assert png.exit_code == 2


def test_simulation_figures_by_hand():
    from papertriage.relevance import Simulation

    # 10 papers, 4 relevant, found at reads 1, 2, 3 and 7.
    sim = Simulation([True, True, True, False, False, False, True, False, False, False], 0)
    assert sim.read_for(0.95) == 7
    assert sim.read_for(0.5) == 2
    assert sim.wss(0.95) == pytest.approx(3 / 10 - 0.05)
    assert sim.recall_after(0.5) == pytest.approx(3 / 4)


def test_the_model_vectors_match_scikit_learn():
    from sklearn.feature_extraction.text import TfidfVectorizer

    from papertriage.relevance import tfidf_matrix, tfidf_vector

    rng = random.Random(5)
    docs = [[rng.choice(BEES + VOLCANOES) for _ in range(rng.randint(3, 12))] for _ in range(30)]
    matrix, names, idf = tfidf_matrix(docs)
    reference = TfidfVectorizer(analyzer=lambda d: d, sublinear_tf=True).fit(docs)
    assert sorted(names) == sorted(reference.vocabulary_)
    expected = reference.transform(docs)
    column = {n: i for i, n in enumerate(names)}
    idf_of = dict(zip(names, idf))
    for row in range(len(docs)):
        mine = tfidf_vector(docs[row], idf_of)
        for term, value in mine.items():
            assert matrix[row, column[term]] == pytest.approx(value)
            assert expected[row, reference.vocabulary_[term]] == pytest.approx(value)


def test_ranking_many_papers_at_once_gives_each_papers_own_score():
    from papertriage.models import Paper
    from papertriage.relevance import paper_terms, train

    rng = random.Random(11)

    def text(words: list[str]) -> str:
        return " ".join(rng.choice(words) for _ in range(rng.randint(4, 15)))

    labelled = [(paper_terms(text(BEES), text(BEES)), True) for _ in range(5)]
    labelled += [(paper_terms(text(VOLCANOES), text(VOLCANOES)), False) for _ in range(9)]
    model = train(labelled)
    papers = [
        Paper(title=text(BEES + VOLCANOES), abstract=text(BEES + VOLCANOES)) for _ in range(40)
    ]
    # Words the model never saw, and a paper made only of them (no term: relevance 0.5 - bias).
    papers += [Paper(title="zebra okapi", abstract="giraffe"), Paper(title="", abstract="")]
    batch = model.scores(papers)
    assert batch == pytest.approx([model.score(p) for p in papers], abs=1e-12)
    assert len({round(x, 6) for x in batch}) > 10  # they differ paper by paper
    assert model.scores([]) == []


def test_migration_adds_the_labels_table_to_an_older_library(tmp_path):
    import sqlite3

    from papertriage.store import SCHEMA_VERSION, Library

    db = tmp_path / "old.db"
    with Library.open(db) as library:
        library.migrate()
    conn = sqlite3.connect(db)
    conn.execute("DROP TABLE labels")
    conn.execute("PRAGMA user_version = 3")
    conn.commit()
    conn.close()
    with Library.open(db) as library:
        assert library.schema_version == SCHEMA_VERSION
        assert library.labels() == []


# --- the labelled corpus ----------------------------------------------------------------------

SHARED = Path(
    os.environ.get("PAPERTRIAGE_SHARED") or Path(__file__).resolve().parents[2] / "shared"
)
POOL = SHARED / "corpus" / "arxiv-pool.jsonl"
GOLD = Path(__file__).resolve().parents[1] / "benchmarks" / "gold" / "labels.jsonl"


@pytest.mark.corpus
@pytest.mark.skipif(not POOL.is_file(), reason=f"shared pool not found: {POOL}")
def test_eight_relevant_and_twenty_irrelevant_labels_give_precision_at_10(tmp_path):
    """The issue's bar on real papers: precision@10 of the unlabelled papers at least 0.7.

    The library is the labelled corpus (every paper judged); the reader's interest is a
    theme of the gold labels; five draws of 8 relevant + 20 irrelevant labels each (with
    three, one unlucky draw moves the mean by 0.03)."""
    from papertriage.relevance import Labelled, library_model, rank_by_relevance
    from papertriage.store import Library

    gold = {}
    for line in GOLD.read_text(encoding="utf-8").splitlines():
        record = json.loads(line)
        gold[record["id"]] = set(record["themes"])
    listing = tmp_path / "gold-papers.jsonl"
    with open(POOL, encoding="utf-8") as pool, open(listing, "w", encoding="utf-8") as out:
        for line in pool:
            if json.loads(line)["id"] in gold:
                out.write(line)
    db = tmp_path / "library.db"
    ingest = ["ingest", str(listing), "--db", str(db), "-q", "-f", "jsonl", *RULE_ARGS]
    assert invoke(ingest).exit_code == 0
    precisions = {}
    for theme in ("reinforcement-learning", "graph-learning", "robotics"):
        for seed in range(5):
            rng = random.Random(seed)
            relevant = rng.sample(sorted(i for i in gold if theme in gold[i]), 8)
            irrelevant = rng.sample(sorted(i for i in gold if theme not in gold[i]), 20)
            with Library.open(db) as library:
                pks = {library.get(i).pk: i in relevant for i in relevant + irrelevant}
                library.set_labels([pk for pk, r in pks.items() if r], True)
                library.set_labels([pk for pk, r in pks.items() if not r], False)
                papers = library.query()
                ranked = rank_by_relevance(papers, library_model(library), Labelled.of(library))
                library.set_labels(list(pks), None)
            top = [p.paper.id for p in ranked[:10]]
            precisions[theme, seed] = sum(theme in gold[i] for i in top) / 10
    for theme in ("reinforcement-learning", "graph-learning", "robotics"):
        mean = sum(v for (t, _), v in precisions.items() if t == theme) / 5
        assert mean >= 0.7, sorted(precisions.items())
