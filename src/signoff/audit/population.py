"""The population: every change that landed on the branch in the period, one record each.

A change is a commit on the branch's first-parent line: a merge (a pull request, with the
commits it brought in as members) or a commit made straight onto the branch. Provenance, tools
and lines come from the index; review trailers from one `git log --stdin` over the members;
workflow, tier and accountable from the policy in force when the change landed.
"""

from __future__ import annotations

import bisect
import gc
import heapq
import os
import pickle
import sqlite3
import sys
import tempfile
import threading
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import date, timezone
from typing import Any, overload

from signoff.audit.period import Period, commit_ts
from signoff.audit.policies import PolicyVersion, policy_versions
from signoff.batches import batched
from signoff.errors import SignoffError
from signoff.git.log import Commit, Person, _token, parse_trailers
from signoff.git.repo import Repo
from signoff.gitdate import parse_git_date
from signoff.layout import EXCEPTIONS_DIR, POLICY_FILE
from signoff.policy.model import TIER_RANK
from signoff.provenance.model import AI_STATUSES
from signoff.review.evidence import REVIEW_TRAILERS, parse_person, pull_request_of
from signoff.store.index import Index, Progress, open_index

APPROVING = ("reviewed", "approved", "acked")
SPILL_BATCH = 1000  # changes built from the index, and kept on disk, at a time


@dataclass(slots=True)
class Change:
    """One change in the population, as the CSV and JSON show it."""

    id: str
    kind: str  # "merge" or "commit"
    committed_at: str
    author: Person
    subject: str
    members: list[str]
    status: str = "unknown"
    determined: bool = False
    tools: list[dict[str, Any]] = field(default_factory=list)
    accepted_by: list[Person] = field(default_factory=list)
    accepted_complete: bool = False  # every AI-assisted member names a human accepter
    pull_request: str | None = None
    reviews: list[dict[str, Any]] = field(default_factory=list)
    approvers: list[Person] = field(default_factory=list)
    added: int | None = None
    deleted: int | None = None
    # the two line measures, never added together: lines a line record attributes to AI, and
    # added lines of AI-assisted members without a line record (None: some count is missing)
    ai_attributed_lines: int | None = 0
    unrecorded_ai_lines: int | None = 0
    ai_members: int = 0
    ai_members_with_line_record: int = 0
    ai_member_lines: int = 0  # added lines of AI-assisted members (capture coverage)
    ai_member_lines_with_line_record: int = 0
    # members whose line record was lost (AI-assisted, none) or is incomplete: commit, state, why
    capture_gaps: list[dict[str, str]] = field(default_factory=list)
    paths: list[str] = field(default_factory=list)
    policy_version: str | None = None
    workflows: list[str] = field(default_factory=list)
    tier: str | None = None
    accountable: list[dict[str, Any]] = field(default_factory=list)
    accountable_valid: bool = False
    uncovered_paths: list[str] = field(default_factory=list)
    required_approvals: int = 0
    required_roles: list[str] = field(default_factory=list)
    roles_met: bool | None = None
    exceptions_used: list[str] = field(default_factory=list)
    boundary_breaches: list[str] = field(default_factory=list)
    forge: dict[str, Any] | None = None  # review record from the forge, when one was given
    gate: dict[str, Any] | None = None  # the verdict CI recorded, when its output was kept
    co_authors: list[Person] = field(default_factory=list)  # Co-authored-by of its commits
    min_review_minutes: float | None = None  # the bar's minutes per 100 AI lines, if set
    weakened_checks: int | None = None  # checks.weakened findings recorded (None: no record)
    weakened_kinds: list[str] = field(default_factory=list)

    @property
    def ai_assisted(self) -> bool:
        return self.status in AI_STATUSES

    @property
    def approvals(self) -> int:
        return len(self.approvers)

    @property
    def changed_lines(self) -> int | None:
        if self.added is None or self.deleted is None:
            return None
        return self.added + self.deleted

    def to_json(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "kind": self.kind,
            "pull_request": self.pull_request,
            "committed_at": self.committed_at,
            "author": self.author.to_json(),
            "subject": self.subject,
            "members": self.members,
            "ai_status": self.status,
            "provenance_determined": self.determined,
            "tools": self.tools,
            "accepted_by": [p.to_json() for p in self.accepted_by],
            "accepted_by_complete": self.accepted_complete,
            "reviews": self.reviews,
            "approvals": self.approvals,
            "approvers": [p.to_json() for p in self.approvers],
            "lines_added": self.added,
            "lines_deleted": self.deleted,
            "ai_attributed_lines": self.ai_attributed_lines,
            "ai_assisted_unrecorded_lines": self.unrecorded_ai_lines,
            "ai_commits_with_line_record": self.ai_members_with_line_record,
            "capture_gaps": self.capture_gaps,
            "paths": self.paths,
            "gate_result": self.gate["result"] if self.gate else None,
            "gate_evidence": self.gate,
            "policy_version": self.policy_version,
            "workflows": self.workflows,
            "tier": self.tier,
            "accountable": self.accountable,
            "accountable_valid": self.accountable_valid,
            "uncovered_paths": self.uncovered_paths,
            "required_approvals": self.required_approvals,
            "required_roles": self.required_roles,
            "required_roles_met": self.roles_met,
            "exceptions_used": self.exceptions_used,
            "ai_boundary_breaches": self.boundary_breaches,
            "forge_review": self.forge,
            "min_review_minutes_per_100_ai_lines": self.min_review_minutes,
            "weakened_checks": self.weakened_checks,
        }


