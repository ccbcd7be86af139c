"""`signoff checkpoint`: one agent edit, read from the agent's hook payload, into the working log.

Coding agents run this from their hooks before and after each file edit (`signoff agent install`
writes that configuration). It reads the hook's JSON on standard input, finds the edited files,
stores each one's content as a git blob (`git hash-object -w`; a missing file is a null blob) and
appends one `pre` or `post` record per file to the capture working log (`worklog`).

It never fails the agent's tool call: whatever happens it exits 0 and prints nothing (Gemini CLI
reads even stderr as a message when stdout is empty; Copilot and Claude Code read stdout as a
decision). A problem (garbage payload, a path outside the repository, git failing) is kept with
`worklog.write_error` and reported by `signoff agent status`.

Payload shapes, per agent (docs/agents.md cites each agent's documentation):

| agent | events | edited paths |
| --- | --- | --- |
| claude-code | `hook_event_name` PreToolUse / PostToolUse | `tool_input.file_path` (`notebook_path`) |
| codex | PreToolUse / PostToolUse on `apply_patch` | the `*** Add/Update/Delete File:` lines of the patch in `tool_input.command` |
| gemini-cli | BeforeTool / AfterTool | `tool_input.file_path` |
| cursor | preToolUse / postToolUse; older: afterFileEdit only | `tool_input.file_path` (`path`, an ApplyPatch `patch`); afterFileEdit: `file_path`, the `pre` content rebuilt from `edits` |
| copilot | preToolUse / postToolUse (`--event`) | `toolArgs.path` (CLI) or `tool_input.filePath` (VS Code) |
| any other | the generic protocol: `{"event", "paths", "session", "model", "tool_call", "cwd"}` | `paths` |

Runs inside agents' tool calls (budget: p95 under 50 ms on a 5,000-line file): standard library
only, `json` imported lazily, git run with `os.posix_spawnp` (`signoff.git.hooks`).
"""

from __future__ import annotations

import os

TYPE_CHECKING = False  # typing.TYPE_CHECKING without importing typing
if TYPE_CHECKING:
    from collections.abc import Mapping, Sequence

EVENTS = ("pre", "post")
GENERIC = "generic"
# Agents whose payload shape this module knows; any other name speaks the generic protocol.
KNOWN_AGENTS = ("claude-code", "codex", "cursor", "gemini-cli", "copilot")
# Keys under which the agents' edit tools name the file they change.
PATH_KEYS = ("file_path", "filePath", "path", "notebook_path", "target_file", "absolute_path")
# Tools that name a file but never change it: not recorded (a read records nothing to attribute).
READ_ONLY_TOOLS = frozenset(
    (
        "read",
        "view",
        "read_file",
        "readfile",
        "read_many_files",
        "notebookread",
        "glob",
        "grep",
        "grep_search",
        "ls",
        "list_directory",
        "list_dir",
        "file_search",
        "search",
        "codebase_search",
        "webfetch",
        "web_fetch",
        "websearch",
    )
)
# Hook event names that mean "before the tool runs" / "after it ran", any agent's spelling.
PRE_NAMES = frozenset(("pretooluse", "beforetool", "beforeshellexecution", "pre", "before"))
POST_NAMES = frozenset(
    ("posttooluse", "aftertool", "afterfileedit", "aftershellexecution", "post", "after")
)
# Payloads above this size are refused: a hook payload carries a patch or a file at most.
MAX_PAYLOAD = 64 * 1024 * 1024
USAGE = "signoff checkpoint --agent NAME [--event pre|post] [--repo DIR] < hook-payload.json"


class CheckpointError(Exception):
    """Why a payload could not be recorded; kept in errors.jsonl, never shown to the agent."""


class Capture:
    """What one hook call says: the event, the files, and who made the edit."""

    __slots__ = (
        "cwd",
        "edits",
        "event",
        "model",
        "paths",
        "pre_content",
        "session",
        "shell",
        "source",
        "tool_call",
    )

    def __init__(
        self,
        event: str,
        paths: Sequence[str],
        *,
        cwd: str | None = None,
        session: str | None = None,
        model: str | None = None,
        tool_call: str | None = None,
        source: str = "hook",
    ) -> None:
        self.event = event
        self.paths = list(paths)
        self.cwd = cwd
        self.session = session
        self.model = model
        self.tool_call = tool_call
        self.source = source
        # Cursor: the edits' old and new strings, to rebuild the content before the edit
        self.edits: list[object] | None = None
        # repository-relative path -> the file's content before the edit, rebuilt from `edits`
        self.pre_content: dict[str, bytes] = {}
        # a shell command: the files it changes are found by snapshots (`signoff.recording.shell`)
        self.shell = False


