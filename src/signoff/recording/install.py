"""`signoff init`: install the hooks; configure notes so recorded provenance survives and travels.

Installs `commit-msg`, `post-commit`, `pre-push` and `post-rewrite` into the hooks directory git
really uses (`core.hooksPath` honoured) without clobbering anything: an existing hook that is
not Signoff's is renamed `<hook>.pre-signoff` and called first by ours (its failure still fails
`commit-msg` and `pre-push`). Running init again only refreshes Signoff's own scripts; `uninstall` puts the
original hooks back and removes exactly the config values init added, restoring any it changed.
Notes themselves are never deleted.

The installed scripts run this interpreter with `-I -S` (no site packages, no cwd on sys.path:
a repository's own `json.py` cannot shadow the standard library) and put this package's
directory on sys.path, so a hook costs a Python start-up plus a few git calls, not a CLI start.
"""

from __future__ import annotations

import json
import os
import stat
import sys
from pathlib import Path
from typing import Any

import signoff
from signoff.git import config
from signoff.git.repo import Repo
from signoff.recording.agents import SIGNALS
from signoff.recording.hooks import (
    APPEND_ATTEMPTS,
    COMMIT_PLACEHOLDER,
    ROOT,
    SCRATCH_PREFIX,
)
from signoff.recording.sync import NOTES_REF, fetch_refspec

HOOKS = ("commit-msg", "post-commit", "pre-push", "post-rewrite")
# Also write Git AI-compatible notes (`recording/commit_lines.py` reads it at commit time).
GITAI_SETTING = "signoff.writeGitAiNotes"
MARKER = "# signoff-managed-hook"
CHAINED_SUFFIX = ".pre-signoff"
STATE_FILE = "init.json"
# Single-valued settings init needs, and the value it sets. Prior values are saved for uninstall.
SETTINGS: tuple[tuple[str, str, frozenset[str]], ...] = (
    # (key, value to set, values that already do the job and are left alone)
    ("notes.signoff.mergeStrategy", "cat_sort_uniq", frozenset(("cat_sort_uniq",))),
)
# git's own copy of notes on amend and rebase, used only without Signoff's hooks (`--no-hooks`:
# a hook manager runs them, maybe without post-rewrite). git moves the notes ref without
# compare-and-swap, so a note another worktree writes at that instant is lost; with the hooks
# installed, post-rewrite copies the notes itself (`hooks.post_rewrite`) and init takes these back.
REWRITE_SETTINGS: tuple[tuple[str, str, frozenset[str]], ...] = (
    ("notes.rewrite.amend", "true", frozenset(("true",))),
    ("notes.rewrite.rebase", "true", frozenset(("true",))),
    ("notes.rewriteMode", "concatenate", frozenset(("concatenate", "cat_sort_uniq"))),
)

BOOTSTRAP = (
    "import sys\n"
    "try:\n"
    "    sys.path.insert(0, sys.argv[1])\n"
    "    from signoff.recording.hookmain import main\n"
    "except BaseException as exc:\n"
    '    sys.stderr.write("signoff: warning: cannot load Signoff from %s (%s); '
    'provenance not recorded\\n" % (sys.argv[1], exc))\n'
    "    raise SystemExit(0)\n"
    "raise SystemExit(main(sys.argv[2:], light=True))\n"
)


def install(
    repo: Repo, *, python: str | None = None, hooks: bool = True, write_gitai_notes: bool = False
) -> dict[str, Any]:
    """Install the hooks and the notes configuration; returns what was done, for printing.

    `hooks=False` configures notes only (for repositories whose hooks a manager such as
    pre-commit owns). `write_gitai_notes` sets `signoff.writeGitAiNotes`: the post-commit hook
    then also writes a Git AI-compatible note under refs/notes/ai for captured lines.
    """
    python = python or sys.executable
    package_dir = str(Path(signoff.__file__).resolve().parent.parent)
    hooks_dir = config.hooks_dir(repo)
    state = _load_state(repo)
    installed: list[dict[str, Any]] = []
    if hooks:
        hooks_dir.mkdir(parents=True, exist_ok=True)
        installed = [_install_hook(hooks_dir, name, python, package_dir) for name in HOOKS]
    report: dict[str, Any] = {
        "repository": str(repo.root),
        "hooks_dir": str(hooks_dir),
        "shared_hooks_dir": not _inside(hooks_dir, repo),
        "python": python,
        "hooks": installed,
        # git copies the notes unless our post-rewrite hook is there to (not refused)
        "config": _configure(repo, state, git_copies_notes=not _copies_notes(installed)),
        "remotes": _configure_remotes(repo),
    }
    if write_gitai_notes:
        report["config"].append(_set_saved(repo, state, GITAI_SETTING, "true"))
    _save_state(repo, state)
    return report


