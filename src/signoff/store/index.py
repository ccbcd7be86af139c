"""The provenance index: a SQLite cache under `.git/signoff/`, rebuilt incrementally from git.

Deleting it loses nothing; every row is derived from commits and notes. The local index uses
the standard library's sqlite3 directly: it is a single-file cache with no migrations (a schema
change rebuilds it), and bulk `executemany` inserts keep a 100,000-commit build close to the
speed of `git log --numstat` itself.
"""

from __future__ import annotations

import json
import logging
import os
import shutil
import sqlite3
import sys
import tempfile
import threading
import time
from collections.abc import Callable, Iterable, Mapping, Sequence
from contextlib import closing
from dataclasses import dataclass, field, replace
from pathlib import Path

from signoff.batches import batched
from signoff.git.log import Commit, CountGaps, FileChange, Person, WhitespaceCounts, iter_commits
from signoff.git.mailmap import Sources
from signoff.git.notes import LEGACY_AUTHORSHIP, BlobReader, LazyNotes
from signoff.git.repo import Repo
from signoff.provenance.capture import named_records
from signoff.provenance.model import SILENT, Provenance, Status, ToolUse, ai_attributed_count
from signoff.provenance.people import People
from signoff.provenance.people import probe as people_probe

SCHEMA_VERSION = "8"
NOTES = ("signoff", "ai", "agent-trace")

_SCHEMA = """
CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE commits (
    sha TEXT PRIMARY KEY,
    parents TEXT NOT NULL,
    author_name TEXT NOT NULL,
    author_email TEXT NOT NULL,
    author_date TEXT NOT NULL,
    committer_name TEXT NOT NULL,
    committer_email TEXT NOT NULL,
    commit_date TEXT NOT NULL,
    subject TEXT NOT NULL,
    status TEXT NOT NULL,
    confidence TEXT,
    accepted_name TEXT,
    accepted_email TEXT,
    accepted_source TEXT,
    added INTEGER,
    deleted INTEGER,
    ai_attributed_lines INTEGER,  -- lines a line record attributes to AI
    unrecorded_ai_lines INTEGER,  -- added lines of an AI-assisted commit with no line record
    line_record INTEGER NOT NULL,  -- 1: a line record (read or derived) covers the commit
    files INTEGER,
    stats_missing INTEGER NOT NULL,
    boundary INTEGER NOT NULL,
    note_key TEXT NOT NULL,
    record TEXT,  -- the provenance JSON; NULL when there is nothing beyond the columns
    -- the accepter as found, before `.mailmap` and the registry merge identities; the
    -- accepted_* columns hold the merged one, re-mapped from these when the people change
    raw_accepted_name TEXT,
    raw_accepted_email TEXT
);
CREATE TABLE commit_tools (
    sha TEXT NOT NULL, tool TEXT NOT NULL, model TEXT, session TEXT
);
CREATE TABLE commit_files (
    sha TEXT NOT NULL, path TEXT NOT NULL, added INTEGER, deleted INTEGER
);
-- what line records say, per commit, kind and tool use (each line once; tool NULL for human
-- and unknown lines)
CREATE TABLE line_kinds (
    sha TEXT NOT NULL, kind TEXT NOT NULL, tool TEXT, model TEXT, session TEXT,
    lines INTEGER NOT NULL
);
-- commits whose line record is incomplete, or lost (AI-assisted, no record), and why
CREATE TABLE capture_gaps (sha TEXT PRIMARY KEY, state TEXT NOT NULL, reason TEXT NOT NULL);
"""
# Secondary indexes are created after a bulk build: cheaper than maintaining them row by row.
_INDEXES = """
CREATE INDEX IF NOT EXISTS commit_tools_sha ON commit_tools (sha);
CREATE INDEX IF NOT EXISTS commit_files_sha ON commit_files (sha);
CREATE INDEX IF NOT EXISTS line_kinds_sha ON line_kinds (sha);
CREATE INDEX IF NOT EXISTS commit_files_path ON commit_files (path);
CREATE INDEX IF NOT EXISTS commits_status ON commits (status);
"""

Progress = Callable[[int], None]
_BATCH_BYTES = 4 << 20
Notes = Mapping[str, list[bytes]]
log = logging.getLogger("signoff")


@dataclass(frozen=True, slots=True)
class IndexUpdate:
    """What one `update` did: how many commits were added and re-read."""

    added: int
    refreshed: int
    rebuilt: bool
    path: Path
    shallow: bool
    # commits of the whole index with no line counts, and why (said once, not per commit)
    gaps: CountGaps = field(default_factory=CountGaps)
    # set when `.git` cannot be written: the index lives in a temporary folder for this run
    temporary: bool = False
    # commits whose accepter was re-merged because `.mailmap` or the registry's people changed
    remapped: int = 0


def index_path(repo: Repo) -> Path:
    return repo.git_dir / "signoff" / "index.sqlite"


def _connect(path: Path, attempts: int = 5) -> sqlite3.Connection:
    """Open the index for use. Another process's rebuild may rename a new file over it between
    the open and the first write (SQLite then says "readonly database"): open the new one."""
    attempt = 0
    while True:
        conn = sqlite3.connect(path, isolation_level=None)
        try:
            conn.execute("PRAGMA journal_mode=WAL")
            conn.execute("PRAGMA synchronous=NORMAL")
            return conn
        except sqlite3.OperationalError as exc:
            conn.close()
            attempt += 1
            if "readonly" not in str(exc) or attempt == attempts:
                raise
            time.sleep(0.05 * attempt)


def _create(path: Path) -> sqlite3.Connection:
    conn = sqlite3.connect(path, isolation_level=None)
    conn.execute("PRAGMA journal_mode=OFF")
    conn.execute("PRAGMA synchronous=OFF")
    conn.executescript(_SCHEMA)
    conn.execute("INSERT INTO meta VALUES ('schema_version', ?)", (SCHEMA_VERSION,))
    return conn


