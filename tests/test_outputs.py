"""Output formats, -o FILE, stdin, through CliRunner and through real processes."""

from __future__ import annotations

import csv
import io
import json
import os
import re
import subprocess
import sys

import pytest
from typer.testing import CliRunner

from conftest import (
    DAILY,
    DAILY_TITLES,
    FIXTURES,
    RULE_ARGS,
    assert_one_error_line,
    invoke,
    run_process,
    subprocess_env,
)
from papertriage.cli import app

ANSI = re.compile(r"\x1b\[")
BOX_DRAWING = re.compile("[\u2500-\u257f]")
# SGR parameters that set a colour (foreground, background, 256/true colour).
COLOUR_SGR = re.compile(r"\x1b\[(?:[0-9;]*;)?(?:3[0-9]|4[0-9]|9[0-7]|10[0-7])(?:;[0-9;]*)?m")

HEADER = "new\nSubscribe\nDaily Papers\nbyAK and the research community\nJul 31\n"

runner = CliRunner()


def run_app(*args: str, input: bytes | None = None):
    """Through typer's CliRunner, as the typer docs recommend."""
    result = runner.invoke(app, list(args), input=input)
    assert result.exit_code == 0, (result.stdout, result.stderr, result.exception)
    return result


# --- json / jsonl --------------------------------------------------------------------------


def test_json_document():
    result = run_app("ingest", str(DAILY), "--format", "json", *RULE_ARGS)
    document = json.loads(result.stdout)
    assert isinstance(document["schema_version"], int) and document["schema_version"] >= 1
    assert isinstance(document["problems"], list) and document["problems"] == []
    assert isinstance(document["stats"], dict)
    assert document["stats"]["records"] == len(DAILY_TITLES)
    papers = document["papers"]
    assert sorted(p["title"] for p in papers) == sorted(DAILY_TITLES)
    for paper in papers:
        assert {"id", "rank", "score", "title", "abstract", "date", "sources", "themes"} <= set(
            paper
        )
        [source] = paper["sources"]
        assert source["file"] == str(DAILY) and source["format"] == "hf-daily"
        assert isinstance(source["line"], int)
        for theme in paper["themes"]:
            assert {"id", "score", "evidence"} <= set(theme)
            assert theme["evidence"]["keywords"], theme


def test_json_lists_problems_with_file_and_line():
    path = FIXTURES / "unplaced.txt"
    result = run_app("ingest", str(path), "-f", "json", *RULE_ARGS)
    document = json.loads(result.stdout)
    assert [(p["file"], p["line"], p["kind"]) for p in document["problems"]] == [
        (str(path), 3, "unplaced")
    ]
    assert document["problems"][0]["text"].startswith("This page was saved")
    assert f"{path}:3:" in result.stderr  # also said on stderr, as a warning


def test_jsonl_one_paper_per_line_in_rank_order():
    jsonl = run_app("ingest", str(DAILY), "--format", "jsonl", *RULE_ARGS).stdout
    document = json.loads(run_app("ingest", str(DAILY), "-f", "json", *RULE_ARGS).stdout)
    lines = jsonl.splitlines()
    assert len(lines) == len(DAILY_TITLES)
    records = [json.loads(line) for line in lines]
    assert records == document["papers"]
    assert [r["rank"] for r in records] == [1, 2, 3, 4, 5]


def test_jsonl_select_by_theme_like_jq():
    """The README's `jq -r 'select(.themes[].id=="agents") | .title'`, in Python."""
    jsonl = run_app("ingest", "-", "-f", "jsonl", *RULE_ARGS, input=DAILY.read_bytes()).stdout
    agents = [
        r["title"]
        for r in map(json.loads, jsonl.splitlines())
        if any(t["id"] == "agents" for t in r["themes"])
    ]
    assert agents == [DAILY_TITLES[0]]


# --- csv / md / table ----------------------------------------------------------------------


def read_csv(text: str) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(text)))


