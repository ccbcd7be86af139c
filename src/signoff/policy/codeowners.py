"""Drafting a `signoff.yaml` from an existing CODEOWNERS file.

CODEOWNERS says who reviews; it does not say who is accountable, and it is usually teams. So the
draft keeps every pattern in order (the last match still wins), records every owner, and leaves
the decisions to a human: a team-owned pattern gets the team in the Accountable cell, which
`signoff policy check` reports as "needs one named accountable" (DO NOT SHIP) until one person is
named; a single user becomes the accountable candidate with all five conditions unmet until
someone writes the evidence. Nothing in the draft passes the check by default, on purpose.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field

from signoff.policy.model import CONDITIONS, POLICY_SCHEMA
from signoff.policy.patterns import pattern_problem

_SECTION = re.compile(r"^\^?\[(?P<name>[^\]]+)\](?:\[(?P<count>\d+)\])?(?P<rest>.*)$")
_ID_BAD = re.compile(r"[^A-Za-z0-9._-]+")


@dataclass(slots=True)
class _Owner:
    kind: str  # "user", "team", "email"
    handle: str  # as written: @ada, @org/payments, ada@example.com


@dataclass(slots=True)
class _Entry:
    line: int
    pattern: str
    owners: list[_Owner]
    section: str | None
    from_section_default: bool = False
    problem: str | None = None
    shadowed_by: int | None = None


@dataclass(slots=True)
class _Names:
    """Stable, unique ids for the people and teams the file mentions."""

    people: dict[str, str] = field(default_factory=dict)  # handle -> id
    teams: dict[str, str] = field(default_factory=dict)
    used: set[str] = field(default_factory=set)

    def _unique(self, base: str) -> str:
        base = _ID_BAD.sub("-", base).strip("-._") or "owner"
        if not base[0].isalnum():
            base = "x" + base
        ident, n = base[:60], 2
        while ident in self.used:
            ident, n = f"{base[:56]}-{n}", n + 1
        self.used.add(ident)
        return ident

    def of(self, owner: _Owner) -> str:
        table = self.teams if owner.kind == "team" else self.people
        if owner.handle not in table:
            if owner.kind == "team":
                org, _, team = owner.handle.lstrip("@").partition("/")
                table[owner.handle] = self._unique(team or org)
            elif owner.kind == "email":
                table[owner.handle] = self._unique(owner.handle.split("@", 1)[0].lower())
            else:
                table[owner.handle] = self._unique(owner.handle.lstrip("@").lower())
        return table[owner.handle]


def _owner(token: str) -> _Owner | None:
    if token.startswith("@") and "/" in token:
        return _Owner("team", token)
    if token.startswith("@") and len(token) > 1:
        return _Owner("user", token)
    if "@" in token[1:] and not token.startswith("@"):
        return _Owner("email", token)
    return None


def _tokens(line: str) -> list[str]:
    """Split on whitespace, keeping `\\ ` (an escaped space) inside a pattern."""
    return [t.replace("\x00", " ") for t in line.replace("\\ ", "\x00").split()]


def parse_codeowners(text: str) -> tuple[list[_Entry], list[tuple[int, str]]]:
    """Entries in file order, and the lines that could not be read (with why)."""
    entries: list[_Entry] = []
    skipped: list[tuple[int, str]] = []
    section: str | None = None
    section_owners: list[_Owner] = []
    for number, raw in enumerate(text.splitlines(), start=1):
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        head = _SECTION.match(line)
        if head is not None:
            section = head.group("name").strip()
            rest = head.group("rest").split("#", 1)[0]
            section_owners = [o for o in map(_owner, _tokens(rest)) if o is not None]
            continue
        tokens = _tokens(line)
        pattern, owners, unknown = tokens[0], [], []
        for token in tokens[1:]:
            if token.startswith("#"):
                break  # an inline comment
            owner = _owner(token)
            if owner is None:
                unknown.append(token)
            else:
                owners.append(owner)
        entry = _Entry(number, pattern, owners, section)
        if not owners and section_owners:
            entry.owners, entry.from_section_default = list(section_owners), True
        problem = pattern_problem(pattern)
        if problem is not None:
            entry.problem = f"{problem.message} ({problem.fix})"
        if unknown:
            skipped.append((number, f"not an owner: {' '.join(unknown)}"))
        entries.append(entry)
    last: dict[str, int] = {}
    for entry in reversed(entries):
        if entry.problem is None:
            if entry.pattern in last:
                entry.shadowed_by = last[entry.pattern]
            else:
                last[entry.pattern] = entry.line
    return entries, skipped


def _q(text: str) -> str:
    """A YAML double-quoted scalar (JSON strings are valid YAML)."""
    return json.dumps(text, ensure_ascii=False)


def _slug(pattern: str, used: set[str]) -> str:
    base = re.sub(r"[^a-z0-9]+", "-", pattern.lower()).strip("-") or "all-files"
    if pattern.strip("/") in ("*", "**"):
        base = "all-files"
    base = base[:50]
    ident, n = base, 2
    while ident in used:
        ident, n = f"{base}-{n}", n + 1
    used.add(ident)
    return ident


def draft_from_codeowners(codeowners_text: str, source_name: str) -> str:
    """A `signoff.yaml` draft: one workflow per CODEOWNERS pattern, in order, nothing assumed."""
    entries, skipped = parse_codeowners(codeowners_text)
    names = _Names()
    usable = [e for e in entries if e.problem is None and e.shadowed_by is None]
    for entry in usable:
        for owner in entry.owners:
            names.of(owner)
    out: list[str] = [
        f"# Drafted by Signoff from {source_name}. This is NOT a policy yet.",
        "#",
        "# CODEOWNERS says who reviews; signoff.yaml says who is ACCOUNTABLE: exactly one named",
        "# human per workflow, who meets the five conditions (context, authority, time, incentive,",
        "# escalation). Until each workflow names one person and records the evidence,",
        "# `signoff policy check` says DO NOT SHIP. That is intended: decide now, not in a",
        "# postmortem.",
        "#",
        "# Workflows keep the CODEOWNERS order, and the last matching workflow owns a path, as in",
        "# CODEOWNERS. Tiers are all `moderate` until you choose. People's names are their handles",
        "# until you write real names.",
    ]
    if any(e.section for e in entries):
        out += [
            "#",
            "# The source has GitLab sections. GitLab combines sections (each needs its approval);",
            "# here every pattern is one workflow and the last match owns the path. Review the",
            "# overlaps.",
        ]
    out += ["", f"schema: {POLICY_SCHEMA}", ""]
    out += [
        "governance:",
        "  policy_owner: null   # needs one named person: who owns this policy?",
        "  workflow: signoff-policy",
        "",
    ]
    out += _people(names)
    out += _teams(names)
    out += ["workflows:"]
    used: set[str] = {"signoff-policy"}
    section: str | None = None
    for entry in entries:
        if entry.section != section and entry.section is not None:
            out += ["", f"  # --- section [{entry.section}] ---"]
        section = entry.section
        if entry.problem is not None:
            out += [
                f"  # skipped {source_name} line {entry.line} ({entry.pattern}): {entry.problem}"
            ]
            continue
        if entry.shadowed_by is not None:
            out += [
                f"  # skipped {source_name} line {entry.line} ({entry.pattern}): line "
                f"{entry.shadowed_by} has the same pattern and wins"
            ]
            continue
        out += _workflow(entry, names, source_name, _slug(entry.pattern, used))
    out += [
        "",
        "  # Changes to this policy are a governed workflow of their own; keep it last so it wins.",
        "  - id: signoff-policy",
        f"    description: {_q('Changes to signoff.yaml and approved exceptions.')}",
        '    paths: ["/signoff.yaml", "/.signoff/"]',
        "    tier: high",
        "    accountable: null   # needs one named accountable",
        *_conditions(),
    ]
    for number, why in skipped:
        out.append(f"# note: {source_name} line {number}: {why}")
    return "\n".join(out) + "\n"


def _people(names: _Names) -> list[str]:
    if not names.people:
        return ["people: []", ""]
    out = ["people:"]
    for handle, ident in names.people.items():
        out.append(f"  - id: {_q(ident)}")
        if handle.startswith("@"):
            out.append(f"    name: {_q(handle)}   # TODO: their full name")
            out.append(f"    handles: [{_q(handle)}]")
        else:
            out.append(f"    name: {_q(ident)}   # TODO: their full name")
            out.append(f"    emails: [{_q(handle)}]")
    return [*out, ""]


def _teams(names: _Names) -> list[str]:
    if not names.teams:
        return ["teams: []", ""]
    out = ["teams:"]
    for handle, ident in names.teams.items():
        out.append(f"  - id: {_q(ident)}")
        out.append(f"    name: {_q(handle)}")
        out.append(f"    handles: [{_q(handle)}]")
    return [*out, ""]


def _conditions() -> list[str]:
    out = ["    conditions:   # evidence for each, then met: true"]
    for cond in CONDITIONS:
        out.append(f'      {cond}: {{met: false, evidence: ""}}')
    return out


def _workflow(entry: _Entry, names: _Names, source: str, ident: str) -> list[str]:
    owners = [names.of(o) for o in entry.owners]
    written = " ".join(o.handle for o in entry.owners) or "(no owner)"
    origin = f"{source} line {entry.line}: {entry.pattern} {written}".strip()
    if entry.from_section_default:
        origin += " (section default owners)"
    out = [
        "",
        f"  - id: {_q(ident)}",
        f"    description: {_q('Imported from ' + origin)}",
        f"    paths: [{_q(entry.pattern)}]",
        "    tier: moderate   # TODO: critical, high, moderate or low: the risk if it is wrong",
    ]
    teams = [o for o in entry.owners if o.kind == "team"]
    if not owners:
        out.append(
            "    accountable: null   # needs one named accountable: CODEOWNERS names no owner here"
        )
    elif len(owners) == 1 and teams:
        out.append(
            f"    accountable: {_q(owners[0])}   # needs one named accountable: "
            f"{teams[0].handle} is a team; name one person"
        )
    elif len(owners) == 1:
        out.append(
            f"    accountable: {_q(owners[0])}   # candidate: confirm the five conditions below"
        )
    else:
        listed = ", ".join(_q(o) for o in owners)
        out.append(
            f"    accountable: [{listed}]   # needs one named accountable: choose one person"
        )
    out += _conditions()
    if len(owners) > 1 or teams:
        out.append(f"    responsible: [{', '.join(_q(o) for o in owners)}]")
    out.append("    escalation: []   # TODO: - {person: <id>, respond_within: 4h}")
    return out
