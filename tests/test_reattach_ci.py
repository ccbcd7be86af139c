"""The reattach CI snippets (GitHub Actions, GitLab CI), checked by the ecosystems' own tools,
and the copies shown in docs/recording.md kept identical to the shipped files."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest

from tests.tools import ROOT, tool

WORKFLOW = ROOT / "examples" / "github" / "signoff-reattach.yml"
GITLAB = ROOT / "examples" / "gitlab" / "signoff-reattach.gitlab-ci.yml"
DOCS = ROOT / "docs" / "recording.md"


def run(*args: str) -> None:
    proc = subprocess.run(list(args), cwd=ROOT, capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, f"{' '.join(args)}:\n{proc.stdout}\n{proc.stderr}"


def test_actionlint_with_shellcheck() -> None:
    run(tool("actionlint"), "-shellcheck", tool("shellcheck"), "-oneline", str(WORKFLOW))


def test_zizmor_offline_pedantic() -> None:
    run(tool("zizmor"), "--offline", "--no-progress", "--persona", "pedantic", str(WORKFLOW))


@pytest.mark.parametrize(
    ("schema", "path"),
    [("vendor.github-workflows", WORKFLOW), ("vendor.gitlab-ci", GITLAB)],
)
def test_platform_schema(schema: str, path: Path) -> None:
    run(tool("check-jsonschema"), "--builtin-schema", schema, str(path))


@pytest.mark.parametrize("path", [WORKFLOW, GITLAB])
def test_the_docs_show_the_shipped_file(path: Path) -> None:
    text = DOCS.read_text("utf-8")
    assert f"```yaml\n{path.read_text('utf-8')}```\n" in text, f"docs/recording.md: {path.name}"
