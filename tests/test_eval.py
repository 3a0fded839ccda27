"""eval: precision, recall and F1 against hand labels, computed by hand for small cases."""

from __future__ import annotations

import json

import pytest

from conftest import DAILY, FIXTURES, RULE_ARGS, assert_one_error_line, invoke
from papertriage.errors import InputError
from papertriage.evaluate import evaluate, load_gold
from papertriage.models import Paper, TaggedPaper, ThemeScore

GOLD = FIXTURES / "daily.gold.jsonl"

# With the test rules, the papers of daily.txt get (see test_engine_ranking):
#   Lantern -> agents, Quiet Teachers -> distillation, Orchard -> pretraining, others -> none.
# daily.gold.jsonl says:
#   Lantern [agents]            agents TP
#   Quiet Teachers [agents]     agents FN, distillation FP
#   Orchard (by id) [pretraining]  pretraining TP
#   Counting Pebbles (title in other case and punctuation) []
#   Why Do Small Models... [pretraining]  pretraining FN
# agents: P 1/1, R 1/2, F1 2/3; distillation: P 0, R 0, F1 0; pretraining: P 1, R 1/2, F1 2/3
# micro: tp 2, fp 1, fn 2 -> P 2/3, R 1/2, F1 4/7
# macro: distillation has no gold paper, so it is left out (with a warning) rather than
# counted as F1 0: P (1 + 1)/2, R (1/2 + 1/2)/2, F1 (2/3 + 2/3)/2
EXPECTED_THEMES = {
    "agents": (1, 0, 1, 1.0, 0.5, 2 / 3),
    "distillation": (0, 1, 0, 0.0, 0.0, 0.0),
    "pretraining": (1, 0, 1, 1.0, 0.5, 2 / 3),
}


def eval_json(*args: str) -> dict:
    result = invoke(["eval", "--gold", str(GOLD), str(DAILY), "--format", "json", *args])
    assert result.exit_code == 0, result.stderr
    return json.loads(result.stdout)


def test_eval_json_numbers_by_hand():
    report = eval_json(*RULE_ARGS)
    assert report["matched"] == 5
    assert report["unmatched_gold"] == []
    for theme, (tp, fp, fn, precision, recall, f1) in EXPECTED_THEMES.items():
        counts = report["themes"][theme]
        assert (counts["tp"], counts["fp"], counts["fn"]) == (tp, fp, fn), theme
        assert counts["precision"] == pytest.approx(precision, abs=1e-4)
        assert counts["recall"] == pytest.approx(recall, abs=1e-4)
        assert counts["f1"] == pytest.approx(f1, abs=1e-4)
    assert report["micro"]["precision"] == pytest.approx(2 / 3, abs=1e-4)
    assert report["micro"]["recall"] == pytest.approx(1 / 2, abs=1e-4)
    assert report["micro"]["f1"] == pytest.approx(4 / 7, abs=1e-4)
    assert report["macro"]["precision"] == pytest.approx(1.0, abs=1e-4)
    assert report["macro"]["recall"] == pytest.approx(1 / 2, abs=1e-4)
    assert report["macro"]["f1"] == pytest.approx(2 / 3, abs=1e-4)
    assert report["themes_without_gold"] == ["distillation"]
    quiet = "Quiet Teachers: Knowledge Distillation from Sparse Teacher Signals"
    assert report["themes"]["distillation"]["false_positives"] == [quiet]
    assert report["themes"]["agents"]["misses"] == [quiet]


def test_eval_table():
    result = invoke(["eval", "--gold", str(GOLD), str(DAILY), *RULE_ARGS])
    assert result.exit_code == 0, result.stderr
    rows = {line.split()[0]: line.split() for line in result.stdout.splitlines() if line.strip()}
    assert rows["agents"][1:] == ["1", "0", "1", "1.000", "0.500", "0.667"]
    assert rows["distillation"][1:] == ["0", "1", "0", "0.000", "0.000", "0.000"]
    assert rows["micro"][1:] == ["2", "1", "2", "0.667", "0.500", "0.571"]
    assert rows["macro"][1:] == ["1.000", "0.500", "0.667"]
    assert "\x1b[" not in result.stdout
    assert "no paper with theme distillation; left out of the macro mean" in result.stderr


def test_eval_min_f1():
    ok = invoke(["eval", "--gold", str(GOLD), str(DAILY), "--min-f1", "0.5", *RULE_ARGS])
    assert ok.exit_code == 0
    low = invoke(["eval", "--gold", str(GOLD), str(DAILY), "--min-f1", "0.6", *RULE_ARGS])
    assert low.exit_code == 1
    *warnings, error = low.stderr.strip().splitlines()
    assert error.startswith("papertriage: error:") and "0.571" in error
    assert all(w.startswith("papertriage: warning:") for w in warnings)


def test_gold_records_that_match_no_paper_are_reported(tmp_path):
    gold = tmp_path / "gold.jsonl"
    gold.write_text(
        GOLD.read_text()
        + json.dumps({"title": "A Paper That Is Not on the Page", "themes": ["agents"]})
        + "\n"
    )
    result = invoke(["eval", "--gold", str(gold), str(DAILY), "--format", "json", *RULE_ARGS])
    assert result.exit_code == 0
    report = json.loads(result.stdout)
    assert report["matched"] == 5
    assert report["unmatched_gold"] == [
        {"line": 6, "title": "A Paper That Is Not on the Page", "id": None}
    ]
    assert f"{gold}:6" in result.stderr
    # An unmatched record counts neither for nor against a theme.
    assert report["micro"]["f1"] == pytest.approx(4 / 7, abs=1e-4)


