"""`signoff policy check`: every rule over a loaded policy, as positioned findings.

The central rule is the article's: if the Accountable cell is blank, a group, several people, or
a person who fails the five conditions (or has left), the workflow has no owner: DO NOT SHIP.
The rest keep the registry honest: references resolve, escalation reaches a current human
without looping, exceptions are live and properly approved, bars are not quietly loosened, the
policy itself has an owner, and every path AI has touched has an owner.
"""

from __future__ import annotations

import difflib
import itertools
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta, timezone
from typing import Any

from signoff.policy.accountable import classify, has_left
from signoff.policy.bars import as_effective, loosenings, looser_fields, workflow_bar
from signoff.policy.escalation import resolve_chain
from signoff.policy.findings import RULES, Finding
from signoff.policy.match import covered, owner_of
from signoff.policy.model import CONDITION_QUESTIONS, CONDITIONS, TIER_RANK, TIERS, Workflow
from signoff.policy.registry import LoadedException, Policy
from signoff.policy.yamlsafe import Loc

LEAVING_WARNING = timedelta(days=30)
GOVERNED_PATHS = ("signoff.yaml", ".signoff/exceptions/example.yaml")

AiPaths = Iterable[tuple[str, str]]


def today_utc() -> date:
    return datetime.now(timezone.utc).date()


@dataclass
class CheckReport:
    """The verdict on a policy: findings, and DO NOT SHIP when any of them blocks."""

    policy: Policy
    findings: list[Finding] = field(default_factory=list)
    as_of: date = field(default_factory=today_utc)
    ai_paths_checked: int | None = None  # None: the coverage rule did not run

    @property
    def blocks(self) -> bool:
        return any(f.blocks for f in self.findings)

    @property
    def verdict(self) -> str:
        return "do-not-ship" if self.blocks else "ship"

    def counts(self) -> dict[str, int]:
        out = {"block": 0, "warn": 0, "note": 0}
        for f in self.findings:
            out[f.severity] += 1
        return out

    def workflow_verdicts(self) -> list[dict[str, Any]]:
        out = []
        for w in self.policy.document.workflows:
            subject = f"workflow {w.id}"
            blocking = [f for f in self.findings if f.subject == subject and f.blocks]
            acc = classify(self.policy, w, self.as_of)
            out.append(
                {
                    "id": w.id,
                    "tier": w.tier,
                    "accountable": acc.person.id if acc.person else None,
                    "accountable_status": acc.status,
                    "verdict": "do-not-ship" if blocking else "ship",
                    "blocking_rules": sorted({f.rule for f in blocking}),
                }
            )
        return out

    def to_json(self) -> dict[str, Any]:
        return {
            "verdict": self.verdict,
            "as_of": self.as_of.isoformat(),
            "policy": {
                "file": self.policy.file,
                "rev": self.policy.rev,
                "schema": self.policy.document.schema_version,
            },
            "counts": self.counts(),
            "coverage": {
                "ran": self.ai_paths_checked is not None,
                "ai_touched_paths": self.ai_paths_checked,
            },
            "workflows": self.workflow_verdicts(),
            "findings": [f.to_json() for f in self.findings],
        }


def check_policy(
    policy: Policy,
    *,
    ai_paths: AiPaths | None = None,
    coverage_unavailable: str | None = None,
    today: date | None = None,
) -> CheckReport:
    """All findings for `policy`. `ai_paths` are (path, commit) pairs with AI-assisted changes;
    without them the coverage rule reports that it could not run, and why."""
    when = today or today_utc()
    findings = registry_findings(policy, when)
    checked = None
    if ai_paths is not None:
        pairs = list(ai_paths)
        checked = len({path for path, _ in pairs})
        findings += coverage_findings(policy, pairs)
    else:
        reason = coverage_unavailable or "no provenance was given to the check"
        findings.append(
            Finding(
                "coverage.not-run",
                f"could not check that every AI-touched path has an owner: {reason}",
                "run `signoff policy check` inside the repository, with the provenance index",
                policy.file,
                subject="coverage",
            )
        )
    return CheckReport(policy, _dedupe(findings), when, checked)


def _dedupe(findings: list[Finding]) -> list[Finding]:
    seen: set[tuple[Any, ...]] = set()
    out: list[Finding] = []
    for f in findings:
        key = (f.rule, f.file, f.line, f.column, f.message)
        if key not in seen:
            seen.add(key)
            out.append(f)
    return out


