"""The capture working log: what coding agents did to which files, between commits.

Agents' hooks run `signoff checkpoint` before and after each file edit; each run appends one
record here. At commit, the records of the staged files are replayed against the staged content
to say which lines an AI wrote (`signoff.recording.attribute`), and a `commit` record marks the
content each file was committed with, the base for the next commit's replay.

Layout: `<git dir>/signoff/capture/log.jsonl` (per worktree: staged content is per worktree),
one compact JSON record per line, appended with a single `write` on an `O_APPEND` descriptor
under a shared lock, so concurrent hooks never interleave; `prune` rewrites the file under the
exclusive lock. File contents are kept as git blob ids (`git hash-object -w`), never copied here.
`errors.jsonl` beside it keeps what went wrong in a hook, for `signoff agent status`.

A record (format `v` 1):

| field | meaning |
| --- | --- |
| `v` | 1 |
| `at` | Unix time in seconds (float) |
| `event` | `pre` (the file just before an agent edits it), `post` (just after), `commit` (the content a commit recorded) |
| `path` | repository-relative path, `/`-separated |
| `blob` | git object id of the file's content at that moment; null when the file does not exist |
| `agent` | tool name in Signoff's lower-case form (`claude-code`, `cursor`, ...); null for `commit` |
| `session`, `model`, `tool_call` | as the agent's hook payload gave them; null when not given |
| `commit` | for `commit` records: the commit id |
| `evidence` | optional, on a `post` without a `pre`: blob id of the edit's own new text (Cursor's `afterFileEdit` strings); changed lines found in it are the agent's, the rest `unknown` |
| `unsure` | optional, on a `post`: why what it changed cannot be told to be the agent's (e.g. a shell command that moved `HEAD`); its changes are `unknown` |
| `source` | who wrote the record: `hook` (an agent hook), `generic` (the documented JSON protocol), `shell` (a shell command's before/after snapshots, `signoff.recording.shell`: its `pre` has the time the command started), `import`, `commit` |

Runs inside agents' hooks and the commit hooks: standard library only, imported lazily.
"""

from __future__ import annotations

import os

TYPE_CHECKING = False  # typing.TYPE_CHECKING without importing typing
if TYPE_CHECKING:
    from collections.abc import Callable, Iterable, Mapping

VERSION = 1
EVENTS = ("pre", "post", "commit")
SOURCES = ("hook", "generic", "shell", "import", "commit")
LOG_NAME = "log.jsonl"
ERRORS_NAME = "errors.jsonl"
LOCK_NAME = "log.lock"
# A record longer than this is refused: one `write` of at most this size is not split by the
# kernel on a local file system, so concurrent appends never interleave.
MAX_RECORD = 4000

Record = dict[str, object]


def capture_dir(git_dir: str) -> str:
    """`<git dir>/signoff/capture`, the folder of the working log."""
    return os.path.join(git_dir, "signoff", "capture")


def make_record(
    event: str,
    path: str,
    blob: str | None,
    *,
    agent: str | None = None,
    session: str | None = None,
    model: str | None = None,
    tool_call: str | None = None,
    commit: str | None = None,
    source: str = "hook",
    at: float | None = None,
) -> Record:
    """One working-log record, checked: a bad one is refused here, never written."""
    import time

    if event not in EVENTS:
        raise ValueError(f"event must be one of {', '.join(EVENTS)}, not {event!r}")
    if source not in SOURCES:
        raise ValueError(f"source must be one of {', '.join(SOURCES)}, not {source!r}")
    if not path or path.startswith("/") or "\\" in path or ".." in path.split("/"):
        raise ValueError(f"path must be repository-relative and /-separated, not {path!r}")
    if event == "commit" and not commit:
        raise ValueError("a commit record needs the commit id")
    return {
        "v": VERSION,
        "at": round(time.time() if at is None else at, 6),
        "event": event,
        "path": path,
        "blob": blob,
        "agent": agent,
        "session": session,
        "model": model,
        "tool_call": tool_call,
        "commit": commit,
        "source": source,
    }


def append(git_dir: str, records: Iterable[Record], *, name: str = LOG_NAME) -> None:
    """Append records to the working log (or `errors.jsonl`), each with one write."""
    from signoff.provenance.notes import compact_json

    lines = [(compact_json(r) + "\n").encode("utf-8", "replace") for r in records]
    append_lines(git_dir, lines, name=name)


def append_lines(git_dir: str, lines: list[bytes], *, name: str = LOG_NAME) -> None:
    """Append records already serialised (one JSON line each, newline included), each with one
    write (a hook hands over the `commit` records another hook prepared)."""
    for line in lines:
        if len(line) > MAX_RECORD:
            raise ValueError(f"a working-log record of {len(line)} bytes is over {MAX_RECORD}")
    folder = capture_dir(git_dir)
    os.makedirs(folder, exist_ok=True)
    with _locked(folder, exclusive=False):
        fd = os.open(os.path.join(folder, name), os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o644)
        try:
            for line in lines:
                os.write(fd, line)
        finally:
            os.close(fd)


def read(git_dir: str, *, name: str = LOG_NAME) -> tuple[list[Record], list[str]]:
    """Every well-formed record in order, and a sentence for each line that is not one.

    A line cut short by a crash mid-write, or edited by hand, is skipped and reported; the rest
    is still used.
    """
    import json

    path = os.path.join(capture_dir(git_dir), name)
    try:
        with open(path, "rb") as f:
            data = f.read()
    except FileNotFoundError:
        return [], []
    records: list[Record] = []
    problems: list[str] = []
    for number, raw in enumerate(data.split(b"\n"), 1):
        if not raw.strip():
            continue
        try:
            record = json.loads(raw.decode("utf-8", "replace"))
        except ValueError:
            problems.append(f"{name} line {number} is not JSON; skipped")
            continue
        why = _invalid(record)
        if why:
            problems.append(f"{name} line {number} {why}; skipped")
            continue
        records.append(record)
    return records, problems


