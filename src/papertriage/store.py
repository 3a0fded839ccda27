"""The library: every paper ever ingested, its themes and the runs, in one SQLite file.

Location: ``--db PATH``, else ``$PAPERTRIAGE_HOME/library.db``, else
``$XDG_DATA_HOME/papertriage/library.db`` (``~/.local/share/papertriage/library.db``).

Safety:

* the schema is built by numbered migrations (``MIGRATIONS``, ``PRAGMA user_version``); an
  older library is upgraded in place, a newer one is refused;
* a run is ONE transaction (``BEGIN IMMEDIATE`` ... ``COMMIT``): killed or failing half-way it
  leaves the library as it was;
* WAL mode and a busy timeout: two runs at the same time wait for each other.

Papers are deduplicated against the library with the rules of ``dedup.py`` (arXiv id, compact
title, fuzzy title within blocks, the same guards): the library papers that could match a run
(same arXiv id, same compact title, or sharing a title block) are loaded into a
`Deduplicator` first, then the run's papers are added to it.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import sqlite3
from array import array
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field, replace
from datetime import date, datetime, timedelta, timezone
from pathlib import Path
from typing import TYPE_CHECKING, Any, TextIO

import orjson

from papertriage.dedup import Deduplicator
from papertriage.dedup import _blocks as title_blocks
from papertriage.errors import PapertriageError
from papertriage.models import (
    KeywordHit,
    Paper,
    Source,
    TaggedPaper,
    ThemeScore,
    clean_arxiv_id,
    normalise_title,
)

if TYPE_CHECKING:
    from papertriage.formats import RunResult
    from papertriage.profile import Profile
    from papertriage.rules import Theme

BUSY_TIMEOUT = 30.0  # seconds a run waits for another run's transaction
EXPORT_FORMAT = "papertriage-library"
EXPORT_VERSION = 1
_CHUNK = 500  # ids per `IN (...)` query


class LibraryError(PapertriageError):
    """The library cannot be opened, read or written."""


class SchemaTooNew(LibraryError):
    """The library was written by a newer papertriage."""


# The library opened last, named in the message of an SQLite error that reaches the CLI.
_opened: Path | None = None


def library_error_message(exc: BaseException, path: Path | None = None) -> str:
    """One line for an SQLite error met while using the library: what happened, what to do."""
    path = path or _opened
    where = f"{path}: " if path is not None else "library: "
    text = str(exc)
    lower = text.lower()
    if "disk is full" in lower or "disk full" in lower:
        return (
            f"{where}the disk is full ({text}); nothing of this run was saved: free some "
            "space and run it again"
        )
    if "readonly" in lower or "read-only" in lower:
        return f"{where}{READ_ONLY_HINT}"
    if "malformed" in lower or "not a database" in lower or "corrupt" in lower:
        return (
            f"{where}the library is damaged ({text}); `papertriage db check` tells how to recover"
        )
    if "disk i/o" in lower:
        return f"{where}cannot read or write the library ({text})"
    return f"{where}{text}"


def _writable(path: Path) -> bool:
    """Can the library file and its folder (where SQLite puts -wal and -shm) be written?"""
    return os.access(path, os.W_OK) and os.access(path.parent, os.W_OK | os.X_OK)


def _open_error(path: Path, exc: sqlite3.Error) -> str:
    text = str(exc)
    if "not a database" in text or "file is encrypted" in text:
        return f"{path}: not a papertriage library ({text})"
    return library_error_message(exc, path)


READ_ONLY_HINT = (
    "the library is read-only (file or folder not writable); reading commands (list, show, "
    "search, stats, digest, db export, db check) work, this one needs to write: give a writable "
    "copy with --db, or --no-store for ingest"
)


# --- location ------------------------------------------------------------------------------


def data_dir() -> Path:
    """$PAPERTRIAGE_HOME, else $XDG_DATA_HOME/papertriage (~/.local/share/papertriage)."""
    home = os.environ.get("PAPERTRIAGE_HOME")
    if home:
        return Path(home).expanduser()
    base = os.environ.get("XDG_DATA_HOME") or str(Path.home() / ".local" / "share")
    return Path(base).expanduser() / "papertriage"


def db_path(explicit: Path | str | None = None) -> Path:
    """The library file: `explicit` (``--db``) when given, else library.db in `data_dir()`."""
    if explicit is not None and str(explicit) != "":
        return Path(explicit).expanduser()
    return data_dir() / "library.db"


# --- schema --------------------------------------------------------------------------------

# Migration N (1-based) brings a library from user_version N-1 to N. Never edit a released
# migration: append a new one.
MIGRATIONS: list[str] = [
    # 1: papers, sources, themes, runs
    """
    CREATE TABLE runs (
        id INTEGER PRIMARY KEY,
        kind TEXT NOT NULL DEFAULT 'ingest',          -- ingest | import | retag
        started TEXT NOT NULL,
        finished TEXT,
        inputs TEXT NOT NULL DEFAULT '[]',            -- JSON list of input names
        counts TEXT NOT NULL DEFAULT '{}',            -- JSON object
        rules_version TEXT
    );
    CREATE TABLE papers (
        pk INTEGER PRIMARY KEY,
        id TEXT NOT NULL UNIQUE,                      -- arXiv id, else hash of the title
        arxiv_id TEXT,
        title TEXT NOT NULL,
        norm_title TEXT NOT NULL,                     -- models.normalise_title
        title_key TEXT NOT NULL,                      -- dedup.compact_key
        abstract TEXT NOT NULL DEFAULT '',
        authors TEXT NOT NULL DEFAULT '[]',           -- JSON list
        date TEXT,
        url TEXT,
        votes INTEGER,
        extra TEXT NOT NULL DEFAULT '{}',             -- JSON: categories, comments, doi, ...
        tags_version TEXT,                            -- rules version of its themes
        first_seen TEXT NOT NULL,
        last_seen TEXT NOT NULL,
        first_run INTEGER REFERENCES runs(id),
        last_run INTEGER REFERENCES runs(id)
    );
    CREATE INDEX papers_arxiv ON papers(arxiv_id) WHERE arxiv_id IS NOT NULL;
    CREATE INDEX papers_title_key ON papers(title_key);
    CREATE INDEX papers_first_run ON papers(first_run);
    CREATE INDEX papers_first_seen ON papers(first_seen);
    CREATE TABLE title_blocks (                       -- dedup blocks of each title
        block TEXT NOT NULL,
        paper_pk INTEGER NOT NULL REFERENCES papers(pk) ON DELETE CASCADE
    );
    CREATE INDEX title_blocks_block ON title_blocks(block);
    CREATE INDEX title_blocks_paper ON title_blocks(paper_pk);
    CREATE TABLE sources (
        paper_pk INTEGER NOT NULL REFERENCES papers(pk) ON DELETE CASCADE,
        file TEXT NOT NULL,
        line INTEGER NOT NULL,
        format TEXT NOT NULL,
        run_id INTEGER REFERENCES runs(id),           -- the run that first read it
        PRIMARY KEY (paper_pk, file, line, format)
    );
    CREATE TABLE themes (                             -- every theme with evidence points > 0
        paper_pk INTEGER NOT NULL REFERENCES papers(pk) ON DELETE CASCADE,
        theme TEXT NOT NULL,
        score REAL NOT NULL,
        points REAL NOT NULL,
        threshold REAL NOT NULL,
        assigned INTEGER NOT NULL,
        rules_version TEXT,
        evidence TEXT,                                -- JSON, for assigned themes
        PRIMARY KEY (paper_pk, theme)
    );
    CREATE INDEX themes_assigned ON themes(theme, paper_pk) WHERE assigned;
    """,
    # 2: full-text search over title and abstract, kept in sync by triggers
    """
    CREATE VIRTUAL TABLE papers_fts USING fts5(
        title, abstract, content='papers', content_rowid='pk',
        tokenize='porter unicode61 remove_diacritics 2'
    );
    CREATE TRIGGER papers_fts_insert AFTER INSERT ON papers BEGIN
        INSERT INTO papers_fts(rowid, title, abstract) VALUES (new.pk, new.title, new.abstract);
    END;
    CREATE TRIGGER papers_fts_delete AFTER DELETE ON papers BEGIN
        INSERT INTO papers_fts(papers_fts, rowid, title, abstract)
            VALUES ('delete', old.pk, old.title, old.abstract);
    END;
    CREATE TRIGGER papers_fts_update AFTER UPDATE OF title, abstract ON papers BEGIN
        INSERT INTO papers_fts(papers_fts, rowid, title, abstract)
            VALUES ('delete', old.pk, old.title, old.abstract);
        INSERT INTO papers_fts(rowid, title, abstract) VALUES (new.pk, new.title, new.abstract);
    END;
    INSERT INTO papers_fts(papers_fts) VALUES ('rebuild');
    """,
    # 3: "new" means not yet shown in a digest. A digest is a run of kind 'digest'; each paper
    # keeps when a digest first showed it. In an upgraded library the papers of the last
    # ingest or import stay new, as they were under the old meaning; the older ones count as
    # shown.
    """
    ALTER TABLE papers ADD COLUMN shown_at TEXT;
    ALTER TABLE papers ADD COLUMN shown_in INTEGER;
    UPDATE papers SET shown_at = first_seen
        WHERE first_run < (SELECT COALESCE(MAX(id), 0) FROM runs
                           WHERE kind IN ('ingest', 'import'));
    CREATE INDEX papers_unshown ON papers(pk) WHERE shown_at IS NULL;
    """,
    # 4: the reader's labels (papertriage label): 1 relevant, 0 irrelevant; no row, no label
    """
    CREATE TABLE labels (
        paper_pk INTEGER PRIMARY KEY REFERENCES papers(pk) ON DELETE CASCADE,
        relevant INTEGER NOT NULL CHECK (relevant IN (0, 1)),
        labelled_at TEXT NOT NULL
    );
    """,
]
SCHEMA_VERSION = len(MIGRATIONS)


# --- rules version -------------------------------------------------------------------------


def rules_version(themes: Sequence[Theme]) -> str:
    """Short hash of what the loaded rules say (not where they were read from)."""

    def terms(items) -> list[Any]:
        return sorted([t.text, t.weight, list(t.requires_text)] for t in items)

    content = [
        {
            "id": t.id,
            "threshold": t.threshold,
            "similarity_weight": t.similarity_weight,
            "keywords": terms(t.keywords),
            "negative": terms(t.negative),
            "patterns": terms(t.patterns),
            "prototype": t.prototype,
            "examples": [list(t.examples_positive), list(t.examples_negative)],
        }
        for t in sorted(themes, key=lambda t: t.id)
    ]
    text = json.dumps(content, sort_keys=True, ensure_ascii=False)
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:12]


# --- results -------------------------------------------------------------------------------


@dataclass
class StoredPaper(Paper):
    """A paper read from the library: its id is the library's, which stays what it was when
    the paper was first stored (a title hash stays even when an arXiv id turns up later)."""

    library_id: str = ""

    @property
    def id(self) -> str:  # type: ignore[override]
        return self.library_id or super().id


@dataclass
class LibraryPaper(TaggedPaper):
    """A tagged paper read back from the library, with when it was seen."""

    first_seen: str = ""
    last_seen: str = ""
    first_run: int | None = None
    last_run: int | None = None
    tags_version: str | None = None
    pk: int = 0
    shown_at: str | None = None  # when a digest first showed it; None: still new

    def library_dict(self) -> dict[str, Any]:
        return {
            "first_seen": self.first_seen,
            "last_seen": self.last_seen,
            "first_run": self.first_run,
            "last_run": self.last_run,
            "rules_version": self.tags_version,
            "shown_at": self.shown_at,
        }

    def to_dict(self) -> dict[str, Any]:
        data = super().to_dict()
        data["library"] = self.library_dict()
        return data


@dataclass
class RunSummary:
    """What a run changed: ids of papers new to the library and of papers seen before."""

    run_id: int
    new: list[str] = field(default_factory=list)
    updated: list[str] = field(default_factory=list)
    path: Path | None = None

    def line(self) -> str:
        return f"library: {len(self.new)} new, {len(self.updated)} seen before ({self.path})"


@dataclass
class RetagChange:
    id: str
    title: str
    gained: list[str]
    lost: list[str]


@dataclass
class RetagReport:
    run_id: int | None
    papers: int
    rules_version: str
    changes: list[RetagChange]


@dataclass
class Since:
    """A `--since` value resolved: papers first seen at or after `timestamp`, or in runs
    from `run_id` on."""

    text: str
    timestamp: str | None = None
    run_id: int | None = None


# --- helpers -------------------------------------------------------------------------------


def now_iso() -> str:
    return datetime.now(timezone.utc).isoformat(timespec="seconds")


def _chunks(items: Sequence[Any], size: int = _CHUNK) -> Iterator[Sequence[Any]]:
    for start in range(0, len(items), size):
        yield items[start : start + size]


_DURATION = re.compile(r"^(\d+)\s*([hdw])$")
_UNITS = {"h": "hours", "d": "days", "w": "weeks"}


def parse_since(text: str, now: datetime | None = None) -> datetime | None:
    """'2024-07-31' (local midnight), an ISO date-time, '7d'/'12h'/'2w' -> UTC datetime.

    'last-run' is not a time: it returns None and the caller asks the library.
    """
    value = text.strip().lower()
    if value in ("last-run", "last"):
        return None
    now = now or datetime.now(timezone.utc)
    match = _DURATION.match(value)
    if match:
        return now - timedelta(**{_UNITS[match.group(2)]: int(match.group(1))})
    try:
        if len(value) == 10:
            day = date.fromisoformat(value)
            return datetime(day.year, day.month, day.day).astimezone().astimezone(timezone.utc)
        moment = datetime.fromisoformat(text.strip().replace("Z", "+00:00"))
    except ValueError:
        raise LibraryError(
            f"--since {text!r}: give a date (2024-07-31), a duration (12h, 7d, 2w) or last-run"
        ) from None
    if moment.tzinfo is None:
        moment = moment.astimezone()
    return moment.astimezone(timezone.utc)


def _score_from_row(theme: str, points: float, threshold: float, evidence: str | None):
    ev = json.loads(evidence) if evidence else {}
    return ThemeScore(
        theme=theme,
        points=points,
        threshold=threshold,
        keywords=[KeywordHit(**h) for h in ev.get("keywords", [])],
        negative=[KeywordHit(**h) for h in ev.get("negative", [])],
        similarity=ev.get("similarity", 0.0),
        similarity_points=ev.get("similarity_points", 0.0),
        similar_terms=[(t["term"], t["weight"]) for t in ev.get("similar_terms", [])],
    )


_EXTRA_FIELDS = ("categories", "comments", "doi", "venue", "keywords")
_PAPER_COLUMNS = (
    "pk, id, arxiv_id, title, abstract, authors, date, url, votes, extra, tags_version, "
    "first_seen, last_seen, first_run, last_run, shown_at"
)


def _paper_from_row(row: sqlite3.Row, cls: type[Paper] = Paper) -> Paper:
    extra = json.loads(row["extra"] or "{}")
    return cls(
        title=row["title"],
        abstract=row["abstract"],
        arxiv_id=row["arxiv_id"],
        authors=json.loads(row["authors"] or "[]"),
        date=row["date"],
        url=row["url"],
        votes=row["votes"],
        categories=list(extra.get("categories", [])),
        comments=extra.get("comments"),
        doi=extra.get("doi"),
        venue=extra.get("venue"),
        keywords=list(extra.get("keywords", [])),
    )


def _extra(paper: Paper) -> str:
    values = {name: getattr(paper, name) for name in _EXTRA_FIELDS if getattr(paper, name)}
    return json.dumps(values, ensure_ascii=False)


def _theme_rows(pk: int, scores: Iterable[ThemeScore], version: str | None) -> list[tuple]:
    # orjson: the same JSON (compact, UTF-8 unescaped) in a fifth of json.dumps's time, which
    # was a third of what storing a batch cost.
    dumps = orjson.dumps
    rows = []
    for s in scores:
        if s.points <= 0.0:
            continue
        evidence = dumps(s.evidence_dict()).decode() if s.assigned else None
        rows.append(
            (pk, s.theme, s.score, s.points, s.threshold, int(s.assigned), version, evidence)
        )
    return rows


_INSERT_THEME = (
    "INSERT INTO themes (paper_pk, theme, score, points, threshold, assigned, rules_version, "
    "evidence) VALUES (?, ?, ?, ?, ?, ?, ?, ?)"
)


@dataclass
class _Incoming:
    """One paper of a run (or an import) on its way into the library."""

    tagged: TaggedPaper
    version: str | None
    first_seen: str | None = None  # imports keep the times of the library they come from
    last_seen: str | None = None


# A block query that returns at least this many library papers marks the block as loaded for
# the rest of the run: a block many titles share is read from the library once, not per batch.
_LOADED_BLOCK = 8


class _RunIndex:
    """The dedup index of one run, kept from batch to batch (see `Library._merge_and_write`).

    Library papers stored before the run are loaded into it at most once, when a batch first
    shares a key with them (arXiv id, compact title, title block); the run's own papers are
    added as they come. Papers are let go once written (`Deduplicator.seal`), and a later
    duplicate of one reads it back from the library by its pk. Each batch thus costs what
    its own papers and their library matches cost, whatever the library's size.
    """

    def __init__(self, library: Library):
        conn = library.conn
        self.library = library
        self.dedup = Deduplicator()
        self.dedup.revive = self._revive
        self.pks = array("q")  # dedup index -> library pk (0 until written)
        self.loaded: set[int] = set()  # pks of papers stored before the run, once loaded
        self.done_blocks: set[str] = set()  # large blocks whose library papers are loaded
        # Papers and block rows stored before the run have a pk / rowid below these.
        self.first_pk = conn.execute("SELECT COALESCE(MAX(pk), 0) FROM papers").fetchone()[0] + 1
        self.first_block = (
            conn.execute("SELECT COALESCE(MAX(rowid), 0) FROM title_blocks").fetchone()[0] + 1
        )
        self.rows: dict[int, sqlite3.Row] = {}  # dedup index -> library row, this batch
        # True when the run's papers come deduplicated among themselves (ingest's own dedup):
        # they are then only matched against the library, never kept in this index.
        self.unique = False

    def _revive(self, index: int) -> Paper | None:
        pk = self.pks[index] if index < len(self.pks) else 0
        rows = self.library._rows_by_pk([pk]) if pk else []
        if not rows:
            return None
        self.rows[index] = rows[0]
        return _paper_from_row(rows[0])


# --- the library ---------------------------------------------------------------------------


class Library:
    """An open library file. Use as a context manager, or call `close()`."""

    def __init__(self, path: Path, conn: sqlite3.Connection):
        self.path = path
        self.conn = conn
        self.notes: list[str] = []  # what a check could not do

    # opening and migrations

    @classmethod
    def open(
        cls, path: Path | str | None = None, *, create: bool = True, write: bool = True
    ) -> Library:
        """Open (creating when `create`) the library at `path` (default: `db_path()`),
        upgrading an older schema in place and refusing a newer one.

        Without `write` the file is opened read-only (``mode=ro``; ``immutable=1`` when not
        even the folder can be written, where SQLite could not share its lock files): reading
        commands then work on a read-only library and never change the file."""
        global _opened
        path = db_path(path)
        _opened = path
        if not path.exists():
            if not create:
                raise LibraryError(f"{path}: no library yet; `papertriage ingest` creates it")
            try:
                path.parent.mkdir(parents=True, exist_ok=True)
            except OSError as exc:
                raise LibraryError(f"{path.parent}: cannot create: {exc.strerror}") from None
        elif path.is_dir():
            raise LibraryError(f"{path}: is a directory; give a file name for the library")
        if not write:
            library = cls._open_read_only(path)
            if library.schema_version >= SCHEMA_VERSION:
                return library
            # An older schema is upgraded first, when the library can be written.
            library.close()
            if not _writable(path):
                raise LibraryError(
                    f"{path}: the library has an older schema and is read-only; open it once "
                    "with write access (any papertriage command) to upgrade it"
                )
        elif path.exists() and not _writable(path):
            raise LibraryError(f"{path}: {READ_ONLY_HINT}")
        try:
            conn = sqlite3.connect(path, timeout=BUSY_TIMEOUT, isolation_level=None)
        except sqlite3.Error as exc:
            raise LibraryError(f"{path}: cannot open the library: {exc}") from None
        conn.row_factory = sqlite3.Row
        library = cls(path, conn)
        try:
            conn.execute(f"PRAGMA busy_timeout = {int(BUSY_TIMEOUT * 1000)}")
            if conn.execute("PRAGMA journal_mode").fetchone()[0].lower() != "wal":
                conn.execute("PRAGMA journal_mode = WAL")
            conn.execute("PRAGMA foreign_keys = ON")
            library.migrate()
        except sqlite3.DatabaseError as exc:
            conn.close()
            raise LibraryError(_open_error(path, exc)) from None
        except BaseException:
            conn.close()
            raise
        return library

    @classmethod
    def _open_read_only(cls, path: Path) -> Library:
        uri = path.resolve().as_uri()
        # immutable: no lock files, no WAL read; only for a folder nobody can write to, where
        # no other process can be changing the library either.
        options = ["mode=ro"] if os.access(path.parent, os.W_OK) else ["mode=ro", "immutable=1"]
        last: sqlite3.Error | None = None
        for option in ("&".join(options), "mode=ro&immutable=1"):
            try:
                conn = sqlite3.connect(
                    f"{uri}?{option}", uri=True, timeout=BUSY_TIMEOUT, isolation_level=None
                )
            except sqlite3.Error as exc:
                last = exc
                continue
            conn.row_factory = sqlite3.Row
            library = cls(path, conn)
            try:
                conn.execute(f"PRAGMA busy_timeout = {int(BUSY_TIMEOUT * 1000)}")
                library._refuse_newer(library.schema_version)
                # Reading the schema proves the file is a database (and readable here).
                conn.execute("SELECT count(*) FROM sqlite_schema").fetchone()
            except sqlite3.DatabaseError as exc:
                conn.close()
                last = exc
                if "unable to open" in str(exc) or "readonly" in str(exc):
                    continue  # the lock files cannot be made: try immutable
                raise LibraryError(_open_error(path, exc)) from None
            except BaseException:
                conn.close()
                raise
            return library
        assert last is not None
        raise LibraryError(_open_error(path, last))

    def close(self) -> None:
        self.conn.close()

    def __enter__(self) -> Library:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    @property
    def schema_version(self) -> int:
        return self.conn.execute("PRAGMA user_version").fetchone()[0]

    def _refuse_newer(self, version: int) -> None:
        if version > SCHEMA_VERSION:
            raise SchemaTooNew(
                f"{self.path}: this library has schema version {version}, written by a newer "
                f"papertriage; this one knows versions up to {SCHEMA_VERSION}. Upgrade "
                "papertriage, or use another library with --db"
            )

    def migrate(self, target: int = SCHEMA_VERSION) -> int:
        """Apply the migrations from the library's version up to `target`, each in its own
        transaction. Returns the number applied."""
        version = self.schema_version
        self._refuse_newer(version)
        applied = 0
        while version < target:
            with self.transaction():
                # Another process may have migrated while this one waited for the lock.
                version = self.schema_version
                self._refuse_newer(version)
                if version >= target:
                    break
                for statement in _statements(MIGRATIONS[version]):
                    self.conn.execute(statement)
                self.conn.execute(f"PRAGMA user_version = {version + 1}")
            version += 1
            applied += 1
        return applied

    def transaction(self) -> _Transaction:
        return _Transaction(self.conn)

    # writing runs

    def save_run(
        self,
        result: RunResult,
        inputs: Sequence[str],
        rules_version: str | None,
        *,
        now: str | None = None,
    ) -> RunSummary:
        """Store one in-memory run's papers and themes in one transaction; say what changed.

        All the run's papers are stored (`result.all_papers` when set), not only those that
        --theme/--top kept. A streamed run is stored batch by batch with `recorder()`."""
        papers = result.papers if result.all_papers is None else result.all_papers
        if not isinstance(papers, list):
            raise TypeError("a streamed run is stored with Library.recorder(), batch by batch")
        with self.recorder(inputs, rules_version, now=now) as recorder:
            recorder.add(papers)
            recorder.stats = result.stats()
        return recorder.summary

    def recorder(
        self,
        inputs: Sequence[str],
        rules_version: str | None,
        *,
        kind: str = "ingest",
        now: str | None = None,
        tag_with: Sequence[Theme] | None = None,
    ) -> RunRecorder:
        """Store a run batch by batch, all in ONE transaction::

            with library.recorder(inputs, version) as recorder:
                for batch in tagged_batches:
                    recorder.add(batch)
            print(recorder.summary.line())

        The transaction begins with the first batch (so that the library is locked only
        while it is written) and commits when the block ends; an exception rolls it back.

        With `tag_with`, the papers are stored with the themes of those rules (scored again,
        batch by batch), not with the themes they come with: a run with experimental rules
        stores the library's own tags. `rules_version` must then be theirs.
        """
        recorder = RunRecorder(self, kind, list(inputs), rules_version, now or now_iso())
        if tag_with is not None:
            from papertriage.engine import Engine

            recorder.engine = Engine(tag_with, stream=True, evidence="assigned")
        return recorder

    def _candidates(self, papers: list[Paper], run: _RunIndex) -> list[sqlite3.Row]:
        """Library rows stored before the run, not loaded yet, that could be one of `papers`:
        same arXiv id, same compact title, or a shared title block (where fuzzy matches are
        looked for). Indexed lookups only; the run's own rows are left out by pk / rowid."""
        arxiv = sorted({p.arxiv_id for p in papers if p.arxiv_id})
        normalised = [normalise_title(p.title) for p in papers]
        keys = sorted({n.replace(" ", "") for n in normalised})  # = compact_key(title)
        blocks = sorted({b for n in normalised for b in title_blocks(n)} - run.done_blocks)
        pks: set[int] = set()
        for column, values in (("arxiv_id", arxiv), ("title_key", keys)):
            for chunk in _chunks(values):
                marks = ",".join("?" * len(chunk))
                sql = f"SELECT pk FROM papers WHERE {column} IN ({marks}) AND pk < ?"
                pks.update(r[0] for r in self.conn.execute(sql, [*chunk, run.first_pk]))
        sizes: dict[str, int] = {}
        for chunk in _chunks(blocks):
            marks = ",".join("?" * len(chunk))
            sql = f"SELECT block, paper_pk FROM title_blocks WHERE block IN ({marks}) AND rowid < ?"
            for block, pk in self.conn.execute(sql, [*chunk, run.first_block]):
                pks.add(pk)
                sizes[block] = sizes.get(block, 0) + 1
        run.done_blocks.update(b for b, size in sizes.items() if size >= _LOADED_BLOCK)
        pks -= run.loaded
        run.loaded.update(pks)
        return self._rows_by_pk(sorted(pks))

    def _rows_by_pk(self, pks: Sequence[int]) -> list[sqlite3.Row]:
        rows: list[sqlite3.Row] = []
        for chunk in _chunks(list(pks)):
            marks = ",".join("?" * len(chunk))
            rows.extend(
                self.conn.execute(
                    f"SELECT {_PAPER_COLUMNS} FROM papers WHERE pk IN ({marks}) ORDER BY pk", chunk
                )
            )
        rows.sort(key=lambda r: r["pk"])
        return rows

    def _merge_and_write(
        self, incoming: list[_Incoming], run_id: int, now: str, run: _RunIndex | None = None
    ) -> RunSummary:
        """Merge a batch into the library. `run`: the run's dedup index, kept between its
        batches (a fresh one when not given)."""
        conn = self.conn
        run = run if run is not None else _RunIndex(self)
        dedup, pks = run.dedup, run.pks
        library = run.rows  # dedup index -> its library row (stored before, or earlier batches)
        library.clear()
        for row in self._candidates([item.tagged.paper for item in incoming], run):
            dedup.add(_paper_from_row(row))
            if len(dedup.kept) > len(pks):  # library near-duplicates stay as they are
                pks.append(row["pk"])
                library[dedup.last_index] = row
        kept_of: dict[int, Paper] = {}  # dedup index -> the paper every match merged into
        themes_of: dict[int, _Incoming] = {}  # whose themes to store for it
        sources_of: dict[int, list[Source]] = {}
        times_of: dict[int, list[str]] = {}
        for item in incoming:
            # A copy: merging must not change the caller's papers (they may be written after).
            paper = replace(item.tagged.paper, sources=list(item.tagged.paper.sources))
            own_text, own_sources = paper.text, list(paper.sources)
            match = dedup.add(paper, keep=not run.unique)
            key = dedup.last_index
            if key < 0:  # new, and not kept in the index: a key of its own
                key = -1 - len(kept_of)
            elif len(dedup.kept) > len(pks):
                pks.append(0)  # new: its pk once written
            elif match is None:  # a written paper that could not be read back
                continue
            kept = paper if match is None else match
            kept_of[key] = kept
            sources_of.setdefault(key, []).extend(own_sources)
            times_of.setdefault(key, []).extend(t for t in (item.first_seen, item.last_seen) if t)
            if key in library:
                # The run's themes replace the stored ones when they were computed on the
                # text now stored, or by other rules; else the stored ones (same rules, a
                # richer text) stay.
                if kept.text == own_text or library[key]["tags_version"] != item.version:
                    themes_of[key] = item
            elif match is None:
                themes_of[key] = item

        summary = RunSummary(run_id)
        paper_rows, block_rows, theme_rows, update_rows, retag_pks = [], [], [], [], []
        pk_of: dict[int, int] = {}
        new_keys = [k for k in kept_of if k not in library]
        own_ids = {k: kept_of[k].id for k in new_keys}
        taken = self._taken_ids(list(own_ids.values()))
        next_pk = conn.execute("SELECT COALESCE(MAX(pk), 0) FROM papers").fetchone()[0] + 1
        for key in new_keys:
            paper, item = kept_of[key], themes_of[key]
            public_id, suffix = own_ids[key], 2
            while public_id in taken:  # two papers whose ids collide: keep both
                public_id, suffix = f"{own_ids[key]}-{suffix}", suffix + 1
            taken.add(public_id)
            pk, next_pk = next_pk, next_pk + 1
            pk_of[key] = pk
            if key >= 0:
                pks[key] = pk
            times = times_of[key] or [now]
            normalised = normalise_title(paper.title)
            paper_rows.append(
                (
                    pk,
                    public_id,
                    paper.arxiv_id,
                    paper.title,
                    normalised,
                    normalised.replace(" ", ""),  # = compact_key(title)
                    paper.abstract,
                    json.dumps(paper.authors, ensure_ascii=False),
                    paper.date,
                    paper.url,
                    paper.votes,
                    _extra(paper),
                    item.version,
                    min(times),
                    max(times),
                    run_id,
                    run_id,
                )
            )
            block_rows.extend((block, pk) for block in title_blocks(normalised))
            theme_rows.extend(_theme_rows(pk, item.tagged.scores.values(), item.version))
            summary.new.append(public_id)
        for key, row in library.items():
            if key not in kept_of:
                continue
            paper, pk = kept_of[key], row["pk"]
            pk_of[key] = pk
            version = row["tags_version"]
            item = themes_of.get(key)
            if item is not None:
                version = item.version
                retag_pks.append((pk,))
                theme_rows.extend(_theme_rows(pk, item.tagged.scores.values(), item.version))
            times = times_of[key]
            first = min([row["first_seen"], *times])
            last = max([row["last_seen"], *(times or [now])])
            update_rows.append(
                (
                    paper.arxiv_id,
                    paper.abstract,
                    json.dumps(paper.authors, ensure_ascii=False),
                    paper.date,
                    paper.url,
                    paper.votes,
                    _extra(paper),
                    version,
                    first,
                    last,
                    run_id,
                    pk,
                )
            )
            summary.updated.append(row["id"])
        source_rows = [
            (pk_of[key], s.file, s.line, s.format, run_id)
            for key, sources in sources_of.items()
            for s in sources
        ]
        with _fts_in_bulk(conn, len(paper_rows)) as bulk:
            conn.executemany(
                "INSERT INTO papers (pk, id, arxiv_id, title, norm_title, title_key, abstract, "
                "authors, date, url, votes, extra, tags_version, first_seen, last_seen, "
                "first_run, last_run) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                paper_rows,
            )
            if bulk and paper_rows:
                conn.execute(
                    "INSERT INTO papers_fts(rowid, title, abstract) "
                    "SELECT pk, title, abstract FROM papers WHERE pk BETWEEN ? AND ?",
                    (paper_rows[0][0], paper_rows[-1][0]),
                )
        conn.executemany("INSERT INTO title_blocks (block, paper_pk) VALUES (?, ?)", block_rows)
        conn.executemany(
            "UPDATE papers SET arxiv_id = ?, abstract = ?, authors = ?, date = ?, url = ?, "
            "votes = ?, extra = ?, tags_version = ?, first_seen = ?, last_seen = ?, "
            "last_run = ? WHERE pk = ?",
            update_rows,
        )
        conn.executemany("DELETE FROM themes WHERE paper_pk = ?", retag_pks)
        conn.executemany(_INSERT_THEME, theme_rows)
        conn.executemany(
            "INSERT OR IGNORE INTO sources (paper_pk, file, line, format, run_id) "
            "VALUES (?, ?, ?, ?, ?)",
            source_rows,
        )
        # Written: the batch's papers are let go, only their keys stay in the index.
        dedup.seal()
        dedup.merges.clear()
        library.clear()
        return summary

    def _taken_ids(self, ids: Sequence[str]) -> set[str]:
        taken: set[str] = set()
        for chunk in _chunks(list(ids)):
            marks = ",".join("?" * len(chunk))
            sql = f"SELECT id FROM papers WHERE id IN ({marks})"
            taken.update(r[0] for r in self.conn.execute(sql, chunk))
        return taken

    # reading

    def last_run(self, kinds: Sequence[str] = ("ingest", "import")) -> sqlite3.Row | None:
        """The latest finished run that added papers (retag runs do not count)."""
        marks = ",".join("?" * len(kinds))
        return self.conn.execute(
            f"SELECT * FROM runs WHERE kind IN ({marks}) ORDER BY id DESC LIMIT 1", list(kinds)
        ).fetchone()

    def runs(self) -> list[sqlite3.Row]:
        return list(self.conn.execute("SELECT * FROM runs ORDER BY id"))

    def resolve_since(self, text: str, now: datetime | None = None) -> Since:
        moment = parse_since(text, now)
        if moment is not None:
            return Since(text, timestamp=moment.isoformat(timespec="seconds"))
        last = self.last_run()
        # No run yet: nothing is new (no run id is that high).
        return Since(text, run_id=last["id"] if last else 2**62)

    def _load(self, rows: Sequence[sqlite3.Row]) -> list[LibraryPaper]:
        """LibraryPapers for rows, with their themes and sources."""
        pks = [r["pk"] for r in rows]
        scores: dict[int, dict[str, ThemeScore]] = {pk: {} for pk in pks}
        sources: dict[int, list[Source]] = {pk: [] for pk in pks}
        for chunk in _chunks(pks):
            marks = ",".join("?" * len(chunk))
            for t in self.conn.execute(
                "SELECT paper_pk, theme, points, threshold, evidence FROM themes "
                f"WHERE paper_pk IN ({marks}) ORDER BY paper_pk, theme",
                chunk,
            ):
                scores[t[0]][t[1]] = _score_from_row(t[1], t[2], t[3], t[4])
            for s in self.conn.execute(
                "SELECT paper_pk, file, line, format FROM sources "
                f"WHERE paper_pk IN ({marks}) ORDER BY paper_pk, run_id, file, line",
                chunk,
            ):
                sources[s[0]].append(Source(s[1], s[2], s[3]))
        papers = []
        for row in rows:
            paper = _paper_from_row(row, StoredPaper)
            paper.library_id = row["id"]
            paper.sources = sources[row["pk"]]
            stored = LibraryPaper(
                paper,
                scores[row["pk"]],
                first_seen=row["first_seen"],
                last_seen=row["last_seen"],
                first_run=row["first_run"],
                last_run=row["last_run"],
                tags_version=row["tags_version"],
                pk=row["pk"],
                shown_at=row["shown_at"],
            )
            papers.append(stored)
        return papers

    def papers(
        self,
        themes: Sequence[str] = (),
        since: Since | None = None,
        new: bool = False,
    ) -> list[LibraryPaper]:
        """Papers (unranked) with any of `themes`, first seen since `since`; with `new`, only
        those no digest has shown yet."""
        where, params = [], []
        if themes:
            marks = ",".join("?" * len(themes))
            where.append(
                f"pk IN (SELECT paper_pk FROM themes WHERE assigned AND theme IN ({marks}))"
            )
            params.extend(themes)
        if since is not None and since.timestamp is not None:
            where.append("first_seen >= ?")
            params.append(since.timestamp)
        if since is not None and since.run_id is not None:
            where.append("first_run >= ?")
            params.append(since.run_id)
        if new:
            where.append("shown_at IS NULL")
        sql = f"SELECT {_PAPER_COLUMNS} FROM papers"
        if where:
            sql += " WHERE " + " AND ".join(where)
        return self._load(list(self.conn.execute(sql + " ORDER BY pk", params)))

    def query(
        self,
        themes: Sequence[str] = (),
        since: Since | None = None,
        new: bool = False,
        top: int | None = None,
        profile: Profile | None = None,
    ) -> list[LibraryPaper]:
        """Papers ranked as `ingest` ranks them (by score, or by the profile)."""
        from papertriage.ranking import rank

        return rank(self.papers(themes, since, new), list(themes), top, profile)  # type: ignore[return-value]

    def mark_shown(self, pks: Sequence[int], output: str | None, *, now: str | None = None) -> int:
        """Record a digest that showed the papers `pks`: one run of kind 'digest', and each
        paper not shown before gets its shown time (a paper keeps the first). One transaction.
        Returns the digest's run id."""
        now = now or now_iso()
        with self.transaction():
            run_id = self.conn.execute(
                "INSERT INTO runs (kind, started, finished, inputs, counts) "
                "VALUES ('digest', ?, ?, ?, ?)",
                (
                    now,
                    now,
                    json.dumps([output or "-"], ensure_ascii=False),
                    json.dumps({"shown": len(pks)}),
                ),
            ).lastrowid
            for chunk in _chunks(list(pks)):
                marks = ",".join("?" * len(chunk))
                self.conn.execute(
                    f"UPDATE papers SET shown_at = ?, shown_in = ? "
                    f"WHERE shown_at IS NULL AND pk IN ({marks})",
                    [now, run_id, *chunk],
                )
        return run_id

    def get(self, key: str) -> LibraryPaper | None:
        """A paper by library id or arXiv id (a version suffix is ignored)."""
        key = key.strip()
        arxiv = clean_arxiv_id(key.removeprefix("arXiv:").removeprefix("arxiv:"))
        row = self.conn.execute(
            f"SELECT {_PAPER_COLUMNS} FROM papers WHERE id = ? OR arxiv_id = ? ORDER BY pk",
            (key, arxiv or key),
        ).fetchone()
        return self._load([row])[0] if row else None

    # labels (papertriage label; relevance.py learns from them)

    def set_labels(
        self, pks: Sequence[int], relevant: bool | None, *, now: str | None = None
    ) -> int:
        """Label the papers `pks` relevant (True) or irrelevant (False), or clear their
        labels (None), in one transaction. Returns how many labels changed."""
        now = now or now_iso()
        changed = 0
        with self.transaction():
            for chunk in _chunks(list(dict.fromkeys(pks))):
                marks = ",".join("?" * len(chunk))
                if relevant is None:
                    changed += self.conn.execute(
                        f"DELETE FROM labels WHERE paper_pk IN ({marks})", chunk
                    ).rowcount
                    continue
                value = int(relevant)
                changed += self.conn.execute(
                    f"SELECT COUNT(*) FROM papers WHERE pk IN ({marks}) AND pk NOT IN "
                    "(SELECT paper_pk FROM labels WHERE relevant = ?)",
                    [*chunk, value],
                ).fetchone()[0]
                self.conn.executemany(
                    "INSERT INTO labels (paper_pk, relevant, labelled_at) VALUES (?, ?, ?) "
                    "ON CONFLICT (paper_pk) DO UPDATE SET relevant = excluded.relevant, "
                    "labelled_at = excluded.labelled_at WHERE relevant != excluded.relevant",
                    [(pk, value, now) for pk in chunk],
                )
        return changed

    def labels(self) -> list[tuple[int, str, bool]]:
        """Every label: (pk, library id, relevant), in pk order."""
        rows = self.conn.execute(
            "SELECT l.paper_pk, p.id, l.relevant FROM labels l JOIN papers p ON p.pk = "
            "l.paper_pk ORDER BY l.paper_pk"
        )
        return [(r[0], r[1], bool(r[2])) for r in rows]

    def texts(self, pks: Sequence[int]) -> dict[int, tuple[str, str]]:
        """(title, abstract) of the papers `pks`."""
        found: dict[int, tuple[str, str]] = {}
        for chunk in _chunks(list(pks)):
            marks = ",".join("?" * len(chunk))
            for pk, title, abstract in self.conn.execute(
                f"SELECT pk, title, abstract FROM papers WHERE pk IN ({marks})", chunk
            ):
                found[pk] = (title, abstract)
        return found

    def spread_pks(self, limit: int) -> list[int]:
        """Up to `limit` paper pks spread evenly over the library (all when it is smaller)."""
        pks = [r[0] for r in self.conn.execute("SELECT pk FROM papers ORDER BY pk")]
        if len(pks) <= limit:
            return pks
        step = len(pks) / limit
        return [pks[int(i * step)] for i in range(limit)]

    def search(
        self, text: str, limit: int | None = 20, raw: bool = False, themes: Sequence[str] = ()
    ) -> list[LibraryPaper]:
        """Full-text search of titles (weighted 5x) and abstracts, best bm25 first.

        Words are matched (with English stemming) wherever they are; `raw` passes FTS5 query
        syntax through (``"exact phrase"``, ``OR``, ``NOT``, ``title: agents``, ``pref*``).
        """
        query = text if raw else _fts_query(text)
        if not query:
            raise LibraryError("search: give at least one word to look for")
        sql = (
            f"SELECT {', '.join('p.' + c.strip() for c in _PAPER_COLUMNS.split(','))}, "
            "bm25(papers_fts, 5.0, 1.0) AS bm25 FROM papers_fts "
            "JOIN papers p ON p.pk = papers_fts.rowid WHERE papers_fts MATCH ?"
        )
        params: list[Any] = [query]
        if themes:
            marks = ",".join("?" * len(themes))
            sql += (
                f" AND p.pk IN (SELECT paper_pk FROM themes WHERE assigned AND theme IN ({marks}))"
            )
            params.extend(themes)
        sql += " ORDER BY bm25, p.pk"
        if limit is not None:
            sql += " LIMIT ?"
            params.append(limit)
        try:
            rows = list(self.conn.execute(sql, params))
        except sqlite3.OperationalError as exc:
            raise LibraryError(f"search: cannot read the query {text!r}: {exc}") from None
        papers = self._load(rows)
        for number, (paper, row) in enumerate(zip(papers, rows), start=1):
            paper.relevance = -row["bm25"]
            paper.rank = number
        return papers

    def stats(self) -> dict[str, Any]:
        """Papers per theme, per ISO week (of the listing date, else of first seen), runs."""
        total = self.conn.execute("SELECT COUNT(*) FROM papers").fetchone()[0]
        per_theme = {
            r[0]: r[1]
            for r in self.conn.execute(
                "SELECT theme, COUNT(*) FROM themes WHERE assigned GROUP BY theme "
                "ORDER BY COUNT(*) DESC, theme"
            )
        }
        untagged = self.conn.execute(
            "SELECT COUNT(*) FROM papers WHERE pk NOT IN "
            "(SELECT paper_pk FROM themes WHERE assigned)"
        ).fetchone()[0]
        weeks: dict[str, int] = {}
        for listed, first_seen in self.conn.execute("SELECT date, first_seen FROM papers"):
            week = _iso_week(listed) or _iso_week(first_seen) or "unknown"
            weeks[week] = weeks.get(week, 0) + 1
        runs = self.conn.execute(
            "SELECT COUNT(*), MAX(finished) FROM runs WHERE kind IN ('ingest', 'import')"
        ).fetchone()
        unshown = self.conn.execute(
            "SELECT COUNT(*) FROM papers WHERE shown_at IS NULL"
        ).fetchone()[0]
        last = self.last_run()
        new_in_last = (
            self.conn.execute(
                "SELECT COUNT(*) FROM papers WHERE first_run = ?", (last["id"],)
            ).fetchone()[0]
            if last
            else 0
        )
        return {
            "library": str(self.path),
            "schema_version": self.schema_version,
            "papers": total,
            "untagged": untagged,
            "runs": runs[0],
            "last_run": runs[1],
            "new_in_last_run": new_in_last,
            "new": unshown,
            "themes": per_theme,
            "weeks": dict(sorted(weeks.items())),
        }

    # retag

    def retag(
        self, themes: Sequence[Theme], *, dry_run: bool = False, batch_size: int = 1000
    ) -> RetagReport:
        """Score every paper again with `themes`, in one transaction; report what changed.

        Papers are tagged `batch_size` at a time, the TF-IDF idf fitted on the first batch
        (as `ingest` does with a large input), so that memory stays bounded.
        """
        from papertriage.engine import Engine

        version = rules_version(themes)
        engine = Engine(themes, stream=True, evidence="assigned")  # only they are stored
        changes: list[RetagChange] = []
        total = 0
        with self.transaction():
            run_id = None
            if not dry_run:
                run_id = self.conn.execute(
                    "INSERT INTO runs (kind, started, inputs, rules_version) "
                    "VALUES ('retag', ?, '[]', ?)",
                    (now_iso(), version),
                ).lastrowid
            last_pk = 0
            while True:
                rows = list(
                    self.conn.execute(
                        f"SELECT {_PAPER_COLUMNS} FROM papers WHERE pk > ? ORDER BY pk LIMIT ?",
                        (last_pk, batch_size),
                    )
                )
                if not rows:
                    break
                last_pk = rows[-1]["pk"]
                total += len(rows)
                pks = [r["pk"] for r in rows]
                before: dict[int, set[str]] = {}
                marks = ",".join("?" * len(pks))
                for pk, theme in self.conn.execute(
                    f"SELECT paper_pk, theme FROM themes WHERE assigned AND paper_pk IN ({marks})",
                    pks,
                ):
                    before.setdefault(pk, set()).add(theme)
                tagged = engine.tag([_paper_from_row(r) for r in rows])
                theme_rows = []
                for row, paper in zip(rows, tagged):
                    after = {s.theme for s in paper.themes}
                    old = before.get(row["pk"], set())
                    if after != old:
                        gained, lost = sorted(after - old), sorted(old - after)
                        changes.append(RetagChange(row["id"], row["title"], gained, lost))
                    theme_rows.extend(_theme_rows(row["pk"], paper.scores.values(), version))
                if not dry_run:
                    self.conn.execute(f"DELETE FROM themes WHERE paper_pk IN ({marks})", pks)
                    self.conn.executemany(_INSERT_THEME, theme_rows)
                    self.conn.execute(
                        f"UPDATE papers SET tags_version = ? WHERE pk IN ({marks})",
                        [version, *pks],
                    )
            if run_id is not None:
                counts = {
                    "papers": total,
                    "changed": len(changes),
                    "gained": sum(len(c.gained) for c in changes),
                    "lost": sum(len(c.lost) for c in changes),
                }
                self.conn.execute(
                    "UPDATE runs SET finished = ?, counts = ? WHERE id = ?",
                    (now_iso(), json.dumps(counts), run_id),
                )
        return RetagReport(run_id, total, version, changes)

    # export / import

    def export_jsonl(self, stream: TextIO) -> int:
        """Write the library as JSON Lines: a header line, then one paper a line with all its
        stored theme scores, sources and first/last seen times. Returns the papers written."""
        header = {
            "format": EXPORT_FORMAT,
            "version": EXPORT_VERSION,
            "schema_version": self.schema_version,
            "exported": now_iso(),
        }
        stream.write(json.dumps(header) + "\n")
        count = 0
        pks = [r[0] for r in self.conn.execute("SELECT pk FROM papers ORDER BY pk")]
        labels = {pk: relevant for pk, _, relevant in self.labels()}
        for chunk in _chunks(pks):
            for paper in self._load(self._rows_by_pk(chunk)):
                data = paper.paper.to_dict()
                data["themes"] = [
                    {
                        "id": s.theme,
                        "score": round(s.score, 4),
                        "assigned": s.assigned,
                        "points": s.points,
                        "threshold": s.threshold,
                        "evidence": s.evidence_dict() if s.assigned else None,
                    }
                    for s in sorted(paper.scores.values(), key=lambda s: s.theme)
                ]
                data["library"] = paper.library_dict()
                if paper.pk in labels:
                    data["library"]["label"] = "relevant" if labels[paper.pk] else "irrelevant"
                stream.write(json.dumps(data, ensure_ascii=False) + "\n")
                count += 1
        return count

    def import_jsonl(
        self, lines: Iterable[str], name: str, *, now: str | None = None
    ) -> RunSummary:
        """Add the papers of an export (or of `ingest --format jsonl` output), deduplicated
        against the library, in one transaction. An exported paper's label (the reader's
        relevant/irrelevant) comes along."""
        incoming = []
        labels: list[tuple[Paper, Any, bool]] = []
        for number, line in enumerate(lines, start=1):
            if not line.strip():
                continue
            try:
                data = json.loads(line)
            except json.JSONDecodeError as exc:
                raise LibraryError(f"{name}:{number}: not JSON: {exc.msg}") from None
            if not isinstance(data, dict):
                raise LibraryError(f"{name}:{number}: expected a JSON object a line")
            if data.get("format") == EXPORT_FORMAT:
                if data.get("version", 0) > EXPORT_VERSION:
                    raise LibraryError(
                        f"{name}:{number}: export version {data.get('version')} is newer than "
                        f"this papertriage reads ({EXPORT_VERSION})"
                    )
                continue
            try:
                incoming.append(_incoming_from_dict(data))
            except (KeyError, TypeError, ValueError) as exc:
                raise LibraryError(f"{name}:{number}: not a paper record ({exc})") from None
            label = (data.get("library") or {}).get("label")
            if label in ("relevant", "irrelevant"):
                labels.append((incoming[-1].tagged.paper, data.get("id"), label == "relevant"))
        if not incoming:
            raise LibraryError(f"{name}: no papers to import")
        with self.recorder([name], None, kind="import", now=now) as recorder:
            recorder.add_incoming(incoming)
            self._import_labels(labels, now or now_iso())
        return recorder.summary

    def _import_labels(self, labels: list[tuple[Paper, Any, bool]], now: str) -> None:
        """Labels of imported papers (inside the import's transaction): each goes to the
        library paper with its exported id, else its arXiv id, else its title."""
        rows = []
        for paper, exported_id, relevant in labels:
            row = self.conn.execute(
                "SELECT pk FROM papers WHERE id = ? OR arxiv_id = ? OR norm_title = ? "
                "ORDER BY id = ? DESC, arxiv_id = ? DESC, pk LIMIT 1",
                (
                    str(exported_id or ""),
                    paper.arxiv_id or "",
                    normalise_title(paper.title),
                    str(exported_id or ""),
                    paper.arxiv_id or "",
                ),
            ).fetchone()
            if row is not None:
                rows.append((row[0], int(relevant), now))
        self.conn.executemany(
            "INSERT INTO labels (paper_pk, relevant, labelled_at) VALUES (?, ?, ?) "
            "ON CONFLICT (paper_pk) DO UPDATE SET relevant = excluded.relevant, "
            "labelled_at = excluded.labelled_at",
            rows,
        )

    def check(self) -> list[str]:
        """SQLite's integrity check plus the full-text index's; [] when all is well. A library
        too damaged to be checked gives the error met as its problem."""
        problems: list[str] = []
        try:
            rows = self.conn.execute("PRAGMA integrity_check").fetchall()
            problems = [r[0] for r in rows if r[0] != "ok"]
        except sqlite3.DatabaseError as exc:
            return [f"integrity check failed: {exc}"]
        try:
            if self.conn.execute(
                "SELECT 1 FROM sqlite_schema WHERE name = 'papers_fts'"
            ).fetchone():
                # 'integrity-check' writes nothing; a read-only connection can run it too.
                self.conn.execute(
                    "INSERT INTO papers_fts(papers_fts, rank) VALUES ('integrity-check', 1)"
                )
        except sqlite3.DatabaseError as exc:
            if "readonly" in str(exc):
                problems_note = "full-text index not checked (the library is read-only)"
                self.notes.append(problems_note)
            else:
                problems.append(f"full-text index: {exc}")
        try:
            problems.extend(
                f"foreign key: {r[0]} row {r[1]} points to a missing {r[2]}"
                for r in self.conn.execute("PRAGMA foreign_key_check")
            )
        except sqlite3.DatabaseError as exc:
            problems.append(f"foreign key check failed: {exc}")
        return problems