# -- entry --------------------------------------------------------------------------------------


def main(
    argv: Sequence[str], stdin: bytes | None = None, *, cwd: str | None = None, light: bool = False
) -> int:
    """Run one checkpoint; always returns 0 and prints nothing (errors go to errors.jsonl).

    `light` (the installed hook command and the CLI's fast path: processes that run nothing
    else) loads `signoff.git.hooks` without `signoff/git/__init__.py`, as the git hooks do.
    """
    agent: str | None = None
    start = cwd or os.getcwd()
    found: list[str] = []  # the git dir, once known: where an error is kept
    try:
        if light:
            from signoff.recording.hookmain import _light_git_package

            _light_git_package()
        options = parse_args(argv)
        agent = options.get("agent")
        start = options.get("repo") or start
        if stdin is None:
            stdin = _read_stdin()
        _record(stdin, agent, options.get("event"), start, found)
    except BaseException as exc:  # the agent's tool call must go ahead whatever happened
        if isinstance(exc, KeyboardInterrupt):
            return 0
        _keep_error(exc, agent, found[0] if found else None, start)
    return 0


def parse_args(argv: Sequence[str]) -> dict[str, str]:
    """`--agent NAME`, `--event pre|post`, `--repo DIR` (also as `--opt=value`), parsed by hand."""
    out: dict[str, str] = {}
    names = {"--agent": "agent", "--event": "event", "--repo": "repo", "-C": "repo"}
    i = 0
    while i < len(argv):
        arg = argv[i]
        i += 1
        opt, eq, value = arg.partition("=")
        name = names.get(opt if eq and opt.startswith("--") else arg)
        if name is None:
            raise CheckpointError(f"unknown argument {arg!r} ({USAGE})")
        if not eq:
            if i >= len(argv):
                raise CheckpointError(f"{arg} needs a value ({USAGE})")
            value = argv[i]
            i += 1
        out[name] = value
    if "event" in out and out["event"] not in EVENTS:
        raise CheckpointError(f"--event must be pre or post, not {out['event']!r}")
    if "agent" in out:
        from signoff.recording.agents import normalise_tool

        out["agent"] = normalise_tool(out["agent"])
        if not out["agent"]:
            raise CheckpointError("--agent names no agent")
    return out


def _read_stdin() -> bytes:
    import sys

    stream = sys.stdin
    if stream is None or stream.isatty():
        return b""
    data: bytes = stream.buffer.read(MAX_PAYLOAD + 1)
    return data


def _record(
    stdin: bytes, agent: str | None, event: str | None, start: str, found: list[str]
) -> None:
    """Parse, resolve, hash and append; the git dir used goes into `found` once known."""
    payload = parse_payload(stdin)
    capture = interpret(payload, agent, event)
    if not capture.paths and not capture.shell:
        return  # a tool that changes no file: nothing to record, no repository needed
    base = capture.cwd if capture.cwd and os.path.isdir(capture.cwd) else start
    repository = find_repository(base)
    if repository is None:
        # not inside a repository: nothing Signoff could ever attribute, so nothing to report
        return
    top, git_dir = repository
    found.append(git_dir)
    if agent:
        _from_environment(capture, agent, os.environ)
    if capture.shell:
        from signoff.recording import shell

        if capture.event == "pre":
            shell.before(capture, agent or GENERIC, top, git_dir)
            return
        records = shell.after(capture, agent or GENERIC, top, git_dir)
    else:
        records = build_records(capture, agent or GENERIC, top, git_dir, base)
    if records:
        from signoff.recording import worklog

        worklog.append(git_dir, records)