def uninstall(repo: Repo) -> dict[str, Any]:
    """Remove Signoff's hooks (restoring chained ones) and the config it added; keep notes."""
    hooks_dir = config.hooks_dir(repo)
    state = _load_state(repo)
    hooks = [_uninstall_hook(hooks_dir, name) for name in HOOKS]
    every = (*SETTINGS, *REWRITE_SETTINGS, (GITAI_SETTING, "true", frozenset(("true",))))
    changes = _give_back(repo, state, every)
    for remote in config.remotes(repo):
        if config.remove_value(repo, f"remote.{remote}.fetch", fetch_refspec(remote)):
            changes.append(
                {
                    "key": f"remote.{remote}.fetch",
                    "value": fetch_refspec(remote),
                    "action": "removed",
                }
            )
    (repo.git_dir / "signoff" / STATE_FILE).unlink(missing_ok=True)
    return {
        "repository": str(repo.root),
        "hooks_dir": str(hooks_dir),
        "hooks": hooks,
        "config": changes,
        "notes_kept": NOTES_REF,
    }


# -- hooks --------------------------------------------------------------------------------------


def hook_script(name: str, python: str, package_dir: str) -> str:
    """The sh script installed as hook `name`."""
    # git runs every hook of one commit as its own child: $PPID names that `git commit`
    run = (
        f'SIGNOFF_GIT_PID=$PPID "$signoff_python" -I -S -c {_sh_quote(BOOTSTRAP)} '
        f'"$signoff_path" {name} "$@"'
        f' || echo "signoff: warning: the {name} hook failed; provenance not recorded" >&2'
    )
    # pre-push reads the pushed refs on stdin: read them once, hand them to both hooks
    replay = 'if [ -n "$refs" ]; then printf \'%s\\n\' "$refs"; fi'
    fast = ""
    if name in ("pre-push", "post-rewrite"):
        # a failing pre-push hook fails the push; post-rewrite's status means nothing to git
        fails = " || exit $?" if name == "pre-push" else ""
        chain = (
            f'refs=$(cat)\nif [ -x "$chained" ]; then\n    {replay} | "$chained" "$@"{fails}\nfi\n'
        )
        run = f"{replay} | {run}"
        finish = "exit 0"
        if name == "post-rewrite":
            # line records are carried only where notes exist at all
            fast = f"git rev-parse -q --verify {NOTES_REF} >/dev/null 2>&1 || exit 0\n"
    elif name == "commit-msg":
        chain = 'if [ -x "$chained" ]; then\n    "$chained" "$@" || exit $?\nfi\n'
        fast = (
            "signoff_signal || grep -qiE "
            "'^[[:space:]]*(ai-assisted|accepted-by|ai-session)[[:space:]]*:' \"$1\" 2>/dev/null"
            " || exit 0\n"
        )
        finish = "exit 0"
    else:
        chain = 'status=0\nif [ -x "$chained" ]; then\n    "$chained" "$@"\n    status=$?\nfi\n'
        fast = PENDING_NOTE + (
            'if ! signoff_signal && [ -z "${GIT_DIR:-}" ] && [ -d .git ] '
            f"&& [ ! -f .git/CHERRY_PICK_HEAD ] && [ ! -s {CAPTURE_LOG} ]; then\n"
            "    exit $status\nfi\n"
        )
        finish = "exit $status"
    return (
        "#!/bin/sh\n"
        f"{MARKER} {name} (signoff {signoff.__version__})\n"
        "# Installed by `signoff init`: records AI provenance (commit trailers and a note under\n"
        "# refs/notes/signoff). `signoff init --uninstall` removes it and restores any hook it\n"
        f"# chained ({name}{CHAINED_SUFFIX}). Signoff's own failures never block git.\n"
        f"signoff_python={_sh_quote(python)}\n"
        f"signoff_path={_sh_quote(package_dir)}\n"
        'case "$0" in */*) hook_dir=${0%/*} ;; *) hook_dir=. ;; esac\n'
        f'chained="$hook_dir/{name}{CHAINED_SUFFIX}"\n'
        f"{_signal_function()}"
        f"{chain}"
        f"{fast}"
        'if [ -x "$signoff_python" ]; then\n'
        f"    {run}\n"
        "else\n"
        '    echo "signoff: warning: $signoff_python is missing; provenance not recorded'
        ' (run signoff init again)" >&2\n'
        "fi\n"
        f"{finish}\n"
    )