@dataclass(slots=True)
class Completeness:
    """Our count against git's own count of first-parent commits in the period."""

    population: int
    git: int
    missing: list[str]
    extra: list[str]

    @property
    def complete(self) -> bool:
        return not self.missing and not self.extra

    def to_json(self) -> dict[str, Any]:
        return {
            "population": self.population,
            "git_count": self.git,
            "complete": self.complete,
            "missing_from_population": self.missing[:100],
            "not_counted_by_git": self.extra[:100],
            "git_command": "git rev-list --first-parent --since=@<since> --until=@<until> <tip>",
        }


def _scratch() -> Any:
    """A temporary file that lives as long as the `Changes` holding it (deleted when closed)."""
    return tempfile.TemporaryFile(prefix="signoff-changes-")


class Changes(Sequence[Change]):
    """A period's changes in the order they were added, kept in a temporary file a pickled
    batch at a time and read back in passes, so the audit's memory holds one batch, not the
    period (a population smaller than one batch never makes a file). Each pass unpickles fresh
    objects: change one and `rewrite` it to keep the edit.
    """

    def __init__(self, changes: Iterable[Change] = (), *, batch: int | None = None) -> None:
        self._file: Any = None
        self._size = batch or SPILL_BATCH
        self._batches: list[tuple[int, int, int]] = []  # offset, bytes, changes
        self._pending: list[Change] = []
        self._end = 0
        self._count = 0
        self.extend(changes)

    def append(self, change: Change) -> None:
        self._pending.append(change)
        self._count += 1
        if len(self._pending) >= self._size:
            self._flush()

    def extend(self, changes: Iterable[Change]) -> None:
        for change in changes:
            self.append(change)

    def _flush(self, *, keep: bool = False) -> None:
        """Write the pending changes as a batch (`keep`: unless none was written yet)."""
        if not self._pending or (keep and self._file is None):
            return
        if self._file is None:
            self._file = _scratch()
        data = pickle.dumps(self._pending, protocol=pickle.HIGHEST_PROTOCOL)
        os.pwrite(self._file.fileno(), data, self._end)
        self._batches.append((self._end, len(data), len(self._pending)))
        self._end += len(data)
        self._pending = []

    def _stored(self) -> list[list[Change] | tuple[int, int, int]]:
        """The batches in order: on disk (offset, bytes, count), or the changes still held."""
        self._flush(keep=True)
        return [*self._batches, *([self._pending] if self._pending else [])]

    def _load(self, batch: list[Change] | tuple[int, int, int]) -> list[Change]:
        if isinstance(batch, list):
            return list(batch)
        return self._load_from(self._file, batch)

    def __len__(self) -> int:
        return self._count

    def __iter__(self) -> Iterator[Change]:
        for batch in self._stored():
            yield from self._load(batch)

    def __reversed__(self) -> Iterator[Change]:
        for batch in reversed(self._stored()):
            yield from reversed(self._load(batch))

    @overload
    def __getitem__(self, index: int) -> Change: ...
    @overload
    def __getitem__(self, index: slice) -> list[Change]: ...
    def __getitem__(self, index: int | slice) -> Change | list[Change]:
        if isinstance(index, slice):
            start, stop, step = index.indices(self._count)
            if step == 1 and start == 0:  # the first rows (the report shows those): read no more
                out: list[Change] = []
                for change in self:
                    if len(out) >= stop:
                        break
                    out.append(change)
                return out
            return [c for n, c in enumerate(self) if n in range(start, stop, step)]
        if not -self._count <= index < self._count:
            raise IndexError(index)
        index %= self._count
        for batch in self._stored():
            size = len(batch) if isinstance(batch, list) else batch[2]
            if index < size:
                return self._load(batch)[index]
            index -= size
        raise IndexError(index)  # pragma: no cover - the count and the batches agree

    def rewrite(self, edit: Callable[[Change], None]) -> None:
        """Apply `edit` to every change and keep the result (one pass, a new file)."""
        stored = self._stored()
        old = self._file
        self._file, self._batches, self._pending, self._end, self._count = None, [], [], 0, 0
        try:
            for batch in stored:
                for change in self._load_from(old, batch) if isinstance(batch, tuple) else batch:
                    edit(change)
                    self.append(change)
        finally:
            if old is not None:
                old.close()

    @staticmethod
    def _load_from(fh: Any, batch: tuple[int, int, int]) -> list[Change]:
        offset, size, _ = batch
        loaded: list[Change] = pickle.loads(os.pread(fh.fileno(), size, offset))
        return loaded

    def close(self) -> None:
        if self._file is not None:
            self._file.close()
            self._file = None


