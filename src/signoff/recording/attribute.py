"""Which lines of a commit an AI wrote: the capture working log replayed against the commit.

Each line of a file carries a label, carried from one snapshot of the file to the next by a line
diff. A replay starts from the content the commit's parent had (labels "base": lines the commit
did not add) at the latest working-log record with that same content — found by content, not by
time, so `reset`, `stash` and `merge --squash` find their start again — and walks the file's
records in order:

- a `post` record (just after an agent's edit): lines it introduces are `ai`, with the agent,
  model and session of the record, when its `pre` came just before it (without one, or for a
  shell command that ran too long to rule out a human's edit meanwhile, `unknown`);
- a `pre` record (just before an edit) or the staged content: lines that differ from the previous
  snapshot were changed by someone else. After a checkpoint that is the human: a line paired
  with an `ai` or `ai-modified` line within a replaced block becomes `ai-modified`, any other
  changed line `human`. Before the first checkpoint since a commit nobody watched: `unknown`.
  A change only in whitespace keeps the line's label (the same rule as `git diff -w`).

The record then covers only the lines the commit added against its first parent (`git diff -U0
-w`), 1-based and inclusive on the file as of the commit, with a content hash per range. A file
with no checkpoint in its replay gets no ranges: nothing is invented.

Runs in the post-commit hook: standard library only, imported lazily; git through
`signoff.git.hooks.git` (a fork, no subprocess module). Diffs are `difflib.SequenceMatcher` on
lines (autojunk off) after the common head and tail are cut off (bench/commit_hook.py measures it
against git's own diff of two blobs: one git process per pair costs more than the whole replay).
"""

from __future__ import annotations

import os
import time

from signoff.git.hooks import cat_blobs, git

TYPE_CHECKING = False  # typing.TYPE_CHECKING without importing typing
if TYPE_CHECKING:
    from collections.abc import Callable, Mapping, Sequence

    from signoff.git.patch import Change
    from signoff.recording.worklog import Record

AI = "ai"
AI_MODIFIED = "ai-modified"
HUMAN = "human"
UNKNOWN = "unknown"
AI_KINDS = (AI, AI_MODIFIED)
CHECKPOINTS = ("pre", "post")
# Up to this many line pairs, a longest common subsequence in Python is cheaper than importing
# difflib (which imports `re`); above it, the diff is first split at lines found once on each
# side (patience diff), and difflib alone on a 10,000-line file whose `}` and blank lines repeat
# takes seconds.
TINY_DIFF = 2_500
# Milliseconds the post-commit hook may spend on attribution (`git config signoff.captureBudget`).
DEFAULT_BUDGET_MS = 500
UNSPECIFIED = "unspecified"

# (agent, model, session) of the record that wrote an AI line
ToolKey = tuple[str, str | None, str | None]
# What is known of one line: None for a line the base already had, else (kind, tool or None)
Label = tuple[str, ToolKey | None] | None
# One recorded range: (start, end, kind, tool, content hash)
Range = tuple[int, int, str, ToolKey | None, str]


