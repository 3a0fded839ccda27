"""What a person sees in a real terminal: progress, the table at 80 columns, help, explain.

The screen tests run papertriage inside tmux (a real terminal emulator, 80 columns) and read
the screen back with `capture-pane`; they skip when tmux is not installed.
"""

from __future__ import annotations

import io
import json
import os
import re
import shlex
import shutil
import subprocess
import sys
import time
import uuid
from pathlib import Path

import pytest

from conftest import DAILY, DAILY_TITLES, RULE_ARGS, invoke

PAPERTRIAGE = [sys.executable, "-m", "papertriage"]
needs_tmux = pytest.mark.skipif(shutil.which("tmux") is None, reason="tmux is not installed")


def _papers_jsonl(path: Path, count: int) -> Path:
    """`count` made-up papers, varied enough to tag (no corpus text)."""
    topics = [
        ("tool-using agents", "An agent calls tools and plans over API calls."),
        ("knowledge distillation", "A student model imitates a teacher model."),
        ("continual pre-training", "Language models are pre-trained again on new text."),
        ("spatial puzzles", "A benchmark of counting objects for vision models."),
    ]
    with path.open("w", encoding="utf-8") as out:
        for i in range(count):
            topic, abstract = topics[i % len(topics)]
            title = f"Study {i} of {topic} with a rather long title that needs wrapping {i}"
            out.write(json.dumps({"title": title, "abstract": f"{abstract} Case {i}."}) + "\n")
    return path


class Tmux:
    """One detached tmux session of a given size running a plain shell."""

    def __init__(self, width: int, height: int, env: dict[str, str]):
        self.name = f"pt-{uuid.uuid4().hex[:8]}"
        self.socket = f"pt-{uuid.uuid4().hex[:8]}"
        exports = " ".join(f"{k}={shlex.quote(v)}" for k, v in env.items())
        self._tmux(
            "new-session",
            "-d",
            "-s",
            self.name,
            "-x",
            str(width),
            "-y",
            str(height),
            f"env -i {exports} bash --norc --noprofile",
        )

    def _tmux(self, *args: str) -> str:
        return subprocess.run(
            ["tmux", "-L", self.socket, *args], capture_output=True, text=True, check=True
        ).stdout

    def run(self, command: str, timeout: float = 60) -> list[str]:
        """Clear the screen, run `command`, wait for it to end; the screen lines it wrote."""
        tag = uuid.uuid4().hex[:6]
        # The markers are printed from two halves, so the command line as typed (which may
        # wrap over several screen lines) never reads as one.
        start, end = f"<<start-{tag}>>", f"<<end-{tag}>>"
        typed = f"clear; printf '%s%s\\n' '<<start-' '{tag}>>'; {command}; "
        typed += f"printf '%s%s\\n' '<<end-' '{tag}>>'"
        self._tmux("send-keys", "-t", self.name, typed, "Enter")
        deadline = time.monotonic() + timeout
        screen = ""
        while time.monotonic() < deadline:
            screen = self._tmux("capture-pane", "-p", "-t", self.name)
            lines = screen.split("\n")
            if end in lines:
                return lines[lines.index(start) + 1 : lines.index(end)]
            time.sleep(0.1)
        raise AssertionError(f"timed out: {command}\n{screen}")

    def close(self) -> None:
        subprocess.run(["tmux", "-L", self.socket, "kill-server"], capture_output=True)


@pytest.fixture
def terminal(tmp_path):
    sessions = []

    def make(width: int = 80, height: int = 50, **extra: str) -> Tmux:
        env = {
            "PATH": os.environ["PATH"],
            "HOME": str(tmp_path),
            "TERM": "xterm-256color",
            "LANG": "C.UTF-8",
            "PS1": "$ ",
            "PYTHONPATH": os.pathsep.join(sys.path),
            "PAPERTRIAGE_HOME": str(tmp_path / "home"),
            "XDG_CONFIG_HOME": str(tmp_path / "config"),
            **extra,
        }
        session = Tmux(width, height, env)
        sessions.append(session)
        return session

    yield make
    for session in sessions:
        session.close()


