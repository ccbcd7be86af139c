"""Gate findings: one rule, one place in the change, one remediation.

The catalogue is the single list of gate rules; `docs/gate.md` documents it and SARIF rule
descriptors are built from it, so the three never drift apart.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Literal

if TYPE_CHECKING:
    from signoff.scan.model import ScanFinding

Severity = Literal["block", "warn", "note"]

# rule id -> (default severity, title, what to do)
GATE_RULES: dict[str, tuple[Severity, str, str]] = {
    "boundary.ai-forbidden": (
        "block",
        "AI-assisted change inside an AI boundary",
        "Rewrite the change without AI assistance, or get a time-boxed exception from an "
        "allowed approver (signoff exception request).",
    ),
    "boundary.exception-used": (
        "note",
        "AI boundary lifted by an approved exception",
        "Nothing to do while the exception holds; it is listed so reviewers see it.",
    ),
    "provenance.undeclared": (
        "block",
        "Commit with unknown provenance where the policy requires a declaration",
        "Record provenance: commit through the Signoff hook (signoff init), or add an "
        "AI-Assisted: <tool> or AI-Assisted: none trailer.",
    ),
    "owner.none": (
        "block",
        "AI-assisted change to paths no workflow covers",
        "Add a workflow to signoff.yaml whose paths cover these files, with one named accountable.",
    ),
    "owner.unowned-human": (
        "warn",
        "Change to paths no workflow covers",
        "Add a workflow to signoff.yaml whose paths cover these files.",
    ),
    "owner.do-not-ship": (
        "block",
        "Change in a workflow whose registry verdict is DO NOT SHIP",
        "Fix the workflow's registry entry (signoff policy check lists why).",
    ),
    "review.approvals": (
        "block",
        "AI-assisted change without enough approvals for its tier",
        "Get approvals from reviewers who are neither the author nor the accepter, after the last push.",
    ),
    "review.stale": (
        "note",
        "Approval given before the last push",
        "Ask the reviewer to approve the current head; stale approvals do not count.",
    ),
    "review.self": (
        "note",
        "Approval by the change's author or accepter",
        "Self-approvals do not count toward the bar; ask someone else.",
    ),
    "review.in-change": (
        "note",
        "Approved-by trailer written inside the change being judged",
        "Trailers in the change's own commits are written by its author and do not count; pass "
        "the pull request's reviews (--reviews FILE, or GITHUB_EVENT_PATH in Actions).",
    ),
    "review.trailers-only": (
        "warn",
        "Approvals come only from Approved-by trailers inside the change",
        "The policy lets such trailers count (trailer_approvals: true); pass the forge's reviews "
        "for evidence the author could not write.",
    ),
    "review.role": (
        "block",
        "No approving reviewer holds a role the tier requires",
        "Ask a reviewer with the required role (people: roles: in signoff.yaml) to approve.",
    ),
    "review.accountable": (
        "block",
        "The accountable's own approval is required and missing",
        "Ask the workflow's accountable owner to approve this change.",
    ),
    "review.no-evidence": (
        "block",
        "No review evidence for an AI-assisted change that needs approvals",
        "Pass the pull request's reviews (--reviews FILE, or GITHUB_EVENT_PATH in Actions).",
    ),
    "budget.exhausted": (
        "block",
        "Workflow's error budget is spent",
        "Only declared fixes (Fixes: trailer) may ship until the budget recovers or its owner records an override.",
    ),
    "budget.override-used": (
        "note",
        "Spent error budget lifted by a recorded override",
        "Nothing to do while the override holds; it is listed so reviewers see it.",
    ),
    "budget.inactive": (
        "note",
        "Error budget rule inactive",
        "Error budgets need incident records; nothing to do.",
    ),
    "scan.finding": (
        "block",
        "Scanner finding on AI-assisted lines (AI-attributed, or in an AI-assisted commit without a line record)",
        "Fix the code; the finding's help text says how.",
    ),
    "scan.not-run": (
        "block",
        "A scanner the bar requires did not run",
        "Install the scanner or fix its error; a gate must not pass a scan that did not happen.",
    ),
    "scan.too-large": (
        "warn",
        "AI-authored file too large to scan",
        "Split the file, or scan it outside the gate; it blocks where the bar requires scanners.",
    ),
    "change.too-large": (
        "warn",
        "File too large to judge line by line",
        "Review the file as a whole (generated files: review the generator); the AI bar applies "
        "to all of its lines when an AI-assisted commit changed it.",
    ),
    "scan.suppression": (
        "block",
        "Suppression comment added in an AI-assisted hunk",
        "Remove the suppression and fix the finding, or record an approved exception for it.",
    ),
    "review.capacity": (
        "warn",
        "AI-assisted change larger than its tier's reviewable size",
        "Split the change so each part can be reviewed properly.",
    ),
    "policy.missing": (
        "warn",
        "No policy in force",
        "Commit a signoff.yaml (signoff init --from-codeowners drafts one).",
    ),
}


@dataclass(frozen=True, slots=True)
class GateFinding:
    rule: str
    severity: Severity
    message: str
    path: str | None = None
    start_line: int | None = None
    end_line: int | None = None
    commit: str | None = None
    workflow: str | None = None
    fix: str = ""
    exception: str | None = None  # the approved exception that covers it (then it does not block)
    help: str = ""
    scan: ScanFinding | None = None  # the scanner finding behind a `scan.finding`, for SARIF

    @property
    def blocks(self) -> bool:
        return self.severity == "block" and self.exception is None

    @property
    def fingerprint(self) -> str:
        key = "\0".join(
            (self.rule, self.path or "", self.commit or "", self.workflow or "", self.message)
        )
        return hashlib.sha256(key.encode()).hexdigest()[:32]

    def to_json(self) -> dict[str, Any]:
        return {
            "rule": self.rule,
            "severity": self.severity,
            "blocks": self.blocks,
            "message": self.message,
            "path": self.path,
            "start_line": self.start_line,
            "end_line": self.end_line,
            "commit": self.commit,
            "workflow": self.workflow,
            "fix": self.fix or GATE_RULES[self.rule][2],
            "exception": self.exception,
            "fingerprint": self.fingerprint,
        }