def _from_environment(capture: Capture, agent: str, env: Mapping[str, str]) -> None:
    """Session and model the payload left out, from the variables the agent itself sets for
    the commands it runs (`agents.SIGNALS`, e.g. Claude Code's `ANTHROPIC_MODEL`)."""
    from signoff.recording.agents import SIGNALS

    for signal in SIGNALS:
        if signal.tool != agent:
            continue
        if capture.session is None and signal.session_var and env.get(signal.session_var):
            capture.session = env[signal.session_var][:500]
        if capture.model is None and signal.model_var and env.get(signal.model_var):
            capture.model = env[signal.model_var][:500]


def _keep_error(exc: BaseException, agent: str | None, git_dir: str | None, start: str) -> None:
    """Write the failure where `agent status` looks; silently give up if even that fails."""
    try:
        if git_dir is None:
            found = find_repository(start)
            if found is None:
                return
            git_dir = found[1]
        from signoff.recording import worklog

        message = str(exc).strip() if isinstance(exc, CheckpointError) else _describe(exc)
        worklog.write_error(git_dir, f"checkpoint: {message}", agent=agent)
    except BaseException:  # nothing may reach the agent
        pass


def _describe(exc: BaseException) -> str:
    text = str(exc).strip().splitlines()
    return f"{type(exc).__name__}: {text[0]}" if text else type(exc).__name__


# -- payloads -----------------------------------------------------------------------------------


def parse_payload(data: bytes) -> dict[str, object]:
    """The hook's JSON object; a clear error for anything else."""
    if len(data) > MAX_PAYLOAD:
        raise CheckpointError(f"hook payload larger than {MAX_PAYLOAD} bytes; not recorded")
    if not data.strip():
        raise CheckpointError("no hook payload on standard input; not recorded")
    try:
        value = loads(data.decode("utf-8", "surrogateescape"))
    except ValueError as exc:
        raise CheckpointError(f"hook payload is not JSON ({exc}); not recorded") from None
    if not isinstance(value, dict):
        raise CheckpointError(
            f"hook payload is a JSON {type(value).__name__}, not an object; not recorded"
        )
    return value


class _ScanContext:
    """What `_json.make_scanner` reads from a decoder: strict JSON, plain Python values."""

    strict = True
    object_hook = None
    object_pairs_hook = None
    parse_float = float
    parse_int = int
    memo: dict[str, str] = {}  # noqa: RUF012 - the C scanner's string cache

    @staticmethod
    def parse_constant(name: str) -> object:
        raise ValueError(f"{name} is not JSON")


def loads(text: str) -> object:
    """`json.loads` through the C scanner alone: `import json` pulls in `re` and `enum`, a
    third of a checkpoint's time on a small machine."""
    import _json  # type: ignore[import-not-found,unused-ignore]

    start = len(text) - len(text.lstrip(" \t\n\r"))
    try:
        value, end = _json.make_scanner(_ScanContext())(text, start)  # type: ignore[arg-type,unused-ignore]
    except StopIteration as exc:
        raise ValueError(f"unexpected end or value at character {exc.value}") from None
    if text[end:].strip(" \t\n\r"):
        raise ValueError(f"extra data at character {end}")
    return value


def interpret(payload: Mapping[str, object], agent: str | None, event: str | None) -> Capture:
    """The capture a payload describes, by the agent's documented shape (see module doc)."""
    if "paths" in payload or "shell" in payload or agent not in KNOWN_AGENTS:
        return _generic(payload, event)
    if agent == "cursor":
        return _cursor(payload, event)
    if agent == "copilot":
        return _copilot(payload, event)
    # Claude Code, Codex and Gemini CLI share one shape: tool_name, tool_input, session_id, cwd
    which = event or _event_name(_text(payload.get("hook_event_name")))
    tool = _text(payload.get("tool_name")) or ""
    tool_input = payload.get("tool_input")
    paths = _paths_from_tool(tool, tool_input)
    capture = Capture(
        which,
        paths,
        cwd=_text(payload.get("cwd")),
        session=_text(payload.get("session_id")),
        model=_text(payload.get("model")),
        tool_call=_text(payload.get("tool_use_id")),
    )
    capture.shell = not paths and _is_shell(tool)
    return capture


