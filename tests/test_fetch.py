"""`papertriage fetch`: against a local HTTP server started here (127.0.0.1), never the internet.

The server plays recorded answers of invented papers: arXiv API pages (at most 40 entries
whatever max_results asks), Daily Papers JSON, a 503 with Retry-After, answers too slow for
the timeout, malformed XML, an empty day, ETag hits (304). It notes when each request came,
so that the pause between arXiv requests is measured.
"""

from __future__ import annotations

import json
import threading
import time
import urllib.parse
from collections.abc import Callable
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

from conftest import RULE_ARGS, assert_one_error_line, invoke, run_process

# --- invented papers -----------------------------------------------------------------------

WORDS = ["Lantern", "Orchard", "Pebble", "Quill", "Harbor", "Meadow", "Cinder", "Thistle"]


def arxiv_id(i: int) -> str:
    return f"2603.{10000 + i:05d}"


def title(i: int) -> str:
    return f"{WORDS[i % 8]} {WORDS[(i // 8) % 8]} {i}: Tool-Using Agents that Recover from Errors"


def atom_entry(i: int) -> str:
    return f"""  <entry>
    <id>http://arxiv.org/abs/{arxiv_id(i)}v1</id>
    <published>2026-03-02T10:00:00Z</published>
    <title>{title(i)}</title>
    <summary>We study agents number {i} that call tools and recover from failed API calls.</summary>
    <author><name>Ada Example{i}</name></author>
    <arxiv:primary_category term="cs.LG"/>
    <category term="cs.LG"/>
  </entry>
"""


def atom_feed(numbers: list[int], total: int, start: int = 0) -> str:
    return (
        '<?xml version="1.0" encoding="UTF-8"?>\n'
        '<feed xmlns="http://www.w3.org/2005/Atom" '
        'xmlns:opensearch="http://a9.com/-/spec/opensearch/1.1/" '
        'xmlns:arxiv="http://arxiv.org/schemas/atom">\n'
        "  <title>arXiv Query</title>\n"
        f"  <opensearch:totalResults>{total}</opensearch:totalResults>\n"
        f"  <opensearch:startIndex>{start}</opensearch:startIndex>\n"
        + "".join(atom_entry(i) for i in numbers)
        + "</feed>\n"
    )


def hf_item(i: int) -> dict:
    return {
        "title": title(i),
        "publishedAt": "2026-03-02T13:00:00.000Z",
        "paper": {
            "id": arxiv_id(i),
            "title": title(i),
            "summary": f"Agents number {i} call tools and recover from failed API calls.",
            "authors": [{"name": f"Ada Example{i}", "hidden": False}, {"name": "Bo Sample"}],
            "upvotes": i,
        },
    }


# --- the stand-in server -------------------------------------------------------------------

Answer = tuple[int, dict[str, str], bytes]


@dataclass
class Request:
    path: str
    query: dict[str, str]
    headers: dict[str, str]
    at: float  # time.monotonic() when it arrived


@dataclass
class StandIn:
    url: str
    requests: list[Request] = field(default_factory=list)
    answer: Callable[[Request, int], Answer] | None = None

    def gaps(self) -> list[float]:
        times = [r.at for r in self.requests]
        return [b - a for a, b in zip(times, times[1:])]


@pytest.fixture
def server():
    state = StandIn("")

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self):  # noqa: N802
            parts = urllib.parse.urlsplit(self.path)
            request = Request(
                parts.path,
                dict(urllib.parse.parse_qsl(parts.query)),
                {k.lower(): v for k, v in self.headers.items()},
                time.monotonic(),
            )
            state.requests.append(request)
            assert state.answer is not None
            status, headers, body = state.answer(request, len(state.requests))
            try:
                self.send_response(status)
                for name, value in headers.items():
                    self.send_header(name, value)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)
            except (BrokenPipeError, ConnectionResetError):
                pass  # the client gave up (a timeout test)

        def log_message(self, *args):
            pass

    httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    httpd.daemon_threads = True
    state.url = f"http://127.0.0.1:{httpd.server_address[1]}"
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield state
    httpd.shutdown()
    httpd.server_close()


