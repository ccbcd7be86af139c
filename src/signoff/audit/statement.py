"""In-toto Statement v1 for one change, carrying the versioned Signoff provenance predicate.

The predicate pins, by digest, every piece of evidence the provenance answer was read from
(the commit object, its notes, the policy in force), so `signoff verify` can tell later whether
any of it changed after the attestation was signed.
"""

from __future__ import annotations

import re
from typing import Any

from signoff.errors import shown

STATEMENT_TYPE = "https://in-toto.io/Statement/v1"
PREDICATE_TYPE = "https://signoff.dev/attestations/provenance/v1"
PREDICATE_SCHEMA = "signoff/provenance-predicate/v1"
_HEX = re.compile(r"^[0-9a-f]+$")
_DIGEST_LENGTHS = {"gitCommit": (40, 64), "sha256": (64,), "gitBlob": (40, 64)}

# The in-toto Statement v1 layout as a JSON Schema (tests validate every statement against it).
STATEMENT_SCHEMA: dict[str, Any] = {
    "$schema": "https://json-schema.org/draft/2020-12/schema",
    "type": "object",
    "required": ["_type", "subject", "predicateType", "predicate"],
    "properties": {
        "_type": {"const": STATEMENT_TYPE},
        "subject": {
            "type": "array",
            "minItems": 1,
            "items": {
                "type": "object",
                "required": ["name", "digest"],
                "properties": {
                    "name": {"type": "string", "minLength": 1},
                    "digest": {
                        "type": "object",
                        "minProperties": 1,
                        "additionalProperties": {"type": "string", "pattern": "^[0-9a-f]+$"},
                    },
                },
            },
        },
        "predicateType": {"type": "string", "format": "uri", "pattern": "^https://"},
        "predicate": {
            "type": "object",
            "required": ["schema", "commit", "provenance", "evidence", "generator"],
            "properties": {
                "schema": {"const": PREDICATE_SCHEMA},
                "evidence": {
                    "type": "object",
                    "properties": {
                        "incidents": {
                            "description": "Incident records at HEAD that name the commit.",
                            "type": "array",
                            "items": {"$ref": "#/$defs/pinnedFile"},
                        },
                        "exceptions": {
                            "description": "Every AI-boundary exception record at HEAD when "
                            "attested; absent in attestations made before they were pinned.",
                            "type": "array",
                            "items": {"$ref": "#/$defs/pinnedFile"},
                        },
                    },
                },
            },
        },
    },
    "$defs": {
        "pinnedFile": {
            "type": "object",
            "required": ["path", "gitBlob", "sha256"],
            "properties": {
                "path": {"type": "string"},
                "gitBlob": {"type": "string", "pattern": "^[0-9a-f]+$"},
                "sha256": {"type": "string", "pattern": "^[0-9a-f]{64}$"},
            },
        },
    },
}


def subject_name(sha: str) -> str:
    return f"git+commit:{sha}"


def build_statement(sha: str, commit_sha256: str, predicate: dict[str, Any]) -> dict[str, Any]:
    return {
        "_type": STATEMENT_TYPE,
        "subject": [
            {"name": subject_name(sha), "digest": {"gitCommit": sha, "sha256": commit_sha256}}
        ],
        "predicateType": PREDICATE_TYPE,
        "predicate": predicate,
    }


def statement_problems(doc: object) -> list[str]:
    """What is wrong with a decoded statement's layout (empty when it is a valid one of ours)."""
    if not isinstance(doc, dict):
        return ["the payload is not a JSON object"]
    problems: list[str] = []
    if doc.get("_type") != STATEMENT_TYPE:
        problems.append(f"_type is {shown(doc.get('_type'))}, expected {STATEMENT_TYPE}")
    subjects = doc.get("subject")
    if not isinstance(subjects, list) or not subjects:
        problems.append("subject must be a non-empty list")
    else:
        for i, subject in enumerate(subjects):
            problems += _subject_problems(i, subject)
    if doc.get("predicateType") != PREDICATE_TYPE:
        problems.append(
            f"predicateType is {shown(doc.get('predicateType'))}, expected {PREDICATE_TYPE}"
        )
    predicate = doc.get("predicate")
    if not isinstance(predicate, dict):
        problems.append("predicate must be an object")
    elif predicate.get("schema") != PREDICATE_SCHEMA:
        problems.append(
            f"predicate schema is {shown(predicate.get('schema'))}, expected {PREDICATE_SCHEMA}"
        )
    else:
        for key in ("commit", "provenance", "evidence", "generator"):
            if key not in predicate:
                problems.append(f"predicate lacks {key!r}")
    return problems


def _subject_problems(i: int, subject: object) -> list[str]:
    if not isinstance(subject, dict):
        return [f"subject[{i}] is not an object"]
    out = []
    if not isinstance(subject.get("name"), str) or not subject.get("name"):
        out.append(f"subject[{i}] has no name")
    digest = subject.get("digest")
    if not isinstance(digest, dict) or not digest:
        return [*out, f"subject[{i}] has no digest"]
    for algo in ("gitCommit", "sha256"):
        if algo not in digest:
            out.append(f"subject[{i}] digest lacks {algo}")
    for algo, value in digest.items():
        lengths = _DIGEST_LENGTHS.get(algo)
        if not isinstance(value, str) or not _HEX.match(value):
            out.append(f"subject[{i}] digest {algo} is not lowercase hex")
        elif lengths and len(value) not in lengths:
            out.append(f"subject[{i}] digest {algo} has the wrong length")
    return out