SORT_RUN = 10_000  # changes sorted in memory at a time by `sorted_changes`


def sorted_changes(
    changes: Iterable[Change], key: Callable[[Change], Any], *, reverse: bool = False
) -> Changes:
    """`sorted(changes, key=key, reverse=reverse)` on disk, as stable: runs of SORT_RUN changes
    sorted in memory, then merged holding one small batch of each run."""
    runs: list[Changes] = []
    run: list[Change] = []
    for change in changes:
        run.append(change)
        if len(run) >= SORT_RUN:
            runs.append(Changes(sorted(run, key=key, reverse=reverse), batch=100))
            run = []
    if run or not runs:
        runs.append(Changes(sorted(run, key=key, reverse=reverse), batch=100))
    del run
    out = Changes(heapq.merge(*runs, key=key, reverse=reverse))
    for done in runs:
        done.close()
    return out


@dataclass(slots=True)
class Population:
    period: Period
    branch: str
    tip: str
    changes: Sequence[Change]  # a list, or the audit's `Changes` on disk
    completeness: Completeness
    versions: list[PolicyVersion]
    shallow: bool
    period_versions: list[PolicyVersion] = field(default_factory=list)
    position: dict[str, int] = field(default_factory=dict)  # first-parent line, oldest = 0

    def to_json(self) -> dict[str, Any]:
        return {
            "period": self.period.to_json(),
            "branch": self.branch,
            "tip": self.tip,
            "completeness": self.completeness.to_json(),
            "shallow": self.shallow,
            "changes": [c.to_json() for c in self.changes],
        }


@dataclass(slots=True)
class _Graph:
    parents: dict[str, list[str]]
    rows: dict[str, tuple[Any, ...]]


_COLUMNS = (
    "sha, parents, author_name, author_email, commit_date, subject, status, "
    "accepted_name, accepted_email, added, deleted, ai_attributed_lines, unrecorded_ai_lines, "
    "line_record"
)


def _parents(conn: sqlite3.Connection) -> dict[str, list[str]]:
    """Every indexed commit's parents: all the walk needs. Ids are interned, so a parent is
    the same string as its own key (the graph of 100,000 commits is a few MiB)."""
    intern = sys.intern
    return {
        intern(sha): [intern(p) for p in parents.split()] if parents else []
        for sha, parents in conn.execute("SELECT sha, parents FROM commits")
    }


def _rows(conn: sqlite3.Connection, shas: Iterable[str]) -> dict[str, tuple[Any, ...]]:
    """The index rows of `shas` (a batch of changes' members)."""
    rows: dict[str, tuple[Any, ...]] = {}
    for chunk in batched(list(shas), 500):
        marks = ",".join("?" * len(chunk))
        for row in conn.execute(f"SELECT {_COLUMNS} FROM commits WHERE sha IN ({marks})", chunk):
            rows[row[0]] = row
    return rows


def _grouped(conn: sqlite3.Connection, sql: str, shas: Iterable[str]) -> Iterator[tuple[Any, ...]]:
    """`sql`'s rows for `shas`, in the index's order for each commit (`?` marks the list)."""
    for chunk in batched(list(shas), 500):
        yield from conn.execute(sql.replace("?", ",".join("?" * len(chunk))), chunk)


