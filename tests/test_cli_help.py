"""Every command's `--help`, found by walking the CLI itself, and the CLI's small contracts."""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import typer
from typer.testing import CliRunner

from signoff.cli.main import _register, app
from tests.gitrepo import GitRepo


def _commands() -> Iterator[tuple[str, ...]]:
    _register(None)
    root = typer.main.get_command(app)

    def walk(cmd: Any, path: tuple[str, ...]) -> Iterator[tuple[str, ...]]:
        yield path
        for name, sub in (getattr(cmd, "commands", None) or {}).items():  # a group's commands
            yield from walk(sub, (*path, name))

    yield from walk(root, ())


COMMANDS = sorted(_commands())


def test_the_walk_finds_the_commands() -> None:
    names = {" ".join(c) for c in COMMANDS}
    assert {"explain", "check", "hook commit-msg", "hook post-commit", "schema"} <= names
    assert len(COMMANDS) > 30


@pytest.mark.parametrize("path", COMMANDS, ids=lambda p: " ".join(p) or "signoff")
def test_help(path: tuple[str, ...]) -> None:
    result = CliRunner().invoke(app, [*path, "--help"], terminal_width=100)
    assert result.exception is None or isinstance(result.exception, SystemExit), result.output
    assert result.exit_code == 0, result.output
    assert "Usage" in result.output
    assert "Traceback" not in result.output


def _signoff(*args: str, cwd: Path | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "signoff", *args], cwd=cwd, capture_output=True, text=True
    )


def test_explain_without_a_target_prints_one_usage_message(repo: GitRepo) -> None:
    repo.commit("one\n", {"a.txt": "a\n"})
    out = _signoff("explain", cwd=repo.path)
    assert out.returncode == 2
    text = out.stdout + out.stderr
    assert text.count("Usage:") == 1, text
    assert "target" in text.lower() and "Traceback" not in text


def test_verify_a_garbage_file_exits_2(repo: GitRepo) -> None:
    repo.commit("one\n", {"a.txt": "a\n"})
    assert _signoff("keygen", cwd=repo.path).returncode == 0  # so the key is not what fails
    for content in (b"\x00\x01garbage", b"\xff\xfe", b"{not", b'{"payloadType": 3}', b"[]", b""):
        bad = repo.path / "bad.json"
        bad.write_bytes(content)
        out = _signoff("verify", str(bad), cwd=repo.path)
        assert out.returncode == 2, (content, out.stdout, out.stderr)
        assert "not an attestation file" in out.stderr and "Traceback" not in out.stderr


def test_schema_prints_any_shipped_schema() -> None:
    import json

    listed = _signoff("schema", "--list", "--json")
    names = json.loads(listed.stdout)["schemas"]
    assert {"check", "signoff-policy", "signoff-exception", "schema-list"} <= set(names)
    for name in ("check", "signoff-policy", "policy", "explain-v1"):
        doc = json.loads(_signoff("schema", name).stdout)
        assert doc["$schema"].startswith("https://json-schema.org/")
    missing = _signoff("schema", "nope")
    assert missing.returncode == 2 and "signoff schema --list" in missing.stderr


def test_attest_provenance_json_summary(repo: GitRepo, tmp_path: Path) -> None:
    import json

    import jsonschema

    repo.commit("one\n", {"a.txt": "a\n"})
    assert _signoff("keygen", cwd=repo.path).returncode == 0
    target = tmp_path / "att.jsonl"
    out = _signoff("attest-provenance", "HEAD", "-o", str(target), "--json", cwd=repo.path)
    assert out.returncode == 0, out.stderr
    doc = json.loads(out.stdout)
    schema = Path(__file__).parent.parent / "docs" / "schemas" / "attest-provenance-v1.json"
    jsonschema.validate(doc, json.loads(schema.read_text("utf-8")))
    assert doc["attestations"] == 1 == len(target.read_text("utf-8").splitlines())
    assert _signoff("verify", str(target), cwd=repo.path).returncode == 0