def arxiv_pages(numbers: list[int], page_max: int = 40) -> Callable[[Request, int], Answer]:
    """The arXiv API: at most `page_max` entries a page, whatever max_results asks."""

    def answer(request: Request, n: int) -> Answer:
        start = int(request.query.get("start", 0))
        size = min(int(request.query.get("max_results", 10)), page_max)
        body = atom_feed(numbers[start : start + size], len(numbers), start)
        return 200, {"Content-Type": "application/atom+xml"}, body.encode()

    return answer


@pytest.fixture
def fast(monkeypatch):
    """Short pauses, timeouts and backoff, so that a test takes a fraction of a second."""
    from papertriage import fetch

    monkeypatch.setattr(fetch, "ARXIV_INTERVAL", 0.2)
    monkeypatch.setattr(fetch, "BACKOFF", 0.1)
    monkeypatch.setattr(fetch, "TIMEOUT", 0.5)


def arxiv_args(server: StandIn, *extra: str) -> list[str]:
    return [
        "fetch",
        "arxiv",
        "--category",
        "cs.LG",
        "--from",
        "2026-03-01",
        "--until",
        "2026-03-02",
        "--endpoint",
        f"{server.url}/api/query",
        *RULE_ARGS,
        *extra,
    ]


def hf_args(server: StandIn, *extra: str) -> list[str]:
    return [
        "fetch",
        "hf-daily",
        "--date",
        "2026-03-02",
        "--endpoint",
        f"{server.url}/api/daily_papers",
        *RULE_ARGS,
        *extra,
    ]


@pytest.mark.parametrize(
    "args, says", [(arxiv_args, "not an arXiv API feed"), (hf_args, "the answer is not JSON")]
)
def test_answer_that_is_not_the_api_is_an_error(server, fast, args, says):
    server.answer = lambda request, n: (200, {}, b"<html><body>Sign in</body></html>")
    result = invoke(args(server))
    assert result.exit_code == 1
    assert result.stdout == ""
    assert says in assert_one_error_line(result.stderr)


def jsonl(stdout: str) -> list[dict]:
    return [json.loads(line) for line in stdout.splitlines() if line.strip()]


def library(home: Path) -> Path:
    return home / "papertriage" / "library.db"


def stored_ids() -> list[str]:
    result = invoke(["list", "-f", "jsonl"])
    assert result.exit_code == 0, result.stderr
    return sorted(p["arxiv_id"] for p in jsonl(result.stdout))


# --- arXiv ---------------------------------------------------------------------------------


def test_arxiv_pages_of_40_give_every_paper_once_and_pause_between_requests(server, fast):
    numbers = list(range(95))
    server.answer = arxiv_pages(numbers)
    result = invoke(arxiv_args(server, "-f", "jsonl"))
    assert result.exit_code == 0, result.stderr
    papers = jsonl(result.stdout)
    assert sorted(p["arxiv_id"] for p in papers) == [arxiv_id(i) for i in numbers]
    assert {p["title"] for p in papers} == {title(i) for i in numbers}
    # start moves on by what a page held (40), not by what was asked for (200).
    assert [r.query["start"] for r in server.requests] == ["0", "40", "80"]
    first = server.requests[0]
    assert first.query["search_query"] == (
        "cat:cs.LG AND submittedDate:[202603010000 TO 202603022359]"
    )
    assert first.headers["user-agent"].startswith("papertriage/")
    assert all(gap >= 0.2 for gap in server.gaps()), server.gaps()
    assert stored_ids() == [arxiv_id(i) for i in numbers]


def test_arxiv_several_categories_are_one_query(server, fast):
    server.answer = arxiv_pages([1, 2])
    result = invoke([*arxiv_args(server, "-c", "cs.CL", "-f", "jsonl")])
    assert result.exit_code == 0, result.stderr
    assert server.requests[0].query["search_query"].startswith("(cat:cs.LG OR cat:cs.CL) AND ")