def first_parent_line(graph: _Graph, tip: str) -> list[str]:
    """The branch's first-parent line, oldest first."""
    line = []
    sha: str | None = tip
    while sha is not None and sha in graph.parents:
        line.append(sha)
        ps = graph.parents[sha]
        sha = ps[0] if ps else None
    line.reverse()
    return line


def assign_members(
    graph: _Graph, line: list[str], wanted: set[str], *, singles: bool = True
) -> tuple[dict[str, list[str]], dict[str, str]]:
    """For each first-parent commit: the commits it brought onto the branch (itself first).
    Without `singles`, commits that brought in only themselves are left out (`[sha]`).

    Walks the whole line oldest first so a commit merged before the period is never counted
    again by a later merge inside it.
    """
    seen = set(line)
    out: dict[str, list[str]] = {}
    owner: dict[str, str] = {}  # side commit -> the first-parent commit that brought it in
    parents = graph.parents
    for sha in line:
        if len(parents[sha]) < 2:  # not a merge: it brought in only itself
            if singles and sha in wanted:
                out[sha] = [sha]
            continue
        members = [sha]
        stack = list(reversed(parents[sha][1:]))
        while stack:
            p = stack.pop()
            if p in seen or p not in graph.parents:
                continue
            seen.add(p)
            members.append(p)
            owner[p] = sha
            stack.extend(reversed(graph.parents[p]))
        if sha in wanted:
            out[sha] = members
    return out, owner


class _Background:
    """A git command run on a thread, so git and our Python work use both cores."""

    def __init__(self, fn: Callable[[], bytes]) -> None:
        self._fn = fn
        self._out: bytes | None = None
        self._error: BaseException | None = None
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._thread.start()

    def _run(self) -> None:
        try:
            self._out = self._fn()
        except BaseException as exc:  # handed to the caller in result()
            self._error = exc

    def result(self) -> bytes:
        self._thread.join()
        if self._error is not None:
            raise self._error
        assert self._out is not None
        return self._out


_TRAILER_FIELDS = "%H%x00%(trailers:only,unfold)%x00%b"


def _trailer_log(repo: Repo, shas: list[str]) -> tuple[bytes, _Background]:
    """Trailers and body of each commit in `shas` (one `git log --no-walk --stdin`, run on a
    thread while the previous batch is built).

    Each record opens with git/log's per-run random token, so no message can fake a record.
    """
    token = _token()
    fmt = "--format=" + token.decode() + _TRAILER_FIELDS
    # a user's log.showSignature would print verification text between the records
    args = ["log", "--no-color", "--no-show-signature", "--no-walk=unsorted", fmt, "--stdin"]
    given = ("\n".join(shas) + "\n").encode()
    return token, _Background(lambda: repo.run(*args, input=given) if shas else b"")


def _parse_trailer_log(
    out: bytes, token: bytes
) -> dict[str, tuple[tuple[tuple[str, str], ...], str]]:
    result: dict[str, tuple[tuple[tuple[str, str], ...], str]] = {}
    for record in out.split(token):
        parts = record.split(b"\x00", 2)
        # most commits have neither trailers nor a body: nothing to keep
        if len(parts) == 3 and len(parts[0]) >= 40 and (parts[1].strip() or parts[2].strip()):
            result[parts[0].decode()] = (
                parse_trailers(parts[1]) if parts[1] else (),
                parts[2].decode("utf-8", "replace") if parts[2].strip() else "",
            )
    return result


def _aggregate_status(statuses: list[str]) -> tuple[str, bool]:
    """The status of a change from its commits' statuses, and whether every one is determined."""
    determined = all(s != "unknown" for s in statuses)
    ai = [s for s in statuses if s in AI_STATUSES]
    if ai:
        return ("ai" if len(ai) == len(statuses) and "mixed" not in ai else "mixed"), determined
    if not determined:
        return "unknown", False
    if all(s == "automation" for s in statuses):
        return "automation", True
    return "human", True


def build_population(
    repo: Repo,
    period: Period,
    branch: str = "HEAD",
    *,
    index: Index | None = None,
    progress: Progress | None = None,
) -> Population:
    """Every change on `branch` in `period`, with its provenance, reviews and ownership."""
    tip = repo.require_commit(branch)
    own_index = index is None
    if index is None:
        index, _ = open_index(repo, progress=progress)
    collecting = gc.isenabled()
    gc.disable()  # 100,000 records and no cycles: the collector would only re-scan them
    try:
        return _build(repo, index, period, branch, tip)
    finally:
        if collecting:
            gc.enable()
        if own_index:
            index.close()


