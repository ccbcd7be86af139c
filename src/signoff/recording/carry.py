"""Line records carried onto rewritten commits by content: amend, rebase, squash, reattach.

The post-rewrite hook copies a note to the commit that replaces its commit (as git's
`notes.rewriteRef` would), but the copy's line ranges still describe the old commit's files: after an amend with edits, a rebase onto new
upstream lines or a squash, its numbers point at the wrong lines. `map_record` maps a record
from its source commit(s) onto a target commit by content instead:

- per file, the source commit's blob is diffed against the target's (`git diff-tree -w`,
  renames followed); a recorded line moves to the line it became (a line only re-indented is
  the same line, as `blame -w` has it), and a line that was changed or removed is dropped,
  never guessed;
- a range whose content hash (`range_hash`) does not match the source blob is dropped whole:
  the record does not describe that content;
- a target keeps only lines the target itself added relative to its first parent (`-w`: a
  re-indented line is not added), the rule every line record follows. That is what splits one
  record correctly over the commits a split made, and keeps a squash from claiming lines its
  base already had;
- several sources (a squash, fixups) are laid over each other in order: a later source wins a
  line, and an `unknown` line never erases a known one (`merge_records`'s rule).

The result is one revision-2 `signoff/provenance/v1` document for the target, with
`derived: {"method": ..., "from": [source commits]}` and fresh range hashes. Whatever the number
of commits, the work is a fixed number of git processes (`diff-tree --stdin`, `cat-file
--batch`). Runs in the post-rewrite hook: standard library and the import-light git runner only.
"""

from __future__ import annotations

from signoff.git.hooks import cat_blobs, git, note_paths

TYPE_CHECKING = False  # typing.TYPE_CHECKING without importing typing
if TYPE_CHECKING:
    from collections.abc import Callable, Iterable, Mapping, Sequence
    from typing import Any

NOTES_REF = "refs/notes/signoff"
# Options that keep git's diff output in one shape whatever the user's configuration says.
_STABLE = ("-r", "-M", "--no-color", "--no-ext-diff", "--no-textconv", "--full-index")
_HEX = frozenset("0123456789abcdef")


class Carried:
    """The document `map_record` made for one target and what it kept and dropped."""

    __slots__ = ("carried", "dropped", "note", "reasons", "sources", "target")

    def __init__(self, target: str, sources: list[str]) -> None:
        self.target = target
        self.sources = sources
        self.note: bytes | None = None  # None when no line of any source survived
        self.carried = 0  # lines the target's record has
        self.dropped = 0  # recorded lines with no place in the target
        self.reasons: list[str] = []  # why lines were dropped (one sentence per cause)

    def to_json(self) -> dict[str, object]:
        return {
            "target": self.target,
            "from": self.sources,
            "written": self.note is not None,
            "carried_lines": self.carried,
            "dropped_lines": self.dropped,
            "reasons": self.reasons,
        }


def map_record(
    sources: Sequence[str],
    target: str,
    *,
    method: str,
    cwd: str,
    env: Mapping[str, str],
    refs: Sequence[str] = (NOTES_REF,),
    recorded_by: str = "hook",
) -> Carried:
    """The line records of `sources` (oldest first) mapped onto commit `target` by content."""
    return map_records([(list(sources), target)], method=method, cwd=cwd, env=env, refs=refs,
                       recorded_by=recorded_by)[0]  # fmt: skip


