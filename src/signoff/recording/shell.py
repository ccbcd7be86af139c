"""Files an agent changes through its shell tool: a snapshot before the command, a diff after.

A shell command names no file, so the `pre` hook cannot say which file to store. Instead it
records a cheap snapshot of the work tree's changed files: `git status --porcelain=v2` (which
files differ from `HEAD`, tracked or not) plus the blob id of each such file's content, stored
with `git hash-object -w` (a file whose size, mtime and inode are those of the last snapshot keeps
the blob id it had, as git's own index does). The snapshot waits in
`<git dir>/signoff/capture/shell/` under the tool call's id (else the session's, else the
agent's). The `post` hook takes the same snapshot again and appends, for each file whose content
the command changed, a `pre` record (its content when the command started, time of the first
snapshot) and a `post` record (its content now), `source: shell`.

What the records cannot tell, attribution says (`signoff.recording.attribute`): a command that
ran longer than `SHELL_WINDOW` seconds, or whose window another checkpoint of the same file fell
into, leaves its changes `unknown` (a human could have saved the file meanwhile); a `post` with
no snapshot before it (the pre hook did not run, or two calls of one session overlapped) is a
`post` without a `pre`, also `unknown`; a command that moved `HEAD` or the stash (checkout,
pull, merge, stash pop) marks its posts `unsure`: git put content there, `unknown` too. Never
`ai` and never `human` when it cannot be told.

Runs inside agents' hooks: standard library only, imported lazily, git through
`signoff.git.hooks.git`. Costs two git processes (status, hash-object) per hook, measured in
bench/checkpoint.py on a 5,000-file repository.
"""

from __future__ import annotations

import os

TYPE_CHECKING = False  # typing.TYPE_CHECKING without importing typing
if TYPE_CHECKING:
    from collections.abc import Iterable, Mapping

    from signoff.recording.checkpoint import Capture

# Tool names of the agents' shell tools (lower case): Claude Code and Codex `Bash`, Gemini CLI
# `run_shell_command`, Cursor `Shell`, Copilot CLI `bash` / `shell`, VS Code `run_in_terminal`,
# Codex's other spellings (`shell`, `exec_command`, `shell_command`, `local_shell`).
SHELL_TOOLS = frozenset(
    (
        "bash",
        "shell",
        "run_shell_command",
        "shell_command",
        "exec_command",
        "local_shell",
        "run_in_terminal",
        "runinterminal",
        "terminal",
        "run_command",
    )
)
# Seconds between the snapshots beyond which a command's changes are `unknown`: a human saving
# the same file during a longer command cannot be told apart from the command (attribution reads
# this; docs/agents.md explains it).
SHELL_WINDOW = 10.0
FOLDER = "shell"
STATE = "state.json"  # the last snapshot: the blob ids a file with the same stat keeps
PENDING = "pending-"
# A pending snapshot older than this was never matched by a post (the call was interrupted).
STALE_SECONDS = 24 * 3600
# A file modified this close before a snapshot may change again within the same mtime tick:
# its blob id is not reused from the stat ("racy" in git's own words).
RACY_NS = 100_000_000
# What a merge, cherry-pick, revert or rebase in progress leaves in the git dir.
GIT_STATE_FILES = ("MERGE_HEAD", "CHERRY_PICK_HEAD", "REVERT_HEAD", "rebase-merge", "rebase-apply")
# Files larger than this are left out of snapshots (not copied into the object store each time).
MAX_FILE = 8 * 1024 * 1024

# path -> [blob or None, size, mtime_ns, inode, mode]
Entries = dict[str, list[object]]


def is_shell_tool(tool: str) -> bool:
    return tool.replace(".", "_").lower().removeprefix("functions_") in SHELL_TOOLS


def before(capture: Capture, agent: str, top: str, git_dir: str) -> None:
    """The `pre` hook of a shell command: store the work tree's changed files by blob id."""
    import time

    folder = _folder(git_dir)
    at = time.time()
    head, listed = status(top)
    entries = _snapshot(top, listed, _load(os.path.join(folder, STATE)), at)
    doc: dict[str, object] = {
        "v": 1,
        "at": round(at, 6),
        "head": head,
        "agent": agent,
        "session": capture.session,
        "tool_call": capture.tool_call,
        "git": _git_marks(git_dir),
        "files": entries,
    }
    pending = os.path.join(folder, PENDING + _key(capture, agent) + ".json")
    if os.path.exists(pending):
        # two calls under one key at once (a session without tool call ids running commands in
        # parallel): the first window covers both, and its post cannot tell whose changes it
        # sees. A snapshot older than the window is a call whose post never came (declined,
        # interrupted): the new one replaces it.
        earlier = _load_doc(pending)
        started = earlier.get("at") if earlier is not None else None
        if earlier is not None and isinstance(started, float) and at - started <= SHELL_WINDOW:
            earlier["overlapped"] = True
            doc = earlier
    _write(pending, doc)
    _write(os.path.join(folder, STATE), {"v": 1, "at": round(at, 6), "files": entries})
    _drop_stale(folder, at)


