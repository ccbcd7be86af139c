"""The versioned JSON document every `--json` prints; import-free so `explain` stays fast."""

from __future__ import annotations

import json
from typing import Any

JSON_SCHEMA_VERSION = "1"
# Documents whose shape broke: v2 split "AI lines" into AI-attributed lines (line records) and
# lines in AI-assisted commits without a line record (docs/json-output.md says what changed).
SCHEMA_VERSIONS = {
    "stats": "2",
    "explain": "2",
    "blame": "2",
    "check": "2",
    "decay": "2",
    "incident-tools": "2",
}


def schema_version(kind: str) -> str:
    """The version of a document kind's JSON shape."""
    return SCHEMA_VERSIONS.get(kind, JSON_SCHEMA_VERSION)


def versioned(kind: str, data: Any) -> dict[str, Any]:
    """`{"schema": "signoff/<kind>/vN", ...data}`: the document a command's `--json` prints."""
    return {"schema": f"signoff/{kind}/v{schema_version(kind)}", **data}


def json_document(kind: str, data: Any) -> str:
    """The versioned document as indented text with a final newline."""
    return json.dumps(versioned(kind, data), indent=2, ensure_ascii=False, default=str) + "\n"
