"""The incident, postmortem and budget commands end to end: text, --json, exit codes."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import jsonschema

from tests.gitrepo import GitRepo
from tests.incident_fixtures import build

SCHEMAS = Path(__file__).resolve().parent.parent / "docs" / "schemas"


def signoff(repo: GitRepo, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "signoff", *args],
        cwd=repo.path,
        capture_output=True,
        text=True,
        env=repo.env,
    )


def doc(repo: GitRepo, *args: str) -> dict[str, Any]:
    proc = signoff(repo, *args, "--json")
    assert proc.returncode == 0, proc.stderr
    data: dict[str, Any] = json.loads(proc.stdout)
    kind, version = data["schema"].split("/")[1:]
    jsonschema.validate(data, json.loads((SCHEMAS / f"{kind}-{version}.json").read_text()))
    return data


def test_incident_lifecycle_through_the_cli(repo: GitRepo) -> None:
    w = build(repo)
    opened = doc(
        repo,
        "incident",
        "open",
        "Payments down",
        "-s",
        "sev1",
        "--started",
        "2026-01-05T14:00",
        "-c",
        "config",
        "--service",
        "payments-api",
    )
    assert opened["schema"] == "signoff/incident/v1" and opened["incident"]["id"] == "INC-0001"
    doc(repo, "incident", "link", "INC-0001", w.ai_commit, "--note", "timeout")
    doc(
        repo,
        "incident",
        "update",
        "INC-0001",
        "--set",
        "categories=dependency",
        "--action",
        "Diff configs in CI",
        "--owner",
        "ada",
        "--due",
        "2026-02-01",
    )
    resolved = doc(repo, "incident", "resolve", "INC-0001", "--at", "2026-01-05T15:30")
    assert resolved["incident"]["status"] == "resolved"

    listing = doc(repo, "incident", "list")
    jsonschema.validate(listing, json.loads((SCHEMAS / "incidents-v1.json").read_text()))
    listed = listing["incidents"]
    assert [(i["id"], i["label"], i["impact_minutes"]) for i in listed] == [
        ("INC-0001", "ai-connected", 90)
    ]
    assert (
        doc(repo, "incident", "list", "--commit", w.ai_commit)["incidents"][0]["id"] == "INC-0001"
    )
    assert doc(repo, "incident", "list", "--commit", w.human_commit)["incidents"] == []
    assert (
        len(
            doc(repo, "incident", "list", "--path", "payments", "--label", "ai-connected")[
                "incidents"
            ]
        )
        == 1
    )
    assert doc(repo, "incident", "list", "--status", "open")["incidents"] == []
    shown = doc(repo, "incident", "show", "INC-0001")
    assert shown["connection"]["label"] == "ai-connected"

    traced = doc(repo, "incident", "trace", "INC-0001", "--now", "2026-02-01T00:00")
    assert traced["control"]["control"] == "review-unevidenced"
    assert traced["changes"][0]["gate"]["recorded"] is False

    pm = doc(repo, "postmortem", "INC-0001", "--now", "2026-02-01T00:00")
    assert pm["actions"][0] == {
        "title": "Diff configs in CI",
        "owner": "Ada Lovelace",
        "owner_id": "ada",
        "due": "2026-02-01",
        "source": "recorded",
    }
    out = repo.path / "pm.html"
    html = signoff(repo, "postmortem", "INC-0001", "-f", "html", "-o", str(out))
    assert html.returncode == 0, html.stderr
    assert out.read_text().startswith("<!doctype html>")
    text = signoff(repo, "postmortem", "INC-0001")
    assert "## Which control let it through" in text.stdout

    budget = doc(repo, "budget", "--now", "2026-01-06T00:00", "-w", "payments")
    (pay,) = budget["workflows"]
    assert (pay["state"], pay["consumed"]["impact_minutes"]) == ("exhausted", 90)
    assert pay["recovers_at"] == "2026-02-04T14:00:00+00:00"
    assert pay["may_override"] == ["Ada Lovelace", "Grace Hopper", "Margaret Hamilton"]
    table = signoff(repo, "budget", "--now", "2026-01-06T00:00")
    assert "exhausted" in table.stdout and "payments" in table.stdout

    signoff(repo, "index")
    tools = doc(repo, "incident", "tools")["tools"]
    claude = next(t for t in tools if t["tool"] == "claude-code")
    assert claude["incidents"] == ["INC-0001"]
    # a commit-level marker: 3 lines in AI-assisted commits, none AI-attributed
    assert claude["ai_attributed_lines"] == 0
    assert claude["incidents_per_1000_ai_attributed_lines"] is None
    assert claude["ai_assisted_unrecorded_lines"] == 3
    assert claude["incidents_per_1000_ai_assisted_unrecorded_lines"] == 333.333
    assert claude["categories"] == {"config": 1, "dependency": 1}
    assert claude["owner"] == "Ada Lovelace"
    assert claude["failure_patterns"] == ["invents config keys"]


def test_bad_record_exits_2_with_position_and_fix(repo: GitRepo) -> None:
    build(repo)
    repo.write(
        ".signoff/incidents/INC-0001.yaml",
        "schema: signoff/incident/v1\nid: INC-0001\ntitle: t\nseverity: high\n"
        "started: 2026-01-01T00:00:00Z\n",
    )
    for args in (("incident", "list"), ("budget",), ("incident", "show", "INC-0001")):
        proc = signoff(repo, *args)
        assert proc.returncode == 2, (args, proc.stdout, proc.stderr)
        assert ".signoff/incidents/INC-0001.yaml:4:11" in proc.stderr
        assert "fix:" in proc.stderr and "Traceback" not in proc.stderr


def test_user_mistakes_exit_2(repo: GitRepo) -> None:
    build(repo)
    cases = [
        ("incident", "show", "INC-0042"),
        ("incident", "show", "../../etc/passwd"),
        ("incident", "open", "x", "--id", "../escape"),
        ("incident", "open", "x", "--started", "yesterday"),
        ("incident", "open", "x", "-s", "sev9"),
        ("incident", "link", "INC-0001", "nope"),
    ]
    signoff(repo, "incident", "open", "first")
    cases.append(("incident", "update", "INC-0001", "--action", "do it"))
    cases.append(("incident", "update", "INC-0001", "--set", "status=resolved"))
    cases.append(("postmortem", "INC-0001", "-f", "pdf"))
    cases.append(("incident", "trace", "INC-0001", "--gate-evidence", "missing.json"))
    for args in cases:
        proc = signoff(repo, *args)
        assert proc.returncode == 2, (args, proc.stdout, proc.stderr)
        assert "Traceback" not in proc.stderr and "fix:" in proc.stderr, (args, proc.stderr)