class Index:
    """Read access to an up-to-date index. Use `open_index(repo)`."""

    def __init__(self, repo: Repo, conn: sqlite3.Connection, scratch: Path | None = None) -> None:
        self.repo = repo
        self.conn = conn
        self.scratch = scratch  # a temporary index's folder, removed on close

    def close(self) -> None:
        self.conn.close()
        if self.scratch is not None:
            shutil.rmtree(self.scratch, ignore_errors=True)
            self.scratch = None

    def __enter__(self) -> Index:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def provenance(self, sha: str) -> Provenance | None:
        row = self.conn.execute(
            "SELECT record, status, accepted_name, accepted_email, accepted_source "
            "FROM commits WHERE sha = ?",
            (sha,),
        ).fetchone()
        return None if row is None else _row_provenance(sha, *row)

    def provenance_many(self, shas: list[str]) -> dict[str, Provenance]:
        """The provenance of every indexed commit among `shas`, in a few queries (bulk answers)."""
        out: dict[str, Provenance] = {}
        for chunk in batched(shas, SQL_PARAMS):
            rows = self.conn.execute(
                "SELECT sha, record, status, accepted_name, accepted_email, accepted_source "
                f"FROM commits WHERE sha IN ({','.join('?' * len(chunk))})",
                chunk,
            )
            for sha, *row in rows:
                out[sha] = _row_provenance(sha, *row)
        return out

    def files(self, shas: list[str]) -> dict[str, list[str]]:
        """The paths each indexed commit among `shas` changed, in diff order (bulk answers)."""
        out: dict[str, list[str]] = {}
        for chunk in batched(shas, SQL_PARAMS):
            marks = ",".join("?" * len(chunk))
            for (sha,) in self.conn.execute(
                f"SELECT sha FROM commits WHERE sha IN ({marks})", chunk
            ):
                out[sha] = []
            for sha, path in self.conn.execute(
                f"SELECT sha, path FROM commit_files WHERE sha IN ({marks}) ORDER BY rowid", chunk
            ):
                out[sha].append(path)
        return out

    def line_measures(
        self, shas: list[str]
    ) -> dict[str, tuple[int | None, int | None, int | None, int]]:
        """Per indexed commit among `shas`: (added, AI-attributed lines, lines in an AI-assisted
        commit without a line record, 1 if a line record covers it) as stored (bulk answers)."""
        out: dict[str, tuple[int | None, int | None, int | None, int]] = {}
        for chunk in batched(shas, SQL_PARAMS):
            marks = ",".join("?" * len(chunk))
            for sha, added, attributed, unrecorded, recorded in self.conn.execute(
                "SELECT sha, added, ai_attributed_lines, unrecorded_ai_lines, line_record "
                f"FROM commits WHERE sha IN ({marks})",
                chunk,
            ):
                out[sha] = (added, attributed, unrecorded, int(recorded))
        return out


def _row_provenance(
    sha: str,
    record: str | None,
    status: Status,
    name: str | None,
    email: str | None,
    source: str | None,
) -> Provenance:
    """A commit's provenance from its row: the stored record, else the columns (most commits).
    The accepter always comes from the columns: they follow `.mailmap` and registry edits."""
    accepted = Person(name, email or "") if name is not None else None
    if record is not None:
        return replace(provenance_from_json(json.loads(record)), accepted_by=accepted)
    return Provenance(
        sha, status, None, accepted_by=accepted, accepted_by_source=source, reason=SILENT
    )


SQL_PARAMS = 900  # ids per `IN (...)`: under SQLite's limit on bound parameters


def open_index(
    repo: Repo, *, progress: Progress | None = None, fetch_missing: bool = False
) -> tuple[Index, IndexUpdate]:
    """Bring the index up to date with git, then open it for reading.

    When `.git` cannot be written (a read-only mount, another user's repository) the index is
    built in a temporary folder for this run only, with a one-line note: slower, never refused.
    """
    update = update_index(repo, progress=progress, fetch_missing=fetch_missing)
    scratch = update.path.parent if update.temporary else None
    return Index(repo, _connect(update.path), scratch), update


def update_index(
    repo: Repo,
    *,
    rebuild: bool = False,
    progress: Progress | None = None,
    fetch_missing: bool = False,
) -> IndexUpdate:
    """Index new commits and re-read commits whose notes changed; rebuild when stale."""
    path = index_path(repo)
    try:
        return _update(repo, path, rebuild, progress, fetch_missing)
    except (OSError, sqlite3.OperationalError) as exc:
        if _writable(path.parent):
            raise
        scratch = Path(tempfile.mkdtemp(prefix="signoff-index-"))
        fresh = None if rebuild else _fresh_copy(repo, path, scratch / path.name)
        log.warning(
            "note: %s cannot be written (%s); using %s for this run",
            path.parent,
            getattr(exc, "strerror", None) or exc,
            "a copy of its index" if fresh else "a temporary index",
        )
        if fresh is not None:
            return fresh
        try:
            update = _update(repo, scratch / path.name, True, progress, fetch_missing)
        except BaseException:
            shutil.rmtree(scratch, ignore_errors=True)
            raise
        return IndexUpdate(
            update.added, 0, True, update.path, update.shallow, update.gaps, temporary=True
        )