def _build(repo: Repo, index: Index, period: Period, branch: str, tip: str) -> Population:
    conn = index.conn
    git_count = _Background(lambda: _git_count(repo, period, tip))
    parents = _parents(conn)
    if tip not in parents:
        raise SignoffError(
            f"{branch} ({tip[:12]}) is not in the index",
            "audit a local branch (the index follows refs/heads and HEAD)",
        )
    walk = _Graph(parents, {})
    line = first_parent_line(walk, tip)
    position = {sha: i for i, sha in enumerate(line)}
    inside = {
        sha
        for sha, when in conn.execute("SELECT sha, commit_date FROM commits")
        if sha in position and period.contains(commit_ts(when))
    }
    in_period = [sha for sha in line if sha in inside]
    del inside
    first = position[in_period[0]] if in_period else len(line)
    merges, owner = assign_members(walk, line, set(in_period), singles=False)

    def members(sha: str) -> list[str]:
        return merges.get(sha) or [sha]

    versions = policy_versions(repo, _policy_commits(conn, owner, position), position)
    del owner
    starts = [v.position for v in versions]
    changes = Changes()
    # newest first, as git log lists them; a batch is SPILL_BATCH changes or that many members
    groups = list(_member_batches(reversed(in_period), members))
    pending = _trailer_log(repo, [m for sha in groups[0] for m in members(sha)]) if groups else None
    graph = walk
    for n, group in enumerate(groups):
        wanted = [m for sha in group for m in members(sha)]
        assert pending is not None
        token, log = pending
        if n + 1 < len(groups):
            pending = _trailer_log(repo, [m for sha in groups[n + 1] for m in members(sha)])
        graph = _Graph(parents, _rows(conn, wanted))
        tools: dict[str, list[tuple[str, str | None, str | None]]] = {}
        sql = "SELECT sha, tool, model, session FROM commit_tools WHERE sha IN (?)"
        for sha, tool, model, session in _grouped(conn, sql, wanted):
            tools.setdefault(sha, []).append((tool, model, session))
        gaps: dict[str, dict[str, str]] = {}
        sql = "SELECT sha, state, reason FROM capture_gaps WHERE sha IN (?)"
        for sha, state, reason in _grouped(conn, sql, wanted):
            gaps[sha] = {"commit": sha, "state": state, "reason": reason}
        files: dict[str, list[str]] = {}
        for sha, path in _grouped(
            conn, "SELECT sha, path FROM commit_files WHERE sha IN (?)", wanted
        ):
            files.setdefault(sha, []).append(path)
        trailers = _parse_trailer_log(log.result(), token)
        for sha in group:
            at = bisect.bisect_left(starts, position[sha]) - 1
            version = versions[at] if at >= 0 else None
            change = _change(sha, graph, members(sha), tools, files, trailers, version)
            change.capture_gaps = [gaps[m] for m in change.members if m in gaps]
            changes.append(change)
    del parents, walk, graph, groups  # what the git count's comparison does not need
    completeness = _completeness(git_count.result(), in_period[::-1])
    last = position[in_period[-1]] if in_period else len(line)
    during = [v for v in versions if first <= v.position <= last]
    before = [v for v in versions if v.position < first]
    return Population(
        period,
        branch,
        tip,
        changes,
        completeness,
        versions,
        bool(repo.shallow_boundary()),
        period_versions=before[-1:] + during,
        position=position,
    )


def _member_batches(
    shas: Iterable[str], members: Callable[[str], list[str]]
) -> Iterator[list[str]]:
    """`shas` in groups of at most SPILL_BATCH changes or (past one change) members."""
    group: list[str] = []
    count = 0
    for sha in shas:
        size = len(members(sha))
        if group and (len(group) >= SPILL_BATCH or count + size > SPILL_BATCH):
            yield group
            group, count = [], 0
        group.append(sha)
        count += size
    if group:
        yield group


def _policy_commits(
    conn: sqlite3.Connection, owner: dict[str, str], position: dict[str, int]
) -> list[str]:
    """First-parent commits that changed the policy or its exceptions (from the index)."""
    touched = conn.execute(
        "SELECT DISTINCT sha FROM commit_files WHERE path = ? OR path LIKE ?",
        (POLICY_FILE, f"{EXCEPTIONS_DIR}/%"),
    ).fetchall()
    found = {owner.get(sha, sha) for (sha,) in touched}
    return sorted((s for s in found if s in position), key=position.__getitem__)


