"""`signoff verify`: check signed attestations against the key and against the repository today.

Three kinds of tampering are told apart: the envelope was altered (signature fails), the
attested commit is gone or rewritten (subject digests differ), and evidence the answer was read
from changed after signing (a note, an incident or exception record, or the policy blob no longer
has the attested digest).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

from signoff import jsonsafe
from signoff.audit.digests import (
    commit_sha256,
    exception_records,
    incident_records,
    note_digests,
    policy_digests,
)
from signoff.audit.dsse import IN_TOTO_PAYLOAD, open_envelope
from signoff.audit.statement import statement_problems
from signoff.errors import shown
from signoff.git.repo import Repo


@dataclass(slots=True)
class Verdict:
    """The result for one envelope: ok only when nothing at all is wrong."""

    line: int
    commit: str | None
    signature: bool
    problems: list[str] = field(default_factory=list)
    # what was not checked, without failing the check (an older attestation pinned less)
    notices: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return self.signature and not self.problems

    def to_json(self) -> dict[str, Any]:
        return {
            "line": self.line,
            "commit": self.commit,
            "signature": "valid" if self.signature else "invalid",
            "ok": self.ok,
            "problems": self.problems,
            "notices": self.notices,
        }


# A key given twice means two readers may see two different statements: refused, never resolved.
STRICT = jsonsafe.JsonLimits(reject_duplicate_keys=True)


def read_envelopes(text: str) -> list[tuple[int, object]]:
    """Envelopes from JSON Lines (one per line) or one JSON array; bad lines are kept as text."""
    stripped = text.strip()
    if stripped.startswith("["):
        try:
            items = jsonsafe.loads(stripped, limits=STRICT)
            return list(enumerate(items, start=1))
        except jsonsafe.JsonProblem:
            pass
    out: list[tuple[int, object]] = []
    for n, line in enumerate(text.splitlines(), start=1):
        if not line.strip():
            continue
        try:
            out.append((n, jsonsafe.loads(line, limits=STRICT)))
        except jsonsafe.JsonProblem as exc:
            out.append((n, exc))
    return out


def verify(
    repo: Repo | None, envelopes: Iterable[tuple[int, object]], public: Ed25519PublicKey
) -> list[Verdict]:
    """Verify each envelope; with a repository, also check its subject and evidence digests."""
    opened: list[tuple[Verdict, dict[str, Any] | None]] = []
    for line, envelope in envelopes:
        if isinstance(envelope, jsonsafe.JsonProblem):
            bad = Verdict(line, None, False, [f"not a DSSE envelope: {envelope.msg}"])
            opened.append((bad, None))
            continue
        check = open_envelope(envelope, public)
        verdict = Verdict(line, None, check.signed)
        statement: dict[str, Any] | None = None
        if check.problem:
            verdict.problems.append(check.problem)
        if check.payload is not None:
            if check.payload_type != IN_TOTO_PAYLOAD:
                verdict.problems.append(f"payloadType is {shown(check.payload_type)}")
            try:
                decoded = jsonsafe.loads(check.payload, limits=STRICT)
            except jsonsafe.JsonProblem as exc:
                verdict.problems.append(f"payload is not acceptable JSON ({exc.msg})")
            else:
                layout = statement_problems(decoded)
                verdict.problems.extend(layout)
                if not layout:
                    statement = decoded
                    verdict.commit = decoded["subject"][0]["digest"]["gitCommit"]
        opened.append((verdict, statement))
    if repo is not None:
        _check_repository(repo, opened)
    return [v for v, _ in opened]


def _check_repository(repo: Repo, opened: list[tuple[Verdict, dict[str, Any] | None]]) -> None:
    shas = [v.commit for v, s in opened if s is not None and v.commit]
    digests = commit_sha256(repo, shas)
    notes = note_digests(repo, shas)
    policies = policy_digests(repo, [s for s in shas if s in digests])
    incidents = incident_records(repo)
    exceptions = exception_records(repo)
    for verdict, statement in opened:
        if statement is None or verdict.commit is None:
            continue
        sha = verdict.commit
        subject = statement["subject"][0]["digest"]
        if sha not in digests:
            verdict.problems.append(f"commit {sha[:12]} is not in this repository")
            continue
        if digests[sha] != subject["sha256"]:
            verdict.problems.append(f"commit {sha[:12]} content differs from the attested sha256")
        evidence = statement["predicate"].get("evidence") or {}
        verdict.problems.extend(_note_changes(sha, evidence.get("notes") or [], notes.get(sha, [])))
        verdict.problems.extend(_incident_changes(evidence.get("incidents") or [], incidents))
        if "exceptions" in evidence:
            verdict.problems.extend(_exception_changes(evidence["exceptions"], exceptions))
        else:
            verdict.notices.append(
                "this attestation did not pin exception records (made before they were pinned): "
                "edits to them are not checked"
            )
        attested_policy = evidence.get("policy")
        current_policy = policies.get(sha)
        if _digest(attested_policy) != _digest(current_policy):
            verdict.problems.append(
                f"signoff.yaml at {sha[:12]} differs from the attested policy blob"
            )


def _digest(entry: object) -> str | None:
    return str(entry.get("sha256")) if isinstance(entry, dict) else None


def _pinned_changes(
    name: Callable[[str], str], before: dict[str, str], after: dict[str, str]
) -> list[str]:
    """What was removed, added or changed among pinned digests (`name` says what each key is)."""
    out = []
    for key in sorted(set(before) | set(after)):
        if key not in after:
            out.append(f"{name(key)} was removed after it was attested")
        elif key not in before:
            out.append(f"{name(key)} was added after it was attested")
        elif before[key] != after[key]:
            out.append(f"{name(key)} changed after it was attested")
    return out


def _note_changes(
    sha: str, attested: list[dict[str, Any]], current: list[dict[str, str]]
) -> list[str]:
    before = {str(n.get("ref")): str(n.get("sha256")) for n in attested if isinstance(n, dict)}
    after = {n["ref"]: n["sha256"] for n in current}
    return _pinned_changes(lambda ref: f"note {ref} on {sha[:12]}", before, after)


def _incident_changes(
    attested: list[dict[str, Any]], current: dict[str, tuple[str, str, str]]
) -> list[str]:
    """Incident records pinned by the attestation that were edited or deleted since."""
    out = []
    for entry in attested:
        if not isinstance(entry, dict):
            continue
        path = str(entry.get("path"))
        now = current.get(path)
        if now is None:
            out.append(f"incident record {path} was removed after it was attested")
        elif now[1] != entry.get("sha256"):
            out.append(f"incident record {path} changed after it was attested")
    return out


def _exception_changes(attested: object, current: dict[str, tuple[str, str, str]]) -> list[str]:
    """Exception records edited, deleted or added since: the attestation pinned all of them."""
    if not isinstance(attested, list):
        return ["the attested exception records are not a list"]
    before = {str(e.get("path")): str(e.get("sha256")) for e in attested if isinstance(e, dict)}
    after = {path: digest for path, (_, digest, _) in current.items()}
    return _pinned_changes(lambda path: f"exception record {path}", before, after)