def _fresh_copy(repo: Repo, path: Path, copy: Path) -> IndexUpdate | None:
    """A copy of the index of a read-only `.git`, when it already matches every branch and
    notes ref (nothing to add); None when it is absent, stale or unreadable."""
    if not path.exists():
        return None
    try:
        shutil.copyfile(path, copy)
        with closing(sqlite3.connect(copy, isolation_level=None)) as conn:
            meta = dict(conn.execute("SELECT key, value FROM meta").fetchall())
            tips, notes_fp = _ref_state(repo)
            fresh = (
                meta.get("schema_version") == SCHEMA_VERSION
                and json.loads(meta.get("tips", "[]")) == tips
                and meta.get("notes") == notes_fp
                and meta.get("people_probe") == people_probe(repo, tips, _sources(meta))
            )
            gaps = _stored_gaps(conn)
    except (OSError, sqlite3.DatabaseError):
        return None
    if not fresh:
        copy.unlink(missing_ok=True)
        return None
    shallow = bool(repo.shallow_boundary())
    return IndexUpdate(0, 0, False, copy, shallow, gaps, temporary=True)


def _writable(folder: Path) -> bool:
    """Whether the index folder can be created and written (false on a read-only `.git`)."""
    probe = folder if folder.exists() else folder.parent
    return os.access(probe, os.W_OK) and (not folder.exists() or os.access(folder, os.W_OK))


def _update(
    repo: Repo, path: Path, rebuild: bool, progress: Progress | None, fetch_missing: bool
) -> IndexUpdate:
    """One process updates the index at a time: a second one waits, then finds it up to date
    (two builds at once would each rename a new file over the one the other is reading)."""
    from signoff.files import locked

    path.parent.mkdir(parents=True, exist_ok=True)
    with locked(path.with_name(path.name + ".lock")):
        return _update_locked(repo, path, rebuild, progress, fetch_missing)


def _update_locked(
    repo: Repo, path: Path, rebuild: bool, progress: Progress | None, fetch_missing: bool
) -> IndexUpdate:
    tips, notes_fp = _ref_state(repo)
    shallow = bool(repo.shallow_boundary())
    if not rebuild and path.exists():
        try:
            with closing(_connect(path)) as conn:
                meta = dict(conn.execute("SELECT key, value FROM meta").fetchall())
                if meta.get("schema_version") == SCHEMA_VERSION:
                    added, refreshed, remapped = _incremental(
                        repo, conn, meta, tips, notes_fp, progress, fetch_missing
                    )
                    gaps = _stored_gaps(conn)
                    return IndexUpdate(
                        added, refreshed, False, path, shallow, gaps, remapped=remapped
                    )
        except sqlite3.DatabaseError as exc:
            if isinstance(exc, sqlite3.OperationalError) and not _writable(path.parent):
                raise
            # a corrupt cache is rebuilt, never trusted
    gaps = CountGaps()
    if not path.exists() and sys.stderr.isatty():
        # a first build can take a while on a long history: say what is happening, once
        log.warning(
            "building the provenance index in %s (first run; later runs only add new commits)%s",
            path.parent,
            f"; partial clone of {repo.promisor_remote()!r}: contents are not fetched"
            if repo.promisor_remote() and not fetch_missing
            else "",
        )
    added = _build(repo, path, tips, notes_fp, progress, gaps, fetch_missing)
    return IndexUpdate(added, 0, True, path, shallow, gaps)


def _stored_gaps(conn: sqlite3.Connection) -> CountGaps:
    row = conn.execute("SELECT value FROM meta WHERE key = 'count_gaps'").fetchone()
    return CountGaps.from_json(json.loads(row[0])) if row else CountGaps()


def _ref_state(repo: Repo) -> tuple[list[str], str]:
    """The branch tips (with HEAD) and the notes fingerprint, from one `for-each-ref`.

    This runs before every warm query, so it costs a single git process (two when HEAD is
    detached): `%(HEAD)` marks the branch HEAD points at.
    """
    out = repo.run(
        "for-each-ref",
        "--format=%(HEAD)%(refname) %(objectname) %(objecttype)",
        "refs/heads",
        "refs/notes",
        check=False,
    ).decode()
    tips: set[str] = set()
    notes = []
    on_branch = False
    for line in out.splitlines():
        parts = line[1:].split(" ")
        if len(parts) != 3:
            continue
        ref, sha, kind = parts
        if ref.startswith("refs/heads/"):
            if kind == "commit":
                tips.add(sha)
                on_branch = on_branch or line[0] == "*"
            continue
        name = ref.rsplit("/", 1)[-1]
        local = ref == f"refs/notes/{name}"
        remote = ref.startswith("refs/notes/remotes/") and ref.count("/") == 4
        if name in NOTES and (local or remote):
            notes.append(f"{ref}={sha}")
    if not on_branch:
        head = repo.head()  # detached HEAD (or a branch that has no commit yet)
        if head:
            tips.add(head)
    return sorted(tips), "|".join(sorted(notes))


# Detection and foreign readers are imported where used: a warm index answers without them,
# which keeps `signoff explain` on a warm index from compiling the whole marker table.


def _all_notes(reader: BlobReader) -> tuple[LazyNotes, LazyNotes, LazyNotes]:
    """Which note blobs belong to which commit, per notes name; contents are read per commit
    as the walk reaches it (never all at once: 10,000 large notes stay out of memory)."""
    from signoff.provenance.foreign import AGENT_TRACE_NOTES

    repo = reader.repo
    return (
        LazyNotes(repo, "signoff", reader),
        LazyNotes(repo, "ai", reader, ref_prefix=LEGACY_AUTHORSHIP),
        LazyNotes(repo, AGENT_TRACE_NOTES, reader),
    )


def _note_key(sha: str, *sources: LazyNotes) -> str:
    """A fingerprint of a commit's notes, from their blob ids (git's own content hashes)."""
    blobs = [blob for source in sources for blob in source.blob_ids(sha)]
    if not blobs:
        return ""  # most commits: no notes, no hashing
    import hashlib

    return hashlib.sha1("\x00".join(blobs).encode(), usedforsecurity=False).hexdigest()[:16]