# The capture working log (`recording/worklog.py`) as the post-commit script sees it.
CAPTURE_LOG = ".git/signoff/capture/log.jsonl"
CAPTURE_LOCK = ".git/signoff/capture/log.lock"
# post-commit in sh: commit-msg prepared everything (`hooks.prepare`): the note with its line
# record on the first line (empty: nothing to write), the working log's `commit` records after
# it; only the new commit id is missing, so no Python start. The bundle is taken only when it
# was prepared for this commit: the same git process ($PPID), tree and parent, and no older
# than the commit's message (git writes COMMIT_EDITMSG before commit-msg runs); anything else
# (an amend, --no-verify, a linked worktree) is left to Python.
# The note is appended on a private copy of the notes ref that replaces the real one only if
# nobody moved it meanwhile (`update-ref REF NEW OLD`), else again: `hooks.append_note` in sh.
# The records are appended under the working log's shared lock (flock(1); without it, Python).
PENDING_NOTE = (
    # HEAD, its tree and parents are asked for only when this git process left a bundle at all
    # (an emptied one was taken already)
    "sha=; tree=; parent=; merge=; note=; record=\n"
    'for pending in ".git/signoff/pending-$PPID"-*; do\n'
    '    if [ -s "$pending" ]; then\n'
    "        # shellcheck disable=SC2046\n"
    "        set -- $(git rev-parse HEAD 'HEAD^{tree}' 'HEAD^@' 2>/dev/null)\n"
    f"        sha=${{1:-}}; tree=${{2:-}}; parent=${{3:-{ROOT}}}; merge=${{4:-}}\n"
    "        break\n"
    "    fi\n"
    "done\n"
    'pending=".git/signoff/pending-$PPID-$tree-$parent"\n'
    # the records are appended under the working log's lock: without flock(1), Python does it
    # (and a shell without `-nt` fails the test: Python again)
    "# shellcheck disable=SC3013\n"
    'if [ -n "$tree" ] && [ -z "$merge" ] && [ -z "${GIT_DIR:-}" ] && [ -s "$pending" ]'
    ' && [ ! .git/COMMIT_EDITMSG -nt "$pending" ] && command -v flock >/dev/null 2>&1; then\n'
    # one pass over the bundle (sh reads byte by byte): the note, then each record appended
    # with one write on the O_APPEND log (as `worklog.append`), so none interleaves
    "    {\n"
    "        IFS= read -r note\n"
    "        if IFS= read -r record; then\n"
    "            { flock -s 9 && while :; do\n"
    f"                printf '%s\\n' \"${{record%%{COMMIT_PLACEHOLDER}*}}$sha"
    f'${{record#*{COMMIT_PLACEHOLDER}}}" >> {CAPTURE_LOG}\n'
    "                IFS= read -r record || break\n"
    f'            done; }} 9>> {CAPTURE_LOCK} || echo "signoff: warning: post-commit: could not'
    " lock the capture working log; the next commit's line record starts earlier\" >&2\n"
    "        fi\n"
    '    } < "$pending"\n'
    # a ref's value from its loose file, as git reads it first (no process); git is asked when
    # there is none (a packed ref, another ref store). A stale value only fails the swap below.
    "    signoff_ref() {\n"
    "        ref=\n"
    '        if [ -f ".git/$1" ]; then IFS= read -r ref < ".git/$1" || ref=; fi\n'
    "        case ${#ref}:$ref in 40:*[!0-9a-f]* | 64:*[!0-9a-f]*) ref= ;; 40:* | 64:*) ;; *) ref= ;; esac\n"
    '        [ -n "$ref" ] || ref=$(git rev-parse -q --verify "$1") || ref=\n'
    "    }\n"
    '    if [ -n "$note" ]; then\n'
    # scratch refs a killed writer left (named `<pid>-...`) go when no process of that id runs,
    # at the value read, as `hooks.append_note` sweeps them. Only loose refs (a glob: no
    # process when there is none), and only where /proc answers for another user's process
    # too (`kill -0` cannot tell "gone" from "not yours"); else the next Python write does it.
    "        if [ -d /proc/self ]; then\n"
    f"            for stale in .git/{SCRATCH_PREFIX}*; do\n"
    '                [ -f "$stale" ] || continue\n'
    "                pid=${stale##*/}; pid=${pid%%-*}\n"
    "                case $pid in '' | *[!0-9]*) continue ;; esac\n"
    '                [ -d "/proc/$pid" ] && continue\n'
    '                signoff_ref "${stale#.git/}"\n'
    '                [ -z "$ref" ] || git update-ref -d "${stale#.git/}" "$ref" 2>/dev/null || :\n'
    "            done\n"
    "        fi\n"
    f'        note="${{note%%{COMMIT_PLACEHOLDER}*}}$sha${{note#*{COMMIT_PLACEHOLDER}}}"\n'
    "        n=0; written=\n"
    f'        while [ -z "$written" ] && [ $n -lt {APPEND_ATTEMPTS} ]; do\n'
    f"            signoff_ref {NOTES_REF}; old=$ref\n"
    f'            scratch="{SCRATCH_PREFIX}$$-$n"; n=$((n + 1))\n'
    '            if [ -n "$old" ] && ! git update-ref "$scratch" "$old"; then break; fi\n'
    '            if ! printf \'%s\\n\' "$note" | git notes --ref="$scratch" append -F - "$sha"; then\n'
    '                git update-ref -d "$scratch" 2>/dev/null; break\n'
    "            fi\n"
    '            signoff_ref "$scratch"; new=$ref\n'
    # one transaction: the notes ref moves only from what the copy started from (or is created
    # only if still absent), and the copy goes; on a race neither happens and the copy is dropped
    f'            if [ -n "$old" ]; then swap="update {NOTES_REF} $new $old"; '
    f'else swap="create {NOTES_REF} $new"; fi\n'
    '            if printf \'%s\\ndelete %s\\n\' "$swap" "$scratch" | git update-ref --stdin 2>/dev/null\n'
    '            then written=1; else git update-ref -d "$scratch"; fi\n'
    "        done\n"
    '        [ -n "$written" ] || echo "signoff: warning: post-commit: could not write the Signoff'
    ' note on $sha; provenance not recorded (git goes ahead)" >&2\n'
    "    fi\n"
    # emptied, not removed (no process): taken; the next commit-msg clears it
    '    : > "$pending"\n'
    "    exit $status\n"
    "fi\n"
)