def map_records(
    pairs: Sequence[tuple[list[str], str]],
    *,
    method: str,
    cwd: str,
    env: Mapping[str, str],
    refs: Sequence[str] = (NOTES_REF,),
    recorded_by: str = "hook",
    parents: Mapping[str, str] | None = None,
    texts: Mapping[str, bytes] | None = None,
) -> list[Carried]:
    """`map_record` for many (sources, target) pairs at once, in a fixed number of git runs.

    `parents` names the first parent of targets that are merge commits: a target keeps the lines
    it added against it (git's diff of a lone merge commit shows nothing). `texts`: the sources'
    notes, already read (`source_documents`).

    Several sources are walked in order: the lines labelled so far are carried from one
    source to the next by their diff, each source's own record is laid over them, and the last
    source's labels are carried onto the target. A line a later commit rewrote is dropped on
    the way (its writer's record covers it, if it has one), so the cost is the sources' own
    diffs plus one diff to the target, not one diff from every source to the target.
    """
    from signoff.provenance.notes import DERIVATIONS

    if method not in DERIVATIONS:
        raise ValueError(f"method must be one of {', '.join(DERIVATIONS)}, not {method!r}")
    results = [Carried(target, list(sources)) for sources, target in pairs]
    wanted = list(dict.fromkeys(s for sources, _ in pairs for s in sources))
    docs_of = source_documents(wanted, cwd=cwd, env=env, refs=refs, texts=texts)
    jobs: list[tuple[Carried, list[str]]] = []
    for result in results:
        recorded = [i for i, s in enumerate(result.sources) if s in docs_of]
        if recorded:  # sources before the first record carry nothing yet
            jobs.append((result, result.sources[recorded[0] :]))
    if not jobs:
        return results
    targets = list(dict.fromkeys(r.target for r, _ in jobs))
    moves: list[tuple[str, str | None]] = []  # (new, old) diffs labels travel along
    for result, chain in jobs:
        moves += [(chain[i], chain[i - 1]) for i in range(1, len(chain))]
        moves += [(s, c) for s in chain for c, _ in docs_of.get(s, ()) if c != s]
        moves.append((result.target, chain[-1]))
    # each against its parent; a merge against the first parent it was given, after the lone
    # ones (see below)
    given = parents or {}
    own: list[tuple[str, str | None]] = [(t, None) for t in targets if t not in given]
    own += [(t, given[t]) for t in targets if t in given]
    # the lone commits first: a `NEW OLD` line makes diff-tree take OLD as NEW's parent for
    # the rest of its run, so a later lone NEW would be compared with OLD
    listing = _raw_diffs([*own, *moves], cwd, env)
    # `-w` both ways: a line only re-indented on the way is the same line (as `blame -w` has
    # it), and it is not one the target added
    hunks = own_hunks = _hunks([*own, *moves], cwd, env)
    # the recorded files, and (mostly right: renames aside) the targets' files of those names
    specs = {
        f"{commit}:{path}"
        for result, chain in jobs
        for s in chain
        for c, doc in docs_of.get(s, ())
        for path in doc["files"]
        for commit in (c, result.target)
    }
    content = cat_blobs(specs, cwd=cwd, env=env)
    finals: list[tuple[Carried, Labels, list[dict[str, Any]]]] = []
    for result, chain in jobs:
        state: Labels = {}
        docs: list[dict[str, Any]] = []
        reasons: dict[str, None] = {}
        for i, source in enumerate(chain):
            if i:
                state = _move(state, listing.get((source, chain[i - 1]), {}), hunks, result,
                              reasons)  # fmt: skip
            for doc_commit, doc in docs_of.get(source, ()):
                docs.append(doc)
                labels = _labels(doc, doc_commit, content, result, reasons)
                if doc_commit != source:
                    labels = _move(labels, listing.get((source, doc_commit), {}), hunks, result,
                                   reasons)  # fmt: skip
                _overlay(state, labels)
        state = _move(state, listing.get((result.target, chain[-1]), {}), hunks, result, reasons)
        ours = _added_lines(listing.get((result.target, given.get(result.target)), {}), own_hunks)
        for path in list(state):
            keep = ours.get(path, set())
            gone = [line for line in state[path] if line not in keep]
            for line in gone:
                del state[path][line]
            if gone:
                result.dropped += len(gone)
                reasons[f"{path}: lines the target did not add (already in its parent)"] = None
            if not state[path]:
                del state[path]
        result.reasons = list(reasons)
        finals.append((result, state, docs))
    missing = {f"{r.target}:{path}" for r, state, _ in finals for path in state} - set(content)
    content.update(cat_blobs(missing, cwd=cwd, env=env))
    for result, state, docs in finals:
        _finish(result, state, docs, content, method, recorded_by)
    return results


