"""`signoff agent install|uninstall|status AGENT`: the agents' own hook files run `checkpoint`.

Each agent reads hooks from its own JSON file, per repository or per user (docs/agents.md cites
each agent's documentation). Installing merges one Signoff entry per event into that file and
leaves every other key and hook as it was; uninstalling removes exactly the entries whose command
runs `signoff.recording.checkpoint` and deletes the file only when nothing else is left in it.
Files are parsed strictly (a file that is not JSON is refused, never overwritten) and written
atomically (a temporary file renamed over the old one, its permissions kept).

The installed command runs this interpreter with `-I -S` on this package's folder, like the git
hooks `signoff init` installs: a Python start and one `git hash-object`, no CLI framework. It
names the interpreter's absolute path, so a repository-level file fits the machine it was written
on; Claude Code's repository-level file is therefore `.claude/settings.local.json`, which Claude
Code keeps out of commits.
"""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path
from typing import Any

import signoff
from signoff.errors import SignoffError

# Every command Signoff installs contains this; nothing else does.
MARKER = "signoff.recording.checkpoint"
BOOTSTRAP = (
    "import sys\n"
    "try:\n"
    "    sys.path.insert(0, sys.argv[1])\n"
    f"    from {MARKER} import main\n"
    "except BaseException:\n"
    "    raise SystemExit(0)\n"
    "raise SystemExit(main(sys.argv[2:], light=True))\n"
)
TIMEOUT_SECONDS = 10
SCOPES = ("repo", "user")


class AgentSpec:
    """Where one agent reads hooks, in which shape, and what its hooks can tell Signoff."""

    def __init__(
        self,
        name: str,
        title: str,
        *,
        style: str,
        repo_file: str,
        user_file: tuple[str | None, str, str],
        events: tuple[tuple[str, str, str | None], ...],
        capture: str,
        shell: str,
        shell_matcher: str | None,
        docs: str,
    ) -> None:
        self.name = name
        self.title = title
        self.style = style  # "matcher" (Claude Code's shape), "cursor" or "copilot"
        self.repo_file = repo_file
        self.user_file = user_file  # (env variable naming the folder, default folder, file)
        self.events = events  # (the agent's event key, pre|post, tool matcher)
        self.capture = capture
        self.shell = shell  # what happens to edits made through the agent's shell tool
        # the shell tool's name in the installed matcher (None: the hook runs on every tool)
        self.shell_matcher = shell_matcher
        self.docs = docs

    def path(self, scope: str, root: Path | None) -> Path:
        """The hook file for `scope` (`repo` needs the work tree's top folder)."""
        if scope == "repo":
            if root is None:
                raise SignoffError(
                    "a repository-level install needs a repository",
                    "run it inside one or pass --user",
                )
            return root / self.repo_file
        variable, default, name = self.user_file
        folder = os.environ.get(variable, "") if variable else ""
        return Path(folder or os.path.expanduser(default)) / name