def read_back(
    git_dir: str, starts: Mapping[str, str | None]
) -> dict[str, list[tuple[int, Record]]]:
    """Each path's records from the latest one whose blob is `starts[path]` (all of them when
    none is), with their byte offsets in the log (the order they were written).

    A shell command's `pre` (`source: shell`) does not end the search: it is written when the
    command ended, with the time it started, and records written meanwhile come before it.
    Searches the log backwards for each path and decodes only that path's lines, so the cost
    follows the records since a path's last commit, not the size of the log. Unreadable lines
    are skipped (`read` reports them).
    """
    from signoff.provenance.notes import compact_json, parse_compact

    path = os.path.join(capture_dir(git_dir), LOG_NAME)
    try:
        with open(path, "rb") as f:
            data = f.read()
    except FileNotFoundError:
        return {}
    out: dict[str, list[tuple[int, Record]]] = {}
    for name, start in starts.items():
        needle = compact_json(name).encode("utf-8", "replace")
        found: list[tuple[int, Record]] = []
        end = len(data)
        while (at := data.rfind(needle, 0, end)) >= 0:
            begin = data.rfind(b"\n", 0, at) + 1
            stop = data.find(b"\n", at)
            end = begin
            line = data[begin : len(data) if stop < 0 else stop]
            try:
                record = parse_compact(line.decode("utf-8", "replace"))
            except (ValueError, RecursionError):
                continue
            if _invalid(record) or record["path"] != name:
                continue
            found.append((begin, record))
            if record.get("blob") == start and not _shell_start(record):
                break
        if found:
            out[name] = found[::-1]
    return out


def _shell_start(record: Record) -> bool:
    return record.get("event") == "pre" and record.get("source") == "shell"


def prune(git_dir: str, keep: Callable[[Record], bool]) -> int:
    """Rewrite the log keeping only the records `keep` accepts; returns how many were dropped.

    Runs under the exclusive lock, so no append is lost; the new file replaces the old one
    atomically, and unreadable lines are kept as they were (they are evidence of a fault).
    """
    import json

    folder = capture_dir(git_dir)
    path = os.path.join(folder, LOG_NAME)
    if not os.path.exists(path):
        return 0
    with _locked(folder, exclusive=True):
        with open(path, "rb") as f:
            lines = f.read().split(b"\n")
        kept: list[bytes] = []
        dropped = 0
        for raw in lines:
            if not raw.strip():
                continue
            try:
                record = json.loads(raw.decode("utf-8", "replace"))
            except ValueError:
                kept.append(raw)
                continue
            if _invalid(record) or keep(record):
                kept.append(raw)
            else:
                dropped += 1
        if dropped:
            tmp = f"{path}.{os.getpid()}.tmp"
            with open(tmp, "wb") as f:
                f.write(b"".join(line + b"\n" for line in kept))
                f.flush()
                os.fsync(f.fileno())
            os.replace(tmp, path)
    return dropped


def _invalid(record: object) -> str:
    """Why `record` is not a working-log record ("" when it is one)."""
    if not isinstance(record, dict):
        return "is not an object"
    if record.get("v") != VERSION:
        return f"has format {record.get('v')!r}, not {VERSION}"
    if record.get("event") not in EVENTS:
        return "names no known event"
    if not isinstance(record.get("path"), str) or not record["path"]:
        return "has no path"
    if not isinstance(record.get("at"), (int, float)):
        return "has no time"
    blob = record.get("blob")
    if blob is not None and not isinstance(blob, str):
        return "has a blob that is not an object id"
    return ""


class _locked:
    """`flock` on the capture folder's lock file: shared for appends, exclusive for prune."""

    def __init__(self, folder: str, *, exclusive: bool) -> None:
        self.path = os.path.join(folder, LOCK_NAME)
        self.exclusive = exclusive
        self.fd = -1

    def __enter__(self) -> None:
        import fcntl

        self.fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o644)
        fcntl.flock(self.fd, fcntl.LOCK_EX if self.exclusive else fcntl.LOCK_SH)

    def __exit__(self, *exc: object) -> None:
        os.close(self.fd)  # closing releases the lock


def write_error(git_dir: str, message: str, *, agent: str | None = None) -> None:
    """Keep one line about a failed checkpoint for `signoff agent status`; never raises."""
    import contextlib
    import time

    with contextlib.suppress(OSError):
        append(
            git_dir,
            [{"v": VERSION, "at": round(time.time(), 6), "agent": agent, "error": message[:1000]}],
            name=ERRORS_NAME,
        )


def read_errors(git_dir: str) -> list[Mapping[str, object]]:
    """The failures `write_error` kept, oldest first."""
    import json

    path = os.path.join(capture_dir(git_dir), ERRORS_NAME)
    try:
        with open(path, "rb") as f:
            lines = f.read().split(b"\n")
    except FileNotFoundError:
        return []
    out: list[Mapping[str, object]] = []
    for raw in lines:
        try:
            entry = json.loads(raw.decode("utf-8", "replace"))
        except ValueError:
            continue
        if isinstance(entry, dict):
            out.append(entry)
    return out