def _change(
    sha: str,
    graph: _Graph,
    members: list[str],
    tools: dict[str, list[tuple[str, str | None, str | None]]],
    files: dict[str, list[str]],
    trailers: dict[str, tuple[tuple[tuple[str, str], ...], str]],
    version: PolicyVersion | None,
    *,
    deleted_known: bool = True,
) -> Change:
    """One change; without `deleted_known` (pushed records carry no deleted-line counts) the
    added lines are still summed as the clone's audit sums them, and deleted stay unknown."""
    row = graph.rows[sha]
    author = Person(row[2], row[3])
    change = Change(
        id=sha,
        kind="merge" if len(graph.parents[sha]) > 1 else "commit",
        committed_at=row[4],
        author=author,
        subject=row[5],
        members=members[1:] if len(members) > 1 else [sha],
    )
    if len(members) == 1:
        _single(change, row, tools.get(sha, ()), files.get(sha, []), deleted_known)
    else:
        _merged(change, members, graph, tools, files, deleted_known)
    if sha in trailers or len(members) > 1 or "#" in change.subject:
        _reviews(change, members, graph, trailers)
    _ownership(change, version)
    return change


def _single(
    change: Change,
    row: tuple[Any, ...],
    tools: Iterable[tuple[str, str | None, str | None]],
    paths: list[str],
    deleted_known: bool = True,
) -> None:
    """The common case, a commit made straight onto the branch: every answer is its own."""
    status = row[6]
    change.status, change.determined = status, status != "unknown"
    change.tools = [{"tool": t[0], "model": t[1], "session": t[2]} for t in dict.fromkeys(tools)]
    if status in AI_STATUSES:
        if row[7] is not None:
            change.accepted_by = [Person(row[7], row[8] or "")]
        change.accepted_complete = row[7] is not None
    change.added, change.deleted = row[9], row[10]
    if change.deleted is None and (deleted_known or change.added is None):
        change.added = change.deleted = None
    elif change.added is None:
        change.deleted = None
    _line_measures(change, [row])
    change.paths = list(dict.fromkeys(paths))


def _line_measures(change: Change, rows: list[tuple[Any, ...]]) -> None:
    """Sum each measure over the counted members, apart (index columns 11-13)."""
    ai_rows = [r for r in rows if r[6] in AI_STATUSES]
    change.ai_members = len(ai_rows)
    change.ai_members_with_line_record = sum(1 for r in ai_rows if r[13])
    change.ai_member_lines = sum(r[9] or 0 for r in ai_rows)
    change.ai_member_lines_with_line_record = sum(r[9] or 0 for r in ai_rows if r[13])
    attributed = [r[11] for r in rows]
    unrecorded = [r[12] for r in rows]
    change.ai_attributed_lines = sum(attributed) if None not in attributed else None
    change.unrecorded_ai_lines = sum(unrecorded) if None not in unrecorded else None


def _merged(
    change: Change,
    members: list[str],
    graph: _Graph,
    tools: dict[str, list[tuple[str, str | None, str | None]]],
    files: dict[str, list[str]],
    deleted_known: bool = True,
) -> None:
    sha = change.id
    row = graph.rows[sha]
    # a merge's own status counts only when it carries markers of its own
    counted = [m for m in members if not (m == sha and len(members) > 1 and row[6] == "unknown")]
    statuses = [graph.rows[m][6] for m in counted]
    change.status, change.determined = _aggregate_status(statuses)
    seen_tools: set[tuple[str, str | None, str | None]] = set()
    for m in counted:
        for t in tools.get(m, ()):
            if t not in seen_tools:
                seen_tools.add(t)
                change.tools.append({"tool": t[0], "model": t[1], "session": t[2]})
    ai_members = [m for m in counted if graph.rows[m][6] in AI_STATUSES]
    accepters: dict[str, Person] = {}
    for m in ai_members:
        if graph.rows[m][7] is not None:
            p = Person(graph.rows[m][7], graph.rows[m][8] or "")
            accepters.setdefault(p.email.lower() or p.name, p)
    change.accepted_by = list(accepters.values())
    change.accepted_complete = bool(ai_members) and all(
        graph.rows[m][7] is not None for m in ai_members
    )
    added = [graph.rows[m][9] for m in counted]
    deleted = [graph.rows[m][10] for m in counted]
    if all(a is not None for a in added) and all(d is not None for d in deleted):
        change.added, change.deleted = sum(added), sum(deleted)
    elif not deleted_known and all(a is not None for a in added):
        change.added = sum(added)
    _line_measures(change, [graph.rows[m] for m in counted])
    paths: dict[str, None] = {}
    for m in counted:
        for path in files.get(m, ()):
            paths.setdefault(path, None)
    change.paths = list(paths)