class Attribution:
    """A commit's line record from the working log, ready for `build_note`."""

    __slots__ = ("complete", "elapsed_ms", "files", "gaps", "notes", "tools", "tracked")

    def __init__(self) -> None:
        self.files: dict[str, list[Range]] = {}
        self.tools: list[ToolKey] = []
        self.complete = True
        self.gaps: list[str] = []  # why the record is incomplete, one sentence each
        self.notes: list[str] = []  # how the record was approximated, one sentence each
        # (path, committed blob) of each committed file the working log knows: the `commit`
        # records to append
        self.tracked: list[tuple[str, str | None]] = []
        self.elapsed_ms = 0.0

    def kind_counts(self) -> dict[str, int]:
        counts = dict.fromkeys((AI, AI_MODIFIED, HUMAN, UNKNOWN), 0)
        for ranges in self.files.values():
            for start, end, kind, _, _ in ranges:
                counts[kind] += end - start + 1
        return counts

    def note_files(self) -> dict[str, list[tuple[int, int, int | None, str, str]]]:
        """`files` in `build_note`'s shape: tool indexes into `tools`."""
        index = {key: i for i, key in enumerate(self.tools)}
        return {
            path: [(s, e, index[t] if t is not None else None, kind, h) for s, e, kind, t, h in rs]
            for path, rs in self.files.items()
            if rs
        }

    def line_record(self) -> dict[str, object]:
        """`build_note`'s `line_record`: complete or not and why, how it was approximated."""
        out: dict[str, object] = {
            "complete": self.complete,
            "reason": "; ".join(self.gaps) if self.gaps else None,
            "source": "capture",
        }
        if self.notes:
            out["approximations"] = list(self.notes)
        out["elapsed_ms"] = round(self.elapsed_ms, 1)
        return out


# -- lines and diffs ----------------------------------------------------------------------------


def split_lines(data: bytes) -> list[str]:
    """A file's lines as git counts them (split at `\\n`; a `\\r` stays part of its line)."""
    lines = data.decode("utf-8", "surrogateescape").split("\n")
    if lines and lines[-1] == "":
        lines.pop()
    return lines


def opcodes(a: Sequence[str], b: Sequence[str]) -> list[tuple[str, int, int, int, int]]:
    """difflib-style opcodes from `a` to `b`, computed only between the common head and tail:
    a small middle by a longest common subsequence, a large one split at unique common lines
    first (patience), what is left by `difflib.SequenceMatcher` (imported only then: with `re`
    it costs more than the rest of a commit's replay)."""
    la, lb = len(a), len(b)
    if a == b:
        return [("equal", 0, la, 0, lb)] if la else []
    head = _common(a, b, min(la, lb), lambda s, n: s[:n])
    tail = _common(a, b, min(la, lb) - head, lambda s, n: s[len(s) - n :])
    out: list[tuple[str, int, int, int, int]] = []
    if head:
        out.append(("equal", 0, head, 0, head))
    mid_a, mid_b = a[head : la - tail], b[head : lb - tail]
    anchors = _anchors(mid_a, mid_b) if len(mid_a) * len(mid_b) > TINY_DIFF else []
    if anchors:
        # patience: lines found once on each side, in order, split the diff into small ones
        # (only the gaps between anchors are diffed; a run of anchors is one `equal`)
        at_a = at_b = 0
        for i, j in [*anchors, (len(mid_a), len(mid_b))]:
            if i > at_a or j > at_b:
                for tag, i1, i2, j1, j2 in opcodes(mid_a[at_a:i], mid_b[at_b:j]):
                    _add(
                        out,
                        (
                            tag,
                            i1 + head + at_a,
                            i2 + head + at_a,
                            j1 + head + at_b,
                            j2 + head + at_b,
                        ),
                    )
            if i < len(mid_a):
                _add(out, ("equal", i + head, i + head + 1, j + head, j + head + 1))
            at_a, at_b = i + 1, j + 1
    elif mid_a and mid_b:
        found: Sequence[tuple[str, int, int, int, int]]
        if len(mid_a) * len(mid_b) <= TINY_DIFF:
            found = _lcs_opcodes(mid_a, mid_b)
        else:
            from difflib import SequenceMatcher

            found = SequenceMatcher(None, mid_a, mid_b, autojunk=False).get_opcodes()
        for tag, i1, i2, j1, j2 in found:
            out.append((tag, i1 + head, i2 + head, j1 + head, j2 + head))
    elif mid_a:
        out.append(("delete", head, la - tail, head, head))
    elif mid_b:
        out.append(("insert", head, head, head, lb - tail))
    if tail:
        out.append(("equal", la - tail, la, lb - tail, lb))
    return out