def test_arxiv_503_is_retried_after_retry_after(server, fast):
    pages = arxiv_pages([1, 2, 3])

    def answer(request: Request, n: int) -> Answer:
        if n == 1:
            return 503, {"Retry-After": "1"}, b"busy"
        return pages(request, n)

    server.answer = answer
    result = invoke(arxiv_args(server, "-f", "jsonl"))
    assert result.exit_code == 0, result.stderr
    assert [p["arxiv_id"] for p in jsonl(result.stdout)] != []
    assert sorted(p["arxiv_id"] for p in jsonl(result.stdout)) == [arxiv_id(i) for i in (1, 2, 3)]
    assert len(server.requests) == 2
    assert server.gaps()[0] >= 1.0  # Retry-After: 1, longer than the backoff (0.1 s)


def test_arxiv_timeout_is_retried(server, fast):
    pages = arxiv_pages([4, 5])

    def answer(request: Request, n: int) -> Answer:
        if n == 1:
            time.sleep(1.0)  # the client waits 0.5 s
        return pages(request, n)

    server.answer = answer
    result = invoke(arxiv_args(server, "-f", "jsonl"))
    assert result.exit_code == 0, result.stderr
    assert sorted(p["arxiv_id"] for p in jsonl(result.stdout)) == [arxiv_id(4), arxiv_id(5)]
    assert len(server.requests) == 2


def test_arxiv_that_never_answers_in_time_is_one_error_and_nothing_stored(
    server, fast, isolated_env
):
    def answer(request: Request, n: int) -> Answer:
        time.sleep(0.8)
        return arxiv_pages([1])(request, n)

    server.answer = answer
    result = invoke(arxiv_args(server))
    assert result.exit_code == 1
    assert result.stdout == ""
    line = assert_one_error_line(result.stderr)
    assert "no answer within 0.5 s (4 attempts)" in line
    assert len(server.requests) == 4
    assert not library(isolated_env).exists()


def test_arxiv_failure_on_a_later_page_stores_nothing(server, fast, isolated_env):
    pages = arxiv_pages(list(range(60)))

    def answer(request: Request, n: int) -> Answer:
        if request.query["start"] != "0":
            return 500, {}, b"oops"
        return pages(request, n)

    server.answer = answer
    result = invoke(arxiv_args(server, "-o", str(isolated_env / "out.md"), "-f", "md"))
    assert result.exit_code == 1
    assert "HTTP 500" in assert_one_error_line(result.stderr)
    assert not (isolated_env / "out.md").exists()
    assert not library(isolated_env).exists()


def test_arxiv_malformed_xml_keeps_the_entries_before_it(server, fast):
    def answer(request: Request, n: int) -> Answer:
        whole = atom_feed([1, 2, 3], 3)
        broken = whole[: whole.index(title(3))] + "<title>Broken <b>off"
        return 200, {}, broken.encode()

    server.answer = answer
    result = invoke(arxiv_args(server, "-f", "jsonl"))
    assert result.exit_code == 0, result.stderr
    assert sorted(p["arxiv_id"] for p in jsonl(result.stdout)) == [arxiv_id(1), arxiv_id(2)]
    assert "XML" in result.stderr and "warning" in result.stderr


def test_arxiv_empty_day_says_so_and_stores_nothing(server, fast, isolated_env):
    server.answer = arxiv_pages([])
    result = invoke(arxiv_args(server, "-f", "json"))
    assert result.exit_code == 0
    assert result.stdout == ""
    assert result.stderr.strip() == (
        "papertriage: no papers: arXiv cs.LG 2026-03-01..2026-03-02 lists none"
    )
    assert len(server.requests) == 1
    assert not library(isolated_env).exists()