def test_csv_rows():
    rows = read_csv(run_app("ingest", str(DAILY), "-f", "csv", *RULE_ARGS).stdout)
    assert [r["rank"] for r in rows] == ["1", "2", "3", "4", "5"]
    by_title = {r["title"]: r for r in rows}
    assert set(by_title) == set(DAILY_TITLES)
    assert by_title[DAILY_TITLES[2]]["arxiv_id"] == "2407.01234"
    assert by_title[DAILY_TITLES[1]]["themes"] == "distillation"
    assert by_title[DAILY_TITLES[0]]["votes"] == "57"


def test_csv_neutralises_formula_cells():
    path = FIXTURES / "formulas.txt"
    rows = read_csv(run_app("ingest", str(path), "-f", "csv", *RULE_ARGS).stdout)
    titles = {r["title"] for r in rows}
    assert titles == {
        "'=SUM(A1:A9) Is All You Need: Spreadsheet Agents That Write Formulas",
        "'+Attention: A Plus-Shaped Attention Pattern for Agents",
        "'@home: Household Agents That Tidy Rooms",
        "'-1 Is Enough: Agents with a Single Negative Reward",
    }
    abstracts = [r["abstract"] for r in rows if r["abstract"]]
    assert abstracts == [
        '\'=HYPERLINK("http://example.test") is an abstract that a spreadsheet would run as '
        "a formula, and it mentions an agent."
    ]
    for row in rows:
        for column, cell in row.items():
            assert not cell.startswith(("=", "+", "-", "@")), (column, cell)


def test_markdown():
    text = run_app("ingest", str(DAILY), "-f", "md", *RULE_ARGS).stdout
    lines = text.splitlines()
    assert lines[0].startswith("| #") and "title" in lines[0]
    assert re.fullmatch(r"\|[-:| ]+\|", lines[1])
    headings = [line for line in lines if line.startswith("## ")]
    assert [h.split(".")[0] for h in headings] == ["## 1", "## 2", "## 3", "## 4", "## 5"]
    table_rows = [line for line in lines[2:] if line.startswith("| ")]
    assert len(table_rows) == len(DAILY_TITLES)
    for title in DAILY_TITLES:
        assert any(title in h for h in headings)
    assert "https://arxiv.org/abs/2407.01234" in text


def test_markdown_escapes_pipes_in_titles(tmp_path):
    page = tmp_path / "pipes.txt"
    page.write_text(HEADER + "Agents | Tools: A Study\nWe study agents.\n")
    text = run_app("ingest", str(page), "-f", "md", *RULE_ARGS).stdout
    row = next(line for line in text.splitlines() if "A Study" in line and line.startswith("|"))
    assert row.count("|") - row.count("\\|") == 5  # four cells, one escaped pipe


def assert_plain_table(text: str, width: int) -> None:
    assert not ANSI.search(text), repr(text[:200])
    assert not BOX_DRAWING.search(text), repr(text[:200])
    for line in text.splitlines():
        assert len(line) <= width, line


def test_table_in_process_is_plain_and_fits():
    text = run_app("ingest", str(DAILY), *RULE_ARGS).stdout
    assert_plain_table(text, 120)
    for title in DAILY_TITLES:
        assert title in text
    lines = text.splitlines()
    assert lines[0].split()[:2] == ["#", "score"]
    assert lines[1].split()[0] == "1"


def test_table_shows_brackets_in_titles_verbatim(tmp_path):
    """Titles are data, not rich markup: "[mask]" and "[/]" are printed as written."""
    page = tmp_path / "brackets.txt"
    page.write_text(
        HEADER + "Upvote\n3\nFilling [mask] Tokens with [/] Agents\nWe fill masked tokens.\n"
    )
    text = run_app("ingest", str(page), *RULE_ARGS).stdout
    assert "Filling [mask] Tokens with [/] Agents" in text


def test_table_wraps_to_a_narrow_width(monkeypatch):
    monkeypatch.setenv("COLUMNS", "60")
    text = run_app("ingest", str(DAILY), *RULE_ARGS).stdout
    assert_plain_table(text, 60)
    assert "Lantern:" in text


@pytest.mark.parametrize("no_color", [None, "1"], ids=["default", "NO_COLOR"])
def test_table_piped_through_a_real_process(no_color):
    proc = run_process(["ingest", str(DAILY), *RULE_ARGS], env={"NO_COLOR": no_color})
    assert proc.returncode == 0, proc.stderr
    assert proc.stderr == b""
    text = proc.stdout.decode("utf-8")
    assert_plain_table(text, 120)
    assert all(title in text for title in DAILY_TITLES)


