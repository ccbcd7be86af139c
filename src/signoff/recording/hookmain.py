"""Entry point of the hook scripts `signoff init` installs: `main(["commit-msg", FILE])`.

The installed script runs `python -I -S` with this package's directory on sys.path and calls
`main`. It loads `signoff.git.hooks` without executing `signoff/git/__init__.py` (which imports
the whole `Repo` layer, a third of the time budget), and it never lets Signoff's own failure reach
git: any exception is one warning line on stderr and exit code 0, so a commit or push goes ahead.
"""

from __future__ import annotations

import os
import sys

USAGE = "usage: hookmain commit-msg FILE | post-commit | pre-push REMOTE URL | post-rewrite KIND"


def main(argv: list[str], *, light: bool = False) -> int:
    """Run one hook; always returns 0 (a warning is printed when Signoff could not record).

    `light` (set by the installed script only) skips `signoff/git/__init__.py` for speed.
    """
    name = argv[0] if argv else ""
    try:
        if light:
            _light_git_package()
        from signoff.recording import hooks

        cwd = os.getcwd()
        env = os.environ
        if name == "commit-msg" and len(argv) >= 2:
            hooks.commit_msg(argv[1], cwd=cwd, env=env)
        elif name == "post-commit":
            hooks.post_commit(cwd=cwd, env=env)
        elif name == "pre-push" and len(argv) >= 2:
            refs = sys.stdin.buffer.read() if sys.stdin is not None else b""
            report = hooks.pre_push(
                argv[1], argv[2] if len(argv) > 2 else "", refs, cwd=cwd, env=env
            )
            if report.get("pushed"):
                sys.stderr.write(f"signoff: pushed refs/notes/signoff to {argv[1]}\n")
            elif report.get("background"):
                sys.stderr.write(f"signoff: {report['reason']}\n")
            elif report.get("failed"):
                warn(f"notes not pushed to {argv[1]}: {report['reason']}")
        elif name == "post-rewrite" and len(argv) >= 2:
            rewritten = sys.stdin.buffer.read() if sys.stdin is not None else b""
            report = hooks.post_rewrite(argv[1], rewritten, cwd=cwd, env=env)
            if report.get("mapping_error"):
                warn(
                    f"post-rewrite: notes copied, line records not mapped ({report['mapping_error']})"
                )
        else:
            warn(f"unknown hook call {' '.join(argv)!r} ({USAGE})")
    except KeyboardInterrupt:
        warn(f"{name} interrupted; provenance not recorded")
    except BaseException as exc:  # a hook must never fail git for Signoff's own reasons
        if isinstance(exc, SystemExit) and not exc.code:
            return 0
        warn(f"{name}: {_describe(exc)}; provenance not recorded (git goes ahead)")
    return 0


def warn(text: str) -> None:
    try:  # noqa: SIM105 - contextlib is one more import on every commit
        sys.stderr.write(f"signoff: warning: {text}\n")
    except Exception:  # stderr is closed: nothing more to do
        pass


def _describe(exc: BaseException) -> str:
    text = str(exc).strip().splitlines()
    return f"{type(exc).__name__}: {text[0]}" if text else type(exc).__name__


def _light_git_package() -> None:
    """Make `import signoff.git.hooks` skip the package's __init__ (hook processes only)."""
    if "signoff.git" in sys.modules:
        return
    package = type(sys)("signoff.git")
    package.__path__ = [os.path.join(os.path.dirname(os.path.dirname(__file__)), "git")]
    sys.modules["signoff.git"] = package