def _generic(payload: Mapping[str, object], event: str | None) -> Capture:
    which = event or _text(payload.get("event"))
    if which not in EVENTS:
        raise CheckpointError(
            f'generic checkpoint: "event" must be "pre" or "post", not {payload.get("event")!r}'
        )
    shell = payload.get("shell") is True
    paths = payload.get("paths", [] if shell else None)
    if not isinstance(paths, list) or not all(isinstance(p, str) for p in paths):
        raise CheckpointError('generic checkpoint: "paths" must be a list of strings')
    capture = Capture(
        which,
        paths,
        cwd=_text(payload.get("cwd")),
        session=_text(payload.get("session")),
        model=_text(payload.get("model")),
        tool_call=_text(payload.get("tool_call")),
        source=GENERIC,
    )
    capture.shell = shell and not paths
    return capture


def _cursor(payload: Mapping[str, object], event: str | None) -> Capture:
    """Cursor's preToolUse / postToolUse (`tool_name`, `tool_input`), or the afterFileEdit of
    older versions: the file after the edit, and the edits' old and new strings."""
    name = _text(payload.get("hook_event_name")) or ""
    roots = payload.get("workspace_roots")
    cwd = roots[0] if isinstance(roots, list) and roots and isinstance(roots[0], str) else None
    if cwd is None:
        cwd = _text(payload.get("cwd"))
    capture = Capture(
        "post",
        [],
        cwd=cwd,
        session=_text(payload.get("conversation_id")) or _text(payload.get("session_id")),
        model=_text(payload.get("model")),
        tool_call=_text(payload.get("tool_use_id")) or _text(payload.get("generation_id")),
    )
    if name == "afterFileEdit" or (not name and "edits" in payload):
        path = _text(payload.get("file_path"))
        if path is None:
            raise CheckpointError("cursor afterFileEdit payload names no file_path")
        capture.paths = [path]
        capture.event = "post"
        edits = payload.get("edits")
        if isinstance(edits, list):
            capture.edits = edits
        return capture
    if name in ("beforeShellExecution", "afterShellExecution"):
        capture.event = event or _event_name(name)
        capture.shell = True
        return capture
    # preToolUse / postToolUse (current Cursor): tool_name, tool_input
    capture.event = event or _event_name(name)
    tool = _text(payload.get("tool_name")) or ""
    capture.paths = _paths_from_tool(tool, payload.get("tool_input"))
    capture.shell = not capture.paths and _is_shell(tool)
    return capture


def _copilot(payload: Mapping[str, object], event: str | None) -> Capture:
    """Copilot CLI (`toolName`, `toolArgs` as a JSON string) or VS Code (`tool_name`, ...)."""
    tool = _text(payload.get("toolName")) or _text(payload.get("tool_name")) or ""
    args: object = payload.get("toolArgs", payload.get("tool_input"))
    if isinstance(args, str):
        try:
            args = loads(args)
        except ValueError:
            raise CheckpointError(f"copilot toolArgs of {tool!r} is not JSON") from None
    name = _text(payload.get("hookEventName")) or _text(payload.get("hook_event_name")) or ""
    capture = Capture(
        event or _event_name(name),
        _paths_from_tool(tool, args),
        cwd=_text(payload.get("cwd")),
        session=_text(payload.get("sessionId")) or _text(payload.get("session_id")),
        model=_text(payload.get("model")),
        tool_call=_text(payload.get("toolCallId")) or _text(payload.get("tool_use_id")),
    )
    capture.shell = not capture.paths and _is_shell(tool)
    return capture


def _is_shell(tool: str) -> bool:
    from signoff.recording.shell import is_shell_tool

    return is_shell_tool(tool)


def _event_name(name: str | None) -> str:
    key = (name or "").replace("_", "").replace("-", "").lower()
    if key in PRE_NAMES:
        return "pre"
    if key in POST_NAMES:
        return "post"
    raise CheckpointError(
        f"cannot tell whether hook event {name!r} is before or after the edit; "
        "pass --event pre or --event post in the hook command"
    )


def _paths_from_tool(tool: str, tool_input: object) -> list[str]:
    """The files an edit tool's input names; [] for tools that change no file."""
    if tool.lower() in READ_ONLY_TOOLS or not isinstance(tool_input, dict):
        return []
    for key in ("command", "input", "patch"):
        text = tool_input.get(key)
        if isinstance(text, str) and "*** Begin Patch" in text:
            return patch_paths(text)
    paths: list[str] = []
    for key in PATH_KEYS:
        value = tool_input.get(key)
        if isinstance(value, str) and value:
            paths.append(value)
            break
    for key in ("files", "paths"):  # VS Code's editFiles
        value = tool_input.get(key)
        if isinstance(value, list):
            paths.extend(v for v in value if isinstance(v, str) and v)
    for key in ("replacements", "edits"):  # VS Code's multi_replace_string_in_file
        value = tool_input.get(key)
        if isinstance(value, list):
            for item in value:
                if isinstance(item, dict):
                    paths.extend(
                        item[k] for k in PATH_KEYS if isinstance(item.get(k), str) and item[k]
                    )
    return list(dict.fromkeys(paths))