def _reviews(
    change: Change,
    members: list[str],
    graph: _Graph,
    trailers: dict[str, tuple[tuple[tuple[str, str], ...], str]],
) -> None:
    authors: set[str] | None = None
    approvers: dict[str, Person] = {}
    for m in members:
        pairs, body = trailers.get(m, ((), ""))
        for key, value in pairs:
            if key.lower() == "co-authored-by":
                change.co_authors.append(parse_person(value))
                continue
            kind = REVIEW_TRAILERS.get(key.lower())
            if kind is None:
                continue
            person = parse_person(value)
            change.reviews.append(
                {"kind": kind, "person": person.to_json(), "commit": m, "trailer": key}
            )
            ident = person.email.lower() or person.name
            if authors is None:
                authors = {graph.rows[a][3].lower() for a in change.members}
            if kind in APPROVING and person.email.lower() not in authors:
                approvers.setdefault(ident, person)
        maybe_pr = "#" in change.subject or "merge request" in body
        if m == change.id and maybe_pr:
            fake = Commit(
                m, (), change.author, "", change.author, "", f"{change.subject}\n\n{body}", pairs
            )
            change.pull_request = pull_request_of(fake)
    change.approvers = list(approvers.values())


def _ownership(change: Change, version: PolicyVersion | None) -> None:
    if version is None or version.policy is None:
        change.uncovered_paths = list(change.paths)
        return
    change.policy_version = version.commit
    day = parse_git_date(change.committed_at).astimezone(timezone.utc).date()
    owners: dict[str, Any] = {}
    roles: set[str] = set()
    approvals = 0
    for path in change.paths:
        rule = version.rule(path)
        if rule.owner is None:
            change.uncovered_paths.append(path)
        else:
            owners.setdefault(rule.owner.id, rule.owner)
        if rule.tier and (change.tier is None or TIER_RANK[rule.tier] > TIER_RANK[change.tier]):
            change.tier = rule.tier
        roles.update(rule.bar.reviewer_roles)
        approvals = max(approvals, rule.bar.min_approvals)
        minutes = rule.bar.min_review_minutes_per_100_ai_lines
        if minutes is not None:
            change.min_review_minutes = max(change.min_review_minutes or 0.0, minutes)
        if change.ai_assisted:
            used, broken = version.exceptions_for(path, day)
            change.exceptions_used += [u for u in used if u not in change.exceptions_used]
            change.boundary_breaches += [b for b in broken if b not in change.boundary_breaches]
    change.workflows = list(owners)
    valid = bool(owners) and not change.uncovered_paths
    for workflow in owners.values():
        acc = version.accountable(workflow, day)
        person = acc.person
        change.accountable.append(
            {
                "workflow": workflow.id,
                "id": person.id if person else None,
                "name": person.name if person else None,
                "status": acc.status,
            }
        )
        valid = valid and acc.ok
    change.accountable_valid = valid
    change.required_approvals = approvals
    change.required_roles = sorted(roles)
    if roles:
        held: set[str] = set()
        for p in change.approvers:
            person = version.people_by_email.get(p.email.lower())
            if person is not None:
                held.update(person.roles)
        change.roles_met = roles <= held


def _git_count(repo: Repo, period: Period, tip: str) -> bytes:
    return repo.run(
        "rev-list",
        "--first-parent",
        f"--since=@{period.since_ts}",
        f"--until=@{period.until_ts}",
        "--end-of-options",
        tip,
    )


def _completeness(out: bytes, ids: list[str]) -> Completeness:
    git_ids = out.decode().split()
    ours = set(ids)
    theirs = set(git_ids)
    return Completeness(
        population=len(ids),
        git=len(git_ids),
        missing=[s for s in git_ids if s not in ours],
        extra=[s for s in ids if s not in theirs],
    )


def day_of(change: Change) -> date:
    return parse_git_date(change.committed_at).astimezone(timezone.utc).date()


