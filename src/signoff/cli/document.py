"""The versioned JSON document every `--json` prints; import-free so `explain` stays fast."""

from __future__ import annotations

import json
from typing import Any

JSON_SCHEMA_VERSION = "1"


def versioned(kind: str, data: Any) -> dict[str, Any]:
    """`{"schema": "signoff/<kind>/v1", ...data}`: the document a command's `--json` prints."""
    return {"schema": f"signoff/{kind}/v{JSON_SCHEMA_VERSION}", **data}


def json_document(kind: str, data: Any) -> str:
    """The versioned document as indented text with a final newline."""
    return json.dumps(versioned(kind, data), indent=2, ensure_ascii=False, default=str) + "\n"