def patch_paths(patch: str) -> list[str]:
    """The files an `apply_patch` patch adds, updates, deletes or moves to (Codex's format)."""
    paths: list[str] = []
    for line in patch.splitlines():
        for prefix in ("*** Add File: ", "*** Update File: ", "*** Delete File: ", "*** Move to: "):
            if line.startswith(prefix):
                path = line[len(prefix) :].strip()
                if path:
                    paths.append(path)
                break
    return list(dict.fromkeys(paths))


def _text(value: object) -> str | None:
    """A string field as given (bounded), or None."""
    if isinstance(value, str) and value:
        return value[:500]
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return str(value)
    return None


# -- the repository -----------------------------------------------------------------------------


def find_repository(start: str) -> tuple[str, str] | None:
    """(work tree top, per-worktree git dir) of the repository containing `start`, found without
    running git: the nearest `.git` folder, or `.git` file of a worktree or submodule."""
    here = os.path.realpath(start)
    while True:
        dot_git = os.path.join(here, ".git")
        if os.path.isdir(dot_git):
            return here, dot_git
        if os.path.isfile(dot_git):
            try:
                with open(dot_git, "rb") as fh:
                    line = fh.readline(4096).decode("utf-8", "surrogateescape").strip()
            except OSError:
                line = ""
            if line.startswith("gitdir:"):
                return here, os.path.normpath(os.path.join(here, line[len("gitdir:") :].strip()))
        parent = os.path.dirname(here)
        if parent == here:
            return None
        here = parent


def resolve_path(path: str, base: str, top: str) -> str:
    """`path` (absolute, or relative to `base`) as a `/`-separated path inside the work tree.

    The folder is resolved through symlinks, the file name is not (git records a symlink as a
    link). Paths outside the work tree, inside `.git`, or not valid UTF-8 are refused.
    """
    if "\0" in path:
        raise CheckpointError(f"path {path!r} contains a NUL byte; not recorded")
    full = os.path.normpath(path if os.path.isabs(path) else os.path.join(base, path))
    folder, name = os.path.split(full)
    full = os.path.join(os.path.realpath(folder), name)
    rel = os.path.relpath(full, top)
    parts = rel.split(os.sep)
    if rel == "." or parts[0] == ".." or os.path.isabs(rel):
        raise CheckpointError(f"{path} is outside the repository {top}; not recorded")
    if parts[0] == ".git":
        raise CheckpointError(f"{path} is inside the git directory; not recorded")
    try:
        rel.encode("utf-8")
    except UnicodeEncodeError:
        shown = rel.encode("utf-8", "surrogateescape").decode("utf-8", "backslashreplace")
        raise CheckpointError(
            f"path {shown} is not valid UTF-8; the working log cannot name it, not recorded"
        ) from None
    return "/".join(parts)


def build_records(
    capture: Capture, agent: str, top: str, git_dir: str, base: str
) -> list[dict[str, object]]:
    """One working-log record per file, its content stored as a blob first."""
    import time

    from signoff.recording import worklog

    resolved: list[tuple[str, str]] = []  # (path as given, repository-relative path)
    refused: list[str] = []
    for given in capture.paths:
        try:
            resolved.append((given, resolve_path(given, base, top)))
        except CheckpointError as exc:
            refused.append(str(exc))
    evidence: str | None = None
    if capture.edits is not None and resolved:
        rel = resolved[0][1]
        before = _undo_edits(os.path.join(top, *rel.split("/")), capture.edits)
        if before is not None:
            capture.pre_content[rel] = before
        else:
            # no content before the edit: the edit's own new text is the evidence of which
            # changed lines are the agent's (`attribute.replay`)
            evidence = _store_evidence(top, capture.edits)
    blobs = hash_files(top, [rel for _, rel in resolved], capture.pre_content)
    at = time.time()
    records: list[dict[str, object]] = []
    for _, rel in resolved:
        fields = {
            "agent": agent,
            "session": capture.session,
            "model": capture.model,
            "tool_call": capture.tool_call,
            "source": capture.source,
            "at": at,
        }
        if rel in capture.pre_content:  # Cursor: the content before the edit, rebuilt
            records.append(worklog.make_record("pre", rel, blobs[("pre", rel)], **fields))  # type: ignore[arg-type]
        records.append(worklog.make_record(capture.event, rel, blobs[rel], **fields))  # type: ignore[arg-type]
        if evidence is not None:
            records[-1]["evidence"] = evidence
    if refused:
        # the files inside the repository are still recorded; the rest is reported
        worklog.write_error(git_dir, "checkpoint: " + "; ".join(refused), agent=agent)
    return records