def test_arxiv_same_papers_again_is_nothing_new(server, fast):
    server.answer = arxiv_pages([7, 8])
    assert invoke(arxiv_args(server, "-f", "jsonl")).exit_code == 0
    again = invoke(arxiv_args(server, "-f", "jsonl"))
    assert again.exit_code == 0
    assert again.stdout == ""
    lines = again.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("papertriage: nothing new: arXiv cs.LG")
    forced = invoke(arxiv_args(server, "-f", "jsonl", "--refetch"))
    assert len(jsonl(forced.stdout)) == 2


def test_arxiv_sliding_window_with_no_new_paper_is_nothing_new(server, fast):
    """A cron job's --from 4d moves every day: what counts is whether any paper is new."""
    server.answer = arxiv_pages([1, 2, 3])
    assert invoke(arxiv_args(server)).exit_code == 0
    server.answer = arxiv_pages([2, 3])
    later = [*arxiv_args(server, "-f", "jsonl")]
    later[later.index("2026-03-01")] = "2026-03-02"
    later[later.index("2026-03-02", later.index("--until"))] = "2026-03-03"
    again = invoke(later)
    assert again.exit_code == 0 and again.stdout == ""
    assert "nothing new: arXiv cs.LG 2026-03-02..2026-03-03" in again.stderr
    server.answer = arxiv_pages([2, 3, 4])
    third = invoke(later)
    assert sorted(p["arxiv_id"] for p in jsonl(third.stdout)) == [arxiv_id(i) for i in (2, 3, 4)]


def test_arxiv_save_keeps_the_raw_pages(server, fast, tmp_path):
    server.answer = arxiv_pages(list(range(50)))
    result = invoke(arxiv_args(server, "--save", str(tmp_path / "raw"), "--no-store"))
    assert result.exit_code == 0, result.stderr
    saved = sorted((tmp_path / "raw").iterdir())
    assert [p.name for p in saved] == [
        "arxiv-cs.LG-2026-03-01-2026-03-02-001.xml",
        "arxiv-cs.LG-2026-03-01-2026-03-02-002.xml",
    ]
    assert saved[1].read_text() == atom_feed(list(range(40, 50)), 50, 40)
    # A saved page is an ordinary arxiv-atom input for ingest.
    again = invoke(["ingest", str(saved[1]), "-f", "jsonl", "--no-store", *RULE_ARGS])
    assert len(jsonl(again.stdout)) == 10


def test_arxiv_api_error_entry_is_an_error(server, fast):
    body = atom_feed([], 1).replace(
        "</feed>",
        "<entry><id>http://arxiv.org/api/errors#incorrect_id_format</id>"
        "<title>Error</title><summary>malformed query</summary></entry></feed>",
    )
    server.answer = lambda request, n: (200, {}, body.encode())
    result = invoke(arxiv_args(server))
    assert result.exit_code == 1
    assert "arXiv API error: malformed query" in assert_one_error_line(result.stderr)


def test_bad_category_and_date_are_usage_errors(server):
    result = invoke(["fetch", "arxiv", "-c", "cs.LG", "--from", "last tuesday"])
    assert result.exit_code == 2
    assert "--from" in result.stderr and "is not a date" in result.stderr
    result = invoke(["fetch", "arxiv", "-c", "cs LG;", "--endpoint", server.url])
    assert result.exit_code == 1
    assert "not an arXiv category" in assert_one_error_line(result.stderr)
    assert server.requests == []


# --- Hugging Face Daily Papers -------------------------------------------------------------


def hf_answer(items: list[dict], etag: str | None = None) -> Callable[[Request, int], Answer]:
    def answer(request: Request, n: int) -> Answer:
        if etag is not None and request.headers.get("if-none-match") == etag:
            return 304, {"ETag": etag}, b""
        headers = {"Content-Type": "application/json"}
        if etag is not None:
            headers["ETag"] = etag
        return 200, headers, json.dumps(items).encode()

    return answer