RECOVERY_HINT = (
    "to recover: copy the file aside, then either restore your last `papertriage db export` "
    "into a new library (`papertriage db import EXPORT --db NEW.db`), or let SQLite save what "
    "it can read (`sqlite3 {path} .recover | sqlite3 NEW.db`) and use NEW.db with --db"
)


class RunRecorder:
    """One run being stored: `add()` each batch of tagged papers; see `Library.recorder`."""

    def __init__(
        self, library: Library, kind: str, inputs: list[str], version: str | None, now: str
    ):
        self.library = library
        self.kind = kind
        self.inputs = inputs
        self.version = version
        self.now = now
        self.run_id: int | None = None
        self.papers = 0
        self.new: dict[str, None] = {}  # ordered sets of ids
        self.updated: dict[str, None] = {}
        self.stats: dict[str, Any] = {}  # the run's own counts (records, problems, ...)
        self.summary: RunSummary | None = None
        self._transaction: _Transaction | None = None
        self.engine: Any = None  # an Engine that scores the papers for the library
        self._index: _RunIndex | None = None  # the run's dedup index, made in its transaction
        # Set by `pipeline.stream` when its own dedup already merged the run's papers: they
        # are then matched against the library only (see _RunIndex.unique).
        self.deduplicated = False

    def _begin(self) -> None:
        self._transaction = self.library.transaction()
        self._transaction.__enter__()
        self.run_id = self.library.conn.execute(
            "INSERT INTO runs (kind, started, inputs, rules_version) VALUES (?, ?, ?, ?)",
            (self.kind, self.now, json.dumps(self.inputs, ensure_ascii=False), self.version),
        ).lastrowid

    def add(self, papers: Iterable[TaggedPaper]) -> None:
        """Merge a batch of tagged papers into the library (inside the run's transaction)."""
        if self.engine is not None:
            papers = self.engine.tag([t.paper for t in papers])
        self.add_incoming([_Incoming(t, self.version) for t in papers])

    def add_incoming(self, incoming: list[_Incoming]) -> None:
        if self.run_id is None:
            self._begin()
        assert self.run_id is not None
        if self._index is None:
            self._index = _RunIndex(self.library)
        self._index.unique = self.deduplicated
        part = self.library._merge_and_write(incoming, self.run_id, self.now, self._index)
        self.papers += len(incoming)
        self.new.update(dict.fromkeys(part.new))
        self.updated.update(dict.fromkeys(i for i in part.updated if i not in self.new))

    def __enter__(self) -> RunRecorder:
        return self

    def __exit__(self, exc_type, exc, tb) -> None:
        if exc_type is not None:
            if self._transaction is not None:
                self._transaction.__exit__(exc_type, exc, tb)
            return
        if self.run_id is None:  # a run that read nothing new is still a run
            self._begin()
        assert self._transaction is not None
        stats = self.stats
        counts = {
            "records": stats.get("records"),
            "papers": self.papers,
            "problems": stats.get("problems"),
            "merged_in_run": stats.get("merged"),
            "new": len(self.new),
            "seen_before": len(self.updated),
        }
        try:
            self.library.conn.execute(
                "UPDATE runs SET finished = ?, counts = ? WHERE id = ?",
                (now_iso(), json.dumps(counts), self.run_id),
            )
        except BaseException as error:
            self._transaction.__exit__(type(error), error, error.__traceback__)
            raise
        self._transaction.__exit__(None, None, None)
        self.summary = RunSummary(
            self.run_id, list(self.new), list(self.updated), self.library.path
        )


