"""Control mapping: which SOC 2 and NIST SSDF (SP 800-218) practices each section evidences.

The mapping says what the section is evidence FOR; it is not a claim that the control is met.
"""

from __future__ import annotations

from typing import Any

CONTROLS: dict[str, dict[str, Any]] = {
    "population": {
        "soc2": ["CC8.1"],
        "ssdf": ["PS.3.2", "PO.3.3"],
        "why": "the complete list of changes that reached the branch, each with its provenance",
    },
    "traceability_coverage": {
        "soc2": ["CC8.1"],
        "ssdf": ["PS.3.2"],
        "why": "how much of the change record has a determined origin (AI, human, automation)",
    },
    "attribution_clarity": {
        "soc2": ["CC8.1", "CC1.3"],
        "ssdf": ["PO.2.1", "PO.2.3"],
        "why": "AI-assisted changes each have a named accepter and one accountable human",
    },
    "review_depth": {
        "soc2": ["CC8.1"],
        "ssdf": ["PW.7.2", "PO.4.1"],
        "why": "changes were reviewed to the depth their risk tier requires",
    },
    "independent_approval": {
        "soc2": ["CC8.1"],
        "ssdf": ["PW.7.2", "PO.2.1"],
        "why": "approvals that count came from humans independent of the change: not its "
        "author, accepter or the human who delegated it to an agent; never a bot",
    },
    "shallow_approval": {
        "soc2": ["CC8.1"],
        "ssdf": ["PW.7.2"],
        "why": "approvals were given after time to read the AI lines, as each tier requires",
    },
    "weakened_checks": {
        "soc2": ["CC8.1"],
        "ssdf": ["PO.4.1", "PW.7.2", "PW.8.2"],
        "why": "AI-assisted changes that loosened the tests, coverage, linters or CI judging them "
        "were flagged to a human",
    },
    "outcomes": {
        "soc2": ["CC8.1", "CC7.4"],
        "ssdf": ["RV.2.2", "RV.3.1"],
        "why": "how AI-attributed lines fared after merge: survival against human lines, and "
        "reverts and fixes linked back to the change and its session",
    },
    "gate": {
        "soc2": ["CC8.1"],
        "ssdf": ["PO.4.1", "PO.4.2"],
        "why": "changes were checked against the written acceptance bar before they merged",
    },
    "ownership_coverage": {
        "soc2": ["CC8.1", "CC1.3"],
        "ssdf": ["PO.2.1"],
        "why": "paths changed with AI assistance are owned by a governed workflow",
    },
    "exceptions": {
        "soc2": ["CC8.1"],
        "ssdf": ["PO.1.2", "PO.4.1"],
        "why": "departures from the AI boundary were approved, time-boxed and used as granted",
    },
    "policy_snapshots": {
        "soc2": ["CC8.1", "CC5.3"],
        "ssdf": ["PO.1.1", "PO.1.2", "PO.2.1"],
        "why": "the rules in force, each version hashed, with who changed and approved it",
    },
    "incidents": {
        "soc2": ["CC7.4", "CC7.5"],
        "ssdf": ["RV.2.2", "RV.3.1"],
        "why": "production failures linked to changes, and error budget states per workflow",
    },
    "sample": {
        "soc2": ["CC8.1"],
        "ssdf": ["PS.3.2", "PW.7.2"],
        "why": "a reproducible sample of changes with their full decision chains",
    },
    "provenance_test": {
        "soc2": ["CC8.1"],
        "ssdf": ["PS.3.2"],
        "why": "provenance questions answered on demand, with the time it took",
    },
    "attestations": {
        "soc2": ["CC8.1"],
        "ssdf": ["PS.2.1", "PS.3.2"],
        "why": "signed in-toto statements make the provenance record tamper-evident",
    },
    "oversight_attestations": {
        "soc2": ["CC8.1"],
        "ssdf": ["PS.2.1", "PO.4.1"],
        "why": "one in-toto statement per pull request carries its approvals (counted and set "
        "aside), review depth and weakened checks, signed with --attest",
    },
    "sbom": {
        "soc2": ["CC8.1"],
        "ssdf": ["PS.3.2"],
        "why": "a CycloneDX BOM carries the AI provenance and oversight figures for SBOM tooling",
    },
    "manifest": {
        "soc2": ["CC8.1"],
        "ssdf": ["PS.2.1"],
        "why": "SHA-256 of every file in the pack, so the pack itself can be checked",
    },
}

FRAMEWORKS = {
    "soc2": "AICPA SOC 2 Trust Services Criteria (2017, revised points of focus 2022)",
    "ssdf": "NIST SP 800-218 Secure Software Development Framework v1.1",
}


def control_mapping() -> dict[str, Any]:
    return {"frameworks": FRAMEWORKS, "sections": CONTROLS}
