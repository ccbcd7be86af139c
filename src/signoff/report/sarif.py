"""SARIF 2.1.0 for GitHub code scanning: the gate's own findings and scanner findings alike.

Code scanning shows a finding on the pull request's diff, tracks it across pushes by its
fingerprint, and shows an approved exception as a suppression with its justification, so a
waived finding stays visible instead of vanishing. The writer takes a generic finding list plus
rule descriptors; it knows nothing about which rule produced what.
"""

from __future__ import annotations

import importlib.metadata
import json
import os
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any
from urllib.parse import quote

from signoff import __version__
from signoff.files import write_atomic
from signoff.jsonsafe import escape_invisible
from signoff.report import markdown
from signoff.scan.model import ScanFinding

SARIF_VERSION = "2.1.0"
SARIF_SCHEMA = (
    "https://docs.oasis-open.org/sarif/sarif/v2.1.0/errata01/os/schemas/sarif-schema-2.1.0.json"
)
LEVELS = ("error", "warning", "note", "none")
# The key code scanning matches alerts on across pushes; the upload action fills it in from the
# file's text when a result has none. Signoff's fingerprints survive line shifts, so it sends them.
FINGERPRINT_KEY = "primaryLocationLineHash"
HOMEPAGE = "https://signoff.dev"

# GitHub reads rule property `security-severity` (a number 0.0-10.0 as a string) and shows
# critical above 9.0, high from 7.0, medium from 4.0, low below that.
SECURITY_SEVERITY = {"critical": "9.5", "high": "8.0", "medium": "5.5", "low": "2.0"}


@dataclass(frozen=True, slots=True)
class RuleDescriptor:
    """What a rule checks and how to fix what it finds; shown once per rule, not per result."""

    id: str
    name: str
    short_description: str
    full_description: str = ""
    help_text: str = ""
    help_markdown: str | None = None
    help_uri: str | None = None
    level: str = "warning"  # default level: error, warning, note, none
    tags: tuple[str, ...] = ()
    severity: str | None = None  # critical/high/medium/low: a security rule's severity
    precision: str | None = None  # very-high, high, medium, low


@dataclass(frozen=True, slots=True)
class SarifFinding:
    """One result: a rule, where, what, and the approved exception that covers it, if any.

    `path` is relative to the repository root. A finding about the change as a whole (no
    approval, no owner) should point at the file that decides it, such as the policy file:
    code scanning drops results without a location.
    """

    rule_id: str
    level: str
    message: str
    path: str
    start_line: int | None = None
    end_line: int | None = None
    fingerprint: str | None = None
    suppression: str | None = None  # the approved exception's justification
    properties: Mapping[str, Any] = field(default_factory=dict)


def sarif_log(
    findings: Iterable[SarifFinding],
    rules: Iterable[RuleDescriptor],
    *,
    tool_name: str = "Signoff",
    tool_version: str = __version__,
    information_uri: str | None = None,
    root: Path | None = None,
    category: str | None = None,
    notifications: Sequence[str] = (),
) -> dict[str, Any]:
    """A SARIF log with one run. Rules without findings are kept: they document the gate.

    `root`, when given, is recorded as the absolute location of `%SRCROOT%`. `category`
    separates this analysis from others uploaded for the same commit. `notifications` are
    run-level warnings such as "semgrep is not installed".
    """
    descriptors = _unique(rules)
    index = {r.id: i for i, r in enumerate(descriptors)}
    results = []
    for f in findings:
        if f.rule_id not in index:
            raise ValueError(f"finding for rule {f.rule_id!r}, which has no RuleDescriptor")
        results.append(_result(f, index[f.rule_id]))
    driver: dict[str, Any] = {
        "name": tool_name,
        "version": tool_version,
        "semanticVersion": tool_version,
        "rules": [_rule(r) for r in descriptors],
    }
    driver["informationUri"] = information_uri or _homepage() or HOMEPAGE
    run: dict[str, Any] = {
        "tool": {"driver": driver},
        "invocations": [_invocation(notifications)],
        "results": results,
    }
    if root is not None:
        run["originalUriBaseIds"] = {"%SRCROOT%": {"uri": Path(root).resolve().as_uri() + "/"}}
    if category:
        run["automationDetails"] = {"id": f"{category.rstrip('/')}/"}
    return {"$schema": SARIF_SCHEMA, "version": SARIF_VERSION, "runs": [run]}


def dumps(log: Mapping[str, Any]) -> str:
    """The log as stable, readable JSON text."""
    return escape_invisible(json.dumps(log, indent=2, ensure_ascii=False)) + "\n"


def write_sarif(path: str | os.PathLike[str], log: Mapping[str, Any]) -> None:
    write_atomic(path, dumps(log))


# Where a scanner documents its rules, for rules whose findings carry no link of their own.
SCANNER_DOCS = {
    "bandit": "https://bandit.readthedocs.io/en/latest/plugins/index.html",
    "detect-secrets": "https://github.com/Yelp/detect-secrets#currently-supported-plugins",
    "semgrep": "https://semgrep.dev/docs/writing-rules/overview",
}