def registry_findings(policy: Policy, today: date) -> list[Finding]:
    """Every rule except coverage: the registry judged on its own."""
    out: list[Finding] = []
    out += _ids(policy)
    out += _people(policy)
    out += _teams(policy)
    for i, workflow in enumerate(policy.document.workflows):
        out += _workflow(policy, i, workflow, today)
    out += _tiers(policy)
    out += _tools(policy, today)
    out += _boundaries(policy, today)
    out += _exceptions(policy, today)
    out += _governance(policy, today)
    for f in out:
        assert f.rule in RULES, f.rule
    return out


def coverage_findings(policy: Policy, ai_paths: AiPaths) -> list[Finding]:
    """A path with AI-assisted changes and no owning workflow has nobody accountable for it."""
    first: dict[str, str] = {}
    for path, commit in ai_paths:
        first.setdefault(path, commit)
    out = []
    for path in sorted(first):
        if not covered(policy, path):
            out.append(
                policy.finding(
                    "coverage.uncovered",
                    f"{path} has AI-assisted changes (e.g. {first[path][:10]}) and no workflow "
                    "covers it: nobody is accountable",
                    "add it to a workflow's paths, or add a catch-all workflow (paths: ['*']) "
                    "first in the list",
                    ("workflows",),
                    key=True,
                    subject=f"path {path}",
                )
            )
    return out


# -- identities -------------------------------------------------------------------------------


def _ids(policy: Policy) -> list[Finding]:
    """People, teams and tools share one namespace (a reference must mean one thing)."""
    out: list[Finding] = []
    doc = policy.document
    shared: dict[str, str] = {}
    groups: list[tuple[str, list[Any]]] = [
        ("people", doc.people),
        ("teams", doc.teams),
        ("ai_tools", doc.ai_tools),
    ]
    for section, items in groups:
        for i, item in enumerate(items):
            first = shared.get(item.id)
            if first is not None:
                out.append(
                    policy.finding(
                        "id.duplicate",
                        f"id {item.id!r} is already used in {first}",
                        "give each person, team and AI tool its own id",
                        (section, i, "id"),
                    )
                )
            else:
                shared[item.id] = section
    named: list[tuple[str, Sequence[Any]]] = [
        ("workflows", doc.workflows),
        ("ai_boundary", doc.ai_boundary),
    ]
    for section, entries in named:
        seen: set[str] = set()
        for i, item in enumerate(entries):
            if item.id in seen:
                out.append(
                    policy.finding(
                        "id.duplicate",
                        f"{section} id {item.id!r} is used twice",
                        "rename one of them",
                        (section, i, "id"),
                    )
                )
            seen.add(item.id)
    seen_exc: dict[str, str] = {}
    for exc in policy.exceptions:
        if exc.id in seen_exc:
            out.append(
                policy.finding(
                    "exception.duplicate",
                    f"exception id {exc.id!r} is also defined in {seen_exc[exc.id]}",
                    "rename one of them",
                    ("id",),
                    origin=exc.origin,
                    subject=f"exception {exc.id}",
                )
            )
        else:
            seen_exc[exc.id] = exc.origin.file
    return out


def _people(policy: Policy) -> list[Finding]:
    out: list[Finding] = []
    owners: dict[str, str] = {}
    for i, person in enumerate(policy.document.people):
        for j, email in enumerate(person.emails):
            key = email.lower()
            if key in owners and owners[key] != person.id:
                out.append(
                    policy.finding(
                        "person.email-duplicate",
                        f"{email} belongs to both {owners[key]} and {person.id}",
                        "an email identifies one person; remove it from one of them",
                        ("people", i, "emails", j),
                        subject=f"person {person.id}",
                    )
                )
            owners.setdefault(key, person.id)
    return out


def _teams(policy: Policy) -> list[Finding]:
    out: list[Finding] = []
    for i, team in enumerate(policy.document.teams):
        for j, member in enumerate(team.members):
            if member not in policy.people:
                out.append(
                    _ref(policy, member, "a person", ("teams", i, "members", j), f"team {team.id}")
                )
    return out