def _add(out: list[tuple[str, int, int, int, int]], op: tuple[str, int, int, int, int]) -> None:
    """Append `op`, joined to the previous one when both are `equal` and adjacent."""
    if op[0] == "equal" and out:
        tag, i1, i2, j1, j2 = out[-1]
        if tag == "equal" and i2 == op[1] and j2 == op[3]:
            out[-1] = ("equal", i1, op[2], j1, op[4])
            return
    out.append(op)


def _lcs_opcodes(a: Sequence[str], b: Sequence[str]) -> list[tuple[str, int, int, int, int]]:
    """Opcodes from a longest common subsequence by dynamic programming (small inputs only)."""
    n, m = len(a), len(b)
    table = [[0] * (m + 1) for _ in range(n + 1)]
    for i in range(n - 1, -1, -1):
        row, below, line = table[i], table[i + 1], a[i]
        for j in range(m - 1, -1, -1):
            row[j] = below[j + 1] + 1 if line == b[j] else max(below[j], row[j + 1])
    out: list[tuple[str, int, int, int, int]] = []
    i = j = 0
    at_a = at_b = 0  # where the last equal block ended
    while i < n and j < m:
        if a[i] == b[j]:
            start_a, start_b = i, j
            while i < n and j < m and a[i] == b[j]:
                i, j = i + 1, j + 1
            out += _gap(at_a, start_a, at_b, start_b)
            out.append(("equal", start_a, i, start_b, j))
            at_a, at_b = i, j
        elif table[i + 1][j] >= table[i][j + 1]:
            i += 1
        else:
            j += 1
    return out + _gap(at_a, n, at_b, m)


def _gap(i1: int, i2: int, j1: int, j2: int) -> list[tuple[str, int, int, int, int]]:
    if i1 < i2 and j1 < j2:
        return [("replace", i1, i2, j1, j2)]
    if i1 < i2:
        return [("delete", i1, i2, j1, j1)]
    if j1 < j2:
        return [("insert", i1, i1, j1, j2)]
    return []


def _anchors(a: Sequence[str], b: Sequence[str]) -> list[tuple[int, int]]:
    """(i, j) pairs of lines that occur exactly once in `a` and once in `b`, the longest chain
    of them in the same order on both sides (patience diff's anchors)."""
    from bisect import bisect_left

    once_a: dict[str, int] = {}
    for i, line in enumerate(a):
        once_a[line] = -1 if line in once_a else i
    once_b: dict[str, int] = {}
    for j, line in enumerate(b):
        once_b[line] = -1 if line in once_b else j
    pairs = [
        (i, once_b[line]) for line, i in once_a.items() if i >= 0 and once_b.get(line, -1) >= 0
    ]
    pairs.sort()
    # longest increasing run of j: patience sorting with back links
    tops: list[int] = []  # j at the top of each pile
    top_index: list[int] = []  # index into pairs of each pile's top
    back: list[int] = []
    for n, (_, j) in enumerate(pairs):
        pile = bisect_left(tops, j)
        back.append(top_index[pile - 1] if pile else -1)
        if pile == len(tops):
            tops.append(j)
            top_index.append(n)
        else:
            tops[pile] = j
            top_index[pile] = n
    chain: list[tuple[int, int]] = []
    n = top_index[-1] if top_index else -1
    while n >= 0:
        chain.append(pairs[n])
        n = back[n]
    return chain[::-1]


def _common(
    a: Sequence[str], b: Sequence[str], limit: int, part: Callable[[Sequence[str], int], object]
) -> int:
    """The largest n <= limit with part(a, n) == part(b, n), by bisection on list slices (the
    comparisons run in C: a Python loop over 5,000 equal lines costs more than the diff)."""
    low, high = 0, limit
    while low < high:
        mid = (low + high + 1) // 2
        if part(a, mid) == part(b, mid):
            low = mid
        else:
            high = mid - 1
    return low


def _squashed(line: str) -> str:
    return "".join(line.split())


