"""Record and output schemas: committed copies equal the generated ones, real output validates."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import jsonschema
import pytest

from signoff.incidents.budget import budget_report
from signoff.incidents.ops import link, open_incident, resolve
from signoff.incidents.schema import FILES, record_schema_text
from signoff.policy.yamlsafe import load_yaml
from tests.gitrepo import GitRepo
from tests.incident_fixtures import at, build

SCHEMAS = Path(__file__).resolve().parent.parent / "docs" / "schemas"


def schema(name: str) -> dict[str, Any]:
    data: dict[str, Any] = json.loads((SCHEMAS / name).read_text())
    return data


@pytest.mark.parametrize("name", list(FILES))
def test_committed_record_schemas_equal_the_generated_ones(name: str) -> None:
    assert (SCHEMAS / FILES[name]).read_text() == record_schema_text(name)  # type: ignore[arg-type]


def test_written_records_and_budget_output_validate(repo: GitRepo) -> None:
    w = build(repo)
    inc = open_incident(w.repo, "Payments down", "sev1", at("2026-01-05T14:00:00"))
    link(w.repo, inc.id, [w.ai_commit, "payments/config.py:1-2"])
    resolve(w.repo, inc.id, at("2026-01-05T15:30:00"))
    data, _ = load_yaml((repo.path / ".signoff/incidents/INC-0001.yaml").read_text())
    jsonschema.validate(data, schema(FILES["incident"]))
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.validate({**data, "severity": "sev9"}, schema(FILES["incident"]))
    out = {
        "schema": "signoff/budget/v1",
        "workflows": [s.to_json() for s in budget_report(w.repo, at("2026-01-06T00:00:00"))],
    }
    jsonschema.validate(out, schema("budget-v1.json"))
    assert {x["state"] for x in out["workflows"]} == {"ok", "exhausted"}