class _Transaction:
    """BEGIN IMMEDIATE ... COMMIT, ROLLBACK on any exception (Ctrl-C included)."""

    def __init__(self, conn: sqlite3.Connection):
        self.conn = conn

    def __enter__(self) -> sqlite3.Connection:
        try:
            self.conn.execute("BEGIN IMMEDIATE")
        except sqlite3.OperationalError as exc:
            if "locked" in str(exc) or "busy" in str(exc):
                raise LibraryError(
                    f"the library is busy: another papertriage run held it for more than "
                    f"{BUSY_TIMEOUT:.0f} s; try again later"
                ) from None
            raise
        return self.conn

    def __exit__(self, exc_type, exc, tb) -> None:
        if exc_type is None:
            self.conn.execute("COMMIT")
        elif self.conn.in_transaction:
            self.conn.execute("ROLLBACK")


# Below this many new papers a batch keeps the insert trigger of the full-text index.
_FTS_BULK = 50


@contextmanager
def _fts_in_bulk(conn: sqlite3.Connection, rows: int) -> Iterator[bool]:
    """Inside the run's transaction, drop the trigger that indexes each inserted paper for
    full-text search while a batch is inserted, and put it back as it was: the caller then
    indexes the batch with one INSERT ... SELECT. FTS5 writes its pending terms out at the
    end of every statement, so a trigger run per row costs about 0.7 ms a paper and one
    statement for 1,000 papers about a tenth of that. A failure rolls the run back, the
    trigger's removal with it (SQLite's DDL is transactional)."""
    sql = None
    if rows >= _FTS_BULK:
        found = conn.execute(
            "SELECT sql FROM sqlite_master WHERE type = 'trigger' AND name = 'papers_fts_insert'"
        ).fetchone()
        sql = found[0] if found else None
    if sql is None:
        yield False
        return
    conn.execute("DROP TRIGGER papers_fts_insert")
    yield True
    conn.execute(sql)