def _signal_function() -> str:
    """sh: is there anything Signoff could record? False means Python need not even start.

    Deliberately loose (any of the variables set at all); Python applies the exact rules.
    """
    names = ["SIGNOFF_AI", "AI_AGENT", "AGENT"]
    for signal in SIGNALS:
        if signal.var not in names:
            names.append(signal.var)
    joined = "".join("${" + n + ":-}" for n in names)
    return (
        "signoff_signal() {\n"
        f'    [ -n "{joined}" ] && return 0\n'
        '    case "${GIT_AUTHOR_NAME:-}" in *" (aider)") return 0 ;; esac\n'
        '    [ -n "$(git config --get signoff.ai 2>/dev/null)" ]\n'
        "}\n"
    )


def is_signoff_hook(path: Path) -> bool:
    try:
        with path.open("rb") as fh:
            head = fh.read(400)
    except OSError:
        return False
    return MARKER.encode() in head


def _install_hook(hooks_dir: Path, name: str, python: str, package_dir: str) -> dict[str, Any]:
    path = hooks_dir / name
    chained = hooks_dir / f"{name}{CHAINED_SUFFIX}"
    script = hook_script(name, python, package_dir)
    entry: dict[str, Any] = {"hook": name, "path": str(path), "chained": None}
    if path.exists() or path.is_symlink():
        if is_signoff_hook(path):
            same = path.read_text(errors="replace") == script
            entry["action"] = "unchanged" if same else "updated"
        elif chained.exists() or chained.is_symlink():
            entry["action"] = "refused"
            entry["problem"] = (
                f"{path} and {chained} both exist and neither is Signoff's; merge them into one "
                "hook by hand, then run signoff init again"
            )
            return entry
        else:
            path.rename(chained)
            entry["action"] = "installed, existing hook chained"
    else:
        entry["action"] = "installed"
    if chained.exists() or chained.is_symlink():
        entry["chained"] = str(chained)
    if entry["action"] != "unchanged":
        _write_executable(path, script)
    return entry


def _copies_notes(installed: list[dict[str, Any]]) -> bool:
    """Whether Signoff's post-rewrite hook is in place to copy notes on amend and rebase."""
    return any(h["hook"] == "post-rewrite" and h["action"] != "refused" for h in installed)


def _uninstall_hook(hooks_dir: Path, name: str) -> dict[str, Any]:
    path = hooks_dir / name
    chained = hooks_dir / f"{name}{CHAINED_SUFFIX}"
    entry: dict[str, Any] = {"hook": name, "path": str(path)}
    if not (path.exists() or path.is_symlink()):
        entry["action"] = "not installed"
    elif not is_signoff_hook(path):
        entry["action"] = "left alone (not Signoff's)"
        return entry
    else:
        path.unlink()
        entry["action"] = "removed"
    if chained.exists() or chained.is_symlink():
        if path.exists() or path.is_symlink():
            entry["problem"] = f"{chained} kept: {path} exists"
        else:
            chained.rename(path)
            entry["action"] += ", original hook restored"
    return entry


