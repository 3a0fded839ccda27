"""Fetch the day's listings over HTTP: the arXiv API (Atom) and Hugging Face Daily Papers (JSON).

HTTP is the standard library's urllib: each source is a handful of plain GETs, so a client
library would add a dependency for nothing it does here. urllib does the HTTP, TLS, redirects,
proxies from the environment and timeouts; what it does not do, and what a client's retry
helper could not do right either, is kept here in `Client.get`: a retry is a request too, so
it must wait for arXiv's 3 s between requests as well as for the server's Retry-After and the
backoff (urllib3's Retry sleeps inside its pool and knows nothing of a spacing rule).

Nothing here parses XML or maps JSON records: an arXiv page goes through the safe arxiv-atom
parser and a Daily Papers item through the JSON record mapping, exactly as `ingest` reads them.
The fetched documents are handed to the ingest pipeline as in-memory inputs named by their URL.

Conditional requests: the ETag and Last-Modified of each source (arXiv categories, a Daily
Papers day) and the ids of the papers it gave are kept in ``fetch-cache.json`` in the data
folder, per library, written only after a run has stored its papers, so that a later run that
gets 304 Not Modified, or only papers it already had (arXiv sends no validators, and a window
such as --from 4d slides), does nothing.
"""

from __future__ import annotations

import datetime as dt
import os
import re
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from papertriage import __version__
from papertriage.errors import PapertriageError

if TYPE_CHECKING:
    from papertriage.models import Paper, ParseReport
    from papertriage.reading import InputText

# urllib.request, json and the parsers are imported where they are used: `papertriage --help`
# loads this module for the constants below and should not pay for them.

ARXIV_ENDPOINT = "https://export.arxiv.org/api/query"
HF_ENDPOINT = "https://huggingface.co/api/daily_papers"
ARXIV_ENV = "PAPERTRIAGE_ARXIV_ENDPOINT"
HF_ENV = "PAPERTRIAGE_HF_ENDPOINT"

# arXiv asks for no more than one request every three seconds (API user manual, terms of use).
ARXIV_INTERVAL = 3.0
ARXIV_PAGE = 200  # results asked for per request; a server may send fewer, paging follows
ARXIV_DAYS = 2  # --from defaults to this many days before --until
HF_PAGE = 100  # the Daily Papers API's largest page
HF_MAX_PAGES = 20
TIMEOUT = 30.0  # seconds to connect, and between bytes of an answer
RETRIES = 3  # after the first attempt
BACKOFF = 2.0  # seconds before the first retry, doubled for each next one
MAX_RETRY_AFTER = 120.0  # a server that asks for a longer wait fails the run instead
EMPTY_PAGE_RETRIES = 2  # arXiv now and then answers a page with no entries: asked again
RETRY_STATUS = frozenset({429, 500, 502, 503, 504})
CACHE_FILE = "fetch-cache.json"


class FetchError(PapertriageError):
    """The source could not be fetched (offline, refused, HTTP error, not a listing)."""


def user_agent() -> str:
    """A descriptive User-Agent, as arXiv asks; PAPERTRIAGE_CONTACT (an e-mail) is added."""
    agent = (
        f"papertriage/{__version__} (command-line paper triage; "
        f"Python-urllib/{sys.version_info.major}.{sys.version_info.minor}"
    )
    contact = os.environ.get("PAPERTRIAGE_CONTACT", "").strip()
    if contact:
        agent += f"; mailto:{contact}"
    return agent + ")"


@dataclass
class Response:
    url: str
    status: int
    headers: dict[str, str]  # names in lower case
    body: bytes


def retry_after(value: str | None, now: float | None = None) -> float | None:
    """Seconds to wait from a Retry-After header: a number of seconds or an HTTP date."""
    import email.utils

    if not value:
        return None
    value = value.strip()
    if value.isdigit():
        return float(value)
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=dt.timezone.utc)
    current = dt.datetime.now(dt.timezone.utc).timestamp() if now is None else now
    return max(0.0, when.timestamp() - current)


def _host(url: str) -> str:
    import urllib.parse

    parts = urllib.parse.urlsplit(url)
    return parts.netloc or url


