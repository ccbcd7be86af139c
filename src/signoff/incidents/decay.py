"""Ownership decay: AI-authored code that no current person has attested to understand.

Accepting a change is not understanding it, and people leave. `signoff attest PATH` records that
a named, current person has read and understands the code at PATH as of a commit; `signoff
decay` lists the AI-authored lines (by blame at HEAD) that no such attestation covers, with the
reason (the accepter left, the accepter is not in the registry, or nobody attested), largest and
most critical first.

Which lines are AI: where the commit that introduced a line has a line record, the record's
`ai` and `ai-modified` lines (its `human` and `unknown` lines are not); only where it has none,
the lines of an AI-assisted commit. The two are counted apart, never added.

How lines are traced (`DecayRun`): by default `git blame -M -w` (moves within a file, renames,
whitespace ignored) of the files an AI-assisted commit touched under their name or an earlier
one, which is every file such a blame can find an AI line in. `copies=True` adds `-C` (lines
copied or moved from other files keep their first commit) and blames every file at HEAD, since
a copy can carry an AI line anywhere: three to five times the work for git, for an answer
whose totals differed by 0.1-1.3% per measure, and file by file by 0.7-3.8% of the decayed
lines, on the real histories measured (docs/incidents.md).
"""

from __future__ import annotations

import os
from collections.abc import Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from signoff.errors import SignoffError
from signoff.git.blame import BlameLine, BlameRun
from signoff.git.history import adds_and_deletes, commit_graph
from signoff.git.objects import binary_blobs, blob_sizes
from signoff.git.repo import GitError, Repo
from signoff.incidents.model import ATTESTATION_SCHEMA, Attestation
from signoff.incidents.store import ATTESTATIONS_DIR, load_attestations, next_numbered, write_record
from signoff.policy import Policy, load_policy, owners_for
from signoff.policy.accountable import has_left
from signoff.policy.model import TIER_RANK, Person
from signoff.query.blame import (
    AI_ASSISTED_COMMIT,
    AI_ATTRIBUTED,
    AI_LINE_KINDS,
    line_attribution,
)
from signoff.query.lookup import ProvenanceLookup
from signoff.store.blame_cache import MOVES, OPTIONS, BlameCache, head_blobs
from signoff.store.index import open_index

# the two kinds of AI line, counted apart: "ai" (a line record) and "ai-assisted-commit"
KIND_KEY = {AI_ATTRIBUTED: "ai_attributed", AI_ASSISTED_COMMIT: "ai_assisted_unrecorded"}


def person_by_email(policy: Policy, email: str) -> Person | None:
    for person in policy.people.values():
        if email.lower() in (e.lower() for e in person.emails):
            return person
    return None


def attest(
    repo: Repo,
    path: str,
    person_id: str | None,
    *,
    rev: str = "HEAD",
    today: date | None = None,
    note: str = "",
) -> Attestation:
    """Record that `person_id` (default: the git user, matched by email) understands `path`."""
    when = today or date.today()
    policy = load_policy(repo)
    if person_id is None:
        email = repo.run_text("config", "user.email", check=False).strip()
        found = person_by_email(policy, email) if email else None
        if found is None:
            raise SignoffError(
                f"your git email {email or '(unset)'} matches no person in signoff.yaml",
                "name yourself: signoff attest PATH --as <person id>",
            )
        person_id = found.id
    person = policy.people.get(person_id)
    if person is None:
        raise SignoffError(f"{person_id!r} is not a person in signoff.yaml", "use a person id")
    if has_left(person, when):
        raise SignoffError(f"{person.name} has left ({person.left})", "a current person attests")
    commit = repo.require_commit(rev)
    clean = path.strip().removeprefix("./").strip("/")
    clean = "" if clean == "." else clean
    kind = repo.run("cat-file", "-t", f"{commit}:{clean}", check=False).strip()
    if kind not in (b"blob", b"tree"):
        raise SignoffError(
            f"{path} is not tracked at {rev}", "give a file or folder, relative to the repo root"
        )
    target = clean if kind == b"blob" else (clean + "/" if clean else "/")
    ident = next_numbered(repo, ATTESTATIONS_DIR, "ATT")

    def edit(data: dict[str, Any]) -> None:
        data.update(
            {
                "schema": ATTESTATION_SCHEMA,
                "id": ident,
                "path": target,
                "commit": commit,
                "person": person_id,
                "attested": when.isoformat(),
            }
        )
        if note:
            data["note"] = note

    file = repo.root / ATTESTATIONS_DIR / f"{ident}.yaml"
    return write_record(file, Attestation, ATTESTATION_SCHEMA, edit, create=True)