def after(capture: Capture, agent: str, top: str, git_dir: str) -> list[dict[str, object]]:
    """The `post` hook: `pre` and `post` records for each file the command changed."""
    import time

    from signoff.recording import worklog

    folder = _folder(git_dir)
    at = time.time()
    pending = os.path.join(folder, PENDING + _key(capture, agent) + ".json")
    snap = _load_doc(pending)
    if snap is not None:
        os.unlink(pending)
    state = _load(os.path.join(folder, STATE))
    head, listed = status(top)
    conflicted = any(kind == "u" for kind in listed.values())
    old = _files(snap) if snap is not None else state
    entries = _snapshot(top, {**dict.fromkeys(old, ""), **listed}, {**state, **old}, at)
    _write(os.path.join(folder, STATE), {"v": 1, "at": round(at, 6), "files": entries})
    fields = {
        "agent": agent,
        "session": capture.session,
        "model": capture.model,
        "tool_call": capture.tool_call,
        "source": "shell",
    }
    if snap is None or snap.get("overlapped"):
        # no snapshot of this command's start: what changed since the last known content is
        # recorded as a post without a pre (unknown, never the agent's, never the human's)
        why = "no snapshot from the pre hook" if snap is None else "overlapping calls"
        worklog.write_error(
            git_dir,
            f"checkpoint: shell command without its own before-snapshot ({why}); files it "
            "changed are recorded as changed by someone unknown",
            agent=agent,
        )
        return [
            worklog.make_record("post", path, _blob(entry), at=at, **fields)  # type: ignore[arg-type]
            for path, entry in sorted(entries.items())
            if path not in old or _blob(old[path]) != _blob(entry)
        ]
    started = float(snap.get("at") or at)  # type: ignore[arg-type]
    moved = snap.get("head") != head
    records: list[dict[str, object]] = []
    clean_before = [p for p in entries if p not in old]
    base = _committed(top, str(snap.get("head") or ""), clean_before, listed, moved)
    unsure = None
    if moved or snap.get("git") != _git_marks(git_dir) or conflicted:
        # checkout, pull, merge, rebase, reset, stash: content out of git's history (or the
        # stash) cannot be told from content the command wrote
        unsure = "the command moved HEAD or the stash, or merged (git put content there)"
    for path in sorted(entries):
        was = _blob(old[path]) if path in old else base.get(path)
        now = _blob(entries[path])
        if was == now:
            continue
        records.append(worklog.make_record("pre", path, was, at=started, **fields))  # type: ignore[arg-type]
        post = worklog.make_record("post", path, now, at=at, **fields)  # type: ignore[arg-type]
        if unsure:
            post["unsure"] = unsure
        records.append(post)
    return records


# -- snapshots ----------------------------------------------------------------------------------


def status(top: str) -> tuple[str | None, dict[str, str]]:
    """(HEAD's commit id or None, {path: `HEAD` blob id, "" when untracked, "u" when unmerged})
    of every file that differs from `HEAD` in the index or the work tree (porcelain v2, renames
    off)."""
    from signoff.git.hooks import git

    res = git(
        "--no-optional-locks",  # never take index.lock: the agent's own git commands may run
        "-c",
        "core.quotePath=false",
        "status",
        "--porcelain=v2",
        "-z",
        "--branch",
        "--no-ahead-behind",  # the branch line is read for HEAD only
        "--untracked-files=all",
        "--no-renames",
        "--ignore-submodules=all",
        cwd=top,
    )
    if not res.ok:
        from signoff.recording.checkpoint import CheckpointError

        raise CheckpointError(f"git status failed: {res.message()}")
    head: str | None = None
    listed: dict[str, str] = {}
    for raw in res.out.split(b"\0"):
        if not raw:
            continue
        line = raw.decode("utf-8", "surrogateescape")
        kind = line[:2]
        if kind == "# ":
            if line.startswith("# branch.oid "):
                oid = line[len("# branch.oid ") :]
                head = None if oid == "(initial)" else oid
        elif kind == "1 ":
            parts = line.split(" ", 8)
            if len(parts) == 9 and parts[2].startswith("N"):  # not a submodule
                listed[parts[8]] = parts[6] if parts[3] != "000000" else ""
        elif kind == "u ":
            parts = line.split(" ", 10)
            if len(parts) == 11:
                listed[parts[10]] = "u"  # unmerged: a merge put its conflict there
        elif kind == "? " and not line.endswith("/"):
            listed[line[2:]] = ""
    return head, listed