class Client:
    """GET with a pause between requests (`interval`, from the end of one request to the start
    of the next), a timeout, and retries with exponential backoff on 429/5xx answers, timeouts
    and dropped connections, honouring Retry-After. A host that cannot be reached at all
    (no network, unknown name, connection refused) fails at once: retrying would only make a
    cron job hang."""

    def __init__(
        self,
        *,
        interval: float = 0.0,
        timeout: float = TIMEOUT,
        retries: int = RETRIES,
        backoff: float = BACKOFF,
        max_retry_after: float = MAX_RETRY_AFTER,
        sleep: Callable[[float], None] = time.sleep,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.interval = interval
        self.timeout = timeout
        self.retries = retries
        self.backoff = backoff
        self.max_retry_after = max_retry_after
        self.sleep = sleep
        self.clock = clock
        self.requests = 0
        self._last_end: float | None = None

    def _wait(self, at_least: float) -> None:
        if self._last_end is None:
            return
        pause = self._last_end + max(self.interval, at_least) - self.clock()
        if pause > 0:
            self.sleep(pause)

    def get(self, url: str, headers: dict[str, str] | None = None) -> Response:
        import http.client
        import urllib.error
        import urllib.request

        request_headers = {"User-Agent": user_agent(), **(headers or {})}
        host = _host(url)
        delay = 0.0
        problem = ""
        for attempt in range(self.retries + 1):
            self._wait(delay)
            self.requests += 1
            request = urllib.request.Request(url, headers=request_headers)
            try:
                with urllib.request.urlopen(request, timeout=self.timeout) as answer:
                    body = answer.read()
                    return Response(url, answer.status, _lower(answer.headers), body)
            except urllib.error.HTTPError as exc:
                answer_headers = _lower(exc.headers)
                exc.close()
                if exc.code == 304:
                    return Response(url, 304, answer_headers, b"")
                problem = f"HTTP {exc.code} {exc.reason}".strip()
                if exc.code not in RETRY_STATUS:
                    raise FetchError(f"{host}: {problem} for {url}") from None
                asked = retry_after(answer_headers.get("retry-after"))
                if asked is not None and asked > self.max_retry_after:
                    raise FetchError(
                        f"{host}: {problem}; the server asks to retry in {asked:.0f} s, "
                        "try again later"
                    ) from None
                delay = max(asked or 0.0, self.backoff * 2**attempt)
            except urllib.error.URLError as exc:
                reason = exc.reason
                if not isinstance(reason, (TimeoutError, ConnectionResetError)):
                    text = getattr(reason, "strerror", None) or str(reason)
                    raise FetchError(f"cannot reach {host}: {text}") from None
                problem = _network_problem(reason, self.timeout)
                delay = self.backoff * 2**attempt
            except (TimeoutError, ConnectionError, http.client.HTTPException) as exc:
                # A timeout or a dropped connection while the answer was being read.
                problem = _network_problem(exc, self.timeout)
                delay = self.backoff * 2**attempt
            finally:
                self._last_end = self.clock()
        tries = self.retries + 1
        raise FetchError(f"{host}: {problem} ({tries} attempt{'s' * (tries != 1)})")


def _network_problem(exc: BaseException, timeout: float) -> str:
    if isinstance(exc, TimeoutError):
        return f"no answer within {timeout:g} s"
    return f"connection dropped ({type(exc).__name__})"


def _lower(headers) -> dict[str, str]:  # noqa: ANN001
    return {k.lower(): v for k, v in headers.items()} if headers is not None else {}


# --- dates ---------------------------------------------------------------------------------

_RELATIVE = re.compile(r"^(\d+)d$")


def parse_day(value: str, today: dt.date | None = None) -> dt.date:
    """YYYY-MM-DD, `today`, `yesterday` or Nd (N days ago), in UTC."""
    today = today or dt.datetime.now(dt.timezone.utc).date()
    text = value.strip().lower()
    if text == "today":
        return today
    if text == "yesterday":
        return today - dt.timedelta(days=1)
    match = _RELATIVE.match(text)
    if match:
        return today - dt.timedelta(days=int(match.group(1)))
    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        raise ValueError(
            f"{value!r} is not a date: use YYYY-MM-DD, today, yesterday or Nd"
        ) from None


# --- conditional requests ------------------------------------------------------------------


def cache_path() -> Path:
    from papertriage.store import data_dir

    return data_dir() / CACHE_FILE


def load_cache() -> dict[str, dict]:
    import json

    try:
        data = json.loads(cache_path().read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    return data if isinstance(data, dict) else {}


def save_cache_entry(key: str, entry: dict) -> None:
    """Remember a source's validators; written atomically, a failure is not the run's."""
    import json

    path = cache_path()
    cache = load_cache()
    cache[key] = entry
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        partial = path.with_name(f".{path.name}.partial")
        partial.write_text(json.dumps(cache, indent=1, sort_keys=True), encoding="utf-8")
        os.replace(partial, path)
    except OSError:
        pass


def conditional_headers(entry: dict | None, url: str) -> dict[str, str]:
    """If-None-Match / If-Modified-Since, when the cached validators are this URL's."""
    headers: dict[str, str] = {}
    if entry and entry.get("url") == url:
        if entry.get("etag"):
            headers["If-None-Match"] = entry["etag"]
        if entry.get("last_modified"):
            headers["If-Modified-Since"] = entry["last_modified"]
    return headers


def paper_keys(papers: list[Paper]) -> list[str]:
    """Which papers a source gave: arXiv ids, else titles; sorted, each once."""
    return sorted({p.arxiv_id or " ".join(p.title.lower().split()) for p in papers})


def nothing_new(cached: dict | None, papers: list[Paper]) -> bool:
    """True when every paper was already in the source's last fetch."""
    if not cached or not papers:
        return False
    return set(paper_keys(papers)) <= set(cached.get("papers") or [])


# --- what a fetch gives --------------------------------------------------------------------


@dataclass
class Fetched:
    """The documents fetched from one source, ready for the ingest pipeline."""

    label: str  # for messages: "arXiv cs.LG 2026-03-01..2026-03-03"
    key: str  # the cache key of the source
    input_format: str
    documents: list[InputText] = field(default_factory=list)
    papers: int = 0
    not_modified: bool = False  # 304, or exactly the papers of the last run
    validators: dict = field(default_factory=dict)
    complete: bool = True  # False when a page could not be had: the cache is not updated
    warnings: list[str] = field(default_factory=list)

    @property
    def names(self) -> list[str]:
        return [d.name for d in self.documents]

    def remember(self, scope: str) -> None:
        """Keep the validators once the run has stored the papers in the library `scope`."""
        if self.complete and self.validators:
            save_cache_entry(f"{scope} | {self.key}", self.validators)


def cached_entry(cache: dict, scope: str, key: str) -> dict | None:
    return cache.get(f"{scope} | {key}")


def _validators(response: Response, papers: list[Paper]) -> dict:
    entry = {
        "url": response.url,
        "papers": paper_keys(papers),
        "fetched": dt.datetime.now(dt.timezone.utc).isoformat(timespec="seconds"),
    }
    if response.headers.get("etag"):
        entry["etag"] = response.headers["etag"]
    if response.headers.get("last-modified"):
        entry["last_modified"] = response.headers["last-modified"]
    return entry


def _parse(document: InputText, input_format: str) -> tuple[list[Paper], ParseReport]:
    """The papers of one fetched document, read by the parser ingest uses."""
    from papertriage.models import ParseReport
    from papertriage.parsers import parse_input

    report = ParseReport()
    return list(parse_input(document, report, input_format)), report


def _save(save_dir: Path | None, name: str, body: bytes) -> None:
    if save_dir is None:
        return
    try:
        save_dir.mkdir(parents=True, exist_ok=True)
        partial = save_dir / f".{name}.partial"
        partial.write_bytes(body)
        os.replace(partial, save_dir / name)
    except OSError as exc:
        raise FetchError(f"{save_dir}: cannot save the response: {exc.strerror or exc}") from None


def endpoint_for(explicit: str | None, env: str, default: str) -> str:
    import urllib.parse

    url = explicit or os.environ.get(env) or default
    if urllib.parse.urlsplit(url).scheme not in ("http", "https"):
        raise FetchError(f"{url}: the endpoint must be an http:// or https:// URL")
    return url


def _with_query(endpoint: str, params: dict[str, str | int]) -> str:
    import urllib.parse

    parts = urllib.parse.urlsplit(endpoint)
    query = urllib.parse.parse_qsl(parts.query, keep_blank_values=True)
    query += [(k, str(v)) for k, v in params.items()]
    return urllib.parse.urlunsplit(parts._replace(query=urllib.parse.urlencode(query)))


# --- arXiv API -----------------------------------------------------------------------------

_CATEGORY = re.compile(r"^[A-Za-z][A-Za-z-]*(\.[A-Za-z][A-Za-z-]*)?$")
_TOTAL = re.compile(r"<(?:[\w.-]+:)?totalResults\b[^>]*>\s*(\d+)\s*<")
_ENTRY = re.compile(r"<(?:[\w.-]+:)?entry[\s>]")


def arxiv_key(categories: list[str]) -> str:
    """The cache key of an arXiv source: its categories, whatever the window of days."""
    for category in categories:
        if not _CATEGORY.match(category):
            raise FetchError(f"{category!r} is not an arXiv category (like cs.LG or hep-th)")
    return "arxiv " + " ".join(sorted(set(categories)))


def hf_key(day: dt.date | None) -> str:
    return f"hf-daily {day or 'latest'}"


def arxiv_query(categories: list[str], since: dt.date, until: dt.date) -> str:
    arxiv_key(categories)  # checks the categories
    cats = " OR ".join(f"cat:{c}" for c in categories)
    if len(categories) > 1:
        cats = f"({cats})"
    window = f"[{since:%Y%m%d}0000 TO {until:%Y%m%d}2359]"
    return f"{cats} AND submittedDate:{window}"


def fetch_arxiv(
    categories: list[str],
    since: dt.date,
    until: dt.date,
    *,
    endpoint: str,
    client: Client,
    cached: dict | None = None,
    save_dir: Path | None = None,
    page_size: int = ARXIV_PAGE,
) -> Fetched:
    """Every entry of the query, page by page (`start`, `max_results`) until
    opensearch:totalResults; `start` moves on by the entries a page really held."""
    from papertriage.reading import decode

    if since > until:
        raise FetchError(f"--from {since} is after --until {until}")
    query = arxiv_query(categories, since, until)
    label = f"arXiv {' '.join(categories)} {since}..{until}"
    fetched = Fetched(label, arxiv_key(categories), "arxiv-atom")
    start = 0
    total: int | None = None
    empty_tries = 0
    saved = 0
    all_papers: list[Paper] = []
    first: Response | None = None
    while total is None or start < total:
        url = _with_query(
            endpoint,
            {
                "search_query": query,
                "start": start,
                "max_results": page_size,
                "sortBy": "submittedDate",
                "sortOrder": "ascending",
            },
        )
        response = client.get(url, conditional_headers(cached, url) if start == 0 else None)
        if response.status == 304:
            fetched.not_modified = True
            return fetched
        document = decode(response.body, url)
        found = _TOTAL.search(document.text)
        if found is None:
            raise FetchError(
                f"{_host(url)}: the answer is not an arXiv API feed (no totalResults): "
                f"{_first_words(document.text)}"
            )
        total = int(found.group(1))
        entries = len(_ENTRY.findall(document.text))
        papers, report = _parse(document, "arxiv-atom")
        api_errors = [p for p in report.problems if p.kind == "api-error"]
        if api_errors:
            raise FetchError(f"{_host(url)}: {api_errors[0].message}")
        if first is None:
            first = response
        if entries == 0 and start < total:
            # The arXiv API sometimes answers a page with nothing: ask again, then stop.
            empty_tries += 1
            if empty_tries <= EMPTY_PAGE_RETRIES:
                continue
            fetched.complete = False
            fetched.warnings.append(
                f"arXiv sent no entries at start={start} of {total}; "
                f"keeping the {start} read so far"
            )
            break
        empty_tries = 0
        saved += 1
        name = f"arxiv-{'+'.join(categories)}-{since}-{until}-{saved:03d}.xml"
        _save(save_dir, name, response.body)
        if entries:
            fetched.documents.append(document)
            all_papers.extend(papers)
        start += entries
        if entries == 0:
            break
    fetched.papers = len(all_papers)
    assert first is not None
    fetched.validators = _validators(first, all_papers)
    fetched.not_modified = nothing_new(cached, all_papers)
    return fetched


def _first_words(text: str) -> str:
    words = " ".join(text.split())
    return words[:80] + ("..." if len(words) > 80 else "") if words else "(empty)"


# --- Hugging Face Daily Papers -------------------------------------------------------------


def hf_record(item: object) -> dict[str, object] | None:
    """One Daily Papers item as a flat record in the names the JSON mapping knows."""
    if not isinstance(item, dict):
        return None
    paper = item.get("paper") if isinstance(item.get("paper"), dict) else {}
    assert isinstance(paper, dict)
    paper_id = paper.get("id")
    authors = [
        a.get("name") for a in paper.get("authors") or [] if isinstance(a, dict) and a.get("name")
    ]
    record: dict[str, object] = {
        "title": item.get("title") or paper.get("title"),
        "abstract": paper.get("summary") or item.get("summary"),
        "authors": authors,
        "arxiv_id": paper_id,
        "date": item.get("publishedAt") or paper.get("publishedAt"),
        "url": f"https://huggingface.co/papers/{paper_id}" if paper_id else None,
        "votes": paper.get("upvotes"),
    }
    return {k: v for k, v in record.items() if v not in (None, "", [])}


def fetch_hf_daily(
    day: dt.date | None,
    *,
    endpoint: str,
    client: Client,
    cached: dict | None = None,
    save_dir: Path | None = None,
    page_size: int = HF_PAGE,
) -> Fetched:
    """The Daily Papers of `day` (None: the latest the API lists), page by page (`p`,
    `limit`) until a page is short or brings nothing new (a server that ignores `p`)."""
    import json

    from papertriage.reading import InputText

    label = f"Hugging Face Daily Papers {day or 'latest'}"
    fetched = Fetched(label, hf_key(day), "jsonl")
    seen: set[str] = set()
    records: list[dict[str, object]] = []
    first: Response | None = None
    for page in range(HF_MAX_PAGES):
        params: dict[str, str | int] = {"limit": page_size}
        if day is not None:
            params["date"] = day.isoformat()
        if page:
            params["p"] = page
        url = _with_query(endpoint, params)
        response = client.get(url, conditional_headers(cached, url) if page == 0 else None)
        if response.status == 304:
            fetched.not_modified = True
            return fetched
        first = first or response
        suffix = f"-p{page + 1}" if page else ""
        _save(save_dir, f"hf-daily-{day or 'latest'}{suffix}.json", response.body)
        try:
            items = json.loads(response.body.decode("utf-8-sig"))
        except (UnicodeDecodeError, ValueError) as exc:
            raise FetchError(
                f"{_host(url)}: the answer is not JSON ({exc}): "
                f"{_first_words(response.body.decode('utf-8', 'replace'))}"
            ) from None
        if isinstance(items, dict):
            items = next((v for v in items.values() if isinstance(v, list)), None)
        if not isinstance(items, list):
            raise FetchError(f"{_host(url)}: the answer is not a list of Daily Papers")
        new = 0
        for item in items:
            record = hf_record(item)
            if record is None or not record.get("title"):
                continue
            key = str(record.get("arxiv_id") or record["title"])
            if key in seen:
                continue
            seen.add(key)
            records.append(record)
            new += 1
        if len(items) < page_size or not new:
            break
    assert first is not None
    base = _with_query(endpoint, {"date": day.isoformat()} if day is not None else {})
    if records:
        # One record a line, read back through the JSON record mapping as ingest reads it.
        text = "\n".join(json.dumps(r, ensure_ascii=False) for r in records) + "\n"
        document = InputText(base, text)
        papers, _ = _parse(document, "jsonl")
        fetched.documents.append(document)
        fetched.papers = len(papers)
    else:
        papers = []
    fetched.validators = _validators(first, papers)
    fetched.not_modified = nothing_new(cached, papers)
    return fetched
