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

A squash commit that carries no marker at all is mapped too when its pull request's commits
were AI-assisted (an agent's commits squashed by a human who left the trailers out): it
becomes AI-assisted only through the lines the record attributes, and says so (its reason and
the record's derivation name the pull request commits as the only evidence). Which pull
requests qualify is found in one walk over their heads (`ai_pull_requests`), so the content
mapping runs only where an AI-assisted commit is there to be found.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Collection, Iterable, Mapping, Sequence
from dataclasses import dataclass, replace

from signoff.git.diff import FileDiff, commits_added_lines, diff_added_lines, log_added_lines
from signoff.git.log import Commit, iter_commits
from signoff.git.repo import GitError, Repo
from signoff.provenance.model import Confidence, LineRecord, LineSpan, Provenance, ToolUse

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


def unmarked_squash(commit: Commit, prov: Provenance) -> bool:
    """A `(#N)` squash commit with no marker, no record and no declaration: it is mapped only
    when its pull request's commits were AI-assisted (`ai_pull_requests` says which)."""
    return (
        prov.status == "unknown"
        and not prov.markers
        and not prov.line_records
        and not commit.is_merge
        and pr_number(commit.subject) is not None
    )


def pull_heads(repo: Repo) -> dict[int, str]:
    """Every fetched `refs/pull/N/head`, by pull request number (one `for-each-ref`)."""
    out = repo.run(
        "for-each-ref", "--format=%(refname) %(objectname)", "refs/pull/", check=False
    ).decode()
    heads: dict[int, str] = {}
    for line in out.splitlines():
        ref, _, sha = line.partition(" ")
        parts = ref.split("/")
        if len(parts) == 4 and parts[3] == "head" and parts[2].isdigit():
            heads[int(parts[2])] = sha
    return heads


def ai_pull_requests(
    repo: Repo, heads: Mapping[int, str], detect_one: Callable[[Commit], Provenance]
) -> set[int]:
    """The pull requests among `heads` whose commits (those its head reaches and HEAD does
    not, at most `MAX_PR_COMMITS`) include an AI-assisted one, or one with a line record.

    One `git log` over every head at once, each commit detected once: a cheap filter that
    keeps the per-pull-request content mapping for the squash commits it can change.
    """
    head = repo.head()
    if not heads or head is None:
        return set()
    parents: dict[str, tuple[str, ...]] = {}
    ai: set[str] = set()
    revs = [*dict.fromkeys(heads.values()), f"^{head}"]
    for commit in iter_commits(repo, revs):
        parents[commit.sha] = tuple(commit.parents)
        if not commit.is_merge:
            prov = detect_one(commit)
            if prov.ai_assisted or prov.line_records:
                ai.add(commit.sha)
    if not ai:
        return set()
    found = set()
    for number, tip in heads.items():
        seen: set[str] = set()
        todo = [tip]
        while todo and len(seen) <= MAX_PR_COMMITS:
            sha = todo.pop()
            if sha in seen or sha not in parents:
                continue  # walked already, or HEAD has it (not the pull request's work)
            if sha in ai:
                found.add(number)
                break
            seen.add(sha)
            todo.extend(parents[sha])
    return found


@dataclass(frozen=True, slots=True)
class SquashMapping:
    """What mapping found: the derived record (None when nothing could be read) and why."""

    pr: int
    pr_head: str | None
    record: LineRecord | None
    note: str  # one sentence for the provenance reason or problems
    # AI lines of the record whose PR commit is AI-assisted only by a commit-level marker
    # (no line record of its own): all its lines were given to the AI
    commit_level: int = 0


def _key(text: str) -> str:
    return " ".join(text.split())


def _writer_label(prov: Provenance, path: str, line: int) -> tuple[str, ToolUse | None]:
    """What the PR commit that added a line says about it: ai (its line record says so),
    ai-commit (it is AI-assisted, with no line record), human or unknown."""
    for record in prov.line_records:
        covered, tool = record.tool_for(path, line)
        if covered:
            return ("ai" if tool else "human"), tool
    if prov.line_records:
        return "unknown", None
    if prov.ai_assisted:
        return "ai-commit", prov.tools[0] if prov.tools else ToolUse("unspecified")
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
                return _too_many(number, head)
        written = log_added_lines(repo, revs)
        squash = diff_added_lines(repo, [commit.parents[0], commit.sha], ignore_whitespace=True)
    except GitError as exc:
        return _unreadable(number, head, exc.message)
    provs = provenance_of([sha for sha, _ in written]) if written else {}
    return _mapping(number, head, squash, written, provs, given=pr_commits is not None)


def _too_many(number: int, head: str) -> SquashMapping:
    return SquashMapping(
        number,
        head,
        None,
        f"refs/pull/{number}/head adds more than {MAX_PR_COMMITS} commits beyond "
        "this commit's parent: not this pull request's work",
    )


def _unreadable(number: int, head: str | None, why: str) -> SquashMapping:
    return SquashMapping(number, head, None, f"PR #{number} commits could not be read: {why}")


def _mapping(
    number: int,
    head: str | None,
    squash: list[FileDiff],
    written: list[tuple[str, list[FileDiff]]],
    provs: dict[str, Provenance],
    *,
    given: bool = False,
) -> SquashMapping:
    """The mapping of a squash commit's added lines (`squash`) onto the lines its PR commits
    added (`written`, oldest first), whose provenance is `provs`."""
    where = "the given PR commits" if given else f"refs/pull/{number}/head"
    if not written:
        return SquashMapping(
            number,
            head,
            None,
            f"{where} add no commits beyond this commit's parent: not this pull request's work",
        )
    record, found, total, commit_level = _match(squash, written, provs, number)
    if total and found * 2 < total:
        # a fork's PR number, or a head pushed after the merge: not this pull request's work
        return SquashMapping(
            number,
            head,
            None,
            f"{where} {'do' if given else 'does'} not match this commit: only "
            f"{found} of its {total} added lines were added by that pull request's commits",
        )
    ai_assisted = sum(1 for sha, _ in written if sha in provs and provs[sha].ai_assisted)
    ai, human = record.counts()
    note = (
        f"PR #{number}: {ai} added lines mapped to AI-assisted PR commits "
        f"({ai_assisted} of {len(written)} commits), {human} to human-declared ones"
    )
    if commit_level:
        note += f"; {commit_level} of the {ai} from PR commits with only a commit-level marker"
    return SquashMapping(number, head, record, note, commit_level)


def _match(
    squash: list[FileDiff],
    written: list[tuple[str, list[FileDiff]]],
    provs: dict[str, Provenance],
    number: int,
) -> tuple[LineRecord, int, int, int]:
    """The derived record, how many of the squash's added lines some PR commit added, of all,
    and how many of its AI lines came from PR commits with only a commit-level marker."""
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
    found = total = commit_level = 0
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
        commit_level += sum(1 for kind, _ in labels.values() if kind == "ai-commit")
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
    record = LineRecord(SOURCE, files, derivation=derivation, confidence="medium")
    return record, found, total, commit_level


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
    unmarked: Collection[str] = (),
) -> dict[str, Provenance]:
    """Detect each commit; AI-assisted squash commits get their `pr-commits` record, and the PR
    commits they are mapped from are detected (and, if squashes themselves, mapped) the same
    way, `depth` levels down. `prefetch` is told the PR commits first (to read their notes in
    one batch). Squash commits in `unmarked` are mapped though they carry no marker (their
    pull request's commits were AI-assisted: see `ai_pull_requests`)."""
    out: dict[str, Provenance] = {}
    for commit in commits:
        prov = detect_one(commit)
        if depth > 0 and (
            wants_mapping(commit, prov)
            or (commit.sha in unmarked and unmarked_squash(commit, prov))
        ):

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


# squash commits whose diffs (and their PR commits') are read together; bounds what is held
_GROUP = 40


def map_squashes(
    repo: Repo,
    commits: Sequence[Commit],
    detect_one: Callable[[Commit], Provenance],
    heads: Mapping[int, str],
    *,
    unmarked: Collection[str] = (),
) -> dict[str, Provenance]:
    """`mapped_provenance` of many commits at once, as an index build needs it: per squash
    commit one `rev-list` for its PR commits, and the diffs of a group of squash commits and
    of all their PR commits read by a few git processes (`commits_added_lines`), never five
    processes per squash commit; two groups at once, so git diffs one while Python matches
    the other. `heads` are the fetched pull request heads (`pull_heads`); `detect_one` must be
    safe to call from two threads. The answers are `mapped_provenance`'s, commit for commit."""
    from concurrent.futures import ThreadPoolExecutor

    def group(part: Sequence[Commit]) -> dict[str, Provenance]:
        return _map_group(repo, part, detect_one, heads, unmarked)

    parts = [commits[i : i + _GROUP] for i in range(0, len(commits), _GROUP)]
    out: dict[str, Provenance] = {}
    with ThreadPoolExecutor(2) as pool:
        for found in pool.map(group, parts):
            out.update(found)
    return out


def _map_group(
    repo: Repo,
    commits: Sequence[Commit],
    detect_one: Callable[[Commit], Provenance],
    heads: Mapping[int, str],
    unmarked: Collection[str],
) -> dict[str, Provenance]:
    out: dict[str, Provenance] = {}
    todo: list[tuple[Commit, int, str, list[str]]] = []  # PR commits oldest first
    for commit in commits:
        prov = out[commit.sha] = detect_one(commit)
        if not (
            wants_mapping(commit, prov)
            or (commit.sha in unmarked and unmarked_squash(commit, prov))
        ):
            continue
        number = pr_number(commit.subject)
        head = heads.get(number) if number is not None and commit.parents else None
        if number is None or head is None:
            continue
        try:
            listed = repo.run(
                "rev-list",
                "--no-merges",
                "--topo-order",
                f"--max-count={MAX_PR_COMMITS + 1}",
                f"^{commit.parents[0]}",
                f"^{commit.sha}",
                head,
                "--",
            ).split()
        except GitError as exc:
            out[commit.sha] = with_mapping(prov, _unreadable(number, head, exc.message))
            continue
        if len(listed) > MAX_PR_COMMITS:
            out[commit.sha] = with_mapping(prov, _too_many(number, head))
            continue
        todo.append((commit, number, head, [sha.decode() for sha in reversed(listed)]))
    if not todo:
        return out
    pr_shas = list(dict.fromkeys(sha for _, _, _, prs in todo for sha in prs))
    diffs, failed = commits_added_lines(repo, [*pr_shas, *(c.sha for c, *_ in todo)])
    provs = _pr_provenance(repo, [sha for sha in pr_shas if sha in diffs], detect_one)
    for commit, number, head, prs in todo:
        why = next((failed[sha] for sha in prs if sha in failed), None)
        if why is None and commit.sha in failed:
            why = _squash_diff_failure(repo, commit) or failed[commit.sha]
        if why is not None:
            mapping = _unreadable(number, head, why)
        else:
            written = [(sha, diffs[sha]) for sha in prs]
            mapping = _mapping(number, head, diffs[commit.sha], written, provs)
        out[commit.sha] = with_mapping(out[commit.sha], mapping)
    return out


def _squash_diff_failure(repo: Repo, commit: Commit) -> str | None:
    """Why the squash commit's own diff cannot be read, as `map_pr_commits` words it."""
    try:
        diff_added_lines(repo, [commit.parents[0], commit.sha], ignore_whitespace=True)
    except GitError as exc:
        return exc.message
    return None


def _pr_provenance(
    repo: Repo, shas: list[str], detect_one: Callable[[Commit], Provenance]
) -> dict[str, Provenance]:
    """The provenance of PR commits, each read once: a PR commit that is itself an AI-assisted
    squash commit is mapped too, one level down (as `mapped_provenance` does)."""
    out: dict[str, Provenance] = {}
    for start in range(0, len(shas), 500):
        chunk = shas[start : start + 500]
        for commit in iter_commits(repo, chunk, extra=["--no-walk=unsorted"]):
            out.update(mapped_provenance(repo, [commit], detect_one, depth=MAX_DEPTH - 1))
    return out


def with_mapping(prov: Provenance, mapping: SquashMapping) -> Provenance:
    """The provenance with the derived record added (or the reason it could not be)."""
    if not prov.ai_assisted:
        return _unmarked_with_mapping(prov, mapping)
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


def _unmarked_with_mapping(prov: Provenance, mapping: SquashMapping) -> Provenance:
    """A squash commit with no marker: AI-assisted only through lines its pull request's
    AI-assisted commits wrote; unchanged when none of their lines reached it (a commit with no
    marker has nothing to report when its pull request cannot be mapped)."""
    record = mapping.record
    ai, human = record.counts() if record is not None else (0, 0)
    if record is None or not ai:
        return prov
    # known from the PR commits' line records: medium; only from their commit-level markers
    # (every line of such a commit given to the AI): weak
    confidence: Confidence = "weak" if mapping.commit_level >= ai else "medium"
    record = replace(
        record,
        derivation=(
            f"this commit carries no AI marker: {record.derivation}; the pull request's "
            f"commits are the only evidence ({ai - mapping.commit_level} AI lines from their "
            f"line records, {mapping.commit_level} from commits with only a commit-level marker)"
        ),
        confidence=confidence,
    )
    tools: dict[ToolUse, None] = {}
    for spans in record.files.values():
        tools.update((span.tool, None) for span in spans if span.tool)
    return replace(
        prov,
        status="mixed" if human else "ai",
        confidence=confidence,
        tools=tuple(tools),
        line_records=(*prov.line_records, record),
        reason=f"no AI marker on this commit; {mapping.note}",
    )