def _build(
    repo: Repo,
    path: Path,
    tips: list[str],
    notes_fp: str,
    progress: Progress | None,
    gaps: CountGaps,
    fetch_missing: bool,
) -> int:
    _remove_stale_builds(path)
    tmp = path.with_suffix(f".tmp{os.getpid()}")
    tmp.unlink(missing_ok=True)
    conn = _create(tmp)
    reader = BlobReader(repo)
    try:
        signoff_notes, ai_notes, traces = _all_notes(reader)
        conn.execute("BEGIN")
        count = _insert(
            repo, conn, tips, [], (signoff_notes, ai_notes, traces), progress, gaps, fetch_missing
        )
        _set_meta(conn, tips, notes_fp, gaps)
        with People.for_repo(repo) as people:
            _set_people(conn, repo, tips, people)
        conn.execute("COMMIT")
        conn.executescript(_INDEXES)
        conn.close()
        os.replace(tmp, path)  # atomic: readers see the old index or the new one
        for suffix in ("-wal", "-shm"):
            Path(str(path) + suffix).unlink(missing_ok=True)
    finally:
        reader.close()
        conn.close()
        tmp.unlink(missing_ok=True)
    return count


def _remove_stale_builds(path: Path) -> None:
    """Temporary indexes (and their journals) of builds whose process is gone (killed)."""
    prefix = path.with_suffix(".tmp").name
    for leftover in path.parent.glob(f"{prefix}*"):
        pid = leftover.name[len(prefix) :].split("-", 1)[0]
        if not pid.isdigit() or _alive(int(pid)):
            continue
        leftover.unlink(missing_ok=True)


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except OSError:
        return True  # exists, owned by someone else
    return True


def _set_meta(conn: sqlite3.Connection, tips: list[str], notes_fp: str, gaps: CountGaps) -> None:
    conn.execute("INSERT OR REPLACE INTO meta VALUES ('tips', ?)", (json.dumps(tips),))
    conn.execute("INSERT OR REPLACE INTO meta VALUES ('notes', ?)", (notes_fp,))
    conn.execute(
        "INSERT OR REPLACE INTO meta VALUES ('count_gaps', ?)", (json.dumps(gaps.to_json()),)
    )


def _set_people(conn: sqlite3.Connection, repo: Repo, tips: list[str], people: People) -> str:
    """Store what the people are read from (mailmap files and blobs, from any git config),
    the probe that watches them and the people's fingerprint; returns the fingerprint."""
    sources = people.mailmap.sources() if people.mailmap is not None else None
    probe = people_probe(repo, tips, sources)  # first: an edit from here on moves it
    fingerprint = people.fingerprint(sources)
    conn.execute("INSERT OR REPLACE INTO meta VALUES ('people_probe', ?)", (probe,))
    conn.execute("INSERT OR REPLACE INTO meta VALUES ('people', ?)", (fingerprint,))
    conn.execute("INSERT OR REPLACE INTO meta VALUES ('people_sources', ?)", (json.dumps(sources),))
    return fingerprint


def _sources(meta: Mapping[str, str]) -> Sources | None:
    """The mailmap sources the last fingerprint found (None in an index built before)."""
    found = json.loads(meta.get("people_sources") or "null")
    if not isinstance(found, dict):
        return None
    return Sources(
        files=[str(f) for f in found.get("files") or ()],
        blobs=[str(b) for b in found.get("blobs") or ()],
    )


def _remap_accepters(conn: sqlite3.Connection, people: People) -> int:
    """Merge every stored accepter again, as `people` say now: one SQL update over the raw
    accepters (a few hundred distinct identities on a long history), never a rebuild.
    Returns how many commits now name a different accepter."""
    pairs = conn.execute(
        "SELECT DISTINCT raw_accepted_name, raw_accepted_email FROM commits "
        "WHERE raw_accepted_name IS NOT NULL"
    ).fetchall()
    conn.execute(
        "CREATE TEMP TABLE people_map (name TEXT, email TEXT, to_name TEXT, to_email TEXT, "
        "PRIMARY KEY (name, email))"
    )
    try:
        rows = []
        for name, email in pairs:
            merged = people.canonical(Person(name, email or ""))
            rows.append((name, email, merged.name, merged.email))
        conn.executemany("INSERT OR REPLACE INTO temp.people_map VALUES (?, ?, ?, ?)", rows)
        changed = conn.execute(
            "SELECT COUNT(*) FROM commits c JOIN temp.people_map m "
            "ON m.name = c.raw_accepted_name AND m.email IS c.raw_accepted_email "
            "WHERE c.accepted_name IS NOT m.to_name OR c.accepted_email IS NOT m.to_email"
        ).fetchone()[0]
        if changed:
            conn.execute(
                "UPDATE commits SET (accepted_name, accepted_email) = (SELECT to_name, to_email "
                "FROM temp.people_map m WHERE m.name = commits.raw_accepted_name "
                "AND m.email IS commits.raw_accepted_email) WHERE raw_accepted_name IS NOT NULL"
            )
    finally:
        conn.execute("DROP TABLE temp.people_map")
    return int(changed)


def _existing(repo: Repo, shas: Iterable[str]) -> list[str]:
    wanted = list(shas)
    if not wanted:
        return []
    out = repo.run("cat-file", "--batch-check", input=("\n".join(wanted) + "\n").encode())
    found = (line.split() for line in out.decode().splitlines())
    return [parts[0] for parts in found if len(parts) >= 2 and parts[1] == "commit"]


