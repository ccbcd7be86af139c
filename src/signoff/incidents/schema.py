"""JSON Schemas of the incident and budget-override record files, generated from the models.

Editors validate `.signoff/incidents/*.yaml` against them; the committed copies in docs/schemas/
are tested to equal what this module generates, so the two cannot drift.
"""

from __future__ import annotations

import json
from typing import Any, Literal

from pydantic import BaseModel

from signoff.incidents.model import Attestation, BudgetOverride, Incident

RecordName = Literal["incident", "budget-override", "attestation"]
DRAFT = "https://json-schema.org/draft/2020-12/schema"
FILES: dict[RecordName, str] = {
    "incident": "signoff-incident-v1.json",
    "budget-override": "signoff-budget-override-v1.json",
    "attestation": "signoff-attestation-v1.json",
}
_TITLES: dict[RecordName, str] = {
    "incident": "signoff incident (.signoff/incidents/<id>.yaml)",
    "budget-override": "signoff budget override (.signoff/budget-overrides/<id>.yaml)",
    "attestation": "signoff understanding attestation (.signoff/attestations/<id>.yaml)",
}


def record_schema(name: RecordName) -> dict[str, Any]:
    """The JSON Schema of one record file kind."""
    models: dict[RecordName, type[BaseModel]] = {
        "incident": Incident,
        "budget-override": BudgetOverride,
        "attestation": Attestation,
    }
    model = models[name]
    schema = model.model_json_schema(by_alias=True)
    schema["$id"] = f"https://signoff.dev/schemas/{FILES[name]}"
    schema["title"] = _TITLES[name]
    return {"$schema": DRAFT, **schema}


def record_schema_text(name: RecordName) -> str:
    """As committed: two-space indent, trailing newline."""
    return json.dumps(record_schema(name), indent=2, ensure_ascii=False) + "\n"