def source_documents(
    commits: Iterable[str],
    *,
    cwd: str,
    env: Mapping[str, str],
    refs: Sequence[str],
    texts: Mapping[str, bytes] | None = None,
) -> dict[str, list[tuple[str, dict[str, Any]]]]:
    """Per commit, its notes' documents that hold line ranges, each with the commit whose files
    those ranges describe (the document's `commit`; a copied note names the commit it was
    recorded for). Documents recorded for the commit itself win over copies. `texts` are the
    commits' notes under the one ref of `refs`, when the caller has read them already."""
    from signoff.provenance.notes import SCHEMA

    commits = list(commits)
    blobs: dict[str, list[bytes]] = {}
    if texts is not None:
        blobs = {c: [texts[c]] for c in commits if c in texts}
    else:
        keys = [(c, spec) for c in commits for ref in refs for spec in note_paths(ref, c)]
        found = cat_blobs([spec for _, spec in keys], cwd=cwd, env=env)
        for c, spec in keys:
            if spec in found:
                blobs.setdefault(c, []).append(found[spec])
    out: dict[str, list[tuple[str, dict[str, Any]]]] = {}
    for commit in commits:
        own: list[tuple[str, dict[str, Any]]] = []
        copied: list[tuple[str, dict[str, Any]]] = []
        seen: set[bytes] = set()
        for blob in blobs.get(commit, ()):
            for doc in note_documents(blob):
                if not isinstance(doc, dict) or doc.get("schema") != SCHEMA:
                    continue
                if not isinstance(doc.get("files"), dict) or not doc["files"]:
                    continue
                key = repr(sorted(doc.items(), key=lambda kv: kv[0])).encode()
                if key in seen:
                    continue
                seen.add(key)
                recorded_for = doc.get("commit")
                if not isinstance(recorded_for, str) or recorded_for == commit:
                    own.append((commit, doc))
                elif _is_hex(recorded_for):
                    copied.append((recorded_for, doc))
        chosen = own or copied
        chosen.sort(key=lambda item: str(item[1].get("recorded_at") or ""))
        if chosen:
            out[commit] = chosen
    return out


class _Scan:
    """What the C JSON scanner needs to know (the `json` package imports `re`: 40 ms a hook)."""

    strict = True
    object_hook = None
    object_pairs_hook = None
    parse_float = float
    parse_int = int

    @staticmethod
    def parse_constant(name: str) -> object:
        raise ValueError(f"{name} is not JSON")


def note_documents(blob: bytes) -> list[object]:
    """The one-line JSON documents of a note blob, read with the C scanner alone.

    Signoff writes one document per line; anything else (a hand-formatted document spread over
    lines, garbage, a 5,000-digit number) is skipped here: carrying needs the records the hooks
    wrote, and `provenance.notes.split_documents` reports the rest wherever notes are read.
    """
    from _json import make_scanner

    scan = make_scanner(_Scan())  # type: ignore[arg-type]  # duck-typed: a decoder's settings
    docs: list[object] = []
    for raw in blob.split(b"\n"):
        line = raw.decode("utf-8", "replace").strip()
        if not line.startswith("{"):
            continue
        try:
            doc, end = scan(line, 0)
        except (StopIteration, ValueError, RecursionError):
            continue
        if end == len(line):
            docs.append(doc)
    return docs


def _is_hex(text: str) -> bool:
    return len(text) in (40, 64) and set(text) <= _HEX


# (status letter, new path, old blob, new blob) per old path, for one (new, old) commit pair
Changes = dict[str, tuple[str, str, str, str]]