def _incremental(
    repo: Repo,
    conn: sqlite3.Connection,
    meta: dict[str, str],
    tips: list[str],
    notes_fp: str,
    progress: Progress | None,
    fetch_missing: bool,
) -> tuple[int, int, int]:
    """(commits added, re-read for notes, re-merged because the people changed)."""
    old_tips: list[str] = json.loads(meta.get("tips", "[]"))
    people_moved = meta.get("people_probe") != people_probe(repo, tips, _sources(meta))
    if old_tips == tips and meta.get("notes") == notes_fp and not people_moved:
        return 0, 0, 0
    gaps = CountGaps.from_json(json.loads(meta.get("count_gaps", "{}")))
    reader = BlobReader(repo)
    conn.execute("BEGIN")
    try:
        notes = _all_notes(reader)
        added = 0
        if tips and old_tips != tips:
            added = _insert(
                repo,
                conn,
                tips,
                _existing(repo, old_tips),
                notes,
                progress,
                gaps,
                fetch_missing,
            )
        refreshed = 0
        if meta.get("notes") != notes_fp:
            refreshed = _refresh_notes(repo, conn, *notes)
        _set_meta(conn, tips, notes_fp, gaps)
        remapped = 0
        if people_moved:
            # the files moved; the mapping may not have (a policy edit elsewhere): compare
            with People.for_repo(repo) as people:
                if _set_people(conn, repo, tips, people) != meta.get("people"):
                    remapped = _remap_accepters(conn, people)
        conn.execute("COMMIT")
    except BaseException:
        conn.execute("ROLLBACK")
        raise
    finally:
        reader.close()
    return added, refreshed, remapped


def _refresh_notes(
    repo: Repo,
    conn: sqlite3.Connection,
    signoff_notes: LazyNotes,
    ai_notes: LazyNotes,
    traces: LazyNotes,
) -> int:
    """Re-detect commits whose notes were added, changed or removed since the last update."""
    from signoff.provenance.squash import wants_mapping

    stored = dict(conn.execute("SELECT sha, note_key FROM commits").fetchall())
    noted = set(signoff_notes) | set(ai_notes) | set(traces)
    changed = [
        sha
        for sha in noted | {s for s, k in stored.items() if k}
        if sha in stored and stored[sha] != _note_key(sha, signoff_notes, ai_notes, traces)
    ]
    if not changed:
        return 0
    count = 0
    people = People.for_repo(repo)
    squashes: list[tuple[Commit, Provenance]] = []
    to_count: list[str] = []
    captured: list[tuple[str, Provenance]] = []
    for chunk in batched(changed, 500):
        for commit in iter_commits(repo, chunk, extra=["--no-walk=unsorted"]):
            raw, prov = _provenance(commit, (signoff_notes, ai_notes, traces), people)
            if wants_mapping(commit, prov):
                squashes.append((commit, prov))
            row = conn.execute("SELECT added FROM commits WHERE sha = ?", (commit.sha,)).fetchone()
            if prov.ai_assisted and not named_records(prov) and row and row[0] is not None:
                to_count.append(commit.sha)
            attributed, unrecorded, recorded = line_measures(prov, row[0] if row else None)
            conn.execute(
                "UPDATE commits SET status=?, confidence=?, accepted_name=?, accepted_email=?, "
                "accepted_source=?, ai_attributed_lines=?, unrecorded_ai_lines=?, line_record=?, "
                "note_key=?, record=?, raw_accepted_name=?, raw_accepted_email=? WHERE sha=?",
                (
                    prov.status,
                    prov.confidence,
                    prov.accepted_by.name if prov.accepted_by else None,
                    prov.accepted_by.email if prov.accepted_by else None,
                    prov.accepted_by_source,
                    attributed,
                    unrecorded,
                    recorded,
                    _note_key(commit.sha, signoff_notes, ai_notes, traces),
                    _record(prov),
                    raw.accepted_by.name if raw.accepted_by else None,
                    raw.accepted_by.email if raw.accepted_by else None,
                    commit.sha,
                ),
            )
            conn.execute("DELETE FROM commit_tools WHERE sha = ?", (commit.sha,))
            conn.executemany(
                "INSERT INTO commit_tools VALUES (?, ?, ?, ?)",
                [(commit.sha, t.tool, t.model, t.session) for t in prov.tools],
            )
            captured.append((commit.sha, prov))
            count += 1
    _count_unrecorded(repo, conn, to_count)
    _store_capture(repo, conn, captured)
    _map_squashes(repo, conn, squashes, signoff_notes, ai_notes, traces)
    people.close()
    return count


def _count_unrecorded(repo: Repo, conn: sqlite3.Connection, shas: list[str]) -> None:
    """Lines in AI-assisted commits without a line record leave out lines the commit only
    re-indented (`--numstat -w`): a whitespace change does not move attribution. A commit whose
    blobs cannot be read keeps its plain count; so does one no file of which both adds and
    removes lines (nothing there can be a re-indent)."""
    from signoff.git.diff import added_ignoring_whitespace

    wanted = []
    for chunk in batched(shas, SQL_PARAMS):
        wanted += [
            sha
            for (sha,) in conn.execute(
                "SELECT DISTINCT sha FROM commit_files WHERE added > 0 AND deleted > 0 "
                f"AND sha IN ({','.join('?' * len(chunk))})",
                chunk,
            )
        ]
    _set_unrecorded(conn, added_ignoring_whitespace(repo, wanted))


def _set_unrecorded(conn: sqlite3.Connection, counts: Mapping[str, int]) -> None:
    """Store `-w` counts of AI-assisted commits without a line record (never above the plain
    count, which stays in `added`)."""
    conn.executemany(
        "UPDATE commits SET unrecorded_ai_lines = min(added, ?) "
        "WHERE sha = ? AND line_record = 0 AND added IS NOT NULL",
        [(n, sha) for sha, n in counts.items()],
    )


def may_reindent(files: Iterable[FileChange]) -> bool:
    """Whether `--numstat -w` can count fewer added lines than `--numstat` for a diff: only a
    file that both adds and removes lines can hold a line that was merely re-indented (a file
    that only adds keeps every old line in place, so `-w` aligns it the same way)."""
    return any(f.added and f.deleted for f in files)