# --- 1. progress ---------------------------------------------------------------------------


@needs_tmux
def test_progress_bar_leaves_no_residue_before_the_table(terminal, tmp_path):
    """Ten runs in an 80x50 terminal with the bar forced on from the first batch: each time
    the output starts with the table header on a clean line and no piece of the bar is left."""
    papers = _papers_jsonl(tmp_path / "many.jsonl", 200)
    screen = terminal(80, 50, PAPERTRIAGE_PROGRESS_DELAY="0")
    command = " ".join(
        shlex.quote(a)
        for a in [*PAPERTRIAGE, "ingest", str(papers), "--batch-size", "20", "--top", "5"]
    )
    command += " " + " ".join(RULE_ARGS)
    for _ in range(10):
        out = screen.run(command)
        assert re.match(r"^\s*#\s+score\s+themes\s+title$", out[0]), out[:3]
        text = "\n".join(out)
        assert "━" not in text and "/s" not in text and "papers " not in text, text


@needs_tmux
def test_no_progress_bar_on_a_short_run(terminal, tmp_path):
    """With the default delay a small listing shows no bar at all; the bar's pieces never
    reach the screen even for a moment that capture-pane could see after the run."""
    screen = terminal(80, 50)
    command = " ".join(shlex.quote(a) for a in [*PAPERTRIAGE, "ingest", str(DAILY), *RULE_ARGS])
    out = screen.run(command + " --no-store")
    assert re.match(r"^\s*#\s+score\s+themes\s+title$", out[0]), out[:3]
    assert "━" not in "\n".join(out)


def test_no_progress_bar_when_stderr_is_not_a_terminal(tmp_path):
    papers = _papers_jsonl(tmp_path / "many.jsonl", 300)
    done = subprocess.run(
        [*PAPERTRIAGE, "ingest", str(papers), "--batch-size", "50", "--no-store", *RULE_ARGS],
        capture_output=True,
        text=True,
        env={**os.environ, "PAPERTRIAGE_PROGRESS_DELAY": "0"},
    )
    assert done.returncode == 0
    assert "━" not in done.stderr and "\x1b" not in done.stderr


# --- 2. the table at 80 columns --------------------------------------------------------------


def _corpus_like(path: Path) -> Path:
    return _papers_jsonl(path, 98)


@needs_tmux
def test_table_fits_80_columns_on_a_terminal(terminal, tmp_path):
    papers = _corpus_like(tmp_path / "page.jsonl")
    screen = terminal(80, 50)
    command = " ".join(
        shlex.quote(a) for a in [*PAPERTRIAGE, "ingest", str(papers), "--no-store", *RULE_ARGS]
    )
    # Through `cat`, to see every line and its real end; and as the terminal shows it.
    piped = subprocess.run(
        ["bash", "-c", f"{command} | cat"],
        capture_output=True,
        text=True,
        env={**os.environ, "COLUMNS": "80"},
    ).stdout.splitlines()
    assert max(len(line) for line in piped) <= 80
    assert not [line for line in piped if line != line.rstrip()]
    # The title column gets the room: more than half of the line.
    header = piped[0]
    assert header.index("title") < 40, header
    # 98 papers whose titles are ~70 characters: at most 2 lines each, plus the header.
    assert len(piped) <= 2 * 98 + 2, len(piped)
    out = screen.run(command + " | head -5")
    assert re.match(r"^\s*#\s+score\s+themes\s+title$", out[0]), out
    assert all(len(line.rstrip()) <= 80 for line in out)