@dataclass(slots=True)
class DecayedFile:
    path: str
    workflow: str | None
    tier: str | None
    # lines at HEAD by kind ("ai_attributed": a line record says an AI wrote them;
    # "ai_assisted_unrecorded": an AI-assisted commit without a line record added them)
    lines: dict[str, int] = field(default_factory=dict)
    decayed: dict[str, int] = field(default_factory=dict)  # of those, no current attester
    reasons: dict[str, dict[str, int]] = field(default_factory=dict)  # reason -> kind -> lines
    accepters: list[str] = field(default_factory=list)
    attested_by: list[str] = field(default_factory=list)
    # decayed AI-attributed lines by the record's kind: "ai", "ai-modified"
    decayed_kinds: dict[str, int] = field(default_factory=dict)

    @property
    def decayed_lines(self) -> tuple[int, int]:
        """(AI-attributed, unrecorded) decayed lines: for sorting and display, never summed."""
        return self.decayed.get("ai_attributed", 0), self.decayed.get("ai_assisted_unrecorded", 0)

    def to_json(self) -> dict[str, Any]:
        return {
            "path": self.path,
            "workflow": self.workflow,
            "tier": self.tier,
            "ai_attributed_lines": self.lines.get("ai_attributed", 0),
            "ai_assisted_unrecorded_lines": self.lines.get("ai_assisted_unrecorded", 0),
            "decayed_ai_attributed_lines": self.decayed_lines[0],
            "decayed_ai_assisted_unrecorded_lines": self.decayed_lines[1],
            "decayed_ai_attributed_by_kind": self.decayed_kinds,
            "reasons": self.reasons,
            "accepters": self.accepters,
            "attested_by": self.attested_by,
        }


TOTAL_KEYS = (
    "ai_attributed_lines",
    "ai_assisted_unrecorded_lines",
    "decayed_ai_attributed_lines",
    "decayed_ai_assisted_unrecorded_lines",
)


def decay_totals(files: list[dict[str, Any]]) -> dict[str, int]:
    """Lines over every decayed file (`DecayedFile.to_json()` documents, not only those a
    limit shows), the two measures apart: `signoff decay --json`'s `totals`."""
    out = dict.fromkeys(TOTAL_KEYS, 0)
    for doc in files:
        for key in out:
            out[key] += doc[key]
    return out


def _covers(a: Attestation, path: str) -> bool:
    return a.path == "/" or a.path == path or (a.path.endswith("/") and path.startswith(a.path))


class _Ancestry:
    """`is commit X part of attestation commit Y`, asked of git once per pair."""

    def __init__(self, repo: Repo) -> None:
        self.repo = repo
        self.cache: dict[tuple[str, str], bool] = {}

    def within(self, sha: str, attested: str) -> bool:
        key = (sha, attested)
        if key not in self.cache:
            self.cache[key] = sha == attested or self.repo.succeeds(
                "merge-base", "--is-ancestor", sha, attested
            )
        return self.cache[key]


def _attested_as_at_head(
    repo: Repo, head: str, files: list[str], attestations: list[Attestation]
) -> set[str]:
    """Files an attestation covers whose lines are all older than it: it was made at a commit
    HEAD contains, and no commit since touched the file (so its blame at HEAD names only
    commits the attestation covers). One `git log` per distinct attested commit."""
    by_commit: dict[str, list[Attestation]] = {}
    for a in attestations:
        by_commit.setdefault(a.commit, []).append(a)
    out: set[str] = set()
    for commit, made in by_commit.items():
        if commit != head and not repo.succeeds("merge-base", "--is-ancestor", commit, head):
            continue
        touched: set[str] = set()
        if commit != head:
            since = repo.run("log", "--format=", "--name-only", "-z", f"{commit}..{head}")
            touched = set(since.decode("utf-8", "surrogateescape").replace("\n", "\0").split("\0"))
        out.update(f for f in files if f not in touched and any(_covers(a, f) for a in made))
    return out