def _ref(policy: Policy, ident: str, wanted: str, loc: Loc, subject: str) -> Finding:
    """A reference that does not resolve to `wanted`: undefined, or the wrong kind."""
    kind = (
        "a team"
        if ident in policy.teams
        else "an AI tool"
        if ident in policy.tools
        else "a person"
        if ident in policy.people
        else None
    )
    if kind is not None:
        return policy.finding(
            "ref.kind",
            f"{ident!r} is {kind}; {wanted} is needed here",
            f"name {wanted} here",
            loc,
            subject=subject,
        )
    known = sorted([*policy.people, *policy.teams, *policy.tools])
    close = difflib.get_close_matches(ident, known, n=1, cutoff=0.6)
    fix = f"did you mean {close[0]!r}?" if close else f"add {ident!r} to people (or fix the id)"
    return policy.finding(
        "ref.undefined",
        f"{ident!r} is not defined in people, teams or ai_tools",
        fix,
        loc,
        subject=subject,
    )


# -- workflows --------------------------------------------------------------------------------


def _workflow(policy: Policy, i: int, w: Workflow, today: date) -> list[Finding]:
    subject = f"workflow {w.id}"
    base: Loc = ("workflows", i)
    out: list[Finding] = []
    out += _accountable(policy, base, w, today, subject)
    for role in ("responsible", "consulted", "informed"):
        for j, ident in enumerate(getattr(w, role)):
            if (
                ident not in policy.people
                and ident not in policy.teams
                and ident not in policy.tools
            ):
                out.append(
                    _ref(policy, ident, "a person, team or AI tool", (*base, role, j), subject)
                )
    out += _escalation(policy, base, w, today, subject)
    out += _incident(policy, base, w, today, subject)
    if w.error_budget is None:
        out.append(
            policy.finding(
                "budget.missing",
                f"workflow {w.id} has no error budget: nothing says when to throttle "
                "AI-assisted changes",
                "add error_budget: {window_days: 30, max_ai_incidents: 1}",
                (*base, "id"),
                subject=subject,
            )
        )
    out += _bar(policy, base, w, today, subject)
    return out


def _accountable(
    policy: Policy, base: Loc, w: Workflow, today: date, subject: str
) -> list[Finding]:
    acc = classify(policy, w, today)
    loc: Loc = (*base, "accountable")
    at = loc if w.accountable is not None else (*base, "id")
    out: list[Finding] = []
    name = f"workflow {w.id}"
    if acc.status == "blank":
        out.append(
            policy.finding(
                "accountable.blank",
                f"{name} needs one named accountable: the cell is blank, so nobody owns it",
                "write accountable: <person id> — one human who meets the five conditions",
                at,
                subject=subject,
            )
        )
    elif acc.status == "team":
        out.append(
            policy.finding(
                "accountable.team",
                f"{name} needs one named accountable: {acc.ids[0]!r} is a team, and shared "
                "accountability leaves each member assuming another holds it",
                "name one member of the team who meets the five conditions; keep the team as "
                "responsible",
                at,
                subject=subject,
            )
        )
    elif acc.status == "several":
        out.append(
            policy.finding(
                "accountable.several",
                f"{name} needs one named accountable, not {len(acc.ids)} ({', '.join(acc.ids)})",
                "keep one as accountable; move the others to responsible or consulted",
                at,
                subject=subject,
            )
        )
    elif acc.status == "not-human":
        out.append(
            policy.finding(
                "accountable.not-human",
                f"{name}: {acc.ids[0]!r} is an AI tool; accountability does not transfer "
                "to software",
                "name the human who answers for what the tool produces; list the tool as "
                "responsible",
                at,
                subject=subject,
            )
        )
    elif acc.status == "undefined":
        out.append(_ref(policy, acc.ids[0], "a person", at, subject))
    elif acc.status == "left" and acc.person is not None:
        out.append(
            policy.finding(
                "accountable.left",
                f"{name}: accountable {acc.person.name} ({acc.person.id}) left on "
                f"{acc.person.left}",
                "name a current person who meets the five conditions",
                at,
                subject=subject,
            )
        )
    if acc.person is None:
        return out  # the conditions belong to a person; name one first
    person = acc.person
    if acc.status == "ok" and person.left is not None and person.left - today <= LEAVING_WARNING:
        out.append(
            policy.finding(
                "accountable.leaving",
                f"{name}: accountable {person.name} leaves on {person.left}",
                "agree a successor now and hand over the context",
                at,
                subject=subject,
            )
        )
    for cond in CONDITIONS:
        value = getattr(w.conditions, cond)
        if value is None:
            out.append(
                policy.finding(
                    "accountable.condition-missing",
                    f"{name}: the {cond} condition is not stated for {person.name} (the "
                    f"accountable must {CONDITION_QUESTIONS[cond]})",
                    f"add conditions.{cond}: {{met: true|false, evidence: '...'}}",
                    (*base, "conditions", cond),
                    key=True,
                    subject=subject,
                )
            )
        elif not value.met:
            why = f" ({value.evidence})" if value.evidence.strip() else ""
            out.append(
                policy.finding(
                    "accountable.condition-unmet",
                    f"{name}: {person.name} fails the {cond} condition{why}: the accountable must "
                    f"{CONDITION_QUESTIONS[cond]}",
                    "meet it (and record the evidence), or name someone who does",
                    (*base, "conditions", cond, "met"),
                    subject=subject,
                )
            )
        elif not value.evidence.strip():
            out.append(
                policy.finding(
                    "accountable.condition-no-evidence",
                    f"{name}: {cond} is marked met without evidence",
                    "write the fact a reader can check, e.g. the budget line or the mandate",
                    (*base, "conditions", cond),
                    subject=subject,
                )
            )
    return out