def line_measures(
    prov: Provenance, added: int | None, added_ignoring_whitespace: int | None = None
) -> tuple[int | None, int | None, int]:
    """The two line measures of a commit, never added together, and whether a record exists.

    (AI-attributed lines: what its line records attribute to AI, at most its added lines;
    lines in an AI-assisted commit without a line record: all its added lines, None when
    they could not be counted, its lines only re-indented left out when
    `added_ignoring_whitespace` is given; 1 when a line record covers the commit, else 0.)
    A commit-level marker says an AI helped, not which lines: those lines are never AI lines.
    """
    if named_records(prov):  # an empty record (a recorder that gave up) names no line
        ai = ai_attributed_count(prov.line_records)
        return (min(ai, added) if added is not None else ai), 0, 1
    if prov.ai_assisted:
        if added is not None and added_ignoring_whitespace is not None:
            return 0, min(added, added_ignoring_whitespace), 0
        return 0, added, 0
    return 0, 0, 0


def map_fetched_squashes(repo: Repo) -> int:
    """Map squash commits indexed before their pull request heads were fetched: AI-assisted
    ones, and ones without a marker whose pull request's commits were AI-assisted.

    Run by `signoff index` (not before every query: listing `refs/pull/` costs a git process
    per answer), and only when the fetched heads changed since the last mapping. Returns how
    many commits gained a `pr-commits` line record.
    """
    from signoff.provenance.squash import pr_number, pull_heads

    path = index_path(repo)
    if not path.exists():
        return 0
    heads = pull_heads(repo)
    if not heads:
        return 0
    fingerprint = _pull_fingerprint(heads)
    with closing(_connect(path)) as conn:
        seen = conn.execute("SELECT value FROM meta WHERE key = 'pull_heads'").fetchone()
        if seen and seen[0] == fingerprint:
            return 0
        rows = conn.execute(
            "SELECT sha, subject FROM commits WHERE status IN ('ai', 'mixed', 'unknown') "
            "AND line_record = 0 AND instr(parents, ' ') = 0 AND subject LIKE '%(#%)%'"
        ).fetchall()
        wanted = [sha for sha, subject in rows if pr_number(subject) in heads]
        before = {r[0] for r in conn.execute("SELECT sha FROM commits WHERE line_record = 1")}
        from signoff.provenance.squash import unmarked_squash, wants_mapping

        reader = BlobReader(repo)
        try:
            signoff_notes, ai_notes, traces = _all_notes(reader)
            squashes, unmarked = [], []
            for commit in iter_commits(repo, wanted, extra=["--no-walk=unsorted"]):
                prov = _detect(commit, (signoff_notes, ai_notes, traces))
                if wants_mapping(commit, prov):
                    squashes.append((commit, prov))
                elif unmarked_squash(commit, prov):
                    unmarked.append((commit, prov))
            conn.execute("BEGIN")
            _map_squashes(repo, conn, squashes, signoff_notes, ai_notes, traces, unmarked, heads)
            conn.execute("INSERT OR REPLACE INTO meta VALUES ('pull_heads', ?)", (fingerprint,))
            conn.execute("COMMIT")
        finally:
            reader.close()
        after = {r[0] for r in conn.execute("SELECT sha FROM commits WHERE line_record = 1")}
    return len(after - before)


def _pull_fingerprint(heads: Mapping[int, str]) -> str:
    """The fetched pull request heads, in one short string (which heads the mapping saw)."""
    import hashlib

    text = ",".join(f"{n}={sha}" for n, sha in sorted(heads.items()))
    return hashlib.sha1(text.encode(), usedforsecurity=False).hexdigest()[:16]


def _map_squashes(
    repo: Repo,
    conn: sqlite3.Connection,
    squashes: list[tuple[Commit, Provenance]],
    signoff_notes: Mapping[str, list[bytes]],
    ai_notes: Mapping[str, list[bytes]],
    traces: Mapping[str, list[bytes]],
    unmarked: Sequence[tuple[Commit, Provenance]] = (),
    heads: Mapping[int, str] | None = None,
) -> None:
    """Give AI-assisted squash commits whose pull request head is fetched a `pr-commits` line
    record (see `signoff.provenance.squash`), cached in the row like any other record; and squash
    commits without a marker the same, when their pull request's commits were AI-assisted."""
    if not squashes and not unmarked:
        return
    from signoff.provenance.detect import detect
    from signoff.provenance.squash import ai_pull_requests, map_squashes, pr_number, pull_heads

    captured: list[tuple[str, Provenance]] = []
    lock = threading.Lock()  # the notes are read through one `cat-file --batch` process

    def detect_one(c: Commit) -> Provenance:
        with lock:
            found = [list(n.get(c.sha, ())) for n in (signoff_notes, ai_notes, traces)]
        return detect(c, found[0], found[1], found[2])

    chosen: set[str] = set()
    if unmarked:
        heads = pull_heads(repo) if heads is None else heads
        numbers = {pr_number(c.subject) for c, _ in unmarked}
        wanted = {n: heads[n] for n in numbers if n is not None and n in heads}
        ai_prs = ai_pull_requests(repo, wanted, detect_one)
        for commit, prov in unmarked:
            if pr_number(commit.subject) in ai_prs:
                chosen.add(commit.sha)
                squashes = [*squashes, (commit, prov)]
    if not squashes:
        return

    # a few git processes per group of squash commits, not five per commit
    heads = pull_heads(repo) if heads is None else heads
    found = map_squashes(repo, [c for c, _ in squashes], detect_one, heads, unmarked=chosen)
    for commit, prov in squashes:
        mapped = found[commit.sha]
        if not mapped.line_records:
            if mapped.problems != prov.problems:  # could not map: say why, keep the counts
                conn.execute(
                    "UPDATE commits SET record=? WHERE sha=?", (_record(mapped), commit.sha)
                )
                captured.append((commit.sha, mapped))
            continue
        row = conn.execute("SELECT added FROM commits WHERE sha = ?", (commit.sha,)).fetchone()
        attributed, unrecorded, recorded = line_measures(mapped, row[0] if row else None)
        conn.execute(
            "UPDATE commits SET status=?, confidence=?, ai_attributed_lines=?, "
            "unrecorded_ai_lines=?, line_record=?, record=? WHERE sha=?",
            (
                mapped.status,
                mapped.confidence,
                attributed,
                unrecorded,
                recorded,
                _record(mapped),
                commit.sha,
            ),
        )
        if mapped.tools != prov.tools:  # a commit with no marker names its PR commits' tools
            conn.execute("DELETE FROM commit_tools WHERE sha = ?", (commit.sha,))
            conn.executemany(
                "INSERT INTO commit_tools VALUES (?, ?, ?, ?)",
                [(commit.sha, t.tool, t.model, t.session) for t in mapped.tools],
            )
        captured.append((commit.sha, mapped))
    _store_capture(repo, conn, captured)


