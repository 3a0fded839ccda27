"""The README's own-theme example: its diffusion.yaml is examples/my-rules/diffusion.yaml, it
tags on evidence (a phrase and a threshold), not on the single word "denoising", and every
command the README gives next runs, explain included (it takes a paper, not a theme)."""

from __future__ import annotations

import json
import re
import shlex
from pathlib import Path

import pytest

from conftest import invoke

ROOT = Path(__file__).resolve().parents[1]
README = (ROOT / "README.md").read_text(encoding="utf-8")
MY_RULES = ROOT / "examples" / "my-rules"

LISTING = """\
Faster Sampling for Diffusion Models

We distil a denoising diffusion model into a four-step sampler for images and keep sample \
quality.

Denoising Autoencoders for Speech Enhancement

A denoising autoencoder removes background noise from speech recordings in real time.

Image Denoising with Sparse Codes

We remove sensor noise from photographs with learned sparse codes; denoising keeps edges.

How Rumours Spread: Information Diffusion on Social Networks

We model information diffusion between users and the role of denoising the follower graph.
"""


def section(title: str) -> str:
    start = README.index(title)
    end = README.index("\n### ", start + 1)
    return README[start:end]


@pytest.fixture
def daily(tmp_path) -> Path:
    path = tmp_path / "daily.txt"
    path.write_text(LISTING, encoding="utf-8")
    return path


def test_the_readme_yaml_is_the_example_file():
    text = section("### Your own themes in five minutes")
    (block,) = re.findall(r"```yaml\n(.*?)```", text, re.S)
    assert block == (MY_RULES / "diffusion.yaml").read_text(encoding="utf-8")


def test_the_example_theme_needs_evidence_not_one_word(daily):
    result = invoke(["ingest", str(daily), "--rules", str(MY_RULES), "--no-store", "-f", "jsonl"])
    assert result.exit_code == 0, result.stderr
    tagged = {
        json.loads(line)["title"]: [t["id"] for t in json.loads(line)["themes"]]
        for line in result.stdout.splitlines()
    }
    assert "diffusion" in tagged["Faster Sampling for Diffusion Models"]
    for title, themes in tagged.items():
        if title != "Faster Sampling for Diffusion Models":
            assert "diffusion" not in themes, title  # "denoising" alone, or news diffusion


def test_every_command_of_the_readme_example_runs(daily):
    text = section("### Your own themes in five minutes")
    (block,) = re.findall(r"```sh\n(.*?)```", text, re.S)
    commands = [line.split("  #")[0].strip() for line in block.splitlines() if line.strip()]
    assert any(c.startswith("papertriage explain") for c in commands)
    for command in commands:
        args = shlex.split(command.replace("~/my-rules", str(MY_RULES)))
        assert args[0] == "papertriage"
        args = [str(daily) if a == "daily.txt" else a for a in args[1:]]
        if args[0] == "ingest":
            args.append("--no-store")
        result = invoke(args)
        assert result.exit_code == 0, (command, result.stderr)
        if args[0] == "explain":
            # One paper, the one theme, on the threshold's own scale, as the README shows.
            assert "Faster Sampling for Diffusion Models" in result.stdout
            assert "assigned      1.00 >= 0.70" in result.stdout
            assert "'denoising' in abstract x1 (weight 0.5): +0.50 points" in result.stdout
            assert "pretraining" not in result.stdout


def test_the_readme_shows_explains_threshold_on_the_yaml_scale(daily):
    result = invoke(
        ["explain", "speech", str(daily), "--rules", str(MY_RULES), "--theme", "diffusion"]
    )
    assert result.exit_code == 0, result.stderr
    (line,) = [x.strip() for x in result.stdout.splitlines() if x.strip().startswith("diffusion")]
    verdict = line.split(None, 1)[1]
    assert verdict == "not assigned  0.07 < 0.70 needed"
    assert f"`{verdict}`" in README


def test_rules_test_passes_on_the_example():
    result = invoke(["rules", "test", str(MY_RULES)])
    assert result.exit_code == 0, result.stdout + result.stderr