_CHAIN_RULES = {
    "loop": "escalation.loop",
    "undefined": "ref.undefined",
    "team": "escalation.team",
    "left": "escalation.left",
    "kind": "ref.kind",
}
_CHAIN_FIXES = {
    "loop": "end the chain with someone above everyone in it",
    "undefined": "define the person (or workflow), or fix the id",
    "team": "name the one person in that team who decides",
    "left": "replace them with their successor",
    "kind": "name a person",
}


def _escalation(policy: Policy, base: Loc, w: Workflow, today: date, subject: str) -> list[Finding]:
    if not w.escalation:
        return [
            policy.finding(
                "escalation.missing",
                f"workflow {w.id} has no escalation: when the accountable is unsure, nobody is "
                "named to decide",
                "add escalation: [{person: <id>, respond_within: 2h}]",
                (*base, "id"),
                subject=subject,
            )
        ]
    chain = resolve_chain(policy, w, today)
    return [
        policy.finding(
            _CHAIN_RULES[p.kind],
            f"workflow {w.id}: {p.message}",
            _CHAIN_FIXES[p.kind],
            p.loc,
            subject=subject,
        )
        for p in chain.problems
    ]


def _incident(policy: Policy, base: Loc, w: Workflow, today: date, subject: str) -> list[Finding]:
    path = w.incident_path
    if path is None:
        rule = (
            "incident.missing" if TIER_RANK[w.tier] >= TIER_RANK["high"] else "incident.missing-low"
        )
        return [
            policy.finding(
                rule,
                f"workflow {w.id} ({w.tier}) has no incident path: nobody is named to be paged",
                "add incident_path: {paged: [<id>], authority: '...', customer_comms: <id>}",
                (*base, "id"),
                subject=subject,
            )
        ]
    out: list[Finding] = []
    refs: list[tuple[str, Loc]] = [
        (p, (*base, "incident_path", "paged", j)) for j, p in enumerate(path.paged)
    ]
    if path.customer_comms is not None:
        refs.append((path.customer_comms, (*base, "incident_path", "customer_comms")))
    for ident, loc in refs:
        person = policy.people.get(ident)
        if person is None and ident not in policy.teams:
            out.append(_ref(policy, ident, "a person or team", loc, subject))
        elif person is not None and has_left(person, today):
            out.append(
                policy.finding(
                    "incident.left",
                    f"workflow {w.id}: incident path names {person.name}, who left on "
                    f"{person.left}",
                    "name who is paged now",
                    loc,
                    subject=subject,
                )
            )
    return out


def _bar(policy: Policy, base: Loc, w: Workflow, today: date, subject: str) -> list[Finding]:
    out: list[Finding] = []
    tier_bar = policy.document.tiers.get(w.tier)
    if tier_bar is not None:
        for loose in loosenings(w.acceptance_bar, tier_bar):
            detail = f"sets {loose.looser}, the {w.tier} tier requires {loose.floor}"
            out.append(
                policy.finding(
                    "bar.loosened",
                    f"workflow {w.id}: acceptance_bar.{loose.field} loosens the {w.tier} tier "
                    f"default ({detail}); the tier's value applies",
                    "a workflow may only tighten its tier's bar: remove the field or make it "
                    "stricter (or move the workflow to a lower tier, with a reason)",
                    (*base, "acceptance_bar", loose.field),
                    subject=subject,
                )
            )
    bar = workflow_bar(policy.document, w)
    for role in bar.reviewer_roles:
        holders = [p for p in policy.document.people if role in p.roles and not has_left(p, today)]
        if not holders:
            out.append(
                policy.finding(
                    "bar.role-unheld",
                    f"workflow {w.id} requires a {role!r} reviewer, and no current person "
                    "holds that role",
                    f"add {role!r} to the roles of the people who review these changes",
                    (*base, "acceptance_bar", "reviewer_roles")
                    if w.acceptance_bar.reviewer_roles
                    else ("tiers", w.tier, "reviewer_roles"),
                    subject=subject,
                )
            )
    if TIER_RANK[w.tier] >= TIER_RANK["high"] and bar.min_approvals == 0:
        out.append(
            policy.finding(
                "bar.no-approvals",
                f"workflow {w.id} is {w.tier} tier but requires no approvals",
                f"set min_approvals in tiers.{w.tier} or in the workflow's acceptance_bar",
                (*base, "tier"),
                subject=subject,
            )
        )
    return out


