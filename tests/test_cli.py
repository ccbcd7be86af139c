"""The real console entry point: exit codes, --help, and JSON validated against the schemas."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import jsonschema
import pytest

from signoff.cli.document import schema_version
from tests.gitrepo import GitRepo, run_signoff

SCHEMAS = Path(__file__).resolve().parent.parent / "docs" / "schemas"
CLAUDE = "\n\nCo-Authored-By: Claude Opus 4.5 <noreply@anthropic.com>\n"


def signoff(repo: GitRepo, *args: str) -> subprocess.CompletedProcess[str]:
    return run_signoff(repo, *args)


def validated(name: str, text: str) -> dict[str, Any]:
    doc: dict[str, Any] = json.loads(text)
    schema = json.loads((SCHEMAS / f"{name}-v{schema_version(name)}.json").read_text())
    jsonschema.validate(doc, schema)
    return doc


@pytest.fixture
def history(repo: GitRepo) -> GitRepo:
    repo.commit("base\n", {"app.py": "a = 1\n"})
    repo.commit("ai" + CLAUDE, {"app.py": "a = 1\nb = 2\n"})
    return repo


def test_help_lists_commands(history: GitRepo) -> None:
    out = signoff(history, "--help")
    assert out.returncode == 0
    for command in ("explain", "blame", "stats", "index"):
        assert command in out.stdout


@pytest.mark.parametrize(
    ("name", "args"),
    [
        ("explain", ["explain", "HEAD", "--json"]),
        ("explain", ["explain", "app.py:2", "--json"]),
        ("explain", ["explain", "HEAD~1..HEAD", "--json"]),
        ("blame", ["blame", "app.py", "--json"]),
        ("stats", ["stats", "--json"]),
        ("index", ["index", "--json"]),
    ],
)
def test_json_output_matches_its_schema(history: GitRepo, name: str, args: list[str]) -> None:
    out = signoff(history, *args)
    assert out.returncode == 0, out.stderr
    doc = validated(name, out.stdout)
    assert doc["schema"] == f"signoff/{name}/v{schema_version(name)}"


def test_user_error_exits_2_with_a_fix_and_no_traceback(history: GitRepo) -> None:
    out = signoff(history, "explain", "nope-not-a-thing")
    assert out.returncode == 2
    assert "error:" in out.stderr and "fix:" in out.stderr
    assert "Traceback" not in out.stderr


def test_outside_a_repository(tmp_path: Path, history: GitRepo) -> None:
    out = subprocess.run(
        [sys.executable, "-m", "signoff", "stats"],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        env=history.env,
    )
    assert out.returncode == 2 and "not inside a git repository" in out.stderr


def test_text_output_has_no_colour_when_piped(history: GitRepo) -> None:
    out = signoff(history, "explain", "HEAD")
    assert out.returncode == 0
    assert "\x1b[" not in out.stdout
    assert "claude-code" in out.stdout and "accepted by" in out.stdout


def test_fast_explain_accepts_exactly_the_typer_options() -> None:
    """The typer-free `explain` and `blame` paths and the typer commands must not drift apart."""
    import inspect

    from signoff.cli import blame_command, entry, explain_command

    for command, fast in (
        (explain_command.explain_command, entry.EXPLAIN_OPTIONS),
        (blame_command.blame_command, entry.BLAME_OPTIONS),
    ):
        typer_options = {}
        typer_defaults = {}
        for name, param in inspect.signature(command).parameters.items():
            decls = getattr(param.default, "param_decls", None)
            if decls and all(d.startswith("-") for d in decls):
                typer_options[name] = tuple(sorted(decls))
                typer_defaults[name] = param.default.default
        fast_options = {k: tuple(sorted(v)) for k, v in fast.items()}
        assert typer_options == fast_options
        assert typer_defaults == {k: entry._DEFAULTS[k] for k in fast}


def test_fast_and_full_explain_print_the_same_document(history: GitRepo) -> None:
    fast = signoff(history, "explain", "HEAD", "--json")
    full = subprocess.run(
        [
            sys.executable,
            "-c",
            "import sys; from signoff.cli.main import run; sys.argv[0]='signoff'; run()",
            "explain",
            "HEAD",
            "--json",
        ],
        cwd=history.path,
        capture_output=True,
        text=True,
        env=history.env,
    )
    assert fast.returncode == full.returncode == 0, full.stderr
    assert json.loads(fast.stdout) == json.loads(full.stdout)
    help_text = signoff(history, "explain", "--help")
    assert help_text.returncode == 0 and "--no-index" in help_text.stdout