def record_row(doc: dict[str, Any]) -> tuple[Any, ...]:
    """A pushed record (a `signoff export` row, what `signoff push` stores) as an index row, in
    `_COLUMNS` order, so the server's audit and dashboard answer through the same code as the
    clone's audit. Records carry no deleted-line count. The accepter is kept as recorded: the
    audit counts it for AI-assisted commits only, as it does with the index's rows."""
    prov = doc.get("provenance") or {}
    author = doc.get("author") or {}
    accepted = prov.get("accepted_by")
    accepted = accepted if isinstance(accepted, dict) else {}
    lines = doc.get("lines") or {}
    return (
        str(doc.get("commit") or ""),
        " ".join(str(p) for p in doc.get("parents") or []),
        str(author.get("name") or ""),
        str(author.get("email") or ""),
        str(doc.get("commit_date") or ""),
        str(doc.get("subject") or ""),
        str(prov.get("status") or "unknown"),
        accepted.get("name"),
        accepted.get("email"),
        lines.get("added"),
        None,  # deleted lines are not pushed
        lines.get("ai_attributed_lines"),
        lines.get("ai_assisted_unrecorded_lines"),
        bool(lines.get("line_record")),
    )


def record_tools(doc: dict[str, Any]) -> list[tuple[str, str | None, str | None]]:
    """A record's tools; an entry naming no tool is left out (the index never holds one)."""
    return [
        (str(t["tool"]), t.get("model"), t.get("session"))
        for t in (doc.get("provenance") or {}).get("tools") or []
        if isinstance(t, dict) and t.get("tool")
    ]


def record_trailers(doc: dict[str, Any]) -> tuple[tuple[tuple[str, str], ...], str] | None:
    """A record's review trailers as `git log` would give them (records carry no body)."""
    pairs = tuple(
        (key.strip(), value.strip())
        for t in (doc.get("review") or {}).get("trailers") or []
        if isinstance(t, dict)
        for key, sep, value in [str(t.get("evidence") or "").partition(":")]
        if sep
    )
    return (pairs, "") if pairs else None


def record_changes(
    parents: dict[str, list[str]],
    line: list[str],
    wanted: list[str],
    fetch: Callable[[list[str]], Iterable[dict[str, Any]]],
    version: PolicyVersion | None,
) -> Iterator[Change]:
    """The changes of the first-parent commits `wanted` (oldest first in `line`), newest first,
    built from pushed records that `fetch` gives for a batch of commits at a time: the server's
    one builder, the clone's member assignment and change code, records never all in memory."""
    merges, _ = assign_members(_Graph(parents, {}), line, set(wanted), singles=False)

    def members(sha: str) -> list[str]:
        return merges.get(sha) or [sha]

    for group in _member_batches(reversed(wanted), members):
        rows: dict[str, tuple[Any, ...]] = {}
        tools: dict[str, list[tuple[str, str | None, str | None]]] = {}
        files: dict[str, list[str]] = {}
        trailers: dict[str, tuple[tuple[tuple[str, str], ...], str]] = {}
        for doc in fetch([m for sha in group for m in members(sha)]):
            row = record_row(doc)
            sha = row[0]
            rows[sha] = row
            tools[sha] = record_tools(doc)
            files[sha] = [str(p) for p in doc.get("files") or []]
            found = record_trailers(doc)
            if found is not None:
                trailers[sha] = found
        graph = _Graph(parents, rows)
        for sha in group:
            yield _change(
                sha, graph, members(sha), tools, files, trailers, version, deleted_known=False
            )


def changes_from_records(
    records: Iterable[dict[str, Any]], tip: str | None, version: PolicyVersion | None
) -> list[Change]:
    """The changes on `tip`'s first-parent line rebuilt from `signoff export` rows (what
    `signoff push` stores), newest first, by the same code as `build_population`.

    For the server, which has the pushed rows but no clone: merges gather their members as in
    the audit, review trailers come from each row's `review`, and ownership is judged by
    `version` (the policy as last pushed). Rows carry no deleted-line count, so
    `changed_lines` is unknown. Without `tip` (or one not stored), the newest commit no stored
    commit names as a parent is the tip; commits off its first-parent line are not counted.
    """
    docs = {str(doc.get("commit") or ""): doc for doc in records}
    docs.pop("", None)
    parents = {sha: [str(p) for p in doc.get("parents") or []] for sha, doc in docs.items()}
    if tip is None or tip not in parents:
        children = {p for ps in parents.values() for p in ps}
        heads = [s for s in parents if s not in children]
        if not heads:
            return []
        tip = max(heads, key=lambda s: parse_git_date(str(docs[s].get("commit_date") or "")))
    line = first_parent_line(_Graph(parents, {}), tip)

    def fetch(shas: list[str]) -> Iterable[dict[str, Any]]:
        return (docs[s] for s in shas)

    return list(record_changes(parents, line, line, fetch, version))