AGENTS: dict[str, AgentSpec] = {
    spec.name: spec
    for spec in (
        AgentSpec(
            "claude-code",
            "Claude Code",
            style="matcher",
            repo_file=".claude/settings.local.json",
            user_file=("CLAUDE_CONFIG_DIR", "~/.claude", "settings.json"),
            events=(
                ("PreToolUse", "pre", "Write|Edit|MultiEdit|NotebookEdit|Bash"),
                ("PostToolUse", "post", "Write|Edit|MultiEdit|NotebookEdit|Bash"),
            ),
            capture="pre and post file-edit hooks (Write, Edit, MultiEdit, NotebookEdit) and "
            "Bash (files the command changed, by snapshots before and after); the payload names "
            "no model (ANTHROPIC_MODEL is used when set)",
            shell="captured: Bash PreToolUse/PostToolUse snapshots",
            shell_matcher="Bash",
            docs="https://code.claude.com/docs/en/hooks",
        ),
        AgentSpec(
            "codex",
            "Codex CLI",
            style="matcher",
            repo_file=".codex/hooks.json",
            user_file=("CODEX_HOME", "~/.codex", "hooks.json"),
            events=(
                ("PreToolUse", "pre", "apply_patch|Bash"),
                ("PostToolUse", "post", "apply_patch|Bash"),
            ),
            capture="pre and post hooks on apply_patch and on shell commands (a patch they carry "
            "is read as apply_patch; other commands: the files they changed, by snapshots before "
            "and after; Codex 0.124 or later); project hooks load only in a trusted project",
            shell="captured: Bash PreToolUse/PostToolUse snapshots",
            shell_matcher="Bash",
            docs="https://developers.openai.com/codex/hooks",
        ),
        AgentSpec(
            "gemini-cli",
            "Gemini CLI",
            style="matcher",
            repo_file=".gemini/settings.json",
            user_file=(None, "~/.gemini", "settings.json"),
            events=(
                ("BeforeTool", "pre", "write_file|replace|run_shell_command"),
                ("AfterTool", "post", "write_file|replace|run_shell_command"),
            ),
            capture="pre and post hooks on write_file and replace, and on run_shell_command "
            "(files the command changed, by snapshots before and after); the payload names no "
            "model (GEMINI_MODEL is used when set); Gemini CLI asks before running a changed "
            "project hook",
            shell="captured: run_shell_command BeforeTool/AfterTool snapshots",
            shell_matcher="run_shell_command",
            docs="https://geminicli.com/docs/hooks/reference",
        ),
        AgentSpec(
            "cursor",
            "Cursor",
            style="cursor",
            repo_file=".cursor/hooks.json",
            user_file=(None, "~/.cursor", "hooks.json"),
            events=(("preToolUse", "pre", None), ("postToolUse", "post", None)),
            capture="pre and post tool hooks (every tool call; Signoff keeps the file edits: "
            "Write, StrReplace, ApplyPatch, Delete, and the files a Shell command changed, by "
            "snapshots before and after); Cursor versions without preToolUse have no pre-edit "
            "hook (afterFileEdit payloads are still read, the content before the edit rebuilt "
            "from its strings); Tab completions are not recorded",
            shell="captured: Shell preToolUse/postToolUse snapshots (not on Cursor versions "
            "with afterFileEdit only: they have no hook around the shell)",
            shell_matcher=None,
            docs="https://cursor.com/docs/agent/hooks",
        ),
        AgentSpec(
            "copilot",
            "GitHub Copilot (CLI and VS Code agent)",
            style="copilot",
            repo_file=".github/hooks/signoff.json",
            user_file=("COPILOT_HOME", "~/.copilot", "hooks/signoff.json"),
            events=(("preToolUse", "pre", None), ("postToolUse", "post", None)),
            capture="pre and post tool hooks (every tool call; Signoff keeps the file edits, and "
            "the files a shell command changed, by snapshots before and after); inline "
            "completions in the editor offer no hook and are not recorded; the cloud agent runs "
            "hooks on GitHub's machines, where this command does not exist",
            shell="captured: bash (CLI) and run_in_terminal (VS Code) preToolUse/postToolUse "
            "snapshots",
            shell_matcher=None,
            docs="https://docs.github.com/en/copilot/reference/hooks-reference",
        ),
    )
}


def spec_for(agent: str) -> AgentSpec:
    """The agent named (any alias Signoff knows), or a clear error listing the supported ones."""
    from signoff.recording.agents import normalise_tool

    name = normalise_tool(agent)
    if name not in AGENTS:
        raise SignoffError(
            f"Signoff has no hook installer for {agent!r}",
            f"use one of {', '.join(AGENTS)}; any other agent can pipe the generic JSON protocol "
            "into `signoff checkpoint --agent NAME` (docs/agents.md)",
        )
    return AGENTS[name]


def hook_command(agent: str, event: str, *, python: str | None = None) -> str:
    """The shell command an agent's hook runs for one event.

    It does nothing, successfully, where the interpreter is missing (a hook file committed from
    another machine, or run by an agent on a hosted runner): the agent's tool call goes ahead.
    """
    python = _sh_quote(python or sys.executable)
    package_dir = str(Path(signoff.__file__).resolve().parent.parent)
    return (
        f"[ ! -x {python} ] || {python} -I -S -c {_sh_quote(BOOTSTRAP)} "
        f"{_sh_quote(package_dir)} --agent {agent} --event {event}"
    )


def _sh_quote(text: str) -> str:
    return "'" + text.replace("'", "'\\''") + "'"


# -- install / uninstall ------------------------------------------------------------------------


def install(
    agent: str, *, scope: str = "repo", root: Path | None = None, python: str | None = None
) -> dict[str, Any]:
    """Merge Signoff's hook entries into the agent's hook file; returns what was done."""
    spec = spec_for(agent)
    path = spec.path(scope, root)
    doc = load_hook_file(path)
    before = json.dumps(doc, sort_keys=True)
    _remove_ours(doc)
    if spec.style in ("cursor", "copilot") and "version" not in doc:
        doc = {"version": 1, **doc}
    hooks = doc.setdefault("hooks", {})
    for key, event, matcher in spec.events:
        entries = hooks.setdefault(key, [])
        if not isinstance(entries, list):
            raise _shape_error(path, f'"hooks.{key}" is not a list')
        entries.append(_entry(spec, event, matcher, python))
    existed = path.exists()
    action = "unchanged" if existed and json.dumps(doc, sort_keys=True) == before else None
    if action is None:
        write_hook_file(path, doc)
        action = "updated" if existed and MARKER in before else "installed"
    return {
        "agent": spec.name,
        "scope": scope,
        "path": str(path),
        "action": action,
        "events": [key for key, _, _ in spec.events],
        "capture": spec.capture,
    }