def carry(
    labels: Sequence[Label],
    old: Sequence[str],
    new: Sequence[str],
    *,
    mode: str,
    tool: ToolKey | None = None,
) -> list[Label]:
    """The labels of `new`, carried from `old`'s: what changed is labelled by `mode`.

    `mode` is `ai` (an agent's edit, by `tool`), `human` (changed after a checkpoint) or
    `unknown` (changed while nobody watched).
    """
    out: list[Label] = []
    changed: Label = (AI, tool) if mode == AI else (mode, None)
    for tag, i1, i2, j1, j2 in opcodes(old, new):
        if tag == "equal":
            out.extend(labels[i1:i2])
        elif tag == "insert":
            out.extend([changed] * (j2 - j1))
        elif tag == "replace":
            for k in range(j2 - j1):
                before = labels[i1 + k] if i1 + k < i2 else changed
                if i1 + k < i2 and _squashed(old[i1 + k]) == _squashed(new[j1 + k]):
                    out.append(before)  # only whitespace changed: still the same line
                elif mode == HUMAN and before is not None and before[0] in AI_KINDS:
                    out.append((AI_MODIFIED, before[1]))
                else:
                    out.append(changed)
    return out


# -- replay -------------------------------------------------------------------------------------


def tool_key(record: Mapping[str, object]) -> ToolKey:
    agent, model, session = record.get("agent"), record.get("model"), record.get("session")
    return (
        agent if isinstance(agent, str) and agent else UNSPECIFIED,
        model if isinstance(model, str) and model else None,
        session if isinstance(session, str) and session else None,
    )


def replay(
    records: Sequence[Mapping[str, object]],
    base: str | None,
    final: Sequence[str],
    read: Callable[[str | None], list[str]],
    notes: list[str] | None = None,
    check: Callable[[], object] | None = None,
) -> list[Label] | None:
    """The labels of `final` (the committed content), replaying one file's records from the
    latest one whose content is `base` (the parent's blob; None: no such file).

    None when the replay holds no checkpoint: nothing was observed, so nothing is said.
    `read` gives a blob's lines (KeyError when git does not have it). `check` runs before each
    step (it raises to stop a replay out of time).

    A `post` is `ai` only with evidence of what the agent changed: its own `pre`, the content
    just before the edit. Without one (an agent without a pre-edit hook, a pre hook that did not
    run) the lines changed since the previous snapshot are `unknown`: the agent changed some of
    them, someone else may have changed others. So are a shell command's changes
    (`source: shell`) when it ran longer than `shell.SHELL_WINDOW` seconds, or when another
    record of the file falls inside its window (its `pre`, written when the command ended, is
    then older than the record before it and is skipped), and a `post` marked `unsure` (a
    command that moved `HEAD` or the stash, or merged). A sentence saying so goes to `notes`.
    """
    start = -1
    for i in range(len(records) - 1, -1, -1):
        if records[i].get("blob") == base and not _shell_start(records[i]):
            start = i
            break
    snapshot = read(base)
    labels: list[Label] = [None] * len(snapshot)
    last_at = 0.0
    if start >= 0:
        previous = str(records[start]["event"])
        last_at = _at(records[start])
        rest = records[start + 1 :]
    else:
        previous = "commit"  # the parent's content: changes after it were not watched
        rest = records
    seen = previous in CHECKPOINTS
    pre_at = last_at
    for record in rest:
        if check is not None:
            check()
        event = record["event"]
        at = _at(record)
        if _shell_start(record) and at < last_at:
            _note(
                notes,
                record,
                "another record of the file fell inside a shell command's "
                "window; the command's changes are unknown",
            )
            previous = "skipped"
            continue
        last_at = max(last_at, at)
        blob = record.get("blob")
        lines = read(blob if isinstance(blob, str) else None)
        if event == "post":
            tool = tool_key(record)
            if isinstance(record.get("unsure"), str):
                _note(notes, record, f"{record['unsure']}; its changes are unknown")
                labels = carry(labels, snapshot, lines, mode=UNKNOWN)
            elif previous != "pre":
                labels = _without_pre(record, labels, snapshot, lines, tool, read, notes)
            elif record.get("source") == "shell" and at - pre_at > _shell_window():
                _note(
                    notes,
                    record,
                    f"a shell command of {tool[0]} ran {at - pre_at:.0f} s; "
                    "a human edit in that time cannot be told apart, its changes are unknown",
                )
                labels = carry(labels, snapshot, lines, mode=UNKNOWN)
            else:
                labels = carry(labels, snapshot, lines, mode=AI, tool=tool)
        else:
            mode = HUMAN if previous in CHECKPOINTS else UNKNOWN
            labels = carry(labels, snapshot, lines, mode=mode)
        seen = seen or event in CHECKPOINTS
        previous = str(event)
        pre_at = at
        snapshot = lines
    if not seen:
        return None
    if check is not None:
        check()
    return carry(labels, snapshot, final, mode=HUMAN if previous in CHECKPOINTS else UNKNOWN)


