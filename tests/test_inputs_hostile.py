"""Inputs new users really give: CSV files, binaries, UTF-16, giant lines, Zotero names."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from papertriage.models import ParseReport
from papertriage.parsers.bibtex import display_name
from papertriage.parsers.detect import parse_input
from papertriage.parsers.latex import to_text
from papertriage.reading import MAX_LINE, read_input

BLOCKS = (
    "Sparse Mixtures of Experts for Tabular Data\n\n"
    "We route each row to a few experts and match dense models at a third of the cost.\n\n"
    "Curriculum Schedules for Small Language Models\n\n"
    "Ordering pre-training data from easy to hard speeds up small models considerably.\n"
)


def cli(*args: str, cwd: Path, stdin: bytes | None = None) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "papertriage", *args],
        cwd=cwd,
        input=stdin,
        capture_output=True,
        timeout=120,
    )


def titles(stdout: bytes) -> list[str]:
    return sorted(json.loads(line)["title"] for line in stdout.decode().splitlines())


def test_csv_file_through_the_cli(tmp_path: Path) -> None:
    (tmp_path / "a.csv").write_text(
        'title,abstract\nFirst Paper,"An abstract, with a comma\nand a second line."\n'
        "Second Paper,Another abstract.\n",
        encoding="utf-8",
    )
    done = cli("ingest", "a.csv", "--no-store", "-f", "jsonl", cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    assert titles(done.stdout) == ["First Paper", "Second Paper"]


def test_csv_and_bibtex_together(tmp_path: Path) -> None:
    (tmp_path / "a.csv").write_text("title\nFrom The Csv\n", encoding="utf-8")
    (tmp_path / "b.bib").write_text("@article{k, title={From The {BibTeX}}}\n", encoding="utf-8")
    done = cli("ingest", "a.csv", "b.bib", "--no-store", "-f", "jsonl", cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    assert titles(done.stdout) == ["From The BibTeX", "From The Csv"]


@pytest.mark.parametrize("fmt", ["csv", "md", "json", "jsonl"])
def test_every_output_format_reads_back(tmp_path: Path, fmt: str) -> None:
    (tmp_path / "in.txt").write_text(BLOCKS, encoding="utf-8")
    first = cli("ingest", "in.txt", "--no-store", "-f", fmt, "-o", f"out.{fmt}", cwd=tmp_path)
    assert first.returncode == 0, first.stderr
    again = cli("ingest", f"out.{fmt}", "--no-store", "-f", "jsonl", cwd=tmp_path)
    assert again.returncode == 0, again.stderr
    papers = [json.loads(line) for line in again.stdout.decode().splitlines()]
    assert sorted((p["title"], p["abstract"]) for p in papers) == [
        (
            "Curriculum Schedules for Small Language Models",
            "Ordering pre-training data from easy to hard speeds up small models considerably.",
        ),
        (
            "Sparse Mixtures of Experts for Tabular Data",
            "We route each row to a few experts and match dense models at a third of the cost.",
        ),
    ]


@pytest.mark.parametrize("encoding", ["utf-16", "utf-16-le", "utf-16-be", "utf-32"])
def test_wide_encodings_are_decoded(tmp_path: Path, encoding: str) -> None:
    # "utf-16"/"utf-32" write a BOM; the -le/-be ones do not, and are recognised by their NULs.
    (tmp_path / "in.txt").write_bytes(BLOCKS.replace("\n", "\r\n").encode(encoding))
    done = cli("ingest", "in.txt", "--no-store", "-f", "jsonl", cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    assert titles(done.stdout) == [
        "Curriculum Schedules for Small Language Models",
        "Sparse Mixtures of Experts for Tabular Data",
    ]
    assert b"warning" not in done.stderr


def test_an_executable_is_one_problem_and_no_papers(tmp_path: Path) -> None:
    binary = Path(shutil.which("ls") or sys.executable)
    done = cli("ingest", str(binary), "--no-store", "-f", "jsonl", cwd=tmp_path)
    assert done.returncode == 1
    assert done.stdout == b""
    lines = done.stderr.decode().splitlines()
    assert len(lines) <= 2 and "binary file skipped" in lines[-1]


def test_a_binary_beside_a_listing_does_not_stop_the_run(tmp_path: Path) -> None:
    (tmp_path / "in.txt").write_text(BLOCKS, encoding="utf-8")
    (tmp_path / "paper.pdf").write_bytes(b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj\n")
    done = cli("ingest", "paper.pdf", "in.txt", "--no-store", "-f", "json", cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    result = json.loads(done.stdout)
    assert len(result["papers"]) == 2
    problems = [p for p in result["problems"] if p["file"] == "paper.pdf"]
    assert [p["kind"] for p in problems] == ["binary"]
    assert "PDF" in problems[0]["message"]


def test_an_input_without_papers_says_why(tmp_path: Path) -> None:
    (tmp_path / "e.csv").write_text("name_of_thing,count\nx,1\n", encoding="utf-8")
    done = cli("ingest", "e.csv", "--no-store", cwd=tmp_path)
    assert done.returncode == 1
    message = done.stderr.decode().strip().splitlines()[-1]
    assert "no papers found" in message and "read as csv" in message and "header" in message


def test_a_giant_line_is_skipped_quickly_with_a_problem(tmp_path: Path) -> None:
    path = tmp_path / "big.txt"
    with path.open("w", encoding="utf-8") as out:
        out.write(BLOCKS + "\n")
        out.write("lorem ipsum " * (3 * MAX_LINE // 12) + "\n")
    source = read_input(str(path))
    report = ParseReport()
    try:
        papers = list(parse_input(source, report))
    finally:
        source.close()
    assert len(papers) == 2
    overlong = [p for p in report.problems if p.kind == "overlong"]
    assert [p.line for p in overlong] == [BLOCKS.count("\n") + 2]
    assert "MB long" in overlong[0].message


@pytest.mark.parametrize(
    ("written", "read"),
    [
        (
            "family=Verclos, given=Rémi de Joannis, prefix=de, useprefix=true",
            "Rémi de Joannis de Verclos",
        ),
        ("family={van der Berg}, given=Anna", "Anna van der Berg"),
        ("de la Fontaine, Jean", "Jean de la Fontaine"),
        ("Doe, Jr., John", "John Doe Jr."),
        ("Ada Lovelace", "Ada Lovelace"),
        ("{Barnes and Noble, Inc.}", "{Barnes and Noble, Inc.}"),
    ],
)
def test_bibtex_names_as_zotero_and_people_write_them(written: str, read: str) -> None:
    assert display_name(written) == read


@pytest.mark.parametrize(
    ("latex", "text"),
    [
        (r"a \textbackslash{} b", "a \\ b"),
        (r"x\textasciicircum 2", "x^2"),
        (r"Don{\textquotesingle}t", "Don't"),
        (r"5\textdegree{}C and 3\texttimes{}", "5°C and 3×"),
        (r"\textit{Deep} learning with \LaTeX{} in 50\%", "Deep learning with LaTeX in 50%"),
    ],
)
def test_tex_text_commands_become_characters(latex: str, text: str) -> None:
    assert to_text(latex) == text


@pytest.mark.parametrize("fmt", ["md", "csv", "jsonl"])
def test_escape_sequences_in_data_formats_never_act_on_a_terminal(tmp_path: Path, fmt: str):
    import os
    import pty

    (tmp_path / "evil.bib").write_text(
        "@article{k, title = {Clear \x1b[2J Screen and \x1b]8;;http://x\x07Link},"
        " abstract = {Text \x1b[31m red.}}\n",
        encoding="utf-8",
    )
    leader, follower = pty.openpty()
    process = subprocess.Popen(
        [sys.executable, "-m", "papertriage", "ingest", "evil.bib", "--no-store", "-f", fmt],
        cwd=tmp_path,
        stdout=follower,
        stderr=subprocess.DEVNULL,
    )
    os.close(follower)
    seen = b""
    while True:
        try:
            chunk = os.read(leader, 4096)
        except OSError:  # the terminal closes when the process ends
            break
        if not chunk:
            break
        seen += chunk
    assert process.wait(timeout=60) == 0
    os.close(leader)
    assert b"\x1b" not in seen and b"\x07" not in seen
    assert b"Screen" in seen
    # Into a pipe the data is left as it is (JSON escapes it; csv and md carry it).
    piped = cli("ingest", "evil.bib", "--no-store", "-f", fmt, cwd=tmp_path)
    assert piped.returncode == 0
    assert (b"\\u001b" if fmt == "jsonl" else b"\x1b[2J") in piped.stdout
