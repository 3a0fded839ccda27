"""Reading inputs: encodings, line ends, bad bytes and bad files give text or one clear error."""

from __future__ import annotations

import io
import json
import os

import pytest

from conftest import (
    DAILY,
    DAILY_TITLES,
    RULE_ARGS,
    assert_one_error_line,
    invoke,
    run_process,
)
from papertriage.errors import InputError
from papertriage.reading import decode, read_input

PAGE = DAILY.read_bytes()


def papers_of(data: bytes, tmp_path, name: str = "page.txt") -> list[dict]:
    path = tmp_path / name
    path.write_bytes(data)
    result = invoke(["ingest", str(path), "-f", "json", *RULE_ARGS])
    assert result.exit_code == 0, result.stderr
    return json.loads(result.stdout)["papers"]


def titles_and_abstracts(papers: list[dict]) -> list[tuple[str, str]]:
    return sorted((p["title"], p["abstract"]) for p in papers)


# --- bytes to text -------------------------------------------------------------------------


def test_decode_strips_a_utf8_bom():
    text = decode(b"\xef\xbb\xbfnew\nTitle here", "x.txt")
    assert text.lines == ["new", "Title here"]
    assert not text.problems


@pytest.mark.parametrize("newline", [b"\r\n", b"\r"])
def test_decode_normalises_crlf_and_lone_cr(newline):
    text = decode(newline.join([b"one", b"two", b"", b"three"]), "x.txt")
    assert text.lines == ["one", "two", "", "three"]
    assert "\r" not in text.text


@pytest.mark.parametrize("newline", [b"\n", b"\r\n", b"\r"], ids=["lf", "crlf", "cr"])
def test_decode_replaces_invalid_bytes_and_reports_file_and_line(newline):
    data = newline.join([b"first line", b"second \xff\xfe line", b"third line", b""])
    text = decode(data, "bad.txt")
    assert text.lines[0] == "first line"
    assert "\ufffd" in text.lines[1]
    assert text.lines[1].startswith("second ") and text.lines[1].endswith(" line")
    assert text.lines[2] == "third line"
    assert [(p.file, p.line, p.kind) for p in text.problems] == [("bad.txt", 2, "encoding")]


def test_read_input_from_stdin_stream():
    source = read_input("-", stdin=io.BytesIO(b"Daily Papers\nA Title\nAn abstract."))
    assert source.name == "<stdin>"
    assert source.lines == ["Daily Papers", "A Title", "An abstract."]


# --- whole pages ---------------------------------------------------------------------------


def test_bom_page_gives_the_same_papers(tmp_path):
    plain = papers_of(PAGE, tmp_path, "plain.txt")
    with_bom = papers_of(b"\xef\xbb\xbf" + PAGE, tmp_path, "bom.txt")
    assert sorted(p["title"] for p in plain) == sorted(DAILY_TITLES)
    assert titles_and_abstracts(with_bom) == titles_and_abstracts(plain)


@pytest.mark.parametrize("newline", [b"\r\n", b"\r"], ids=["crlf", "cr"])
def test_crlf_and_cr_pages_give_the_same_papers(tmp_path, newline):
    plain = papers_of(PAGE, tmp_path, "plain.txt")
    converted = papers_of(PAGE.replace(b"\n", newline), tmp_path, "converted.txt")
    assert titles_and_abstracts(converted) == titles_and_abstracts(plain)
    assert all("\r" not in p["title"] + p["abstract"] for p in converted)
    # Line numbers count the same lines whatever the line ends.
    lines = {p["title"]: p["sources"][0]["line"] for p in plain}
    assert {p["title"]: p["sources"][0]["line"] for p in converted} == lines