def _without_pre(
    record: Mapping[str, object],
    labels: Sequence[Label],
    snapshot: Sequence[str],
    lines: Sequence[str],
    tool: ToolKey,
    read: Callable[[str | None], list[str]],
    notes: list[str] | None,
) -> list[Label]:
    """A `post` no `pre` preceded: what changed since the previous snapshot is `unknown`, except
    lines the record's `evidence` (the edit's own new text, Cursor's afterFileEdit) shows the
    agent wrote."""
    unknown = carry(labels, snapshot, lines, mode=UNKNOWN)
    evidence = record.get("evidence")
    shown: set[str] = set()
    if isinstance(evidence, str):
        try:
            shown = {_squashed(line) for line in read(evidence)} - {""}
        except KeyError:
            shown = set()
    if not shown:
        _note(notes, record, f"{tool[0]} recorded no content before an edit; lines changed "
              "since the previous snapshot are unknown")  # fmt: skip
        return unknown
    _note(notes, record, f"{tool[0]} recorded no content before an edit; lines changed since "
          "the previous snapshot are unknown, except those in the edit's own new text")  # fmt: skip
    written = carry(labels, snapshot, lines, mode=AI, tool=tool)
    return [
        w if w != u and _squashed(line) in shown else u
        for u, w, line in zip(unknown, written, lines, strict=True)
    ]


def _shell_start(record: Mapping[str, object]) -> bool:
    """A shell command's `pre`: written when the command ended, it may be older than records
    before it, so a replay never starts from it (`worklog.read_back` reads past it too)."""
    return record.get("event") == "pre" and record.get("source") == "shell"


def _at(record: Mapping[str, object]) -> float:
    at = record.get("at")
    return float(at) if isinstance(at, (int, float)) else 0.0


def _shell_window() -> float:
    from signoff.recording.shell import SHELL_WINDOW

    return SHELL_WINDOW


def _note(notes: list[str] | None, record: Mapping[str, object], why: str) -> None:
    if notes is not None:
        sentence = f"{record['path']}: {why}"
        if sentence not in notes:
            notes.append(sentence)


def ranges(
    labels: Sequence[Label],
    lines: Sequence[str],
    added: Mapping[int, str],
    *,
    unlabelled: Label = (UNKNOWN, None),
) -> list[Range]:
    """The added lines' labels as ranges of equal label, each with its content hash.

    An added line without a label is `unlabelled`: for a replay, a line it found in the parent's
    content (git's diff and ours paired lines differently) is `unknown`, never guessed; None
    leaves such lines out.
    """
    from signoff.provenance.notes import range_hash

    out: list[Range] = []
    run_start = run_end = 0
    run_label: Label = None
    for number in sorted(added):
        label = labels[number - 1] if 0 < number <= len(labels) else None
        if label is None:
            label = unlabelled
            if label is None:
                if run_end and run_label is not None:
                    out.append(_range(run_start, run_end, run_label, lines, range_hash))
                run_end = 0
                continue
        if run_end and number == run_end + 1 and label == run_label:
            run_end = number
            continue
        if run_end and run_label is not None:
            out.append(_range(run_start, run_end, run_label, lines, range_hash))
        run_start = run_end = number
        run_label = label
    if run_end and run_label is not None:
        out.append(_range(run_start, run_end, run_label, lines, range_hash))
    return out