def _statements(script: str) -> list[str]:
    """Split a migration into statements (CREATE TRIGGER bodies hold semicolons)."""
    statements, current = [], ""
    for line in script.splitlines():
        stripped = line.split("--")[0].rstrip() if "--" in line and "'" not in line else line
        current += stripped + "\n"
        if sqlite3.complete_statement(current):
            if current.strip():
                statements.append(current.strip())
            current = ""
    if current.strip():
        statements.append(current.strip())
    return statements


_FTS_WORD = re.compile(r"\w+", re.UNICODE)


def _fts_query(text: str) -> str:
    """Free text -> an FTS5 query of quoted words (all must appear)."""
    return " ".join(f'"{word}"' for word in _FTS_WORD.findall(text))


def _iso_week(value: str | None) -> str | None:
    if not value or len(value) < 10:
        return None
    try:
        year, week, _ = date.fromisoformat(value[:10]).isocalendar()
    except ValueError:
        return None
    return f"{year}-W{week:02d}"


def _incoming_from_dict(data: dict[str, Any]) -> _Incoming:
    sources = [
        Source(str(s["file"]), int(s["line"]), str(s["format"])) for s in data.get("sources", [])
    ]
    paper = Paper(
        title=str(data["title"]),
        abstract=str(data.get("abstract") or ""),
        arxiv_id=data.get("arxiv_id"),
        authors=list(data.get("authors") or []),
        date=data.get("date"),
        url=data.get("url"),
        votes=data.get("votes"),
        sources=sources,
        categories=list(data.get("categories") or []),
        comments=data.get("comments"),
        doi=data.get("doi"),
        venue=data.get("venue"),
        keywords=list(data.get("keywords") or []),
    )
    if not paper.title.strip():
        raise ValueError("empty title")
    scores: dict[str, ThemeScore] = {}
    for theme in data.get("themes") or []:
        evidence = theme.get("evidence") or {}
        points = theme.get("points", evidence.get("points"))
        threshold = theme.get("threshold", evidence.get("threshold"))
        if points is None or threshold is None:
            continue
        score = _score_from_row(
            theme["id"], float(points), float(threshold), json.dumps(evidence) if evidence else None
        )
        scores[score.theme] = score
    library = data.get("library") or {}
    return _Incoming(
        TaggedPaper(paper, scores),
        library.get("rules_version"),
        first_seen=library.get("first_seen"),
        last_seen=library.get("last_seen"),
    )


