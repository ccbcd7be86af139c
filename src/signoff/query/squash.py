"""A squash commit's AI lines, mapped back from its pull request's commits by content.

A forge's squash merge folds a pull request into one commit, and its markers (a
`Co-authored-by: gemini-code-assist[bot]` for one accepted suggestion, say) then speak for the
whole pull request. Where the pull request's own commits are still in the clone
(`refs/pull/N/head`, which forges serve and `git fetch origin 'refs/pull/*/head:refs/pull/*/head'`
copies), each added line of the squash commit is matched by content to the pull request commit
that last added it: that commit's provenance (its line record where it has one, else its
commit-level status) becomes the line's. The result is a derived line record with source
`pr-commits`, its derivation spelled out and `medium` confidence: content matching is exact for
lines, approximate for repeated ones (a lone `}`), and silent about lines no commit of the pull
request added (they stay unknown).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass, replace

from signoff.git.diff import FileDiff, diff_added_lines, log_added_lines
from signoff.git.log import Commit, iter_commits
from signoff.git.repo import GitError, Repo
from signoff.provenance.model import LineRecord, LineSpan, Provenance, ToolUse

SOURCE = "pr-commits"
_PR_SUFFIX = re.compile(r"\(#(\d+)\)\s*$")
_SHA = re.compile(r"[0-9a-fA-F]{7,64}")
# a line this long (whitespace-normalised) is matched in any file when its own file has no
# writer for it (the pull request's merges renamed the file); shorter ones (`}`) never are
_DISTINCT = 12
# GitHub lists at most 250 commits of a pull request; a head that reaches further back than
# that from the squash's parent was not branched from it (a fork's PR number, a release
# branch), and diffing thousands of commits to find that out is what made indexing crawl.
MAX_PR_COMMITS = 250

ProvenanceOf = Callable[[list[str]], dict[str, Provenance]]


def pr_number(subject: str) -> int | None:
    """The pull request a forge's squash subject names with its `(#1234)` suffix."""
    m = _PR_SUFFIX.search(subject)
    return int(m.group(1)) if m else None


def wants_mapping(commit: Commit, prov: Provenance) -> bool:
    """An AI-assisted squash commit with no line record of its own and a `(#N)` subject."""
    return (
        prov.ai_assisted
        and not prov.line_records
        and not commit.is_merge
        and pr_number(commit.subject) is not None
    )


@dataclass(frozen=True, slots=True)
class SquashMapping:
    """What mapping found: the derived record (None when nothing could be read) and why."""

    pr: int
    pr_head: str | None
    record: LineRecord | None
    note: str  # one sentence for the provenance reason or problems


def _key(text: str) -> str:
    return " ".join(text.split())


def _writer_label(prov: Provenance, path: str, line: int) -> tuple[str, ToolUse | None]:
    """What the PR commit that added a line says about it: ai, human or unknown."""
    for record in prov.line_records:
        covered, tool = record.tool_for(path, line)
        if covered:
            return ("ai" if tool else "human"), tool
    if prov.line_records:
        return "unknown", None
    if prov.ai_assisted:
        return "ai", prov.tools[0] if prov.tools else ToolUse("unspecified")
    if prov.status == "human":
        return "human", None
    return "unknown", None


def map_pr_commits(
    repo: Repo,
    commit: Commit,
    provenance_of: ProvenanceOf,
    *,
    pr_commits: Iterable[str] | None = None,
) -> SquashMapping | None:
    """Map the provenance of a squash commit's PR commits onto its added lines.

    The PR commits are `<squash>^..refs/pull/N/head` (merges left out: what a pull request
    merged in from its base is not its own work), or `pr_commits` when the caller has them
    from the forge. None when the commit names no pull request or its head is not fetched.
    """
    number = pr_number(commit.subject)
    if number is None or not commit.parents:
        return None
    head = repo.resolve(f"refs/pull/{number}/head")
    try:
        if pr_commits is not None:
            # commit ids from a forge's JSON: ids only, never anything git could read as an option
            given = [sha for sha in pr_commits if _SHA.fullmatch(sha)]
            if not given:
                return None
            revs = [*given, "--no-walk"]
        elif head is None:
            return None
        else:
            # never the squash itself (a head that descends from it is another PR's)
            revs = [f"^{commit.parents[0]}", f"^{commit.sha}", head]
            count = len(
                repo.run(
                    "rev-list", "--no-merges", f"--max-count={MAX_PR_COMMITS + 1}", *revs, "--"
                ).split()
            )
            if count > MAX_PR_COMMITS:
                return SquashMapping(
                    number,
                    head,
                    None,
                    f"refs/pull/{number}/head adds more than {MAX_PR_COMMITS} commits beyond "
                    "this commit's parent: not this pull request's work",
                )
        written = log_added_lines(repo, revs)
        squash = diff_added_lines(repo, [commit.parents[0], commit.sha], ignore_whitespace=True)
    except GitError as exc:
        return SquashMapping(
            number, head, None, f"PR #{number} commits could not be read: {exc.message}"
        )
    where = "the given PR commits" if pr_commits is not None else f"refs/pull/{number}/head"
    if not written:
        return SquashMapping(
            number,
            head,
            None,
            f"{where} add no commits beyond this commit's parent: not this pull request's work",
        )
    provs = provenance_of([sha for sha, _ in written])
    record, found, total = _match(squash, written, provs, number)
    if total and found * 2 < total:
        # a fork's PR number, or a head pushed after the merge: not this pull request's work
        return SquashMapping(
            number,
            head,
            None,
            f"{where} {'do' if pr_commits is not None else 'does'} not match this commit: only "
            f"{found} of its {total} added lines were added by that pull request's commits",
        )
    ai_assisted = sum(1 for sha, _ in written if sha in provs and provs[sha].ai_assisted)
    ai, human = record.counts()
    note = (
        f"PR #{number}: {ai} added lines mapped to AI-assisted PR commits "
        f"({ai_assisted} of {len(written)} commits), {human} to human-declared ones"
    )
    return SquashMapping(number, head, record, note)