def _range(
    start: int,
    end: int,
    label: tuple[str, ToolKey | None],
    lines: Sequence[str],
    digest: Callable[[Sequence[str]], str],
) -> Range:
    text = [line.removesuffix("\r") for line in lines[start - 1 : end]]
    return (start, end, label[0], label[1] if label[0] in AI_KINDS else None, digest(text))


# -- a commit -----------------------------------------------------------------------------------


# with `signoff.git.patch.STABLE`, which the patch reader needs whatever the configuration says
DIFF_OPTIONS = (
    "-c",
    "core.quotePath=false",
    "diff-tree",
    "-r",
    "-z",
    "--raw",
    "-p",
    "-U0",
    "-w",
    "-M",
    "--no-commit-id",
)


# The empty tree of each object format, by the length of an object id: a root commit's tree is
# compared with it before the commit exists (`diff-tree --root` needs the commit).
EMPTY_TREES = {
    40: "4b825dc642cb6eb9a060e54bf8d69288fbee4904",
    64: "6ef19b41225c5369f1c104d45d8d85efa9b057b53b14b4b9b939dd74decc5321",
}


def commit_changes(
    commit: str, parent: str | None, *, cwd: str, env: Mapping[str, str], tree: str | None = None
) -> list[Change]:
    """The files `commit` changed against `parent` (None: a root commit), with blob ids and the
    lines it added (`-w`: a re-indented line is not added), in one git process. With `tree`,
    the changes of that tree against `parent`: a commit that is about to be made."""
    from signoff.git.patch import STABLE, read_raw_patch

    if tree is not None:
        args = [*DIFF_OPTIONS, *STABLE, parent or EMPTY_TREES.get(len(tree), ""), tree]
    elif parent:
        args = [*DIFF_OPTIONS, *STABLE, parent, commit]
    else:
        args = [*DIFF_OPTIONS, *STABLE, "--root", commit]
    res = git(*args, cwd=cwd, env=env)
    if not res.ok:
        raise OSError(f"cannot read the changes of {commit[:12]}: {res.message()}")
    return read_raw_patch(res.out)


