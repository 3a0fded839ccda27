"""rules learn / rules calibrate: weights and thresholds from labelled papers, as diffs."""

from __future__ import annotations

import json
import random
import shutil
from pathlib import Path

import pytest
import yaml

from conftest import RULES, invoke
from papertriage.learn import best_cut, rewrite_rule_file, yaml_threshold
from papertriage.rules import load_rules, read_rule_file

FILLER = [
    "We report experiments on several public datasets.",
    "Results improve over strong baselines.",
    "Code and data are released.",
    "We analyse failure cases in detail.",
    "The method is simple to implement.",
]


def test_best_cut_by_hand():
    # Scores 5 4 3 2 1 with labels + + - + -: keeping the top 4 gives tp 3, fp 1, fn 0, F1 6/7;
    # keeping the top 2 gives F1 4/5. The cut sits halfway between 2 and 1.
    cut = best_cut([5, 4, 3, 2, 1], [True, True, False, True, False])
    assert (cut.tp, cut.fp, cut.fn) == (3, 1, 0)
    assert cut.threshold == pytest.approx(1.5)
    assert cut.f1 == pytest.approx(6 / 7)


def test_best_cut_never_splits_equal_scores():
    cut = best_cut([2, 2, 1], [True, False, True])
    assert cut.threshold in (pytest.approx(1.5), pytest.approx(0.5))
    assert cut.tp + cut.fp in (2, 3)


def test_yaml_threshold_is_the_inverse_of_evidence_threshold():
    theme = load_rules([RULES], use_defaults=False)[0]
    assert yaml_threshold(theme.evidence_threshold) == pytest.approx(theme.threshold)


def test_rewrite_keeps_what_it_does_not_change(tmp_path: Path):
    text = (RULES / "agents.yaml").read_text()
    new = rewrite_rule_file(
        text,
        {
            "threshold": 0.42,
            "keywords": {"agent": 1.5, "tool-calling": 0.7, "a: colon": 0.2},
            "negative": {},
            "calibration": {"gold": "x.jsonl", "f1": 0.9},
        },
    )
    data = yaml.safe_load(new)
    assert data["threshold"] == 0.42
    assert data["keywords"] == {"agent": 1.5, "tool-calling": 0.7, "a: colon": 0.2}
    assert "negative" not in data
    assert data["calibration"] == {"gold": "x.jsonl", "f1": 0.9}
    assert data["prototype"] == yaml.safe_load(text)["prototype"]
    assert data["examples"] == yaml.safe_load(text)["examples"]
    assert new.startswith("# Test rules")
    path = tmp_path / "agents.yaml"
    path.write_text(new)
    assert read_rule_file(path)[1] == []


def synthetic_corpus(tmp_path: Path, n: int = 80) -> tuple[Path, Path]:
    """Papers where the label goes with a phrase the rules do not know ("sandbox rollouts")."""
    rng = random.Random(3)
    papers, gold = [], []
    for k in range(n):
        positive = k % 3 == 0
        sentences = rng.sample(FILLER, 3)
        if positive:
            sentences.insert(1, "Policies are trained on sandbox rollouts of each task.")
        if k % 5 == 0:  # the current rules' word, on both sides: a weak signal
            sentences.append("An agent baseline is included.")
        ident = f"2401.{10000 + k}"
        papers.append(
            {"id": ident, "title": f"Study number {k} of learning", "abstract": " ".join(sentences)}
        )
        gold.append({"id": ident, "themes": ["agents"] if positive else [], "split": "tune"})
    listing, labels = tmp_path / "papers.jsonl", tmp_path / "gold.jsonl"
    listing.write_text("".join(json.dumps(p) + "\n" for p in papers))
    labels.write_text("".join(json.dumps(g) + "\n" for g in gold))
    return listing, labels


def own_rules(tmp_path: Path) -> Path:
    rules = tmp_path / "rules"
    shutil.copytree(RULES, rules)
    return rules


def test_rules_learn_proposes_the_phrase_that_goes_with_the_label(tmp_path: Path):
    listing, gold = synthetic_corpus(tmp_path)
    rules = own_rules(tmp_path)
    args = ["--no-default-rules", "--rules", str(rules), "--theme", "agents"]
    shown = invoke(["rules", "learn", "--gold", str(gold), str(listing), *args])
    assert shown.exit_code == 0, shown.stderr
    added = [line for line in shown.stdout.splitlines() if line.startswith("+  ")]
    assert any("rollout" in line for line in added)  # a diff a person reviews
    assert "agents: F1" in shown.stderr and "5-fold CV" in shown.stderr
    assert (rules / "agents.yaml").read_text() == (RULES / "agents.yaml").read_text()

    written = invoke(["rules", "learn", "--gold", str(gold), str(listing), *args, "--write"])
    assert written.exit_code == 0, written.stderr
    data = yaml.safe_load((rules / "agents.yaml").read_text())
    assert any("rollout" in term for term in data["keywords"])
    assert data["calibration"]["positives"] == 27
    after = invoke(
        [
            "eval",
            "--gold",
            str(gold),
            str(listing),
            "--no-default-rules",
            "--rules",
            str(rules),
            "--format",
            "json",
        ]
    )
    assert json.loads(after.stdout)["themes"]["agents"]["f1"] == 1.0


def test_rules_calibrate_moves_only_the_threshold(tmp_path: Path):
    listing, gold = synthetic_corpus(tmp_path)
    rules = own_rules(tmp_path)
    # With "agent" worth 2.0 and the threshold at 0.5, the weak word tags every 5th paper.
    args = ["--no-default-rules", "--rules", str(rules), "--theme", "agents", "--write"]
    done = invoke(["rules", "calibrate", "--gold", str(gold), str(listing), *args])
    assert done.exit_code == 0, done.stderr
    before, after = (
        yaml.safe_load((RULES / "agents.yaml").read_text()),
        yaml.safe_load((rules / "agents.yaml").read_text()),
    )
    assert after["keywords"] == before["keywords"] and after["prototype"] == before["prototype"]
    assert after["threshold"] != before["threshold"]
    figures = after["calibration"]
    assert figures["papers"] == 80 and figures["positives"] == 27
    assert 0.0 <= figures["f1"] <= 1.0


def test_learning_from_the_test_split_is_refused(tmp_path: Path):
    listing, gold = synthetic_corpus(tmp_path)
    rows = [json.loads(line) for line in gold.read_text().splitlines()]
    for row in rows[::2]:
        row["split"] = "test"
    gold.write_text("".join(json.dumps(r) + "\n" for r in rows))
    for command in ("learn", "calibrate"):
        refused = invoke(
            [
                "rules",
                command,
                "--gold",
                str(gold),
                str(listing),
                "--split",
                "test",
                "--no-default-rules",
                "--rules",
                str(RULES),
            ]
        )
        assert refused.exit_code == 1
        assert "test split is for measuring" in refused.stderr


def test_writing_over_the_installed_defaults_is_refused(tmp_path: Path):
    listing, gold = synthetic_corpus(tmp_path)
    done = invoke(
        ["rules", "calibrate", "--gold", str(gold), str(listing), "--theme", "agents", "--write"]
    )
    assert done.exit_code == 1
    assert "give --rules DIR" in done.stderr
