"""Findings: what the policy check (or the loader) says, where, and how to fix it.

Every rule has a stable id and a fixed severity; `block` means DO NOT SHIP. The catalogue below
is the single list docs/policy.md documents (a test keeps the two in step).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Literal

from signoff.errors import SignoffError

Severity = Literal["block", "warn", "note"]

# rule id -> (severity, one line: what it means)
RULES: dict[str, tuple[Severity, str]] = {
    # loading: the file could not be read as a policy (exit 2)
    "yaml.syntax": ("block", "the file is not valid YAML"),
    "yaml.encoding": ("block", "the file is not UTF-8"),
    "yaml.duplicate-key": ("block", "a key appears twice in one mapping"),
    "yaml.too-large": ("block", "the file, a value, or its alias expansion exceeds a limit"),
    "yaml.too-deep": ("block", "nesting deeper than the limit"),
    "yaml.recursive-alias": ("block", "an alias refers to a node that contains it"),
    "yaml.multiple-documents": ("block", "more than one YAML document in the file"),
    "yaml.complex-key": ("block", "a mapping key that is not a plain string"),
    "yaml.merge": ("block", "a merge key (<<) that does not point at a mapping"),
    "yaml.tag": ("block", "an unsupported or mismatched YAML tag"),
    "schema.empty": ("block", "the file holds no mapping"),
    "schema.unknown-key": ("block", "a key the schema does not define (often a typo)"),
    "schema.missing": ("block", "a required key is missing"),
    "schema.type": ("block", "a value of the wrong type"),
    "schema.value": ("block", "a value outside what the field allows"),
    "schema.version": ("block", "a schema version this Signoff does not read"),
    "pattern.invalid": ("block", "a path pattern that is not CODEOWNERS syntax"),
    "file.unreadable": ("block", "a policy or exception file could not be read"),
    # registry integrity
    "id.duplicate": ("block", "two entries share an id"),
    "ref.undefined": (
        "block",
        "a reference to a person, team, tool or workflow that is not defined",
    ),
    "ref.kind": (
        "block",
        "a reference to the wrong kind of entry (e.g. a team where a person is needed)",
    ),
    "person.email-duplicate": ("warn", "two people share an email, so identities are ambiguous"),
    # the accountable cell
    "accountable.blank": ("block", "no accountable named"),
    "accountable.team": ("block", "a team named as accountable"),
    "accountable.several": ("block", "more than one accountable named"),
    "accountable.not-human": ("block", "an AI tool named as accountable"),
    "accountable.left": ("block", "the accountable has left"),
    "accountable.leaving": ("warn", "the accountable leaves within 30 days"),
    "accountable.condition-unmet": ("block", "the accountable fails one of the five conditions"),
    "accountable.condition-missing": ("block", "one of the five conditions is not stated"),
    "accountable.condition-no-evidence": ("warn", "a condition is marked met without evidence"),
    # escalation and incidents
    "escalation.missing": ("block", "the workflow has no escalation path"),
    "escalation.loop": ("block", "the escalation chain comes back to someone already in it"),
    "escalation.left": ("block", "the escalation chain reaches someone who has left"),
    "escalation.team": ("block", "an escalation level names a team instead of a person"),
    "incident.missing": ("block", "a critical or high tier workflow has no incident path"),
    "incident.missing-low": ("warn", "a moderate or low tier workflow has no incident path"),
    "incident.left": ("block", "the incident path pages or names someone who has left"),
    "budget.missing": ("warn", "the workflow has no error budget"),
    # acceptance bars and tiers
    "bar.loosened": ("block", "a workflow loosens its tier's default acceptance bar"),
    "bar.role-unheld": ("warn", "a required reviewer role that no current person holds"),
    "bar.no-approvals": ("warn", "a critical or high tier workflow requires no approvals"),
    "tiers.inverted": ("warn", "a higher tier's default bar is looser than a lower tier's"),
    # AI boundary and exceptions
    "exception.expired": ("block", "an exception is past its expiry date"),
    "exception.unauthorized": (
        "block",
        "an exception's approver may not approve for that boundary",
    ),
    "exception.duplicate": ("block", "two exceptions share an id"),
    "boundary.no-approvers": ("warn", "nobody may approve exceptions to an AI boundary"),
    "boundary.approver-left": ("warn", "an exception approver has left"),
    # tools and governance
    "tool.no-owner": ("block", "an AI tool without a named, current owner"),
    "governance.no-owner": ("block", "the policy itself has no named, current owner"),
    "governance.not-governed": ("block", "no workflow governs changes to signoff.yaml"),
    "governance.owner-mismatch": (
        "warn",
        "the policy owner is not the accountable of its workflow",
    ),
    # coverage of AI-assisted history
    "coverage.uncovered": ("block", "a path with AI-assisted changes that no workflow covers"),
    "coverage.not-run": ("warn", "the coverage rule could not run"),
}


@dataclass(frozen=True, slots=True)
class Finding:
    """One verdict line: a rule, where it applies, and what to do about it."""

    rule: str
    message: str
    fix: str
    file: str
    line: int | None = None
    column: int | None = None
    subject: str | None = None  # e.g. "workflow payments-config"

    @property
    def severity(self) -> Severity:
        return RULES[self.rule][0]

    @property
    def blocks(self) -> bool:
        return self.severity == "block"

    def where(self) -> str:
        if self.line is None:
            return self.file
        return f"{self.file}:{self.line}:{self.column or 1}"

    def to_json(self) -> dict[str, Any]:
        return {
            "rule": self.rule,
            "severity": self.severity,
            "file": self.file,
            "line": self.line,
            "column": self.column,
            "subject": self.subject,
            "message": self.message,
            "fix": self.fix,
        }


class PolicyError(SignoffError):
    """The policy could not be loaded; every problem found is listed with its position."""

    def __init__(self, findings: list[Finding]) -> None:
        self.findings = findings
        head = findings[0].file if findings else "signoff.yaml"
        lines = [f"{head} cannot be used as a policy ({_count(findings)}):"]
        for f in findings:
            lines.append(f"  {f.where()}: {f.message} [{f.rule}]")
            lines.append(f"      fix: {f.fix}")
        super().__init__(
            "\n".join(lines), "fix the problems above, then run `signoff policy check` again"
        )


def _count(findings: list[Finding]) -> str:
    return "1 problem" if len(findings) == 1 else f"{len(findings)} problems"
