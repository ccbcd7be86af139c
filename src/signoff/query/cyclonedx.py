"""CycloneDX 1.6 for Signoff's evidence, so SBOM tooling reads it without custom code.

The repository is the BOM's `metadata.component`; its AI-assisted commits are listed in that
component's `pedigree.commits` (the place CycloneDX gives commits). The figures are BOM-level
`properties`. Two vocabularies, kept apart:

- `cdx:ai:*`: only names whose spelling and value format we confirmed in the CycloneDX tool
  that uses them (cdxgen's AI provenance and oversight properties): `cdx:ai:codegen:detected`,
  `cdx:ai:codegen:tools`, `cdx:ai:codegen:models`, `cdx:ai:oversight:ciWeakeningEvents`,
  `cdx:ai:oversight:dataSources`. `cdx:ai` is not (yet) listed in the official CycloneDX
  property taxonomy; docs/export.md says so, and which cdxgen names we do not emit and why.
- `signoff:*`: every other figure, under Signoff's own namespace, with numerator and
  denominator where it is a ratio.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from signoff import __version__

SPEC_VERSION = "1.6"
# the namespace the serial number is derived in: one repository at one tip, one serial number
_SERIAL_NAMESPACE = uuid.UUID("6f0b7c52-3c1e-4a55-9d0c-5e3f3b1e8a21")
MAX_COMMITS = 10_000  # pedigree entries; the count property says how many there were


def prop(name: str, value: object) -> dict[str, str]:
    """A CycloneDX property: values are strings; booleans lowercase, None `unavailable`."""
    if value is None:
        text = "unavailable"
    elif isinstance(value, bool):
        text = "true" if value else "false"
    elif isinstance(value, (list, tuple)):
        text = ",".join(str(v) for v in value)
    elif isinstance(value, (dict,)):
        text = json.dumps(value, sort_keys=True, separators=(",", ":"))
    else:
        text = str(value)
    return {"name": name, "value": text}


def ratio_props(name: str, ratio: Mapping[str, Any] | None) -> list[dict[str, str]]:
    """`name` (the value, 4 decimals, or unavailable) and its numerator and denominator."""
    if ratio is None:
        return [prop(name, None)]
    value = ratio.get("value")
    return [
        prop(name, None if value is None else f"{float(value):.4f}"),
        prop(f"{name}:numerator", ratio.get("numerator")),
        prop(f"{name}:denominator", ratio.get("denominator")),
    ]


def commit_pedigree(row: Mapping[str, Any]) -> dict[str, Any]:
    """A CycloneDX `commit` for one `explain --json`/export row."""

    def who(person: Mapping[str, Any] | None, when: str | None) -> dict[str, Any]:
        out: dict[str, Any] = {}
        if person:
            if person.get("name"):
                out["name"] = person["name"]
            if person.get("email"):
                out["email"] = person["email"]
        if when:
            out["timestamp"] = when
        return out

    entry: dict[str, Any] = {"uid": row["commit"]}
    author = who(row.get("author"), row.get("author_date"))
    committer = who(row.get("committer"), row.get("commit_date"))
    if author:
        entry["author"] = author
    if committer:
        entry["committer"] = committer
    if row.get("subject"):
        entry["message"] = row["subject"]
    return entry


def bom(
    repository: str,
    tip: str | None,
    properties: Sequence[dict[str, str]],
    commits: Iterable[dict[str, Any]] = (),
    *,
    timestamp: str | None = None,
) -> dict[str, Any]:
    """A CycloneDX 1.6 BOM for `repository` at `tip`."""
    listed = list(commits)
    component: dict[str, Any] = {
        "type": "application",
        "bom-ref": f"git+commit:{tip}" if tip else repository,
        "name": repository,
    }
    if tip:
        component["version"] = tip
    if listed:
        component["pedigree"] = {"commits": listed[:MAX_COMMITS]}
    metadata: dict[str, Any] = {
        "tools": {
            "components": [{"type": "application", "name": "signoff", "version": __version__}]
        },
        "component": component,
    }
    if timestamp:
        metadata["timestamp"] = timestamp
    serial = uuid.uuid5(_SERIAL_NAMESPACE, f"{repository}\0{tip}\0{timestamp}")
    return {
        "bomFormat": "CycloneDX",
        "specVersion": SPEC_VERSION,
        "serialNumber": f"urn:uuid:{serial}",
        "version": 1,
        "metadata": metadata,
        "properties": list(properties),
    }


def provenance_properties(
    rows: Iterable[Mapping[str, Any]],
) -> tuple[list[dict[str, str]], list[dict[str, Any]]]:
    """BOM properties and pedigree commits from export rows: what git and notes alone tell."""
    tools: dict[str, None] = {}
    models: dict[str, None] = {}
    commits = ai = with_record = attributed = unrecorded = 0
    sessions: set[str] = set()
    pedigree: list[dict[str, Any]] = []
    for row in rows:
        commits += 1
        prov = row.get("provenance") or {}
        if prov.get("status") not in ("ai", "mixed"):
            continue
        ai += 1
        for t in prov.get("tools") or ():
            tools.setdefault(t["tool"], None)
            if t.get("model"):
                models.setdefault(t["model"], None)
            if t.get("session"):
                sessions.add(t["session"])
        lines = row.get("lines") or {}
        with_record += int(bool(prov.get("line_records")))
        attributed += lines.get("ai_attributed_lines") or 0
        unrecorded += lines.get("ai_assisted_unrecorded_lines") or 0
        pedigree.append(commit_pedigree(row))
    props = [
        prop("cdx:ai:codegen:detected", ai > 0),
        prop("cdx:ai:codegen:tools", list(tools)),
        prop("cdx:ai:codegen:models", list(models)),
        prop("cdx:ai:oversight:dataSources", ["git"]),
        prop("signoff:commits", commits),
        prop("signoff:ai:commits", ai),
        prop("signoff:ai:commitsWithLineRecord", with_record),
        prop("signoff:ai:attributedLines", attributed),
        prop("signoff:ai:assistedUnrecordedLines", unrecorded),
        prop("signoff:ai:sessions", len(sessions)),
    ]
    return props, pedigree