def _store_capture(
    repo: Repo,
    conn: sqlite3.Connection,
    items: list[tuple[str, Provenance]],
    *,
    fresh: bool = False,
) -> None:
    """Write the `line_kinds` and `capture_gaps` rows of commits whose provenance was (re)read.

    Kinds count only the lines each commit added (`-w`, one `git log -p` per 500 commits with a
    line record); a commit whose diff cannot be read gets none. `fresh`: the commits have no
    rows yet (a build), so nothing is deleted first.
    """
    from signoff.git.diff import added_line_numbers
    from signoff.provenance.capture import capture_gap, kind_counts

    for chunk in batched(items, 500):
        if not fresh:
            shas = [(sha,) for sha, _ in chunk]
            conn.executemany("DELETE FROM line_kinds WHERE sha = ?", shas)
            conn.executemany("DELETE FROM capture_gaps WHERE sha = ?", shas)
        added = added_line_numbers(repo, [sha for sha, prov in chunk if named_records(prov)])
        kinds: list[tuple[object, ...]] = []
        gaps: list[tuple[object, ...]] = []
        for sha, prov in chunk:
            gap = capture_gap(prov)
            if gap:
                gaps.append((sha, *gap))
            if sha not in added:
                continue
            for k in kind_counts(prov, added[sha]):
                t = k.tool
                kinds.append(
                    (
                        sha,
                        k.kind,
                        t.tool if t else None,
                        t.model if t else None,
                        t.session if t else None,
                        k.lines,
                    )
                )
        conn.executemany("INSERT INTO line_kinds VALUES (?, ?, ?, ?, ?, ?)", kinds)
        conn.executemany("INSERT OR REPLACE INTO capture_gaps VALUES (?, ?, ?)", gaps)


def _insert(
    repo: Repo,
    conn: sqlite3.Connection,
    tips: list[str],
    exclude: list[str],
    notes: tuple[LazyNotes, LazyNotes, LazyNotes],
    progress: Progress | None,
    gaps: CountGaps,
    fetch_missing: bool,
) -> int:
    from signoff.provenance.squash import pr_number, pull_heads, unmarked_squash, wants_mapping

    signoff_notes, ai_notes, traces = notes
    if not tips:
        return 0  # an empty repository: nothing to walk (git log would default to HEAD)
    squashes: list[tuple[Commit, Provenance]] = []
    # squash commits without a marker whose pull request head is fetched: mapped when their
    # pull request's commits were AI-assisted
    heads = pull_heads(repo)
    unmarked: list[tuple[Commit, Provenance]] = []
    # AI-assisted commits without a line record whose count may drop with `-w`
    unrecorded = WhitespaceCounts(repo, fetch_missing=fetch_missing)
    boundary = set(repo.shallow_boundary())
    revs = [*tips, *(f"^{sha}" for sha in exclude)]
    commit_rows: list[tuple[object, ...]] = []
    tool_rows: list[tuple[object, ...]] = []
    file_rows: list[tuple[object, ...]] = []
    captured: list[tuple[str, Provenance]] = []
    count = 0

    # An incremental walk can meet commits indexed before (a branch moved back onto them):
    # ask for just those rows rather than loading every indexed id on each update.
    def indexed(sha: str) -> bool:
        if not exclude:
            return False
        return conn.execute("SELECT 1 FROM commits WHERE sha = ?", (sha,)).fetchone() is not None

    pending_bytes = 0

    def flush() -> None:
        conn.executemany(
            "INSERT OR REPLACE INTO commits VALUES (" + ",".join("?" * 26) + ")", commit_rows
        )
        conn.executemany("INSERT INTO commit_tools VALUES (?, ?, ?, ?)", tool_rows)
        conn.executemany("INSERT INTO commit_files VALUES (?, ?, ?, ?)", file_rows)
        # kinds and gaps per batch: records stay in memory for one batch, never the history
        _store_capture(repo, conn, captured, fresh=True)
        for rows in (commit_rows, tool_rows, file_rows):
            rows.clear()
        captured.clear()

    people = People.for_repo(repo)
    walk = iter_commits(repo, revs, numstat=True, gaps=gaps, fetch_missing=fetch_missing)
    try:
        for commit in walk:
            if indexed(commit.sha):
                continue
            raw, prov = _provenance(commit, (signoff_notes, ai_notes, traces), people)
            is_boundary = commit.sha in boundary
            row = _commit_row(
                commit, prov, raw.accepted_by, is_boundary, signoff_notes, ai_notes, traces
            )
            commit_rows.append(row)
            if row[_RECORD] is not None:
                pending_bytes += len(row[_RECORD])  # type: ignore[arg-type]
            if wants_mapping(commit, prov):
                squashes.append((commit, prov))
            elif heads and unmarked_squash(commit, prov) and pr_number(commit.subject) in heads:
                unmarked.append((commit, prov))
            if (
                prov.ai_assisted
                and not named_records(prov)
                and commit.files
                and not is_boundary
                and may_reindent(commit.files)
            ):
                unrecorded.send(commit.sha)  # counted again with `-w`, beside the walk
            tool_rows.extend((commit.sha, t.tool, t.model, t.session) for t in prov.tools)
            if prov.line_records or prov.ai_assisted:
                captured.append((commit.sha, prov))
            if commit.files and not is_boundary:
                file_rows.extend((commit.sha, f.path, f.added, f.deleted) for f in commit.files)
            count += 1
            # rows go to SQLite in batches, and early when records are large (notes with many
            # line spans): memory stays bounded by the batch, never by the history
            if len(commit_rows) >= 2000 or pending_bytes > _BATCH_BYTES:
                pending_bytes = 0
                flush()
                if progress:
                    progress(count)
        flush()
        _set_unrecorded(conn, unrecorded.finish())
    finally:
        unrecorded.close()
        people.close()
    if progress:
        progress(count)
    _map_squashes(repo, conn, squashes, signoff_notes, ai_notes, traces, unmarked, heads)
    if heads and not exclude:  # a whole build saw every head; an update only its new commits
        conn.execute(
            "INSERT OR REPLACE INTO meta VALUES ('pull_heads', ?)", (_pull_fingerprint(heads),)
        )
    return count