def _raw_diffs(
    pairs: Sequence[tuple[str, str | None]], cwd: str, env: Mapping[str, str]
) -> dict[tuple[str, str | None], Changes]:
    """What changed per file from `old` to `new` for each (new, old) pair (old None: a root
    commit, compared with nothing), from one `git diff-tree --stdin -z --raw`."""
    pairs = list(dict.fromkeys(pairs))
    lines = "".join(f"{new} {old}\n" if old else f"{new}\n" for new, old in pairs)
    res = git("diff-tree", "--stdin", "--always", "--root", "-z", "--raw", *_STABLE,
              cwd=cwd, env=env, input=lines.encode())  # fmt: skip
    if not res.ok:
        raise OSError(f"git diff-tree failed: {res.message()}")
    out: dict[tuple[str, str | None], Changes] = {p: {} for p in pairs}
    fields = res.out.split(b"\0")
    index = -1
    current: Changes | None = None
    i = 0
    while i < len(fields):
        field = fields[i]
        if not field:
            i += 1
            continue
        if not field.startswith(b":"):  # the header `--always` prints for each input line
            index += 1
            current = out[pairs[index]] if index < len(pairs) else None
            i += 1
            continue
        meta = field.decode("ascii", "replace").split()
        status = meta[-1][:1]
        if status in ("R", "C"):
            old_path, new_path = fields[i + 1], fields[i + 2]
            i += 3
        else:
            old_path = new_path = fields[i + 1]
            i += 2
        if current is not None and len(meta) >= 5:
            old = old_path.decode("utf-8", "surrogateescape")
            new = new_path.decode("utf-8", "surrogateescape")
            entry = (status, new, meta[2], meta[3])
            if status == "A":
                current[f"\0added\0{new}"] = entry
            else:
                current[old] = entry
    return out


# hunks per (old blob, new blob): (old start, old count, new start, new count)
Hunks = dict[tuple[str, str], list[tuple[int, int, int, int]]]


def _hunks(pairs: Sequence[tuple[str, str | None]], cwd: str, env: Mapping[str, str]) -> Hunks:
    """The `-U0` hunks of every changed file of each (new, old) pair, keyed by blob pair.

    A blob pair's diff is the same whichever commits it came from, so sections are keyed by the
    `index OLD..NEW` line `--full-index` prints, and paths never have to be parsed out of a
    patch. With `-w`: a line only re-indented is not changed.
    """
    pairs = list(dict.fromkeys(pairs))
    if not pairs:
        return {}
    lines = "".join(f"{new} {old}\n" if old else f"{new}\n" for new, old in pairs)
    res = git("diff-tree", "--stdin", "--root", "-p", "-U0", "-w", *_STABLE,
              cwd=cwd, env=env, input=lines.encode())  # fmt: skip
    if not res.ok:
        raise OSError(f"git diff-tree failed: {res.message()}")
    out: Hunks = {}
    current: list[tuple[int, int, int, int]] | None = None
    for raw in res.out.split(b"\n"):
        if raw.startswith(b"diff --git "):
            current = None
        elif raw.startswith(b"index ") and current is None:
            ids = raw[6:].split(b" ")[0].split(b"..")
            if len(ids) == 2:
                current = out.setdefault((ids[0].decode(), ids[1].decode()), [])
        elif raw.startswith(b"@@ -") and current is not None:
            hunk = _parse_hunk(raw)
            if hunk is not None and hunk not in current:
                current.append(hunk)
    return out


def _parse_hunk(raw: bytes) -> tuple[int, int, int, int] | None:
    """`@@ -a[,b] +c[,d] @@` as (a, b, c, d); a missing count is 1."""
    parts = raw.split(b" ")
    if len(parts) < 4 or not parts[1].startswith(b"-") or not parts[2].startswith(b"+"):
        return None
    try:
        a, _, b = parts[1][1:].partition(b",")
        c, _, d = parts[2][1:].partition(b",")
        return int(a), int(b) if b else 1, int(c), int(d) if d else 1
    except ValueError:
        return None


def _added_lines(changes: Changes, hunks: Hunks) -> dict[str, set[int]]:
    """Per path of a commit, the line numbers it added relative to its first parent (`-w`)."""
    out: dict[str, set[int]] = {}
    for status, new_path, old_blob, new_blob in changes.values():
        if status == "D" or status == "T":
            continue
        lines: set[int] = set()
        for _, _, start, count in hunks.get((old_blob, new_blob), ()):
            lines.update(range(start, start + count))
        if lines:
            out[new_path] = lines
    return out


def blob_lines(data: bytes) -> list[str]:
    """A file's lines as `range_hash` takes them: split on newlines, without the line ends
    (a CRLF file hashes like an LF one), bytes kept through `surrogateescape`."""
    text = data.decode("utf-8", "surrogateescape")
    lines = text.split("\n")
    if lines and lines[-1] == "":
        lines.pop()
    return [line[:-1] if line.endswith("\r") else line for line in lines]