@needs_tmux
def test_piped_table_takes_the_width_of_the_terminal_stderr_is_on(terminal, tmp_path):
    """`| head` in a 100-column terminal without COLUMNS exported: lines of up to 100, not
    the 120 rich would assume nor 80."""
    papers = _corpus_like(tmp_path / "page.jsonl")
    screen = terminal(100, 40)
    out = tmp_path / "table.txt"
    command = " ".join(
        shlex.quote(a) for a in [*PAPERTRIAGE, "ingest", str(papers), "--no-store", *RULE_ARGS]
    )
    screen.run(f"unset COLUMNS; {command} | cat > {shlex.quote(str(out))}")
    lines = out.read_text(encoding="utf-8").splitlines()
    assert 90 <= max(len(line) for line in lines) <= 100


def test_piped_table_without_a_terminal_is_80_wide(tmp_path):
    papers = _corpus_like(tmp_path / "page.jsonl")
    env = {k: v for k, v in os.environ.items() if k != "COLUMNS"}
    done = subprocess.run(
        [*PAPERTRIAGE, "ingest", str(papers), "--no-store", *RULE_ARGS],
        capture_output=True,
        text=True,
        env=env,
        stdin=subprocess.DEVNULL,
        start_new_session=True,  # no controlling terminal: /dev/tty cannot be opened
    )
    assert done.returncode == 0, done.stderr
    widths = [len(line) for line in done.stdout.splitlines()]
    assert 70 <= max(widths) <= 80


def test_output_width_order(monkeypatch):
    from papertriage.terminal import output_width

    assert output_width(environ={"COLUMNS": "93"}) == 93
    monkeypatch.setattr(os, "open", lambda *a, **k: (_ for _ in ()).throw(OSError()))
    assert output_width(environ={}) == 80  # stderr is captured by pytest: not a terminal


def test_table_lines_have_no_trailing_spaces_at_any_width(monkeypatch):
    for columns in ("60", "80", "100", "160"):
        monkeypatch.setenv("COLUMNS", columns)
        result = invoke(["ingest", str(DAILY), "--no-store", *RULE_ARGS])
        assert result.exit_code == 0, result.stderr
        lines = result.stdout.splitlines()
        assert lines and all(line == line.rstrip() for line in lines), columns
        assert max(len(line) for line in lines) <= int(columns)


# --- 7. help and usage errors ------------------------------------------------------------------


def _command_paths() -> list[list[str]]:
    import typer

    from papertriage.cli import app

    paths = []

    def walk(command, path):
        paths.append(path)
        for name, sub in getattr(command, "commands", {}).items():
            walk(sub, [*path, name])

    walk(typer.main.get_command(app), [])
    return paths


def test_help_reads_as_words_at_80_columns(monkeypatch):
    """Every command's --help at 80 columns: no Python types as placeholders, every example
    command of its docstring on one line as written, and no line over 80 but those."""
    monkeypatch.setenv("COLUMNS", "80")
    paths = _command_paths()
    assert len(paths) > 15
    for path in paths:
        result = invoke([*path, "--help"])
        assert result.exit_code == 0, (path, result.stderr)
        out = result.stdout
        assert not re.search(r"<(list\[|str>|int|float|path>|Path)", out), (path, out)
        examples = [
            line.strip() for line in out.splitlines() if line.strip().startswith("papertriage ")
        ]
        if path:
            assert examples, f"{path}: no example in --help"
        import typer

        from papertriage.cli import app

        command = typer.main.get_command(app)
        for name in path:
            command = command.commands[name]
        written = [
            line.strip()
            for line in (command.callback.__doc__ or command.help or "").splitlines()
            if line.strip().startswith("papertriage ")
        ]
        for example in written:
            assert example in examples, (path, example, out)


def test_command_summaries_are_whole():
    result = invoke(["--help"])
    commands = result.stdout.split("Commands:")[1]
    assert "..." not in commands
    # The column is as wide as the longest command name (simulate).
    assert "  ingest    Read listings, tag every paper with themes and print them ranked." in (
        commands
    )