def _record(prov: Provenance) -> str | None:
    """The JSON to store, or None when the columns already say everything (most commits)."""
    if prov.status == "unknown" and not (prov.markers or prov.problems or prov.line_records):
        return None
    return json.dumps(prov.to_json(), separators=(",", ":"))


def _detect(commit: Commit, notes: tuple[LazyNotes, LazyNotes, LazyNotes]) -> Provenance:
    """`commit`'s provenance from its message and its three kinds of notes (no people merged)."""
    from signoff.provenance.detect import detect

    signoff_notes, ai_notes, traces = notes
    return detect(
        commit,
        signoff_notes.get(commit.sha, ()),
        ai_notes.get(commit.sha, ()),
        traces.get(commit.sha, ()),
    )


def _provenance(
    commit: Commit, notes: tuple[LazyNotes, LazyNotes, LazyNotes], people: People
) -> tuple[Provenance, Provenance]:
    """`commit`'s provenance as detected, and the same naming its accepter as `people` merge
    identities: the row keeps both accepters (the raw one lets a mailmap edit re-merge)."""
    raw = _detect(commit, notes)
    if raw.accepted_by is None:
        return raw, raw
    return raw, replace(raw, accepted_by=people.canonical(raw.accepted_by))


_RECORD = 23  # the record's place in a commits row


def _commit_row(
    commit: Commit,
    prov: Provenance,
    raw_accepter: Person | None,
    is_boundary: bool,
    signoff_notes: LazyNotes,
    ai_notes: LazyNotes,
    traces: LazyNotes,
) -> tuple[object, ...]:
    added = deleted = nfiles = None
    if commit.files is not None and not is_boundary:
        added = sum(f.added or 0 for f in commit.files)
        deleted = sum(f.deleted or 0 for f in commit.files)
        nfiles = len(commit.files)
    return (
        commit.sha,
        " ".join(commit.parents),
        commit.author.name,
        commit.author.email,
        commit.author_date,
        commit.committer.name,
        commit.committer.email,
        commit.commit_date,
        commit.subject,
        prov.status,
        prov.confidence,
        prov.accepted_by.name if prov.accepted_by else None,
        prov.accepted_by.email if prov.accepted_by else None,
        prov.accepted_by_source,
        added,
        deleted,
        *line_measures(prov, added),
        nfiles,
        int(commit.stats_missing),
        int(is_boundary),
        _note_key(commit.sha, signoff_notes, ai_notes, traces),
        _record(prov),
        raw_accepter.name if raw_accepter else None,
        raw_accepter.email if raw_accepter else None,
    )


def provenance_from_json(data: dict[str, object]) -> Provenance:
    """Rebuild a Provenance from its stored JSON (the inverse of `Provenance.to_json`)."""
    from signoff.provenance.model import LineRecord, LineSpan, Marker

    def tool(d: object) -> ToolUse | None:
        if not isinstance(d, dict):
            return None
        return ToolUse(d["tool"], d.get("model"), d.get("session"))

    accepted = data.get("accepted_by")
    records = []
    for rec in data.get("line_records") or []:  # type: ignore[attr-defined]
        files = {
            path: tuple(
                LineSpan(s["start"], s["end"], tool(s.get("tool")), s.get("author"), s.get("hash"))
                for s in spans
            )
            for path, spans in rec["files"].items()
        }
        records.append(
            LineRecord(
                rec["source"],
                files,
                rec.get("derivation"),
                rec.get("confidence") or None,
                complete=rec.get("complete", True),
                gaps=tuple(rec.get("gaps") or ()),
            )
        )
    return Provenance(
        commit=str(data["commit"]),
        status=data["status"],  # type: ignore[arg-type]
        confidence=data.get("confidence"),  # type: ignore[arg-type]
        tools=tuple(t for t in (tool(x) for x in data.get("tools") or []) if t),  # type: ignore[attr-defined]
        markers=tuple(Marker(**m) for m in data.get("markers") or []),  # type: ignore[attr-defined]
        accepted_by=Person(accepted["name"], accepted["email"])
        if isinstance(accepted, dict)
        else None,
        accepted_by_source=data.get("accepted_by_source"),  # type: ignore[arg-type]
        line_records=tuple(records),
        problems=tuple(data.get("problems") or ()),  # type: ignore[arg-type]
        reason=str(data.get("reason", "")),
    )
