"""The versioned JSON document every `--json` prints; import-free so `explain` stays fast."""

from __future__ import annotations

import json
from typing import Any

from signoff.jsonsafe import escape_invisible

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


# Above this many items a long list prints one compact item per line: Python's JSON encoder
# is pure Python when indenting, and a 10,000-commit document would spend seconds in it.
COMPACT_ABOVE = 100


def versioned(kind: str, data: Any) -> dict[str, Any]:
    """`{"schema": "signoff/<kind>/vN", ...data}`: the document a command's `--json` prints."""
    return {"schema": f"signoff/{kind}/v{schema_version(kind)}", **data}


def json_document(kind: str, data: Any, *, long_list: str | None = None) -> str:
    """The versioned document as indented text with a final newline.

    `long_list` names a top-level list that, when long, is written one item per line (same
    JSON value, C-speed encoding).
    """
    doc = versioned(kind, data)
    items = doc.get(long_list) if long_list else None
    if not isinstance(items, list) or len(items) <= COMPACT_ABOVE:
        return escape_invisible(json.dumps(doc, indent=2, ensure_ascii=False, default=str) + "\n")
    rest = {k: v for k, v in doc.items() if k != long_list}
    head = json.dumps(rest, indent=2, ensure_ascii=False, default=str)
    encode = json.JSONEncoder(ensure_ascii=False, default=str).encode
    body = ",\n".join("    " + encode(item) for item in items)
    return escape_invisible(f'{head[:-2]},\n  "{long_list}": [\n{body}\n  ]\n}}\n')