@dataclass(slots=True)
class DecayRun:
    """How a decay was answered (said in text and JSON: the method sets the tolerance)."""

    copies: bool = False
    files: int = 0  # files whose lines were asked for
    blamed: int = 0  # of those, blamed by git in this run
    cached: int = 0  # of those, read from the blame cache (the rest: binary, or not in the clone)
    commit_graph: str = ""  # git's commit-graph: present, written, or why absent

    @property
    def blame(self) -> str:
        return "git blame " + (OPTIONS if self.copies else MOVES)

    @property
    def scope(self) -> str:
        if self.copies:
            return "every file at HEAD (a copied line can carry AI lines into any file)"
        return "files an AI-assisted commit touched, under their name at HEAD or an earlier one"

    def to_json(self) -> dict[str, Any]:
        return {
            "name": "copies" if self.copies else "moves",
            "blame": self.blame,
            "scope": self.scope,
            "files_read": self.files,
            "blamed_now": self.blamed,
            "from_cache": self.cached,
            "commit_graph": self.commit_graph,
        }


def ai_touched_files(repo: Repo, *, follow_renames: bool = True) -> list[str]:
    """Files at HEAD that some AI-assisted commit touched (from the index), under their name at
    HEAD or, with `follow_renames`, an earlier one.

    Without `-C`, blame finds a file's lines only in commits that changed the file under its
    name or, across a rename, an earlier one: a file outside this list has no AI line to find.
    A rename is a delete and an add in one commit; every path added in a commit that deleted a
    touched path counts as touched (git's rename pairing needs the blobs, which a partial clone
    may lack): more files are blamed than need be, never fewer.
    """
    index, _ = open_index(repo)
    try:
        rows = index.conn.execute(
            "SELECT DISTINCT f.path FROM commit_files f JOIN commits c ON c.sha = f.sha "
            "WHERE c.status IN ('ai', 'mixed')"
        ).fetchall()
    finally:
        index.close()
    touched = {r[0] for r in rows}
    if follow_renames and touched:
        # oldest first, so a chain of renames carries through; again until nothing changes
        # (merges bring the commits of two lines of history together out of order)
        moves = adds_and_deletes(repo, "HEAD")
        grew = True
        while grew:
            before = len(touched)
            for added, deleted in moves:
                if any(d in touched for d in deleted):
                    touched.update(added)
            grew = len(touched) > before
    at_head = set(repo.run_text("ls-tree", "-r", "--name-only", "HEAD").splitlines())
    return sorted(touched & at_head)


def _blame(
    repo: Repo, path: str, head: str, copies: bool
) -> tuple[list[BlameLine], str | None] | str:
    """Blame at HEAD in a worker thread (git does the work), with what it could not follow. A
    file git cannot blame at all (a blob missing from the clone) gives the reason instead."""
    run = BlameRun(repo, path, rev=head, copies=copies, text=False)
    try:
        return run.result()[0], run.degraded
    except GitError as exc:
        return exc.message


def _blamed(
    repo: Repo,
    head: str,
    files: list[str],
    cache: BlameCache,
    pool: ThreadPoolExecutor,
    problems: list[str],
    run: DecayRun,
) -> Iterator[tuple[str, list[BlameLine]]]:
    """Each file's blame at HEAD, in order: from the cache when its blob was blamed before,
    else from git (in parallel), then cached. Files git cannot blame are named in `problems`."""
    blobs = head_blobs(repo, head)
    cached = {p: cache.get(blobs[p], p) if p in blobs else [] for p in files}
    # a blame names commits; after a rebase or an amend the same content has other commits
    # behind it, so a cached blame counts only while all its commits are still in HEAD's history
    named = {b.commit for lines in cached.values() if lines for b in lines}
    if named:
        reachable = set(repo.run("rev-list", head).decode().split())
        for path, lines in cached.items():
            if lines and any(b.commit not in reachable for b in lines):
                cached[path] = None
    todo = [p for p in files if cached[p] is None]
    run.files, run.cached = (
        len(files),
        sum(1 for p in files if p in blobs and cached[p] is not None),
    )
    # binary files have no lines; one process tells them apart (not one `git show` per file)
    binary, missing = binary_blobs(repo, list(dict.fromkeys(blobs[p] for p in todo)))
    for path in todo:
        if blobs[path] in binary:
            cached[path] = []
        elif blobs[path] in missing:
            cached[path] = []
            problems.append(f"{path}: not blamed (its content at HEAD is not in this clone)")
    todo = [p for p in todo if cached[p] is None]
    # largest first: the slowest blames start at once and the cores finish together, rather
    # than one core blaming a large file alone at the end
    sizes = blob_sizes(repo, [blobs[p] for p in todo])
    fresh = {
        p: pool.submit(_blame, repo, p, head, run.copies)
        for p in sorted(todo, key=lambda p: -sizes.get(blobs[p], 0))
    }
    run.blamed = len(fresh)
    for path in files:
        lines = cached[path]
        if lines is None:
            found = fresh[path].result()
            if isinstance(found, str):
                problems.append(f"{path}: not blamed ({found})")
                continue
            lines, degraded = found
            if degraded:
                # not cached: the next run says the same, and blames it whole if it can
                problems.append(f"{path}: {degraded}")
            else:
                cache.put(blobs[path], path, lines)
        yield path, lines


