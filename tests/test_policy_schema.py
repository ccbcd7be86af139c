"""The policy's JSON Schema in editors: what `signoff init` writes, and that it rejects what the
loader rejects, judged by check-jsonschema and the loader on the same files."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from signoff.policy import PolicyError, load_policy_text
from tests.gitrepo import GitRepo
from tests.policy_fixtures import base, dump
from tests.tools import ROOT, tool

SCHEMA = ROOT / "docs" / "schemas" / "signoff-policy-v1.json"


def _person(doc: dict[str, Any], **change: Any) -> dict[str, Any]:
    doc["people"][0].update(change)
    return doc


def _escalation(doc: dict[str, Any], within: str) -> dict[str, Any]:
    doc["workflows"][0]["escalation"] = [{"person": "ada", "respond_within": within}]
    return doc


def _paths(doc: dict[str, Any], pattern: str) -> dict[str, Any]:
    doc["workflows"][0]["paths"] = [pattern]
    return doc


BAD: dict[str, Any] = {
    "duration-word": lambda d: _escalation(d, "soon"),
    "duration-unit": lambda d: _escalation(d, "2w"),
    "duration-number-only": lambda d: _escalation(d, "30"),
    "id-space": lambda d: _person(d, id="ada lovelace"),
    "id-leading-dash": lambda d: _person(d, id="-ada"),
    "id-too-long": lambda d: _person(d, id="a" * 65),
    "email-no-at": lambda d: _person(d, emails=["ada.example.com"]),
    "email-space": lambda d: _person(d, emails=["ada @example.com"]),
    "path-negation": lambda d: _paths(d, "!secret/"),
    "path-range": lambda d: _paths(d, "*.[ch]"),
    "path-double-slash": lambda d: _paths(d, "/src//x/"),
    "path-trailing-space": lambda d: _paths(d, "/src/ "),
    "unknown-key": lambda d: {**d, "workflowz": []},
}


def _judge(files: list[Path]) -> dict[str, bool]:
    """check-jsonschema's verdict per file: True when it validates."""
    proc = subprocess.run(
        [tool("check-jsonschema"), "--schemafile", str(SCHEMA), "-o", "json", *map(str, files)],
        capture_output=True,
        text=True,
    )
    report = json.loads(proc.stdout)
    failed = {Path(e["filename"]).name for e in report["errors"]}
    assert not report.get("parse_errors"), report
    return {f.name: f.name not in failed for f in files}


def test_schema_rejects_what_the_loader_rejects(tmp_path: Path) -> None:
    files = [tmp_path / "good.yaml"]
    files[0].write_text(dump(base()), "utf-8")
    for name, mutate in BAD.items():
        text = dump(mutate(base()))
        with pytest.raises(PolicyError):
            load_policy_text(text)
        (tmp_path / f"{name}.yaml").write_text(text, "utf-8")
        files.append(tmp_path / f"{name}.yaml")
    load_policy_text(files[0].read_text("utf-8"))  # the good one loads
    verdicts = _judge(files)
    assert verdicts.pop("good.yaml") is True
    assert {n for n, ok in verdicts.items() if ok} == set(), (
        "the schema accepts what the loader rejects"
    )


def test_the_example_is_valid_for_both(tmp_path: Path) -> None:
    example = ROOT / "examples" / "signoff.yaml"
    load_policy_text(example.read_bytes())
    assert _judge([example]) == {"signoff.yaml": True}


def test_init_points_editors_at_a_schema_in_the_repository(repo: GitRepo) -> None:
    repo.commit("codeowners\n", {"CODEOWNERS": "*.py @org/backend\n/docs/ @ada\n"})
    out = subprocess.run(
        [sys.executable, "-m", "signoff", "init", "--from-codeowners", "--no-hooks", "--json"],
        cwd=repo.path,
        capture_output=True,
        text=True,
        env=repo.env,
    )
    assert out.returncode == 0, out.stderr
    policy = repo.path / "signoff.yaml"
    first = policy.read_text("utf-8").splitlines()[0]
    assert first.startswith("# yaml-language-server: $schema=")
    target = policy.parent / first.split("$schema=", 1)[1]  # relative to the YAML file
    assert target.read_text("utf-8") == SCHEMA.read_text("utf-8")
    assert json.loads(out.stdout)["policy"]["schema"] == str(target)
    # the draft is schema-valid (it fails `policy check` on purpose, not the schema)
    assert _judge([policy]) == {"signoff.yaml": True}