def _snapshot(top: str, paths: Iterable[str], known: Entries, at: float) -> Entries:
    """Each path's [blob, size, mtime_ns, inode, mode] now; blob ids come from `known` where the
    stat is unchanged and not racy, else from one `git hash-object -w`."""
    import stat

    from signoff.recording.checkpoint import hash_files

    limit = int(at * 1e9) - RACY_NS
    out: Entries = {}
    fresh: list[str] = []
    for path in paths:
        try:
            info = os.lstat(os.path.join(top, *path.split("/")))
        except (FileNotFoundError, NotADirectoryError):
            out[path] = [None, 0, 0, 0, 0]
            continue
        if not (stat.S_ISREG(info.st_mode) or stat.S_ISLNK(info.st_mode)):
            continue
        if info.st_size > MAX_FILE:
            continue  # a build output or a data file: no line record would come of it
        key = [info.st_size, info.st_mtime_ns, info.st_ino, info.st_mode]
        seen = known.get(path)
        if seen is not None and seen[1:] == key and info.st_mtime_ns < limit and seen[0]:
            out[path] = [seen[0], *key]
        else:
            out[path] = [None, *key]
            fresh.append(path)
    if fresh:
        blobs = hash_files(top, fresh, {})
        for path in fresh:
            out[path][0] = blobs[path]
    return out


def _committed(
    top: str, head: str, paths: list[str], listed: Mapping[str, str], moved: bool
) -> dict[str, str | None]:
    """The content of files that were clean when the command started: `HEAD`'s then (the
    status gives it while `HEAD` has not moved; else one `git ls-tree` of the old `HEAD`)."""
    if not paths:
        return {}
    if not moved:
        return {p: listed.get(p) if len(listed.get(p) or "") > 1 else None for p in paths}
    if not head:
        return dict.fromkeys(paths)
    from signoff.git.hooks import git

    res = git("ls-tree", "-z", "--full-tree", head, "--", *paths, cwd=top)
    out: dict[str, str | None] = dict.fromkeys(paths)
    for raw in res.out.split(b"\0") if res.ok else []:
        meta, _, name = raw.decode("utf-8", "surrogateescape").partition("\t")
        fields = meta.split()
        if len(fields) == 3 and fields[1] == "blob":
            out[name] = fields[2]
    return out


def _git_marks(git_dir: str) -> list[object]:
    """What git operations leave behind: the stash's reflog (size, mtime) in the common git
    dir, and the files of a merge, cherry-pick, revert or rebase in progress."""
    common = git_dir
    try:
        with open(os.path.join(git_dir, "commondir"), encoding="utf-8") as fh:
            common = os.path.join(git_dir, fh.read().strip())
    except OSError:
        pass
    marks: list[object] = []
    try:
        info = os.stat(os.path.join(common, "logs", "refs", "stash"))
        marks += [info.st_size, info.st_mtime_ns]
    except OSError:
        marks += [None, None]
    for name in GIT_STATE_FILES:
        marks.append(os.path.exists(os.path.join(git_dir, name)))
    return marks


def _blob(entry: list[object]) -> str | None:
    value = entry[0] if entry else None
    return value if isinstance(value, str) else None


# -- files --------------------------------------------------------------------------------------


def _folder(git_dir: str) -> str:
    from signoff.recording.worklog import capture_dir

    folder = os.path.join(capture_dir(git_dir), FOLDER)
    os.makedirs(folder, exist_ok=True)
    return folder


def _key(capture: Capture, agent: str) -> str:
    """The pending snapshot's name: the tool call's id, else the session's, else the agent's."""
    raw = capture.tool_call or (f"session-{capture.session}" if capture.session else agent)
    safe = "".join(c if c.isalnum() or c in "-_." else "_" for c in raw)[:120]
    return safe.lstrip(".") or "agent"


def _load_doc(path: str) -> dict[str, object] | None:
    from signoff.provenance.notes import parse_compact

    try:
        with open(path, "rb") as fh:
            value = parse_compact(fh.read().decode("utf-8", "surrogateescape"))
    except (OSError, ValueError, RecursionError):
        return None
    return value if isinstance(value, dict) and value.get("v") == 1 else None


def _files(doc: Mapping[str, object]) -> Entries:
    files = doc.get("files")
    if not isinstance(files, dict):
        return {}
    return {str(p): e for p, e in files.items() if isinstance(e, list) and len(e) == 5 and p != ""}


def _load(path: str) -> Entries:
    doc = _load_doc(path)
    return _files(doc) if doc is not None else {}


def _write(path: str, doc: Mapping[str, object]) -> None:
    """Atomically: a temporary file renamed over the old one."""
    from signoff.provenance.notes import compact_json

    tmp = f"{path}.{os.getpid()}.tmp"
    with open(tmp, "wb") as fh:
        fh.write(compact_json(doc).encode("utf-8", "surrogateescape"))
    os.replace(tmp, path)


def _drop_stale(folder: str, now: float) -> None:
    """Pending snapshots no post ever took (an interrupted call), after a day."""
    try:
        names = os.listdir(folder)
    except OSError:
        return
    for name in names:
        if name.startswith(PENDING):
            full = os.path.join(folder, name)
            try:
                if now - os.stat(full).st_mtime > STALE_SECONDS:
                    os.unlink(full)
            except OSError:
                pass