def decay(
    repo: Repo,
    *,
    today: date | None = None,
    paths: Sequence[str] | None = None,
    workflows: Sequence[str] = (),
    min_tier: str | None = None,
    problems: list[str] | None = None,
    copies: bool = False,
    run: DecayRun | None = None,
) -> list[DecayedFile]:
    """Files with AI-authored lines nobody current has attested to, most critical and largest first.

    `workflows` and `min_tier` narrow the files before any blame runs (blame is the cost).
    Files git cannot blame (objects missing from the clone) are skipped and named in `problems`.
    `copies` follows lines copied from other files too (see the module's docstring); `run`
    is filled in with how the answer was made.
    """
    run = run if run is not None else DecayRun()
    run.copies = copies
    when = today or date.today()
    if repo.head() is None:
        return []
    policy = load_policy(repo)
    attestations = [
        a
        for a in load_attestations(repo)
        if (p := policy.people.get(a.person)) is not None and not has_left(p, when)
    ]
    if paths is not None:
        files = list(paths)
    elif copies:
        files = sorted(head_blobs(repo))
    else:
        files = ai_touched_files(repo)
    owners = {o.path: o for o in owners_for(policy, files, today=when)}
    if workflows:
        files = [f for f in files if (o := owners[f].ownership) and o.workflow.id in workflows]
    if min_tier is not None:
        floor = TIER_RANK[min_tier]
        files = [f for f in files if TIER_RANK.get(owners[f].tier or "", -1) >= floor]
    ancestry = _Ancestry(repo)
    out: list[DecayedFile] = []
    head = repo.require_commit("HEAD")
    # a file attested as it is at HEAD has no line left to decay: no blame needed
    whole = _attested_as_at_head(repo, head, files, attestations)
    files = [f for f in files if f not in whole]
    run.commit_graph = commit_graph(repo, write=bool(files))
    with (
        ProvenanceLookup(repo) as lookup,
        BlameCache(repo, OPTIONS if copies else MOVES) as cache,
        # one blame more than cores: while a thread parses git's output, git runs on every core
        ThreadPoolExecutor((os.cpu_count() or 2) + 1) as pool,
    ):
        unread = problems if problems is not None else []
        for path, raw in _blamed(repo, head, files, cache, pool, unread, run):
            provs = lookup.many(b.commit for b in raw)
            lines = []
            for b in raw:
                # a line record's own kind for the line (ai, ai-modified) where there is one
                kind, _tool, _source, recorded = line_attribution(
                    provs[b.commit], b.orig_path, b.orig_line
                )
                if kind in AI_LINE_KINDS:
                    lines.append((b, KIND_KEY[kind], recorded))
            if not lines:
                continue
            owner = owners.get(path)
            own = owner.ownership if owner else None
            row = DecayedFile(path, own.workflow.id if own else None, owner.tier if owner else None)
            for _b, key, _kind in lines:
                row.lines[key] = row.lines.get(key, 0) + 1
            relevant = [a for a in attestations if _covers(a, path)]
            for line, key, recorded in lines:
                prov = provs[line.commit]
                acc = prov.accepted_by
                if acc and str(acc) not in row.accepters:
                    row.accepters.append(str(acc))
                by = [a for a in relevant if ancestry.within(line.commit, a.commit)]
                if by:
                    for a in by:
                        name = policy.people[a.person].name
                        if name not in row.attested_by:
                            row.attested_by.append(name)
                    continue
                row.decayed[key] = row.decayed.get(key, 0) + 1
                if key == "ai_attributed" and recorded:
                    row.decayed_kinds[recorded] = row.decayed_kinds.get(recorded, 0) + 1
                person = person_by_email(policy, acc.email) if acc and acc.email else None
                if person is not None and has_left(person, when):
                    reason = f"accepter {person.name} left {person.left}"
                elif person is None:
                    reason = "accepter not a person in signoff.yaml"
                else:
                    reason = "nobody attested"
                per = row.reasons.setdefault(reason, {})
                per[key] = per.get(key, 0) + 1
            if row.decayed:
                out.append(row)
    return sorted(
        out,
        key=lambda r: (
            -TIER_RANK.get(r.tier or "", -1),
            -r.decayed_lines[0],
            -r.decayed_lines[1],
            r.path,
        ),
    )