def uninstall(agent: str, *, scope: str = "repo", root: Path | None = None) -> dict[str, Any]:
    """Remove Signoff's entries (only them) from the agent's hook file."""
    spec = spec_for(agent)
    path = spec.path(scope, root)
    report: dict[str, Any] = {"agent": spec.name, "scope": scope, "path": str(path)}
    if not path.exists():
        report["action"] = "not installed"
        return report
    doc = load_hook_file(path)
    removed = _remove_ours(doc)
    if not removed:
        report["action"] = "not installed"
        return report
    leftover = {k: v for k, v in doc.items() if not (k == "version" and v == 1)}
    if not leftover:
        path.unlink()
        report["action"] = "removed, file deleted (nothing else in it)"
    else:
        write_hook_file(path, doc)
        report["action"] = "removed"
    report["removed"] = removed
    return report


def _entry(spec: AgentSpec, event: str, matcher: str | None, python: str | None) -> dict[str, Any]:
    command = hook_command(spec.name, event, python=python)
    if spec.style == "cursor":
        return {"command": command}
    if spec.style == "copilot":
        return {"type": "command", "bash": command, "timeoutSec": TIMEOUT_SECONDS}
    hook: dict[str, Any] = {"type": "command", "command": command}
    if spec.name == "gemini-cli":
        hook = {"name": "signoff-checkpoint", **hook, "timeout": TIMEOUT_SECONDS * 1000}
    else:
        hook["timeout"] = TIMEOUT_SECONDS
    group: dict[str, Any] = {"matcher": matcher} if matcher else {}
    group["hooks"] = [hook]
    return group


def _is_ours(entry: object) -> bool:
    if not isinstance(entry, dict):
        return False
    return any(isinstance(entry.get(k), str) and MARKER in entry[k] for k in ("command", "bash"))


def _remove_ours(doc: dict[str, Any]) -> int:
    """Drop Signoff's entries from every event (and groups, lists and the `hooks` object they
    leave empty); returns how many were dropped. Nothing else is touched."""
    hooks = doc.get("hooks")
    if not isinstance(hooks, dict):
        return 0
    removed = 0
    for key in list(hooks):
        entries = hooks[key]
        if not isinstance(entries, list):
            continue
        kept: list[Any] = []
        for entry in entries:
            if _is_ours(entry):
                removed += 1
                continue
            inner = entry.get("hooks") if isinstance(entry, dict) else None
            if isinstance(inner, list) and any(_is_ours(h) for h in inner):
                remaining = [h for h in inner if not _is_ours(h)]
                removed += len(inner) - len(remaining)
                if not remaining:
                    continue
                entry = {**entry, "hooks": remaining}
            kept.append(entry)
        if kept:
            hooks[key] = kept
        elif entries:
            del hooks[key]  # emptied by us
    if not hooks and removed:
        del doc["hooks"]
    return removed


def load_hook_file(path: Path) -> dict[str, Any]:
    """A hook file's JSON object ({} when absent); a clear refusal for anything else."""
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        return {}
    except (OSError, UnicodeDecodeError) as exc:
        raise SignoffError(f"cannot read {path}: {exc}", "check the file's permissions") from None
    if not text.strip():
        return {}
    try:
        doc = json.loads(text)
    except ValueError as exc:
        raise SignoffError(
            f"{path} is not valid JSON ({exc}); left as it is",
            "fix the file (comments are not JSON), then run the command again",
        ) from None
    if not isinstance(doc, dict):
        raise _shape_error(path, "it is not a JSON object")
    if "hooks" in doc and not isinstance(doc["hooks"], dict):
        raise _shape_error(path, '"hooks" is not an object')
    return doc


def _shape_error(path: Path, why: str) -> SignoffError:
    return SignoffError(
        f"{path} has an unexpected shape ({why}); left as it is",
        "fix the file by hand (see the agent's hook documentation), then run the command again",
    )


def write_hook_file(path: Path, doc: dict[str, Any]) -> None:
    """Write `doc` as indented JSON, atomically, keeping an existing file's permissions."""
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.signoff-{os.getpid()}.tmp")
    try:
        mode = path.stat().st_mode & 0o7777
    except FileNotFoundError:
        mode = 0o644
    with open(tmp, "w", encoding="utf-8") as fh:
        fh.write(json.dumps(doc, indent=2, ensure_ascii=False) + "\n")
        fh.flush()
        os.fsync(fh.fileno())
    os.chmod(tmp, mode)
    os.replace(tmp, path)