def test_invalid_bytes_are_replaced_and_reported_with_file_and_line(tmp_path):
    lines = PAGE.split(b"\n")
    number = next(i for i, line in enumerate(lines, 1) if line.startswith(b"Knowledge distil"))
    lines[number - 1] = lines[number - 1].replace(b"small student", b"small \xff\xfe student")
    path = tmp_path / "broken.txt"
    path.write_bytes(b"\n".join(lines))

    result = invoke(["ingest", str(path), "-f", "json", *RULE_ARGS])
    assert result.exit_code == 0
    assert "Traceback" not in result.stderr
    assert f"{path}:{number}:" in result.stderr
    document = json.loads(result.stdout)
    problems = [(p["file"], p["line"], p["kind"]) for p in document["problems"]]
    assert problems == [(str(path), number, "encoding")]
    quiet = next(p for p in document["papers"] if p["title"].startswith("Quiet Teachers"))
    assert "small \ufffd\ufffd student" in quiet["abstract"]
    assert len(document["papers"]) == len(DAILY_TITLES)


def test_invalid_bytes_in_a_real_process_never_give_a_traceback(tmp_path):
    path = tmp_path / "latin1.txt"
    path.write_bytes(PAGE.replace(b"Counting Pebbles", b"Counting Pebbl\xe9s"))
    proc = run_process(["ingest", str(path), "-f", "jsonl", *RULE_ARGS])
    assert proc.returncode == 0
    stderr = proc.stderr.decode()
    assert "Traceback" not in stderr
    assert f"{path}:" in stderr and "UTF-8" in stderr
    titles = [json.loads(line)["title"] for line in proc.stdout.decode().splitlines()]
    assert "Counting Pebbl\ufffds: A Benchmark of Spatial Puzzles for Vision Models" in titles


# --- inputs that cannot be used: one line on stderr, exit 1 --------------------------------


def test_missing_file(tmp_path):
    missing = tmp_path / "nope.txt"
    result = invoke(["ingest", str(missing), *RULE_ARGS])
    assert result.exit_code == 1
    assert str(missing) in assert_one_error_line(result.stderr)
    assert result.stdout == ""


def test_empty_directory(tmp_path):
    folder = tmp_path / "empty-folder"
    folder.mkdir()
    result = invoke(["ingest", str(folder), *RULE_ARGS])
    assert result.exit_code == 1
    assert str(folder) in assert_one_error_line(result.stderr)


def test_read_input_refuses_a_directory(tmp_path):
    with pytest.raises(InputError, match="directory"):
        read_input(str(tmp_path))


@pytest.mark.skipif(
    not hasattr(os, "geteuid") or os.geteuid() == 0, reason="root can read a chmod 000 file"
)
def test_unreadable_file(tmp_path):
    path = tmp_path / "secret.txt"
    path.write_bytes(PAGE)
    path.chmod(0)
    try:
        result = invoke(["ingest", str(path), *RULE_ARGS])
    finally:
        path.chmod(0o644)
    assert result.exit_code == 1
    line = assert_one_error_line(result.stderr)
    assert str(path) in line and "permission" in line.lower()


@pytest.mark.parametrize(
    "content", [b"", b"   \n\n\t \r\n", b"\xef\xbb\xbf"], ids=["empty", "whitespace", "bom-only"]
)
def test_empty_or_blank_file(tmp_path, content):
    path = tmp_path / "blank.txt"
    path.write_bytes(content)
    result = invoke(["ingest", str(path), *RULE_ARGS])
    assert result.exit_code == 1
    line = assert_one_error_line(result.stderr)
    assert str(path) in line
    assert result.stdout == ""


def test_empty_stdin():
    result = invoke(["ingest", "-", *RULE_ARGS], input=b"")
    assert result.exit_code == 1
    assert "stdin" in assert_one_error_line(result.stderr)


def test_page_with_only_chrome_has_no_papers():
    result = invoke(["ingest", str(DAILY.with_name("chrome-only.txt")), *RULE_ARGS])
    assert result.exit_code == 1
    assert "no papers" in assert_one_error_line(result.stderr)


def test_one_bad_input_among_good_ones_fails_the_run(tmp_path):
    result = invoke(["ingest", str(DAILY), str(tmp_path / "missing.txt"), *RULE_ARGS])
    assert result.exit_code == 1
    assert "missing.txt" in assert_one_error_line(result.stderr)
    assert result.stdout == ""