def _store_evidence(top: str, edits: list[object]) -> str | None:
    """The edits' new strings, one after another, stored as a blob (None when there are none)."""
    from signoff.git.hooks import git

    texts = [
        e["new_string"]
        for e in edits
        if isinstance(e, dict) and isinstance(e.get("new_string"), str) and e["new_string"]
    ]
    if not texts:
        return None
    data = "\n".join(texts).encode("utf-8", "surrogateescape")
    res = git("hash-object", "-w", "--stdin", "--no-filters", cwd=top, input=data)
    return res.out.decode("ascii", "replace").strip() if res.ok else None


def _undo_edits(path: str, edits: list[object]) -> bytes | None:
    """The file before Cursor's edits: each `new_string` put back to its `old_string`, last
    edit first. None when that is not certain (a new string not found exactly once)."""
    try:
        with open(path, "rb") as fh:
            text = fh.read().decode("utf-8")
    except (OSError, UnicodeDecodeError):
        return None
    for edit in reversed(edits):
        if not isinstance(edit, dict):
            return None
        old, new = edit.get("old_string"), edit.get("new_string")
        if not isinstance(old, str) or not isinstance(new, str) or old == new:
            if old == new and isinstance(old, str):
                continue
            return None
        if not new:
            return None  # a pure deletion: where the old text was is not known
        if text.count(new) != 1:
            return None
        text = text.replace(new, old, 1)
    return text.encode("utf-8")


def hash_files(
    top: str, paths: Sequence[str], contents: Mapping[str, bytes]
) -> dict[object, str | None]:
    """Blob ids of the files (None for a missing one) and of rebuilt contents (key
    `("pre", path)`), written into the object store: one `git hash-object -w` for all files.

    git applies the path's clean filters (line endings, LFS), so the ids compare with what
    `git add` would stage. A symlink is stored as its link text, as git does.
    """
    import stat

    from signoff.git.hooks import git

    out: dict[object, str | None] = {}
    files: list[str] = []
    stdin_items: list[tuple[object, str, bytes, bool]] = []  # (key, path, data, filters)
    for rel in paths:
        full = os.path.join(top, *rel.split("/"))
        try:
            info = os.lstat(full)
        except (FileNotFoundError, NotADirectoryError):
            out[rel] = None  # deleted, or not created yet: the null blob
            continue
        if stat.S_ISLNK(info.st_mode):
            stdin_items.append((rel, rel, os.fsencode(os.readlink(full)), False))
        elif stat.S_ISREG(info.st_mode):
            files.append(rel)
        else:
            raise CheckpointError(f"{rel} is not a regular file; not recorded")
    for rel, data in contents.items():
        stdin_items.append((("pre", rel), rel, data, True))
    if files:
        res = git("hash-object", "-w", "--", *files, cwd=top)
        ids = res.out.decode("ascii", "replace").split()
        if not res.ok or len(ids) != len(files):
            raise CheckpointError(f"git hash-object failed: {res.message()}")
        out.update(zip(files, ids, strict=True))
    for key, rel, data, filters in stdin_items:
        args = ["hash-object", "-w", "--stdin", f"--path={rel}" if filters else "--no-filters"]
        res = git(*args, cwd=top, input=data)
        if not res.ok:
            raise CheckpointError(f"git hash-object failed: {res.message()}")
        out[key] = res.out.decode("ascii", "replace").strip()
    return out