def _write_executable(path: Path, text: str) -> None:
    tmp = path.with_name(f".{path.name}.signoff-tmp")
    tmp.write_text(text)
    mode = tmp.stat().st_mode
    tmp.chmod(mode | stat.S_IXUSR | stat.S_IXGRP | stat.S_IXOTH | stat.S_IRUSR)
    os.replace(tmp, path)


def _sh_quote(text: str) -> str:
    return "'" + text.replace("'", "'\\''") + "'"


def _inside(path: Path, repo: Repo) -> bool:
    """Whether `path` belongs to this repository: its work tree or its (common) git directory,
    which a linked worktree or a `--separate-git-dir` keeps outside the work tree."""
    resolved = path.resolve()
    return any(resolved.is_relative_to(top.resolve()) for top in (repo.root, repo.git_dir))


# -- config -------------------------------------------------------------------------------------


def _configure(
    repo: Repo, state: dict[str, Any], *, git_copies_notes: bool
) -> list[dict[str, Any]]:
    changes: list[dict[str, Any]] = []
    if git_copies_notes:
        added = config.add_value(repo, "notes.rewriteRef", NOTES_REF)
        action = "added" if added else "unchanged"
        changes.append({"key": "notes.rewriteRef", "value": NOTES_REF, "action": action})
    else:  # an older init's: the post-rewrite hook copies the notes now
        changes += _give_back(repo, state, REWRITE_SETTINGS)
    previous: dict[str, str | None] = state.setdefault("previous", {})
    for key, value, acceptable in SETTINGS + (REWRITE_SETTINGS if git_copies_notes else ()):
        current = config.get(repo, key)
        if current in acceptable:
            changes.append({"key": key, "value": current, "action": "unchanged"})
            continue
        previous.setdefault(key, current)
        config.set_value(repo, key, value)
        action = "set" if current is None else f"changed from {current}"
        changes.append({"key": key, "value": value, "action": action})
    return changes


def _give_back(
    repo: Repo, state: dict[str, Any], settings: tuple[tuple[str, str, Any], ...]
) -> list[dict[str, Any]]:
    """Remove init's `notes.rewriteRef` value and put back each of `settings` that init set
    and nobody has changed since (what it was, or unset)."""
    changes: list[dict[str, Any]] = []
    if config.remove_value(repo, "notes.rewriteRef", NOTES_REF):
        changes.append({"key": "notes.rewriteRef", "value": NOTES_REF, "action": "removed"})
    saved: dict[str, str | None] = state.get("previous", {})
    for key, value, _ in settings:
        current = config.get(repo, key)
        if key not in saved or current != value:
            continue  # not changed by init, or changed by someone since: leave it
        before = saved.pop(key)
        if before is None:
            config.unset(repo, key)
            changes.append({"key": key, "value": None, "action": "unset"})
        else:
            config.set_value(repo, key, before)
            changes.append({"key": key, "value": before, "action": "restored"})
    return changes


def _set_saved(repo: Repo, state: dict[str, Any], key: str, value: str) -> dict[str, Any]:
    """Set one config value, keeping what it was for uninstall."""
    current = config.get(repo, key)
    if current == value:
        return {"key": key, "value": value, "action": "unchanged"}
    state.setdefault("previous", {}).setdefault(key, current)
    config.set_value(repo, key, value)
    return {
        "key": key,
        "value": value,
        "action": "set" if current is None else f"changed from {current}",
    }


def _configure_remotes(repo: Repo) -> list[dict[str, Any]]:
    out = []
    for remote in config.remotes(repo):
        spec = fetch_refspec(remote)
        added = config.add_value(repo, f"remote.{remote}.fetch", spec)
        out.append({"remote": remote, "fetch": spec, "action": "added" if added else "unchanged"})
    return out


def _load_state(repo: Repo) -> dict[str, Any]:
    path = repo.git_dir / "signoff" / STATE_FILE
    try:
        loaded = json.loads(path.read_text())
    except (OSError, ValueError):
        return {}
    return loaded if isinstance(loaded, dict) else {}


def _save_state(repo: Repo, state: dict[str, Any]) -> None:
    path = repo.git_dir / "signoff" / STATE_FILE
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(state, indent=2, sort_keys=True) + "\n")