def test_usage_line_and_metavars():
    result = invoke(["ingest", "--help"])
    assert "Usage: papertriage ingest [OPTIONS] FILE..." in result.stdout
    for placeholder in ("--format FORMAT", "--output FILE", "--theme ID", "--top N", "--rules DIR"):
        assert placeholder in result.stdout, placeholder
    assert "FILE...  Listing files" in result.stdout


@pytest.mark.parametrize(
    ("args", "expected"),
    [
        (
            ["ingest", "x.txt", "-f", "xlsx"],
            "papertriage: error: --format: 'xlsx' is not one of table, json, jsonl, csv, md",
        ),
        (["ingest", "x.txt", "--top", "abc"], "papertriage: error: --top: 'abc' is not a whole"),
        (["ingest", "x.txt", "--top", "0"], "papertriage: error: --top: 0 is out of range"),
        (["ingest"], "papertriage: error: missing FILE"),
        (["eval", "x.txt"], "papertriage: error: missing --gold"),
        (["ingest", "x.txt", "--bogus"], "papertriage: error: no such option: --bogus"),
    ],
)
def test_a_bad_value_is_one_error_line_exit_2(args, expected):
    result = invoke(args)
    assert result.exit_code == 2
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith(expected), lines[0]
    assert "Value error" not in lines[0] and "Input should" not in lines[0]


# --- 8. explain ------------------------------------------------------------------------------


def test_explain_theme_shows_that_theme_only():
    result = invoke(["explain", "Lantern", str(DAILY), "--theme", "distillation", *RULE_ARGS])
    assert result.exit_code == 0, result.stderr
    assert "distillation" in result.stdout
    assert "agents" not in result.stdout and "pretraining" not in result.stdout
    data = json.loads(
        invoke(["explain", "Lantern", str(DAILY), "-t", "agents", "-f", "json", *RULE_ARGS]).stdout
    )
    assert [t["id"] for t in data[0]["themes"]] == ["agents"]


def test_explain_unknown_theme_is_an_error():
    result = invoke(["explain", "Lantern", str(DAILY), "--theme", "agentz", *RULE_ARGS])
    assert result.exit_code == 1
    assert "unknown theme 'agentz'" in result.stderr and "agents" in result.stderr


def test_explain_says_not_assigned_on_the_threshold_scale_of_the_rule():
    """The fixture's distillation rule has the default threshold, pretraining 0.5 in its
    YAML: 'not assigned  X < 0.50 needed', X on the same scale, and never a pass."""
    result = invoke(["explain", "Lantern", str(DAILY), *RULE_ARGS])
    lines = result.stdout.splitlines()
    pre = next(line for line in lines if line.strip().startswith("pretraining"))
    match = re.search(r"not assigned  (\d\.\d+) < (\d\.\d\d) needed", pre)
    assert match, pre
    assert float(match.group(1)) < float(match.group(2)) == 0.5
    agents = next(line for line in lines if line.strip().startswith("agents"))
    assert re.search(r"assigned      \d\.\d\d >= 0\.50$", agents), agents
    assert "assigned: no" not in result.stdout and "points " not in pre


def test_explain_shows_what_a_pattern_matched_not_the_regex(tmp_path):
    rules = tmp_path / "rules"
    rules.mkdir()
    (rules / "benchmarks.yaml").write_text(
        "name: Benchmarks\ndescription: New benchmarks.\nthreshold: 0.5\n"
        "keywords:\n  leaderboard: 1.0\nprototype: A benchmark to evaluate models.\n"
        'patterns:\n  "\\\\b(?:build|construct)\\\\w*\\\\s[^.]{0,30}benchmark": 2.0\n',
        encoding="utf-8",
    )
    listing = tmp_path / "one.jsonl"
    listing.write_text(
        json.dumps({"title": "Counting owls", "abstract": "We construct a new owl benchmark."})
        + "\n",
        encoding="utf-8",
    )
    result = invoke(["explain", "owls", str(listing), "--no-default-rules", "--rules", str(rules)])
    assert result.exit_code == 0, result.stderr
    line = next(x for x in result.stdout.splitlines() if "(pattern)" in x)
    assert "'construct a new owl benchmark' (pattern) in abstract x1" in line, line
    assert "\\b" not in result.stdout