@pytest.mark.skipif(sys.platform == "win32", reason="needs a pseudo-terminal")
def test_no_color_on_a_terminal():
    import fcntl
    import pty
    import struct
    import termios

    master, slave = pty.openpty()
    fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", 40, 100, 0, 0))
    proc = subprocess.Popen(
        [sys.executable, "-m", "papertriage", "ingest", str(DAILY), *RULE_ARGS],
        stdin=subprocess.DEVNULL,
        stdout=slave,
        stderr=subprocess.PIPE,
        env=subprocess_env({"NO_COLOR": "1", "COLUMNS": None, "TERM": "xterm-256color"}),
    )
    os.close(slave)
    chunks = []
    while True:
        try:
            chunk = os.read(master, 65536)
        except OSError:  # EIO once the child closed the terminal
            break
        if not chunk:
            break
        chunks.append(chunk)
    os.close(master)
    assert proc.wait(timeout=60) == 0
    text = b"".join(chunks).decode("utf-8")
    assert "Lantern" in text
    assert not COLOUR_SGR.search(text), repr(text[:300])


# --- -o FILE -------------------------------------------------------------------------------


@pytest.mark.parametrize("fmt", ["json", "jsonl", "csv", "md", "table"])
def test_output_file_is_written_and_no_temp_file_is_left(tmp_path, fmt):
    target = tmp_path / f"triage.{fmt}"
    result = invoke(["ingest", str(DAILY), "-f", fmt, "-o", str(target), *RULE_ARGS])
    assert result.exit_code == 0, result.stderr
    assert result.stdout == ""
    assert os.listdir(tmp_path) == [target.name]
    stdout = invoke(["ingest", str(DAILY), "-f", fmt, *RULE_ARGS]).stdout
    assert target.read_text(encoding="utf-8") == stdout


def test_output_file_gets_the_usual_permissions(tmp_path):
    """Not the private 0600 of a temporary file: what `> FILE` would give."""
    umask = os.umask(0o022)
    try:
        target = tmp_path / "triage.md"
        assert (
            invoke(["ingest", str(DAILY), "-f", "md", "-o", str(target), *RULE_ARGS]).exit_code == 0
        )
        assert target.stat().st_mode & 0o777 == 0o644
        # Replacing a file keeps its mode.
        target.chmod(0o664)
        assert (
            invoke(["ingest", str(DAILY), "-f", "md", "-o", str(target), *RULE_ARGS]).exit_code == 0
        )
        assert target.stat().st_mode & 0o777 == 0o664
    finally:
        os.umask(umask)


def test_output_to_a_directory_is_one_error_line(tmp_path):
    result = invoke(["ingest", str(DAILY), "-f", "json", "-o", str(tmp_path), *RULE_ARGS])
    assert result.exit_code == 1
    assert str(tmp_path) in assert_one_error_line(result.stderr)
    assert os.listdir(tmp_path) == []


def test_output_file_replaces_an_existing_file(tmp_path):
    target = tmp_path / "triage.csv"
    target.write_text("old content\n")
    result = invoke(["ingest", str(DAILY), "-f", "csv", "--output", str(target), *RULE_ARGS])
    assert result.exit_code == 0
    assert target.read_text().startswith("rank,")
    assert os.listdir(tmp_path) == ["triage.csv"]


@pytest.mark.parametrize(
    "args",
    [
        ["--theme", "astrology"],  # unknown theme
        ["missing-input.txt"],  # bad input
    ],
    ids=["unknown-theme", "missing-input"],
)
def test_failed_run_leaves_no_file_and_keeps_an_existing_one(tmp_path, args):
    new = tmp_path / "new.json"
    old = tmp_path / "old.json"
    old.write_text('{"keep": true}\n')
    for target in (new, old):
        extra = [str(tmp_path / a) if a.endswith(".txt") else a for a in args]
        result = invoke(["ingest", str(DAILY), "-f", "json", "-o", str(target), *RULE_ARGS, *extra])
        assert result.exit_code == 1
        assert_one_error_line(result.stderr)
    assert not new.exists()
    assert old.read_text() == '{"keep": true}\n'
    assert sorted(os.listdir(tmp_path)) == ["old.json"]