def test_hf_daily_gives_every_paper_with_its_fields(server, fast):
    server.answer = hf_answer([hf_item(i) for i in (3, 11, 12)])
    result = invoke(hf_args(server, "-f", "jsonl"))
    assert result.exit_code == 0, result.stderr
    papers = {p["arxiv_id"]: p for p in jsonl(result.stdout)}
    assert sorted(papers) == [arxiv_id(3), arxiv_id(11), arxiv_id(12)]
    paper = papers[arxiv_id(11)]
    assert paper["title"] == title(11)
    assert paper["abstract"].startswith("Agents number 11 call tools")
    assert paper["authors"] == ["Ada Example11", "Bo Sample"]
    assert paper["votes"] == 11
    assert paper["date"] == "2026-03-02"
    assert paper["url"] == f"https://huggingface.co/papers/{arxiv_id(11)}"
    assert server.requests[0].path == "/api/daily_papers"
    assert server.requests[0].query["date"] == "2026-03-02"


def test_hf_daily_etag_hit_does_nothing_and_says_so(server, fast, isolated_env):
    server.answer = hf_answer([hf_item(1), hf_item(2)], etag='"v1"')
    first = invoke(hf_args(server, "-f", "jsonl"))
    assert first.exit_code == 0 and len(jsonl(first.stdout)) == 2
    assert "if-none-match" not in server.requests[0].headers
    out = isolated_env / "today.md"
    again = invoke(hf_args(server, "-f", "md", "-o", str(out)))
    assert server.requests[1].headers["if-none-match"] == '"v1"'
    assert again.exit_code == 0
    assert again.stdout == ""
    assert not out.exists()
    lines = again.stderr.strip().splitlines()
    assert len(lines) == 1
    assert lines[0].startswith(
        "papertriage: nothing new: Hugging Face Daily Papers 2026-03-02 has no paper the last "
        "fetch ("
    )


def test_hf_daily_last_modified_is_sent_back(server, fast):
    stamp = "Mon, 02 Mar 2026 13:00:00 GMT"

    def answer(request: Request, n: int) -> Answer:
        if request.headers.get("if-modified-since") == stamp:
            return 304, {}, b""
        return 200, {"Last-Modified": stamp}, json.dumps([hf_item(5)]).encode()

    server.answer = answer
    assert invoke(hf_args(server)).exit_code == 0
    again = invoke(hf_args(server))
    assert server.requests[1].headers["if-modified-since"] == stamp
    assert again.exit_code == 0 and again.stdout == ""
    assert "nothing new" in again.stderr


def test_a_no_store_run_is_not_remembered(server, fast, tmp_path):
    """A try-out with --no-store does not make the next (cron) run skip the papers."""
    server.answer = hf_answer([hf_item(1)], etag='"v1"')
    assert invoke(hf_args(server, "--no-store")).exit_code == 0
    again = invoke(hf_args(server, "-f", "jsonl"))
    assert "if-none-match" not in server.requests[1].headers
    assert len(jsonl(again.stdout)) == 1
    other = invoke(hf_args(server, "-f", "jsonl", "--db", str(tmp_path / "other.db")))
    assert len(jsonl(other.stdout)) == 1  # another library has not had them


def test_hf_daily_empty_day(server, fast, isolated_env):
    server.answer = hf_answer([])
    result = invoke(hf_args(server))
    assert result.exit_code == 0
    assert result.stdout == ""
    assert result.stderr.strip() == (
        "papertriage: no papers: Hugging Face Daily Papers 2026-03-02 lists none"
    )
    assert not library(isolated_env).exists()


def test_hf_daily_pages_until_a_short_page(server, fast, monkeypatch):
    from papertriage import fetch

    monkeypatch.setattr(fetch, "HF_PAGE", 2)
    items = [hf_item(i) for i in range(5)]

    def answer(request: Request, n: int) -> Answer:
        page = int(request.query.get("p", 0))
        size = int(request.query["limit"])
        return 200, {}, json.dumps(items[page * size : page * size + size]).encode()

    server.answer = answer
    result = invoke(hf_args(server, "-f", "jsonl"))
    assert result.exit_code == 0, result.stderr
    assert len(jsonl(result.stdout)) == 5
    assert [r.query.get("p") for r in server.requests] == [None, "1", "2"]