def _tiers(policy: Policy) -> list[Finding]:
    """A higher tier's default must be at least as strict as every lower tier's."""
    tiers = policy.document.tiers
    defined = [t for t in reversed(TIERS) if t in tiers]  # low to critical
    out: list[Finding] = []
    for low, high in itertools.pairwise(defined):
        fields = looser_fields(as_effective(tiers[high]), as_effective(tiers[low]))
        if fields:
            out.append(
                policy.finding(
                    "tiers.inverted",
                    f"tier {high} is looser than tier {low} on {', '.join(fields)}",
                    f"make tiers.{high} at least as strict as tiers.{low}",
                    ("tiers", high),
                    key=True,
                    subject=f"tier {high}",
                )
            )
    return out


# -- tools, boundaries, exceptions, governance -------------------------------------------------


def _tools(policy: Policy, today: date) -> list[Finding]:
    out: list[Finding] = []
    for i, tool in enumerate(policy.document.ai_tools):
        subject = f"ai tool {tool.id}"
        loc: Loc = ("ai_tools", i, "owner")
        if tool.owner is None:
            out.append(
                policy.finding(
                    "tool.no-owner",
                    f"AI tool {tool.id} has no named owner tracking how it fails",
                    "add owner: <person id> (often a staff engineer)",
                    ("ai_tools", i, "id"),
                    subject=subject,
                )
            )
            continue
        person = policy.people.get(tool.owner)
        if person is None:
            out.append(_ref(policy, tool.owner, "a person", loc, subject))
        elif has_left(person, today):
            out.append(
                policy.finding(
                    "tool.no-owner",
                    f"AI tool {tool.id}: owner {person.name} left on {person.left}",
                    "name a current owner",
                    loc,
                    subject=subject,
                )
            )
    return out


def _boundaries(policy: Policy, today: date) -> list[Finding]:
    out: list[Finding] = []
    for i, rule in enumerate(policy.document.ai_boundary):
        subject = f"boundary {rule.id}"
        if not rule.exception_approvers:
            out.append(
                policy.finding(
                    "boundary.no-approvers",
                    f"AI boundary {rule.id}: nobody may approve an exception",
                    "add exception_approvers: [<person id>], or accept that no exception "
                    "is possible",
                    ("ai_boundary", i, "id"),
                    subject=subject,
                )
            )
        for j, ident in enumerate(rule.exception_approvers):
            person = policy.people.get(ident)
            loc: Loc = ("ai_boundary", i, "exception_approvers", j)
            if person is None:
                out.append(_ref(policy, ident, "a person", loc, subject))
            elif has_left(person, today):
                out.append(
                    policy.finding(
                        "boundary.approver-left",
                        f"AI boundary {rule.id}: approver {person.name} left on {person.left}",
                        "replace them",
                        loc,
                        subject=subject,
                    )
                )
    return out