# -- status -------------------------------------------------------------------------------------


def status(
    agents: list[str] | None = None, *, root: Path | None = None, git_dir: Path | None = None
) -> dict[str, Any]:
    """Where each agent's hooks are installed, what they capture, and what went wrong lately."""
    names = [spec_for(a).name for a in agents] if agents else list(AGENTS)
    rows: list[dict[str, Any]] = []
    for name in names:
        spec = AGENTS[name]
        places = []
        for scope in SCOPES:
            if scope == "repo" and root is None:
                continue
            path = spec.path(scope, root)
            places.append({"scope": scope, "path": str(path), **_installed(path, spec)})
        rows.append(
            {
                "agent": name,
                "title": spec.title,
                "installed": any(p["installed"] for p in places),
                "places": places,
                "capture": spec.capture,
                "shell_edits": _shell_edits(spec, places),
                "docs": spec.docs,
            }
        )
    report: dict[str, Any] = {"agents": rows}
    if git_dir is not None:
        report.update(_log_summary(str(git_dir), names))
    return report


def _shell_edits(spec: AgentSpec, places: list[dict[str, Any]]) -> dict[str, Any]:
    """Whether edits made through the agent's shell tool are captured where it is installed:
    hooks written before shell capture existed do not match the shell tool."""
    installed = [p for p in places if p["installed"]]
    stale = [p["path"] for p in installed if not p.get("shell_hooked", True)]
    if not installed:
        return {"captured": False, "detail": "not installed; when installed, " + spec.shell}
    if stale:
        return {
            "captured": False,
            "detail": f"not captured: the hooks in {', '.join(stale)} do not run on the shell "
            f"tool; run signoff agent install {spec.name} again",
        }
    return {"captured": True, "detail": spec.shell}


def _installed(path: Path, spec: AgentSpec) -> dict[str, Any]:
    try:
        doc = load_hook_file(path)
    except SignoffError as exc:
        return {"installed": False, "events": [], "problem": exc.message}
    hooks = doc.get("hooks") if isinstance(doc.get("hooks"), dict) else {}
    events = []
    foreign = 0
    shell_hooked = True
    for key, entries in (hooks or {}).items():
        if not isinstance(entries, list):
            continue
        for entry in entries:
            inner = entry.get("hooks") if isinstance(entry, dict) else None
            for hook in inner if isinstance(inner, list) else [entry]:
                if _is_ours(hook):
                    events.append(key)
                    matcher = entry.get("matcher") if isinstance(entry, dict) else None
                    if spec.shell_matcher and isinstance(matcher, str):
                        shell_hooked &= spec.shell_matcher in matcher.split("|")
                else:
                    foreign += 1
    wanted = [key for key, _, _ in spec.events]
    out: dict[str, Any] = {
        "installed": bool(events),
        "events": sorted(set(events)),
        "other_hooks": foreign,
    }
    if events:
        out["shell_hooked"] = shell_hooked
    missing = [k for k in wanted if k not in events]
    if events and missing:
        out["problem"] = f"missing {', '.join(missing)}: run signoff agent install {spec.name}"
    return out


RECENT_ERRORS = 10


def _log_summary(git_dir: str, names: list[str]) -> dict[str, Any]:
    """Checkpoints per agent and the recent errors, from the repository's working log."""
    from signoff.recording import worklog

    records, problems = worklog.read(git_dir)
    per_agent: dict[str, dict[str, Any]] = {}
    for record in records:
        agent = record.get("agent")
        if not isinstance(agent, str) or record.get("event") not in ("pre", "post"):
            continue
        row = per_agent.setdefault(agent, {"agent": agent, "pre": 0, "post": 0, "last": None})
        row[str(record["event"])] += 1
        row["last"] = _iso(record.get("at"))
    errors = worklog.read_errors(git_dir)
    recent = [
        {"at": _iso(e.get("at")), "agent": e.get("agent"), "error": e.get("error")}
        for e in errors[-RECENT_ERRORS:]
    ]
    return {
        "worklog": os.path.join(worklog.capture_dir(git_dir), worklog.LOG_NAME),
        "checkpoints": sorted(per_agent.values(), key=lambda r: str(r["agent"])),
        "unreadable_lines": problems,
        "errors": {"count": len(errors), "recent": recent},
    }


def _iso(at: object) -> str | None:
    import datetime

    if not isinstance(at, (int, float)):
        return None
    moment = datetime.datetime.fromtimestamp(float(at), datetime.timezone.utc)
    return moment.isoformat(timespec="seconds").replace("+00:00", "Z")
