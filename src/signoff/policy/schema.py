"""The JSON Schemas of `signoff.yaml` and of exception files, generated from the models.

Editors (the YAML language server) validate and complete against them; the committed copies in
docs/schemas/ are tested to equal what this module generates, so they cannot drift.
"""

from __future__ import annotations

import json
from typing import Any, Literal

from signoff.policy.model import ExceptionRecord, PolicyDocument

SchemaName = Literal["policy", "exception"]
DRAFT = "https://json-schema.org/draft/2020-12/schema"


def json_schema(name: SchemaName = "policy") -> dict[str, Any]:
    """The JSON Schema for a policy file or an exception file."""
    if name == "policy":
        schema = PolicyDocument.model_json_schema(by_alias=True)
    else:
        schema = ExceptionRecord.model_json_schema(by_alias=True)
        schema["$id"] = "https://signoff.dev/schemas/signoff-exception-v1.json"
        schema["title"] = "signoff exception (.signoff/exceptions/*.yaml)"
    return {"$schema": DRAFT, **schema}


def json_schema_text(name: SchemaName = "policy") -> str:
    """The schema as committed: stable key order, two-space indent, trailing newline."""
    return json.dumps(json_schema(name), indent=2, ensure_ascii=False) + "\n"