def attribute_commit(
    commit: str,
    parent: str | None,
    *,
    cwd: str,
    env: Mapping[str, str],
    gitdir: str,
    budget_ms: float = DEFAULT_BUDGET_MS,
    started: float | None = None,
    tree: str | None = None,
) -> Attribution | None:
    """The line record of `commit` from the working log; None when no committed file has any
    working-log record (then the commit keeps its commit-level provenance only).

    With `tree` (the staged tree, from `git write-tree` in the commit-msg hook), the commit is
    the one about to be made of that tree on `parent`; `commit` only names it in messages.
    Stops when `budget_ms` (counted from `started`, a `time.monotonic()` value) runs out: the
    files not replayed get no ranges and the record says it is incomplete, and why.
    """
    from signoff.recording import worklog

    started = time.monotonic() if started is None else started
    if not os.path.exists(os.path.join(worklog.capture_dir(gitdir), worklog.LOG_NAME)):
        return None
    changes = commit_changes(commit, parent, cwd=cwd, env=env, tree=tree)
    starts: dict[str, str | None] = {}
    for change in changes:
        starts[change.old_path] = starts[change.path] = change.old_blob
    found = worklog.read_back(gitdir, starts)
    if not found:
        return None
    result = Attribution()
    work: list[tuple[Change, list[worklog.Record]]] = []
    for change in changes:
        both = found.get(change.path, [])
        if change.old_path != change.path:
            both = sorted(both + found.get(change.old_path, []), key=_offset)
        mine = [r for _, r in both]
        if mine:
            result.tracked.append((change.path, change.blob))
            if change.blob is not None and not change.binary:
                work.append((change, mine))
    # the history the new commit will have is its parent's (a commit made already is its own)
    history = commit if tree is None else parent
    work = _used_history_dropped(work, history, cwd=cwd, env=env)
    if not work:
        return result
    blobs = [c.blob for c, _ in work if c.blob] + [c.old_blob for c, _ in work if c.old_blob]
    blobs += [str(r[k]) for _, rs in work for r in rs for k in ("blob", "evidence")
              if isinstance(r.get(k), str)]  # fmt: skip
    contents = cat_blobs(blobs, cwd=cwd, env=env)
    cache: dict[str, list[str]] = {}

    def read(blob: str | None) -> list[str]:
        if blob is None:
            return []
        if blob not in cache:
            cache[blob] = split_lines(contents[blob])  # KeyError: git does not have it
        return cache[blob]

    limit = started + budget_ms / 1000

    def check() -> None:
        if time.monotonic() > limit:
            raise _OutOfTime

    for n, (change, mine) in enumerate(work):
        try:
            check()
            final = read(change.blob)
            if "\0" in "".join(final[:1000]):
                continue  # binary content git did not flag
            labels = replay(mine, change.old_blob, final, read, result.notes, check)
        except _OutOfTime:
            left = [c.path for c, _ in work[n:]]
            result.complete = False
            result.gaps.append(
                f"the commit hook's time budget of {budget_ms:g} ms ran out before "
                f"{len(left)} of {len(work)} files were attributed ({_names(left)}); "
                "raise it with git config signoff.captureBudget"
            )
            break
        except KeyError as missing:
            result.complete = False
            result.gaps.append(
                f"{change.path}: the content {str(missing)[1:13]} is missing from git"
            )
            continue
        if labels is None:
            continue
        spans = ranges(labels, final, change.added)
        if spans:
            result.files[change.path] = spans
            for span in spans:
                if span[3] is not None and span[3] not in result.tools:
                    result.tools.append(span[3])
    result.elapsed_ms = (time.monotonic() - started) * 1000
    return result


def _used_history_dropped(
    work: list[tuple[Change, list[Record]]],
    commit: str | None,
    *,
    cwd: str,
    env: Mapping[str, str],
) -> list[tuple[Change, list[Record]]]:
    """A file whose parent content no record has (a merge brought it, say) replays only what
    came after its last `commit` record when that commit is in this commit's history (`commit`
    and its ancestors; None: no history): the records before it were that commit's. When that
    commit is not (a reset, an amend, a squash of another branch), they are still the way to
    this content and are all replayed."""
    out = []
    ancestry: dict[str, bool] = {}
    for change, mine in work:
        if any(r.get("blob") == change.old_blob for r in mine):
            out.append((change, mine))
            continue
        last = max((i for i, r in enumerate(mine) if r["event"] == "commit"), default=-1)
        used = str(mine[last].get("commit") or "") if last >= 0 else ""
        if used and used not in ancestry:
            res = (
                git("merge-base", "--is-ancestor", used, commit, cwd=cwd, env=env)
                if commit
                else None
            )
            ancestry[used] = res is not None and res.ok
        out.append((change, mine[last + 1 :] if used and ancestry[used] else mine))
    return out


class _OutOfTime(Exception):
    """The commit hook's time budget ran out."""


def _offset(item: tuple[int, object]) -> int:
    return item[0]


def _names(paths: Sequence[str], limit: int = 3) -> str:
    shown = ", ".join(paths[:limit])
    return shown + (f" and {len(paths) - limit} more" if len(paths) > limit else "")