def scan_rule(finding: ScanFinding) -> RuleDescriptor:
    """A rule descriptor for a scanner rule, named `<scanner>/<rule id>`."""
    title = finding.rule_name.replace("_", " ")
    help_uri = finding.help_uri or SCANNER_DOCS.get(finding.scanner)
    help_text = (
        f"{finding.scanner} rule {finding.rule_id} ({title}) flagged this code. Fix it, or record "
        "an approved exception under .signoff/exceptions/ with the reason it is safe."
    )
    markdown = help_text
    if help_uri:
        help_text += f" Details: {help_uri}"
        markdown += f"\n\n[{finding.scanner} documentation for {finding.rule_id}]({help_uri})"
    tags = ["security", finding.scanner]
    if finding.cwe:
        tags.append(f"external/cwe/cwe-{finding.cwe}")
    return RuleDescriptor(
        id=finding.qualified_rule,
        name=pascal(f"{finding.scanner} {title}"),
        short_description=f"{finding.scanner}: {title}",
        # not the finding's message: bandit's quote the flagged literal, a password included
        full_description=f"{finding.scanner} check {finding.rule_id} ({title}).",
        help_text=help_text,
        help_markdown=markdown,
        help_uri=help_uri,
        level=_LEVEL_OF.get(finding.severity, "warning"),
        tags=tuple(tags),
        severity=finding.severity,
        precision={"high": "high", "medium": "medium"}.get(finding.confidence, "low"),
    )


def scan_result(
    finding: ScanFinding, level: str | None = None, suppression: str | None = None
) -> SarifFinding:
    """A scanner finding as a SARIF result; the gate passes the level its tier maps to."""
    props: dict[str, Any] = {
        "scanner": finding.scanner,
        "severity": finding.severity,
        "confidence": finding.confidence,
    }
    if finding.suppressed_by:
        props["inlineSuppression"] = finding.suppressed_by
    return SarifFinding(
        rule_id=finding.qualified_rule,
        level=level or _LEVEL_OF.get(finding.severity, "warning"),
        message=finding.message,
        path=finding.path,
        start_line=finding.start_line,
        end_line=finding.end_line,
        fingerprint=finding.fingerprint or None,
        suppression=suppression,
        properties=props,
    )


_LEVEL_OF = {"critical": "error", "high": "error", "medium": "warning", "low": "note"}


def _unique(rules: Iterable[RuleDescriptor]) -> list[RuleDescriptor]:
    """One descriptor per id, each with a distinct `name` (viewers list rules by name)."""
    seen: dict[str, RuleDescriptor] = {}
    names: set[str] = set()
    for r in rules:
        if r.level not in LEVELS:
            raise ValueError(f"rule {r.id}: level {r.level!r} is not one of {LEVELS}")
        if r.id in seen:
            continue
        if r.name in names:
            r = replace(r, name=r.name + pascal(r.id.replace("/", " ").replace(".", " ")))
        names.add(r.name)
        seen[r.id] = r
    return list(seen.values())


def _rule(r: RuleDescriptor) -> dict[str, Any]:
    out: dict[str, Any] = {
        "id": r.id,
        "name": r.name,
        "shortDescription": {"text": r.short_description},
        "fullDescription": {"text": r.full_description or r.short_description},
        "help": {
            "text": r.help_text or r.full_description or r.short_description,
            "markdown": r.help_markdown or r.help_text or r.short_description,
        },
        "defaultConfiguration": {"level": r.level},
    }
    if r.help_uri:
        out["helpUri"] = r.help_uri
    props: dict[str, Any] = {}
    if r.tags:
        props["tags"] = list(r.tags)
    if r.severity:
        props["security-severity"] = SECURITY_SEVERITY[r.severity]
    if r.precision:
        props["precision"] = r.precision
    if props:
        out["properties"] = props
    return out


def _result(f: SarifFinding, rule_index: int) -> dict[str, Any]:
    if f.level not in LEVELS:
        raise ValueError(f"finding for {f.rule_id}: level {f.level!r} is not one of {LEVELS}")
    # Code scanning drops or misplaces results without a region: a file-level one is on line 1.
    start = f.start_line or 1
    end = max(start, f.end_line or start)
    location: dict[str, Any] = {
        "artifactLocation": {"uri": _uri(f.path), "uriBaseId": "%SRCROOT%"},
        "region": {"startLine": start, "endLine": end},
    }
    out: dict[str, Any] = {
        "ruleId": f.rule_id,
        "ruleIndex": rule_index,
        "level": f.level,
        # text for plain viewers, markdown for those that render it: user text inert in both
        "message": {"text": markdown.sarif_text(f.message), "markdown": markdown.text(f.message)},
        "locations": [{"physicalLocation": location}],
    }
    if f.fingerprint:
        out["partialFingerprints"] = {FINGERPRINT_KEY: f.fingerprint}
    if f.suppression is not None:
        out["suppressions"] = [
            {"kind": "external", "status": "accepted", "justification": f.suppression}
        ]
    if f.properties:
        out["properties"] = dict(f.properties)
    return out


def _invocation(notifications: Sequence[str]) -> dict[str, Any]:
    out: dict[str, Any] = {"executionSuccessful": True}
    if notifications:
        out["toolExecutionNotifications"] = [
            {"level": "warning", "message": {"text": markdown.sarif_text(text)}}
            for text in notifications
        ]
    return out


def _uri(path: str) -> str:
    clean = os.path.normpath(path).replace(os.sep, "/")
    if clean.startswith("/") or clean.startswith("../") or clean == "..":
        raise ValueError(f"SARIF paths are relative to the repository root, not {path!r}")
    return quote(clean, safe="/")


def pascal(text: str) -> str:
    """`bandit subprocess_popen` -> `BanditSubprocessPopen`: SARIF's friendly-name style."""
    return "".join(w[:1].upper() + w[1:] for w in re.split(r"[^0-9A-Za-z]+", text) if w)


def _homepage() -> str | None:
    """The project's home page from its package metadata, if the package declares one."""
    try:
        meta = importlib.metadata.metadata("signoff")
    except importlib.metadata.PackageNotFoundError:
        return None
    for entry in meta.get_all("Project-URL") or []:
        label, _, url = entry.partition(",")
        if label.strip().lower() in ("homepage", "home", "source", "repository") and url.strip():
            return str(url.strip())
    home = meta.get_all("Home-page") or []
    return str(home[0]) if home else None