def _line_map(hunks: list[tuple[int, int, int, int]]) -> Callable[[int], int | None]:
    """Old line number -> new line number (None when the line was changed or removed)."""
    import bisect

    ordered = sorted(hunks)
    # a hunk is wholly before old line `o` once `o` passes its last old line (or, for a pure
    # insertion after line a, once o > a)
    ends = [a + b - 1 if b else a for a, b, _, _ in ordered]
    shifts = []
    total = 0
    for _, b, _, d in ordered:
        total += d - b
        shifts.append(total)

    def new_line(old: int) -> int | None:
        k = bisect.bisect_left(ends, old)
        # hunks[:k] end before `old`; hunk k may contain it
        if k < len(ordered):
            a, b, _, _ = ordered[k]
            if b and a <= old <= a + b - 1:
                return None
        return old + (shifts[k - 1] if k else 0)

    return new_line


# Per path, per line: (tool key (tool, model, session) or None, kind).
Labels = dict[str, dict[int, tuple["tuple[object, object, object] | None", str]]]


def _labels(
    doc: dict[str, Any],
    doc_commit: str,
    content: dict[str, bytes],
    result: Carried,
    reasons: dict[str, None],
) -> Labels:
    """A document's ranges as per-line labels on the files of the commit it was recorded for;
    a range whose hash does not match that commit's file is dropped whole."""
    from signoff.provenance.notes import LINE_AUTHORS, range_hash

    out: Labels = {}
    doc_tools: list[Any] = doc["tools"] if isinstance(doc.get("tools"), list) else []
    for path, spans in doc["files"].items():
        spans = [s for s in spans if isinstance(s, dict)] if isinstance(spans, list) else []
        data = content.get(f"{doc_commit}:{path}")
        if data is None:
            result.dropped += sum(_span_size(s) for s in spans)
            reasons[f"{path}: its content could not be read (a missing object)"] = None
            continue
        lines = blob_lines(data)
        into = out.setdefault(path, {})
        for span in spans:
            start: Any = span.get("start")
            end: Any = span.get("end")
            author = span.get("author")
            if not (_pos(start) and _pos(end) and start <= end and author in LINE_AUTHORS):
                continue
            digest = span.get("hash")
            if end > len(lines) or (
                isinstance(digest, str) and range_hash(lines[start - 1 : end]) != digest
            ):
                result.dropped += end - start + 1
                reasons[f"{path}: a range's content hash does not match the recorded commit"] = None
                continue
            key = _tool_key(span.get("tool"), doc_tools, author)
            for line in range(start, end + 1):
                into[line] = (key, author)
    return out


def _move(
    state: Labels,
    changes: Changes,
    hunks: Hunks,
    result: Carried,
    reasons: dict[str, None],
) -> Labels:
    """Labels carried across one diff: renames followed, changed or removed lines dropped."""
    out: Labels = {}
    for path, labels in state.items():
        entry = changes.get(path)
        if entry is None:  # unchanged
            out.setdefault(path, {}).update(labels)
            continue
        status, new_path, old_blob, new_blob = entry
        if status in ("D", "T", "U"):
            result.dropped += len(labels)
            reasons[f"{path}: removed (or no longer a file) on the way"] = None
            continue
        move = _line_map(hunks.get((old_blob, new_blob), [])) if old_blob != new_blob else None
        into = out.setdefault(new_path, {})
        for line, label in labels.items():
            new = move(line) if move else line
            if new is None:
                result.dropped += 1
                reasons[f"{path}: lines changed or removed since"] = None
            else:
                into[new] = label
    return out


def _overlay(state: Labels, labels: Labels) -> None:
    """A later record laid over what is known: it wins a line, but its `unknown` never erases
    a known line."""
    for path, lines in labels.items():
        into = state.setdefault(path, {})
        for line, label in lines.items():
            if label[1] == "unknown" and into.get(line, (None, "unknown"))[1] != "unknown":
                continue
            into[line] = label