@pytest.mark.parametrize(
    "bad_line",
    [
        '{"title": "Broken", "themes": ["agents"]',  # not JSON
        '["agents"]',  # not an object
        '{"title": "No themes"}',
        '{"title": "Themes not a list", "themes": "agents"}',
        '{"themes": ["agents"]}',  # neither title nor id
    ],
    ids=["invalid-json", "not-object", "no-themes", "themes-not-list", "no-title-or-id"],
)
def test_malformed_gold_line_names_file_and_line(tmp_path, bad_line):
    gold = tmp_path / "gold.jsonl"
    lines = GOLD.read_text().splitlines()
    lines.insert(2, bad_line)
    gold.write_text("\n".join(lines) + "\n")
    with pytest.raises(InputError, match=f"{gold}:3:"):
        load_gold(str(gold))
    result = invoke(["eval", "--gold", str(gold), str(DAILY), *RULE_ARGS])
    assert result.exit_code == 1
    assert f"{gold}:3:" in assert_one_error_line(result.stderr)
    assert result.stdout == ""


def test_missing_or_empty_gold_file(tmp_path):
    for gold in (tmp_path / "missing.jsonl", tmp_path / "empty.jsonl"):
        if gold.name == "empty.jsonl":
            gold.write_text("\n\n")
        result = invoke(["eval", "--gold", str(gold), str(DAILY), *RULE_ARGS])
        assert result.exit_code == 1
        assert str(gold) in assert_one_error_line(result.stderr)


def tagged(title: str, assigned: list[str], all_themes: list[str], arxiv_id=None) -> TaggedPaper:
    scores = {
        theme: ThemeScore(theme, points=3.0 if theme in assigned else 0.0, threshold=1.0)
        for theme in all_themes
    }
    return TaggedPaper(Paper(title, arxiv_id=arxiv_id), scores)


def test_evaluate_by_hand():
    themes = ["a", "b", "c"]
    papers = [
        tagged("One", ["a", "b"], themes),
        tagged("Two", ["a"], themes, arxiv_id="2401.00001"),
        tagged("Three", [], themes),
        tagged("Four", ["c"], themes),
    ]
    from papertriage.evaluate import GoldRecord

    gold = [
        GoldRecord(1, {"a"}, title="one"),  # a TP, b FP
        GoldRecord(2, {"a", "b"}, id="2401.00001"),  # a TP, b FN
        GoldRecord(3, {"c"}, title="THREE"),  # c FN
        GoldRecord(4, {"c"}, title="Four"),  # c TP
    ]
    result = evaluate(papers, gold, themes)
    counts = {t: (c.tp, c.fp, c.fn) for t, c in result.per_theme.items()}
    assert counts == {"a": (2, 0, 0), "b": (0, 1, 1), "c": (1, 0, 1)}
    micro = result.micro
    assert (micro.tp, micro.fp, micro.fn) == (3, 1, 2)
    assert micro.precision == pytest.approx(3 / 4)
    assert micro.recall == pytest.approx(3 / 5)
    assert micro.f1 == pytest.approx(2 * (3 / 4) * (3 / 5) / (3 / 4 + 3 / 5))
    # macro: a P1 R1 F1 1; b 0 0 0; c P1 R1/2 F1 2/3
    assert result.macro["precision"] == pytest.approx(2 / 3)
    assert result.macro["recall"] == pytest.approx(1 / 2)
    assert result.macro["f1"] == pytest.approx((1 + 0 + 2 / 3) / 3)
    assert result.matched == 4


def test_eval_scores_each_split_and_hides_test_errors(tmp_path):
    lines = [json.loads(line) for line in GOLD.read_text().splitlines() if line.strip()]
    for k, record in enumerate(lines):
        record["split"] = "tune" if k < 3 else "test"
    gold = tmp_path / "gold.jsonl"
    gold.write_text("".join(json.dumps(r) + "\n" for r in lines))
    result = invoke(["eval", "--gold", str(gold), str(DAILY), "--format", "json", *RULE_ARGS])
    assert result.exit_code == 0, result.stderr
    report = json.loads(result.stdout)
    assert set(report["splits"]) == {"tune", "test"}
    assert report["splits"]["tune"]["matched"] == 3 and report["splits"]["test"]["matched"] == 2
    assert report["matched"] == 5
    table = invoke(["eval", "--gold", str(gold), str(DAILY), *RULE_ARGS]).stdout
    assert "split tune: 3 papers" in table and "split test: 2 papers" in table
    # Error titles are listed once, for tune: test is for measuring, not for choosing terms.
    assert table.count("Most frequent errors") == 1
    only = invoke(["eval", "--gold", str(gold), str(DAILY), "--split", "test", *RULE_ARGS])
    assert only.exit_code == 0 and "Most frequent errors" not in only.stdout
    bad = invoke(["eval", "--gold", str(gold), str(DAILY), "--split", "dev", *RULE_ARGS])
    assert bad.exit_code == 1 and "splits: tune, test" in assert_one_error_line(bad.stderr)