def record_run(
    result: RunResult,
    inputs: Sequence[str],
    themes: Sequence[Theme],
    db: Path | str | None = None,
) -> RunSummary:
    """Save an in-memory run in the library at `db` (default: `db_path()`), one transaction.
    Print `summary.line()` on stderr."""
    with Library.open(db) as library:
        return library.save_run(result, inputs, rules_version(themes))


@contextmanager
def recording(
    inputs: Sequence[str],
    themes: Sequence[Theme],
    db: Path | str | None = None,
    library_themes: Sequence[Theme] | None = None,
) -> Iterator[RunRecorder]:
    """Open the library and record a (streamed) run into it, batch by batch, in one
    transaction that commits when the block ends and rolls back on any exception::

        with recording(inputs, options.load(), db) as recorder:
            result = stream(inputs, ..., on_tagged=recorder.add)
            write_output(result, fmt, output)
            recorder.stats = result.stats()
        warn(recorder.summary.line())

    `library_themes`: the rules whose themes the library keeps, when the run's `themes` are
    others (an experiment with --rules, --disable, --no-default-rules): the papers are stored
    with the themes those give, so that the experiment leaves the library's tags as they were.
    """
    version = rules_version(themes)
    tag_with = None
    if library_themes is not None and rules_version(library_themes) != version:
        tag_with, version = library_themes, rules_version(library_themes)
    with (
        Library.open(db) as library,
        library.recorder(inputs, version, tag_with=tag_with) as rec,
    ):
        yield rec