def _exceptions(policy: Policy, today: date) -> list[Finding]:
    out: list[Finding] = []
    for exc in policy.exceptions:
        rec = exc.record
        subject = f"exception {exc.id}"

        boundary = policy.boundaries.get(rec.boundary) if rec.boundary else None
        if rec.kind == "boundary" and boundary is None:
            out.append(
                _ref_exc(
                    policy, exc, "boundary", f"AI boundary {rec.boundary!r} is not defined", subject
                )
            )
        if rec.approver not in policy.people:
            out.append(
                policy.finding(
                    "ref.undefined",
                    f"exception {exc.id}: approver {rec.approver!r} is not defined in people",
                    "name the person who approved it",
                    ("approver",),
                    origin=exc.origin,
                    subject=subject,
                )
            )
        elif boundary is not None and rec.approver not in boundary.exception_approvers:
            allowed = ", ".join(boundary.exception_approvers) or "nobody"
            out.append(
                policy.finding(
                    "exception.unauthorized",
                    f"exception {exc.id}: {rec.approver} may not approve exceptions to AI boundary "
                    f"{boundary.id} (approvers: {allowed})",
                    "have a listed approver approve it",
                    ("approver",),
                    origin=exc.origin,
                    subject=subject,
                )
            )
        if rec.requested_by is not None and rec.requested_by not in policy.people:
            out.append(
                policy.finding(
                    "ref.undefined",
                    f"exception {exc.id}: requested_by {rec.requested_by!r} is not defined "
                    "in people",
                    "fix the id",
                    ("requested_by",),
                    origin=exc.origin,
                    subject=subject,
                )
            )
        if rec.expires < today:
            out.append(
                policy.finding(
                    "exception.expired",
                    f"exception {exc.id} expired on {rec.expires}",
                    "delete the exception (git keeps its history), or renew it with a new approval "
                    "and expiry",
                    ("expires",),
                    origin=exc.origin,
                    subject=subject,
                )
            )
    return out


def _ref_exc(
    policy: Policy, exc: LoadedException, field_name: str, message: str, subject: str
) -> Finding:
    return policy.finding(
        "ref.undefined",
        f"exception {exc.id}: {message}",
        f"use an id from ai_boundary: {', '.join(policy.boundaries) or '(none defined)'}",
        (field_name,),
        origin=exc.origin,
        subject=subject,
    )


def _governance(policy: Policy, today: date) -> list[Finding]:
    gov = policy.document.governance
    out: list[Finding] = []
    subject = "governance"
    if gov is None or gov.policy_owner is None:
        out.append(
            policy.finding(
                "governance.no-owner",
                "the policy itself has no named owner",
                "add governance: {policy_owner: <person id>, workflow: <workflow id>}",
                ("governance", "policy_owner") if gov is not None else ("schema",),
                key=gov is None,
                subject=subject,
            )
        )
    else:
        person = policy.people.get(gov.policy_owner)
        if person is None:
            out.append(
                _ref(policy, gov.policy_owner, "a person", ("governance", "policy_owner"), subject)
            )
        elif has_left(person, today):
            out.append(
                policy.finding(
                    "governance.no-owner",
                    f"policy owner {person.name} left on {person.left}",
                    "name the current owner of this policy",
                    ("governance", "policy_owner"),
                    subject=subject,
                )
            )
    named = policy.workflows.get(gov.workflow) if gov is not None and gov.workflow else None
    if gov is not None and gov.workflow and named is None:
        out.append(_ref_workflow(policy, gov.workflow, ("governance", "workflow"), subject))
    for path in GOVERNED_PATHS:
        owner = owner_of(policy, path)
        shown = path if path == "signoff.yaml" else ".signoff/exceptions/"
        if owner is None:
            out.append(
                policy.finding(
                    "governance.not-governed",
                    f"no workflow covers {shown}: changes to the policy would have no accountable",
                    "add a workflow with paths: [/signoff.yaml, /.signoff/] at the end of "
                    "workflows",
                    ("workflows",),
                    key=True,
                    subject=subject,
                )
            )
        elif named is not None and owner.workflow.id != named.id:
            out.append(
                policy.finding(
                    "governance.not-governed",
                    f"{shown} is owned by workflow {owner.workflow.id} (the last match), not by "
                    f"the governance workflow {named.id}",
                    f"move workflow {named.id} after {owner.workflow.id}, or narrow "
                    f"{owner.workflow.id}'s paths",
                    ("governance", "workflow"),
                    subject=subject,
                )
            )
    if named is not None and gov is not None and gov.policy_owner:
        acc = classify(policy, named, today)
        if acc.person is not None and acc.person.id != gov.policy_owner:
            out.append(
                policy.finding(
                    "governance.owner-mismatch",
                    f"the policy owner is {gov.policy_owner}, but workflow {named.id} names "
                    f"{acc.person.id} accountable for policy changes",
                    "make them the same person, or say in the workflow why they differ",
                    ("governance", "policy_owner"),
                    subject=subject,
                )
            )
    return out


def _ref_workflow(policy: Policy, ident: str, loc: Loc, subject: str) -> Finding:
    close = difflib.get_close_matches(ident, list(policy.workflows), n=1, cutoff=0.6)
    return policy.finding(
        "ref.undefined",
        f"workflow {ident!r} is not defined",
        f"did you mean {close[0]!r}?" if close else "use the id of a workflow in workflows",
        loc,
        subject=subject,
    )