def test_hf_daily_server_that_ignores_paging_is_read_once(server, fast, monkeypatch):
    from papertriage import fetch

    monkeypatch.setattr(fetch, "HF_PAGE", 3)
    server.answer = hf_answer([hf_item(i) for i in range(3)])
    result = invoke(hf_args(server, "-f", "jsonl"))
    assert result.exit_code == 0, result.stderr
    assert len(jsonl(result.stdout)) == 3
    assert len(server.requests) == 2  # the second page brought nothing new: stop


def test_endpoint_from_the_environment(server, fast, monkeypatch):
    server.answer = hf_answer([hf_item(9)])
    monkeypatch.setenv("PAPERTRIAGE_HF_ENDPOINT", f"{server.url}/elsewhere")
    result = invoke(["fetch", "hf-daily", "-f", "jsonl", "--no-store", *RULE_ARGS])
    assert result.exit_code == 0, result.stderr
    assert [p["arxiv_id"] for p in jsonl(result.stdout)] == [arxiv_id(9)]
    assert server.requests[0].path == "/elsewhere"
    assert "date" not in server.requests[0].query  # no --date: the latest list


def test_fetch_takes_the_ingest_options(server, fast, isolated_env):
    server.answer = hf_answer([hf_item(i) for i in range(6)])
    out = isolated_env / "triage.csv"
    result = invoke(hf_args(server, "--top", "2", "-f", "csv", "-o", str(out), "--no-store"))
    assert result.exit_code == 0, result.stderr
    assert result.stdout == ""
    assert len(out.read_text().splitlines()) == 3  # header and the 2 best
    assert not library(isolated_env).exists()


# --- unreachable ---------------------------------------------------------------------------


def closed_port() -> int:
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.mark.parametrize("source", ["arxiv", "hf-daily"])
def test_unreachable_endpoint_is_one_error_line(source, isolated_env):
    port = closed_port()
    extra = ["-c", "cs.LG"] if source == "arxiv" else []
    started = time.monotonic()
    result = run_process(
        ["fetch", source, *extra, "--endpoint", f"http://127.0.0.1:{port}/api"],
        env={"PAPERTRIAGE_HOME": str(isolated_env / "papertriage")},
    )
    assert result.returncode == 1
    assert result.stdout == b""
    line = assert_one_error_line(result.stderr.decode())
    assert f"cannot reach 127.0.0.1:{port}" in line
    assert time.monotonic() - started < 10  # refused at once: no retries
    assert not library(isolated_env).exists()


def test_retry_after_as_a_date():
    from papertriage.fetch import retry_after

    assert retry_after("7") == 7.0
    assert retry_after("Mon, 02 Mar 2026 13:00:30 GMT", now=1772456400.0) == 30.0
    assert retry_after("soon") is None


# --- the real pause ------------------------------------------------------------------------


def test_real_arxiv_requests_are_at_least_3_s_apart(server, isolated_env):
    """With the shipped settings, as a real process: a 503 first, then two pages of 40."""
    pages = arxiv_pages(list(range(70)))

    def answer(request: Request, n: int) -> Answer:
        if n == 1:
            return 503, {}, b"busy"
        return pages(request, n)

    server.answer = answer
    result = run_process(
        [*arxiv_args(server, "-f", "jsonl")],
        env={"PAPERTRIAGE_HOME": str(isolated_env / "papertriage")},
        timeout=60,
    )
    assert result.returncode == 0, result.stderr
    assert sorted(json.loads(line)["arxiv_id"] for line in result.stdout.splitlines()) == [
        arxiv_id(i) for i in range(70)
    ]
    assert len(server.requests) == 3
    assert min(server.gaps()) >= 3.0, server.gaps()
