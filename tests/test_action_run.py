"""The composite action's shell steps, run as a runner runs them, on real repositories.

A small runner: each `run:` step of action.yml in order, under `bash -eo pipefail`, with its
`env:` expressions (`inputs.*`, `steps.*.outputs.*`, `github.token`) filled in and the step's
`$GITHUB_OUTPUT` read back. `uses:` steps are the runner's (setup-python) and the install step
is replaced by this test's own environment (`$RUNNER_TEMP/signoff` is this interpreter's);
what the install step runs is checked in test_integrations.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from ruamel.yaml import YAML

from tests.gitrepo import GitRepo
from tests.test_gate import CLAUDE, POLICY
from tests.tools import ROOT

EXPR = re.compile(r"\$\{\{\s*([^}]+?)\s*\}\}")


class Run:
    def __init__(self, workspace: Path, tmp: Path, event: dict[str, Any], inputs: dict[str, str]):
        self.workspace = workspace
        self.temp = tmp / "runner-temp"
        self.temp.mkdir()
        (self.temp / "signoff").symlink_to(Path(sys.prefix))  # "installed" Signoff
        self.event = tmp / "event.json"
        self.event.write_text(json.dumps(event), "utf-8")
        self.summary = tmp / "summary.md"
        self.summary.write_text("")
        action = YAML(typ="safe").load((ROOT / "action.yml").read_text("utf-8"))
        self.inputs = {k: str(v.get("default", "")) for k, v in action["inputs"].items()}
        self.inputs.update(inputs)
        self.inputs["token"] = ""  # no network: the fetches go to a local origin
        self.steps: list[dict[str, Any]] = action["runs"]["steps"]
        self.outputs: dict[str, dict[str, str]] = {}
        self.logs: list[str] = []

    def value(self, expr: str) -> str:
        if expr.startswith("inputs."):
            return self.inputs[expr.removeprefix("inputs.")]
        if expr == "github.token":
            return ""
        m = re.fullmatch(r"steps\.([\w-]+)\.outputs\.([\w-]+)", expr)
        assert m, f"the test runner does not know {expr!r}"
        return self.outputs.get(m.group(1), {}).get(m.group(2), "")

    def condition(self, text: str) -> bool:
        # the forms action.yml uses: `a == 'x' && b != 'y'`
        ok = True
        for part in text.split("&&"):
            m = re.fullmatch(r"\s*([\w.-]+)\s*(==|!=)\s*'([^']*)'\s*", part)
            assert m, f"the test runner does not know the condition {text!r}"
            equal = self.value(m.group(1)) == m.group(3)
            ok = ok and (equal if m.group(2) == "==" else not equal)
        return ok

    def run(self) -> int:
        for step in self.steps:
            if "uses" in step or step.get("name", "").startswith("Install Signoff"):
                continue
            if "if" in step and not self.condition(step["if"]):
                continue
            out = self.temp / "output"
            out.write_text("")
            env = {
                **os.environ,
                "GITHUB_OUTPUT": str(out),
                "GITHUB_STEP_SUMMARY": str(self.summary),
                "GITHUB_EVENT_PATH": str(self.event),
                "GITHUB_SERVER_URL": "https://github.com",
                "RUNNER_TEMP": str(self.temp),
                "GITHUB_ACTION_PATH": str(ROOT),
            }
            env |= {
                k: EXPR.sub(lambda m: self.value(m.group(1)), str(v))
                for k, v in step.get("env", {}).items()
            }
            proc = subprocess.run(
                ["bash", "--noprofile", "--norc", "-eo", "pipefail", "-c", step["run"]],
                cwd=self.workspace,
                env=env,
                capture_output=True,
                text=True,
            )
            self.logs.append(f"## {step.get('name')}\n{proc.stdout}{proc.stderr}")
            if "id" in step:
                self.outputs[step["id"]] = dict(
                    line.split("=", 1) for line in out.read_text().splitlines() if "=" in line
                )
            if proc.returncode != 0:
                return proc.returncode
        return 0


@pytest.fixture
def workspace(tmp_path: Path, repo: GitRepo) -> tuple[GitRepo, Path]:
    """An origin with main (the policy) and a pull request branch; the runner's clone of it."""
    repo.commit("policy and code\n", {"signoff.yaml": POLICY, "crypto/keys.py": "KEY_BITS = 256\n"})
    repo.git("checkout", "-q", "-b", "feature")
    repo.commit("tune crypto" + CLAUDE, {"crypto/keys.py": "KEY_BITS = 64\n"})
    clone = tmp_path / "workspace"
    repo.git("clone", "-q", "--no-checkout", str(repo.path), str(clone))
    subprocess.run(["git", "checkout", "-q", "origin/feature"], cwd=clone, check=True, env=repo.env)
    return repo, clone


def _pull_event(base_sha: str) -> dict[str, Any]:
    pull = {
        "number": 7,
        "user": {"login": "grace"},
        "head": {"sha": "f" * 40, "ref": "feature"},
        "base": {"sha": base_sha, "ref": "main"},
        "title": "tune crypto",
        "state": "open",
    }
    return {
        "action": "submitted",
        "pull_request": pull,
        "sender": {"login": "ada"},
        "repository": {"full_name": "acme/app"},
    }


def test_review_event_blocked_change(workspace: tuple[GitRepo, Path], tmp_path: Path) -> None:
    repo, clone = workspace
    base_sha = repo.git("rev-parse", "main").strip()
    run = Run(clone, tmp_path, _pull_event(base_sha), {"fail": "true"})
    code = run.run()
    log = "\n".join(run.logs)
    assert code == 1, log
    assert run.outputs["base"] == {"ref": "main", "sha": base_sha}
    assert run.outputs["check"]["verdict"] == "blocked" and run.outputs["check"]["exit-code"] == "1"
    sarif = json.loads((clone / run.outputs["check"]["sarif"]).read_text("utf-8"))
    assert any(r["ruleId"] == "boundary.ai-forbidden" for r in sarif["runs"][0]["results"])
    assert "Signoff: blocked" in run.summary.read_text("utf-8")


def test_merge_group_with_fail_false(workspace: tuple[GitRepo, Path], tmp_path: Path) -> None:
    repo, clone = workspace
    group = {
        "merge_group": {
            "base_ref": "refs/heads/main",
            "base_sha": repo.git("rev-parse", "main").strip(),
        }
    }
    run = Run(clone, tmp_path, group, {"fail": "false"})
    assert run.run() == 0, "\n".join(run.logs)
    assert run.outputs["check"]["verdict"] == "blocked"  # reported, not failed: later steps decide


def test_no_base_is_reported_not_uploaded(workspace: tuple[GitRepo, Path], tmp_path: Path) -> None:
    _, clone = workspace
    run = Run(
        clone,
        tmp_path,
        {"ref": "refs/heads/feature", "sender": {"login": "ada"}},
        {"fail": "false"},
    )
    assert run.run() == 0, "\n".join(run.logs)
    assert run.outputs["check"] == {
        "exit-code": "2",
        "verdict": "error",
        "sarif": "",
        "comment": "",
    }
    assert "could not judge this change (exit 2)" in run.summary.read_text("utf-8")
    assert not (clone / "signoff.sarif").exists()
    assert "no base branch" in "\n".join(run.logs)