def _match(
    squash: list[FileDiff],
    written: list[tuple[str, list[FileDiff]]],
    provs: dict[str, Provenance],
    number: int,
) -> tuple[LineRecord, int, int]:
    """The derived record, how many of the squash's added lines some PR commit added, of all."""
    # path -> normalised text -> who added it, oldest first: one entry per added occurrence
    writers: dict[str, dict[str, list[tuple[str, ToolUse | None]]]] = {}
    # distinctive text -> its last writer in any file: for a file the PR's merges renamed
    anywhere: dict[str, tuple[str, ToolUse | None]] = {}
    for sha, diffs in written:
        prov = provs.get(sha)
        for f in diffs:
            if f.old_path and f.old_path != f.path and f.old_path in writers:
                # a rename carries what was written under the old name
                moved = writers.pop(f.old_path)
                into = writers.setdefault(f.path, {})
                for key, entries in moved.items():
                    into[key] = entries + into.get(key, [])
            if prov is None:
                continue  # not readable: its lines stay unknown
            by_text = writers.setdefault(f.path, {})
            for line_no, text in f.added.items():
                key = _key(text)
                label = _writer_label(prov, f.path, line_no)
                by_text.setdefault(key, []).append(label)
                if len(key) >= _DISTINCT:
                    anywhere[key] = label
    files: dict[str, tuple[LineSpan, ...]] = {}
    found = total = 0
    for f in squash:
        if f.binary:
            continue
        total += f.added_count  # a file too large to hold line by line stays unmapped
        wanted: dict[str, list[int]] = {}
        for line_no, text in f.added.items():
            wanted.setdefault(_key(text), []).append(line_no)
        labels: dict[int, tuple[str, ToolUse | None]] = {}
        for key, lines in wanted.items():
            # last writer wins: the latest additions of this text claim its occurrences,
            # the last occurrence first; occurrences no PR commit added stay unknown
            stack = list(writers.get(f.path, {}).get(key, ()))
            if not stack and key in anywhere:
                stack = [anywhere[key]] * len(lines)
            for line_no in reversed(lines):
                if not stack:
                    break
                labels[line_no] = stack.pop()
                found += 1
        spans = _spans(labels)
        if spans:
            files[f.path] = spans
    derivation = (
        f"added lines of the squash commit (git diff -w: re-indented lines are not added) "
        f"matched by whitespace-normalised content, per file (following renames; a line of 12+ "
        f"characters also in other files), to the lines each commit of PR #{number} added "
        f"(git log -p -w), last writer wins; a line is AI when an "
        f"AI-assisted PR commit (or its own line record) wrote it, unlisted lines are unknown"
    )
    return LineRecord(SOURCE, files, derivation=derivation, confidence="medium"), found, total


def _spans(labels: dict[int, tuple[str, ToolUse | None]]) -> tuple[LineSpan, ...]:
    spans: list[LineSpan] = []
    for line_no in sorted(labels):
        author, tool = labels[line_no]
        if author == "unknown":
            continue
        if spans and spans[-1].end == line_no - 1 and spans[-1].tool == tool:
            spans[-1] = LineSpan(spans[-1].start, line_no, tool)
        else:
            spans.append(LineSpan(line_no, line_no, tool))
    return tuple(spans)


# A PR commit can itself be a squash of a stacked pull request: map that one too, this deep.
MAX_DEPTH = 2


def mapped_provenance(
    repo: Repo,
    commits: Iterable[Commit],
    detect_one: Callable[[Commit], Provenance],
    *,
    prefetch: Callable[[list[str]], None] | None = None,
    depth: int = MAX_DEPTH,
) -> dict[str, Provenance]:
    """Detect each commit; AI-assisted squash commits get their `pr-commits` record, and the PR
    commits they are mapped from are detected (and, if squashes themselves, mapped) the same
    way, `depth` levels down. `prefetch` is told the PR commits first (to read their notes in
    one batch)."""
    out: dict[str, Provenance] = {}
    for commit in commits:
        prov = detect_one(commit)
        if depth > 0 and wants_mapping(commit, prov):

            def below(shas: list[str]) -> dict[str, Provenance]:
                if prefetch is not None:
                    prefetch(shas)
                read = iter_commits(repo, shas, extra=["--no-walk=unsorted"])
                return mapped_provenance(repo, read, detect_one, prefetch=prefetch, depth=depth - 1)

            mapping = map_pr_commits(repo, commit, below)
            if mapping is not None:
                prov = with_mapping(prov, mapping)
        out[commit.sha] = prov
    return out


def with_mapping(prov: Provenance, mapping: SquashMapping) -> Provenance:
    """The provenance with the derived record added (or the reason it could not be)."""
    if mapping.record is None:
        return replace(prov, problems=(*prov.problems, mapping.note))
    ai, human = mapping.record.counts()
    status = "mixed" if ai and human else prov.status
    return replace(
        prov,
        status=status,
        line_records=(*prov.line_records, mapping.record),
        reason=f"{prov.reason}; {mapping.note}",
    )