def test_explain_several_papers_is_compact():
    """A query that finds five papers: each paper's assigned themes with their evidence on
    a line, the closest misses on one line; --all gives every theme's evidence."""
    compact = invoke(["explain", "a", str(DAILY), *RULE_ARGS])
    full = invoke(["explain", "a", str(DAILY), "--all", *RULE_ARGS])
    assert compact.exit_code == 0 and full.exit_code == 0
    titles = [t for t in DAILY_TITLES if t in compact.stdout]
    assert len(titles) >= 4
    lines = compact.stdout.splitlines()
    assert len(lines) <= 6 * len(titles), compact.stdout
    assert len(lines) < len(full.stdout.splitlines())
    assert "closest misses:" in compact.stdout
    assert "no theme assigned" in compact.stdout
    assert all(len(line) <= 80 for line in lines if not any(t in line for t in DAILY_TITLES))
    assert "papers match 'a'" in compact.stderr and "--theme ID" in compact.stderr


# --- bar charts: eval and stats ----------------------------------------------------------------

EVAL = ["eval", "--gold", str(DAILY.with_name("daily.gold.jsonl")), str(DAILY), *RULE_ARGS]


def test_eval_piped_is_plain_columns_without_bars():
    result = invoke(EVAL)
    assert result.exit_code == 0, result.stderr
    table = result.stdout.split("papers evaluated")[0]
    assert not set("─━█▏▎▍▌▋▊▉#") & set(table)
    rows = [line.split() for line in table.splitlines()[1:] if line.strip()]
    rows = [r for r in rows if r[0] not in ("macro", "5")]
    assert len(rows) == 4 and all(len(r) == 7 for r in rows), rows
    assert all(line == line.rstrip() for line in result.stdout.splitlines())


@needs_tmux
def test_eval_on_a_terminal_draws_an_f1_bar_per_theme(terminal):
    screen = terminal(80, 40)
    command = " ".join(shlex.quote(a) for a in [*PAPERTRIAGE, *EVAL])
    lines = screen.run(command + " 2>/dev/null")
    rows = {line.split()[0]: line for line in lines if line.strip()[:1].isalpha()}
    assert "█" in rows["agents"] and "█" in rows["micro"], lines
    assert "█" not in rows["distillation"]  # F1 0: no bar
    assert all(len(line.rstrip()) <= 80 for line in lines)


STATS = {
    "library": "/tmp/library.db",
    "papers": 98,
    "untagged": 3,
    "runs": 2,
    "last_run": "2024-07-31 06:00",
    "new_in_last_run": 98,
    "themes": {"reinforcement-learning": 31, "agents": 20, "survey": 1},
    "weeks": {"2024-W31": 98},
}


class _FakeTerminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_stats_chart_on_a_terminal_and_plain_when_piped(monkeypatch):
    from papertriage.charts import render_stats

    monkeypatch.setenv("TERM", "xterm-256color")
    screen = _FakeTerminal()
    render_stats(STATS, screen, width=40)
    plain = re.sub(r"\x1b\[[0-9;]*m", "", screen.getvalue())
    bars = {line.split()[0]: line.count("█") for line in plain.splitlines() if "█" in line}
    assert bars["reinforcement-learning"] == 40 and 20 <= bars["agents"] <= 26
    assert bars["survey"] >= 1  # a count above zero is never an empty bar
    piped = io.StringIO()
    render_stats(STATS, piped, width=40)
    out = piped.getvalue()
    assert "\x1b" not in out and not set("█▏▎▍▌▋▊▉#") & set(out)
    assert "  reinforcement-learning  31" in out and "  survey                   1" in out
    assert all(line == line.rstrip() for line in out.splitlines())