def test_output_to_a_folder_that_cannot_be_made_is_one_error_line(tmp_path):
    # A missing folder is made (tests/test_cron.py); one under a regular file cannot be.
    (tmp_path / "a-file").write_text("x")
    target = tmp_path / "a-file" / "no-such-dir" / "out.json"
    result = invoke(["ingest", str(DAILY), "-f", "json", "-o", str(target), *RULE_ARGS])
    assert result.exit_code == 1
    assert "cannot create the folder" in assert_one_error_line(result.stderr)


def test_output_file_in_a_real_process(tmp_path):
    target = tmp_path / "triage.csv"
    proc = run_process(["ingest", str(DAILY), "-f", "csv", "-o", str(target), *RULE_ARGS])
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout == b""
    assert sorted(os.listdir(tmp_path)) == ["triage.csv"]
    assert len(read_csv(target.read_text(encoding="utf-8"))) == len(DAILY_TITLES)


# --- stdin ---------------------------------------------------------------------------------


def test_stdin_gives_the_same_papers_as_the_file():
    from_file = json.loads(run_app("ingest", str(DAILY), "-f", "json", *RULE_ARGS).stdout)
    from_stdin = json.loads(
        run_app("ingest", "-", "-f", "json", *RULE_ARGS, input=DAILY.read_bytes()).stdout
    )
    strip = [(p["id"], p["title"], p["abstract"], p["rank"]) for p in from_file["papers"]]
    assert [(p["id"], p["title"], p["abstract"], p["rank"]) for p in from_stdin["papers"]] == strip
    assert {p["sources"][0]["file"] for p in from_stdin["papers"]} == {"<stdin>"}


def test_stdin_in_a_real_process():
    proc = run_process(["ingest", "-", "--format", "jsonl", *RULE_ARGS], input=DAILY.read_bytes())
    assert proc.returncode == 0, proc.stderr
    assert proc.stderr == b""
    titles = [json.loads(line)["title"] for line in proc.stdout.decode().splitlines()]
    assert sorted(titles) == sorted(DAILY_TITLES)


def test_a_failure_while_writing_leaves_the_old_file_and_no_temp_file(tmp_path, monkeypatch):
    """Atomic -o: half-written output never replaces the file."""
    from papertriage import formats
    from papertriage.formats import RunResult
    from papertriage.models import ParseReport

    def half_then_fail(result, stream):
        stream.write("half of the output\n")
        raise KeyboardInterrupt

    monkeypatch.setattr(formats, "_renderers", lambda: {"json": half_then_fail})
    target = tmp_path / "triage.json"
    target.write_text("previous run\n")
    with pytest.raises(KeyboardInterrupt):
        formats.write_output(RunResult([], ParseReport()), "json", str(target))
    assert target.read_text() == "previous run\n"
    assert os.listdir(tmp_path) == ["triage.json"]


@pytest.mark.parametrize("fmt", ["table", "md"])
def test_with_theme_the_order_reads_from_a_theme_score_column(fmt):
    result = invoke(
        ["ingest", str(DAILY), *RULE_ARGS, "--no-store", "--theme", "agents", "-f", fmt]
    )
    assert result.exit_code == 0, result.stderr
    lines = [line for line in result.stdout.splitlines() if line.strip()]
    if fmt == "table":
        header = lines[0].split()
        assert header[:3] == ["#", "score", "theme"]
        rows = [line.split() for line in lines[1:] if line.split()[0].isdigit()]
        theme_scores = [float(row[2]) for row in rows]
        assert all(row[3] == "agents" for row in rows)  # the selected theme comes first
    else:
        assert lines[0].startswith("| # | score | theme score |")
        rows = [line for line in lines[2:] if line.startswith("| ")]
        theme_scores = [float(row.split("|")[3]) for row in rows]
    assert theme_scores and theme_scores == sorted(theme_scores, reverse=True)