def _finish(
    result: Carried,
    state: Labels,
    docs: list[dict[str, Any]],
    content: dict[str, bytes],
    method: str,
    recorded_by: str,
) -> None:
    """The target's document from its final labels (spans coalesced, hashes from its files)."""
    from signoff.provenance.notes import range_hash

    tools: list[tuple[object, object, object]] = []
    files: dict[str, list[tuple[int, int, int | None, str, str | None]]] = {}
    for path in sorted(state):
        data = content.get(f"{result.target}:{path}")
        if data is None:
            result.dropped += len(state[path])
            continue
        lines = blob_lines(data)
        spans: list[tuple[int, int, int | None, str, str | None]] = []
        for line in sorted(state[path]):
            key, author = state[path][line]
            index = None
            if key is not None:
                if key not in tools:
                    tools.append(key)
                index = tools.index(key)
            last = spans[-1] if spans else None
            if last and last[1] == line - 1 and last[2] == index and last[3] == author:
                spans[-1] = (last[0], line, index, author, None)
            else:
                spans.append((line, line, index, author, None))
        files[path] = [(a, b, t, k, range_hash(lines[a - 1 : b])) for a, b, t, k, _ in spans]
        result.carried += len(state[path])
    if files:
        result.note = _document(result, docs, tools, files, method, recorded_by)


def _span_size(span: dict[str, Any]) -> int:
    start: Any = span.get("start")
    end: Any = span.get("end")
    return end - start + 1 if _pos(start) and _pos(end) and start <= end else 0


def _pos(value: object) -> bool:
    return isinstance(value, int) and not isinstance(value, bool) and value >= 1


def _tool_key(
    index: object, doc_tools: list[Any], author: str
) -> tuple[object, object, object] | None:
    """The span's tool as (tool, model, session); None for human and unknown lines."""
    if author not in ("ai", "ai-modified"):
        return None
    entry = None
    if isinstance(index, int) and not isinstance(index, bool) and 0 <= index < len(doc_tools):
        entry = doc_tools[index]
    elif index is None and len(doc_tools) == 1:
        entry = doc_tools[0]
    if isinstance(entry, dict) and isinstance(entry.get("tool"), str):
        return (entry["tool"], entry.get("model"), entry.get("session"))
    return ("unspecified", None, None)


class _Tool:
    __slots__ = ("model", "session", "tool")

    def __init__(self, tool: object, model: object, session: object) -> None:
        self.tool = str(tool)
        self.model = model if isinstance(model, str) else None
        self.session = session if isinstance(session, str) else None


class _Person:
    __slots__ = ("email", "name")

    def __init__(self, name: str, email: str) -> None:
        self.name = name
        self.email = email


def _document(
    result: Carried,
    docs: list[dict[str, Any]],
    tools: list[tuple[object, object, object]],
    files: dict[str, list[tuple[int, int, int | None, str, str | None]]],
    method: str,
    recorded_by: str,
) -> bytes:
    """The target's revision-2 document: the sources' commit-level facts, the mapped ranges."""
    from signoff.provenance.notes import build_note

    statuses = {d.get("status") for d in docs}
    kinds = {k for spans in files.values() for _, _, _, k, _ in spans}
    if statuses <= {"ai"} or statuses <= {"human"}:
        status = str(next(iter(statuses)))
    elif statuses & {"ai", "mixed"}:
        status = "mixed" if ("human" in statuses or "human" in kinds) else "ai"
    else:
        status = "human" if "human" in statuses else "unknown"
    person = None
    for doc in sorted(docs, key=lambda d: str(d.get("recorded_at") or "")):
        who = doc.get("accepted_by")
        if isinstance(who, dict) and isinstance(who.get("name"), str):
            email = who.get("email")
            person = _Person(who["name"], email if isinstance(email, str) else "")
    incomplete = [
        d
        for d in docs
        if isinstance(d.get("line_record"), dict) and d["line_record"].get("complete") is False
    ]
    line_record: dict[str, object] = {
        "complete": not incomplete,
        "reason": "a source record was incomplete" if incomplete else None,
        "carried_lines": result.carried,
        "dropped_lines": result.dropped,
    }
    return build_note(
        status=status,
        tools=[_Tool(*t) for t in tools],
        accepted_by=person,
        recorded_by=recorded_by,
        files=files,
        commit=result.target,
        line_record=line_record,
        derived={"method": method, "from": result.sources},
    )
