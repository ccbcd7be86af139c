"""`signoff check`: judge a change set against the acceptance bar its tier demands.

Rules run over one change set and one policy, read from the target branch (a change cannot
loosen the gate that judges it). Each rule returns findings; the verdict is "blocked" when any
finding blocks and no approved exception covers it.
"""

from __future__ import annotations

import os
import tempfile
from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

from signoff.errors import SignoffError
from signoff.gate.findings import GATE_RULES, GateFinding, Severity
from signoff.gate.weakened import Weakening, weakened_checks
from signoff.git.notes import cat_blobs
from signoff.git.objects import blob_sizes
from signoff.git.repo import Repo
from signoff.policy import PathOwner, Policy, owners_for, policy_in_force
from signoff.policy.bars import EffectiveBar, strictest
from signoff.policy.match import suppression_exception
from signoff.policy.model import Person
from signoff.provenance.markers import parse_person
from signoff.query.blame import AI_ATTRIBUTED, AI_LINE_KINDS
from signoff.query.changeset import AddedLine, ChangeSet, range_changeset, staged_changeset
from signoff.review.forge import ForgeReview, ForgeUser
from signoff.review.oversight import (
    ACCEPTER,
    AUTHOR,
    BOT,
    DELEGATOR,
    REASONS,
    STALE,
    AiSize,
    ApprovalVerdict,
    judge_approvals,
    registry_matcher,
    registry_person,
    review_depth,
)

DEFAULT_SCANNERS = ("bandit", "detect-secrets")
# Scanners take minutes and gigabytes on a generated 50 MB file; larger files are not given to
# them, and the gate says so (blocking where the bar requires scanners).
SCAN_MAX_BYTES = 5_000_000
DEFAULT_TIER = "moderate"
# Scanner severities that block, per tier; lower severities warn (critical/high tiers) or note.
BLOCK_AT: dict[str, tuple[str, ...]] = {
    "critical": ("critical", "high", "medium"),
    "high": ("critical", "high"),
    "moderate": ("critical",),
    "low": (),
}


@dataclass(slots=True)
class GateOptions:
    base: str | None = None
    head: str = "HEAD"
    staged: bool = False
    policy_rev: str | None = None  # default: the base of a range, HEAD for a staged change
    forge_review: ForgeReview | None = None
    scanners: tuple[str, ...] | None = None  # None: the bar's scanners plus the defaults
    scan: bool = True
    today: date | None = None
    use_index: bool = True
    environ: Mapping[str, str] | None = None


@dataclass(slots=True)
class CheckResult:
    changeset: ChangeSet
    findings: list[GateFinding]
    policy_file: str | None
    policy_rev: str | None
    owners: list[PathOwner] = field(default_factory=list)
    scan: dict[str, Any] | None = None
    exceptions_used: list[dict[str, Any]] = field(default_factory=list)
    tools_owners: dict[str, dict[str, Any]] = field(default_factory=dict)
    oversight: dict[str, Any] | None = None  # approvals set aside, review depth, weakened checks

    @property
    def blocked(self) -> bool:
        return any(f.blocks for f in self.findings)

    @property
    def verdict(self) -> str:
        return "blocked" if self.blocked else "pass"

    def to_json(self) -> dict[str, Any]:
        return {
            "verdict": self.verdict,
            "policy": {"file": self.policy_file, "rev": self.policy_rev},
            "changeset": self.changeset.to_json(),
            "findings": [f.to_json() for f in self.findings],
            "exceptions_used": self.exceptions_used,
            "workflows": _workflows_json(self.owners),
            "scan": self.scan,
            "oversight": self.oversight,
        }


def _workflows_json(owners: Sequence[PathOwner]) -> list[dict[str, Any]]:
    seen: dict[str, dict[str, Any]] = {}
    for o in owners:
        doc = o.to_json()
        key = doc["workflow"] or ""
        entry = seen.setdefault(
            key,
            {
                "workflow": doc["workflow"],
                "tier": doc["tier"],
                "accountable": doc["accountable"],
                "verdict": doc["verdict"],
                "paths": [],
            },
        )
        entry["paths"].append(o.path)
    return list(seen.values())


def check(repo: Repo, options: GateOptions) -> CheckResult:
    """Build the change set, load the policy in force, run every rule."""
    env = options.environ if options.environ is not None else os.environ
    if options.staged:
        cs = staged_changeset(repo, env)
        policy_rev = options.policy_rev or ("HEAD" if repo.head() else None)
    else:
        if options.base is None:
            raise SignoffError(
                "nothing to check: give --base REF (a pull request) or --staged (a commit)",
                "signoff check --base origin/main, or signoff check --staged",
            )
        cs = range_changeset(repo, options.base, options.head, use_index=options.use_index)
        policy_rev = options.policy_rev or cs.base
    policy = policy_in_force(repo, policy_rev)
    today = options.today or date.today()
    ctx = _Context(repo, cs, policy, today, options)
    findings: list[GateFinding] = []
    if policy is None:
        findings.append(_f("policy.missing", f"no signoff.yaml at {policy_rev or 'the work tree'}"))
    findings += ctx.large_rules()
    findings += ctx.boundary_rules()
    findings += ctx.provenance_rules()
    findings += ctx.owner_rules()
    if not options.staged:
        # Review, review capacity and error budgets are judged on the pull request: before a
        # commit exists nobody can have approved it (the pre-commit hook would block every
        # agent commit to a tier that requires approvals).
        findings += ctx.review_rules()
        findings += ctx.shallow_rules()
        findings += ctx.budget_rules()
        findings += ctx.capacity_rules()
    findings += ctx.weakened_rules()
    findings += ctx.scan_rules()
    return CheckResult(
        changeset=cs,
        findings=findings,
        policy_file=policy.file if policy else None,
        policy_rev=policy_rev,
        owners=ctx.owners,
        scan=ctx.scan_json,
        exceptions_used=ctx.exceptions_used,
        tools_owners=ctx.tool_owners(),
        oversight=ctx.oversight_json(),
    )


# why an approval was set aside -> (gate rule, what the finding says)
_SET_ASIDE = {
    STALE: ("review.stale", REASONS[STALE]),
    AUTHOR: ("review.self", "they authored the change or one of its commits"),
    ACCEPTER: ("review.self", "they accepted the AI-generated change"),
    BOT: ("review.bot", REASONS[BOT]),
    DELEGATOR: ("review.delegator", "they delegated the work to the agent that opened it"),
}


def _f(rule: str, message: str, severity: Severity | None = None, **kw: Any) -> GateFinding:
    default, _title, fix = GATE_RULES[rule]
    return GateFinding(rule, severity or default, message, fix=kw.pop("fix", fix), **kw)


def _span(cs: ChangeSet, path: str) -> tuple[int | None, int | None]:
    """First and last AI line of `path` (of the whole file when it is too large to hold)."""
    big = cs.large.get(path)
    if big is not None:
        return big.first, big.last
    nums = sorted(a.line for a in cs.lines.get(path, ()) if a.author in AI_LINE_KINDS)
    return (nums[0], nums[-1]) if nums else (None, None)


class _Context:
    """One gate run: the change set, the policy, and lookups shared by the rules."""

    def __init__(
        self, repo: Repo, cs: ChangeSet, policy: Policy | None, today: date, options: GateOptions
    ) -> None:
        self.repo = repo
        self.cs = cs
        self.policy = policy
        self.today = today
        self.options = options
        self.paths = [f.path for f in cs.files if not f.deleted]
        self.ai_paths = [p for p in self.paths if cs.has_ai_lines(p)]
        self.owners: list[PathOwner] = owners_for(policy, self.paths, today=today) if policy else []
        self.owner_of = {o.path: o for o in self.owners}
        self.exceptions_used: list[dict[str, Any]] = []
        self.scan_json: dict[str, Any] | None = None
        self.verdicts: list[ApprovalVerdict] = []  # forge approvals, counted or set aside
        self.depths: list[dict[str, Any]] = []  # review depth of each counted approval
        self.weakened: list[Weakening] = []  # check-weakening edits of AI-assisted commits

    # -- helpers ------------------------------------------------------------------------

    def ai_rows(self, path: str) -> list[AddedLine]:
        return [a for a in self.cs.lines.get(path, ()) if a.author in AI_LINE_KINDS]

    def tier(self, path: str) -> str:
        owner = self.owner_of.get(path)
        return owner.tier if owner and owner.tier else DEFAULT_TIER

    def workflow_id(self, path: str) -> str | None:
        owner = self.owner_of.get(path)
        return owner.ownership.workflow.id if owner and owner.ownership else None

    def bar(self) -> EffectiveBar:
        bars = [self.owner_of[p].bar for p in self.ai_paths if p in self.owner_of]
        return strictest(bars) if bars else EffectiveBar()

    def tool_owners(self) -> dict[str, dict[str, Any]]:
        if self.policy is None:
            return {}
        out = {}
        used = {t.tool for p in self.cs.provenance.values() for t in p.tools}
        for name in sorted(used):
            tool = self.policy.tools.get(name)
            if tool:
                owner = self.policy.people.get(tool.owner or "")
                out[name] = {
                    "owner": owner.name if owner else tool.owner,
                    "failure_patterns": list(tool.failure_patterns),
                }
        return out

    def oversight_json(self) -> dict[str, Any] | None:
        """What the gate saw of human oversight (None when there was nothing to judge)."""
        if not (self.verdicts or self.depths or self.weakened):
            return None
        return {
            "approvals": [v.to_json() for v in self.verdicts],
            "review_depth": self.depths,
            "weakened_checks": [w.to_json() for w in self.weakened],
        }

    # -- rules --------------------------------------------------------------------------

    def boundary_rules(self) -> list[GateFinding]:
        out = []
        for path in self.ai_paths:
            owner = self.owner_of.get(path)
            if owner is None:
                continue
            start, end = _span(self.cs, path)
            verdict = owner.ai
            block = verdict.blocking
            if block is not None:
                approvers = (
                    ", ".join(block.boundary.exception_approvers)
                    or "nobody (set exception_approvers)"
                )
                out.append(
                    _f(
                        "boundary.ai-forbidden",
                        f"{_kinds(*self.cs.ai_counts(path))} in {path}, inside AI boundary "
                        f"{block.boundary.id!r} ({block.boundary.reason}); may approve an exception: {approvers}",
                        path=path,
                        start_line=start,
                        end_line=end,
                        workflow=self.workflow_id(path),
                    )
                )
            for hit in verdict.hits:
                if hit.exception:
                    self.exceptions_used.append(
                        {"exception": hit.exception, "boundary": hit.boundary.id, "path": path}
                    )
                    out.append(
                        _f(
                            "boundary.exception-used",
                            f"AI boundary {hit.boundary.id!r} on {path} lifted by exception {hit.exception!r}",
                            path=path,
                            start_line=start,
                            end_line=end,
                            exception=hit.exception,
                        )
                    )
        return out

    def provenance_rules(self) -> list[GateFinding]:
        if self.policy is None:
            return []
        required = _declaration_tiers(self.policy)
        if not required:
            return []
        out = []
        staged = self.cs.staged
        if staged is not None and staged.status == "unknown":
            tiers = {self.tier(p) for p in self.paths} or {DEFAULT_TIER}
            hit = sorted(tiers & required)
            if hit:
                out.append(
                    _f(
                        "provenance.undeclared",
                        f"the staged change has unknown provenance (no agent detected, no "
                        f"SIGNOFF_AI) and touches {'/'.join(hit)} tier paths, where the policy "
                        "requires a declaration",
                        fix="declare it: SIGNOFF_AI=none git commit ... (or the tool, e.g. "
                        "SIGNOFF_AI=claude-code)",
                    )
                )
        for commit in self.cs.commits:
            prov = self.cs.provenance[commit.sha]
            if prov.status != "unknown":
                continue
            tiers = {self.tier(p) for p in self.cs.paths_of(commit.sha)} or {DEFAULT_TIER}
            hit = sorted(tiers & required)
            if hit:
                out.append(
                    _f(
                        "provenance.undeclared",
                        f"commit {commit.sha[:10]} ({commit.subject[:60]}) has unknown provenance "
                        f"and touches {'/'.join(hit)} tier paths, where the policy requires a declaration",
                        commit=commit.sha,
                    )
                )
        return out

    def owner_rules(self) -> list[GateFinding]:
        if self.policy is None:
            return []
        out = []
        ai = set(self.ai_paths)
        uncovered_ai = [p for p in self.paths if p in ai and self.owner_of[p].ownership is None]
        uncovered = [p for p in self.paths if p not in ai and self.owner_of[p].ownership is None]
        for path in uncovered_ai:
            start, end = _span(self.cs, path)
            out.append(
                _f(
                    "owner.none",
                    f"{path} has AI-assisted lines and no workflow covers it: nobody is accountable",
                    path=path,
                    start_line=start,
                    end_line=end,
                )
            )
        if uncovered:
            out.append(
                _f(
                    "owner.unowned-human",
                    f"{len(uncovered)} changed path(s) no workflow covers: "
                    + ", ".join(uncovered[:5]),
                    path=uncovered[0],
                )
            )
        blocked: dict[str, list[str]] = {}
        for path in self.paths:
            own = self.owner_of[path].ownership
            if own is not None and not own.ships:
                blocked.setdefault(own.workflow.id, []).append(path)
        for wf, paths in blocked.items():
            own = self.owner_of[paths[0]].ownership
            assert own is not None
            reasons = "; ".join(f.message for f in own.blocking[:3])
            is_ai = any(p in ai for p in paths)
            out.append(
                _f(
                    "owner.do-not-ship",
                    f"workflow {wf!r} is DO NOT SHIP in the registry: {reasons}",
                    severity="block" if is_ai else "warn",
                    path=paths[0],
                    workflow=wf,
                    fix=own.blocking[0].fix if own.blocking else "",
                )
            )
        return out

    def review_rules(self) -> list[GateFinding]:
        if self.policy is None or not self.ai_paths:
            return []
        bar = self.bar()
        accountables = self._accountables()
        needs = bar.min_approvals > 0 or bar.reviewer_roles or bar.require_accountable_approval
        if not needs:
            return []
        out: list[GateFinding] = []
        evidence = self._approvals(out)
        if evidence is None:
            return [
                *out,
                _f(
                    "review.no-evidence",
                    f"AI-assisted change needs {bar.min_approvals} approval(s) but no review evidence "
                    "was given (no --reviews, no GITHUB_EVENT_PATH; Approved-by trailers in the change "
                    "do not count)",
                    path=self.ai_paths[0],
                ),
            ]
        counting = evidence
        if len(counting) < bar.min_approvals:
            out.append(
                _f(
                    "review.approvals",
                    f"{len(counting)} of {bar.min_approvals} required approvals from reviewers other "
                    "than the author and accepter, given on the current head",
                    path=self.ai_paths[0],
                )
            )
        people = [p for p in (self._person(u) for u in counting) if p is not None]
        for role in bar.reviewer_roles:
            if not any(role in p.roles for p in people):
                out.append(
                    _f(
                        "review.role",
                        f"no approving reviewer holds the role {role!r} the tier requires",
                        path=self.ai_paths[0],
                    )
                )
        if bar.require_accountable_approval:
            approved_ids = {p.id for p in people}
            for wf, person in accountables.items():
                if person is not None and person.id not in approved_ids:
                    out.append(
                        _f(
                            "review.accountable",
                            f"workflow {wf!r} requires its accountable ({person.name}) to approve",
                            path=self.ai_paths[0],
                            workflow=wf,
                        )
                    )
        return out

    def _accountables(self) -> dict[str, Person | None]:
        out: dict[str, Person | None] = {}
        for p in self.ai_paths:
            own = self.owner_of[p].ownership
            if own is not None:
                out[own.workflow.id] = own.accountable.person
        return out

    def _authors(self) -> list[tuple[ForgeUser, bool]]:
        """Each commit's author, and each accepter (flagged True), as forge users."""
        users: list[tuple[ForgeUser, bool]] = []
        for c in self.cs.commits:
            users.append((ForgeUser(None, c.author.name, c.author.email), False))
            prov = self.cs.provenance[c.sha]
            if prov.accepted_by:
                users.append((ForgeUser(None, prov.accepted_by.name, prov.accepted_by.email), True))
        return users

    def _co_authors(self) -> list[ForgeUser]:
        """Co-authored-by people of the change's commits (an agent names its requester so)."""
        out = []
        for c in self.cs.commits:
            for key, value in c.trailers:
                if key.lower() == "co-authored-by":
                    person = parse_person(value)
                    out.append(ForgeUser(None, person.name, person.email or None))
        return out

    def _approvals(self, out: list[GateFinding]) -> list[ForgeUser] | None:
        """Approvers that count: current, and neither author nor accepter. None: no evidence."""
        authors = self._authors()
        review = self.options.forge_review
        counted: list[ForgeUser] = []
        if review is not None:
            self.verdicts = self._judge(review, authors)
            for v in self.verdicts:
                if v.counts:
                    counted.append(v.approval.reviewer)
                    continue
                rule, what = _SET_ASIDE[v.reason or ""]
                out.append(_f(rule, f"approval by {v.who} does not count: {what}"))
            return counted
        trailers = [
            parse_person(v)
            for c in self.cs.commits
            for k, v in c.trailers
            if k.lower() == "approved-by"
        ]
        if not trailers:
            return None
        if not self.bar().trailer_approvals:
            # Whoever wrote the change wrote these lines: they are no evidence of review.
            out.append(
                _f(
                    "review.in-change",
                    f"{len(trailers)} Approved-by trailer(s) in the change's own commits do not "
                    "count toward its approvals",
                    path=self.ai_paths[0],
                )
            )
            return None
        out.append(
            _f(
                "review.trailers-only",
                "the only review evidence is Approved-by trailers written inside the change "
                "(allowed by trailer_approvals in signoff.yaml)",
                path=self.ai_paths[0],
            )
        )
        for person in trailers:
            user = ForgeUser(None, person.name, person.email)
            if self._same_person(user, [u for u, _ in authors]):
                out.append(
                    _f("review.self", f"Approved-by {person} is the change's author or accepter")
                )
            elif not any(user.same_as(c) for c in counted):
                counted.append(user)
        return counted

    def _judge(
        self, review: ForgeReview, authors: list[tuple[ForgeUser, bool]]
    ) -> list[ApprovalVerdict]:
        """The forge's standing approvals judged against the change's authors and accepters."""
        return judge_approvals(
            review,
            authors=[u for u, accepter in authors if not accepter],
            accepters=[u for u, accepter in authors if accepter],
            co_authors=self._co_authors(),
            same=self._same_person,
        )

    def _same_person(self, user: ForgeUser, others: Sequence[ForgeUser]) -> bool:
        return registry_matcher(self.policy.people.values() if self.policy else ())(user, others)

    def _person(self, user: ForgeUser) -> Person | None:
        if self.policy is None:
            return None
        return registry_person(self.policy.people.values(), user)

    def shallow_rules(self) -> list[GateFinding]:
        """`review.shallow`: an independent approval given faster than the tier's minimum
        review time for the size of the change's AI part."""
        review = self.options.forge_review
        if review is None or not self.ai_paths:
            return []
        if not self.verdicts:
            self.verdicts = self._judge(review, self._authors())
        totals = self.cs.line_totals()
        size = AiSize(totals["ai_attributed_lines"], totals["ai_assisted_unrecorded_lines"])
        bar = self.bar()
        minutes = bar.min_review_minutes_per_100_ai_lines
        out: list[GateFinding] = []
        for v in self.verdicts:
            if not v.counts:
                continue
            depth = review_depth(review, v.approval)
            required, basis = size.required_seconds(minutes or 0)
            shallow = bool(minutes) and depth.seconds is not None and depth.seconds < required
            self.depths.append(
                {
                    **depth.to_json(),
                    "ai_attributed_lines": size.attributed,
                    "ai_assisted_unrecorded_lines": size.unrecorded,
                    "required_seconds": round(required, 1) if minutes else None,
                    "size_measure": basis if minutes else None,
                    "shallow": shallow,
                }
            )
            if shallow:
                assert depth.seconds is not None
                out.append(
                    _f(
                        "review.shallow",
                        f"approval by {v.who} came {_duration(depth.seconds)} after the "
                        f"{depth.since} for {size.describe()}; the tier asks at least "
                        f"{minutes:g} min per 100 {basis} ({_duration(required)})",
                        severity="block" if bar.shallow_review == "block" else "warn",
                        path=self.ai_paths[0],
                    )
                )
        return out

    def weakened_rules(self) -> list[GateFinding]:
        """`checks.weakened`: one finding per weakening edit; blocks where the tier says so."""
        self.weakened = weakened_checks(self.cs)
        out = []
        for w in self.weakened:
            bar = self._bar_of(w.path)
            where = f"{w.path}:{w.line}" if w.line else w.path
            detail = f" ({w.text})" if w.text else ""
            out.append(
                _f(
                    "checks.weakened",
                    f"{w.title} in {where}{detail}; {w.how_known}",
                    severity="block" if bar.weakened_checks == "block" else "warn",
                    path=w.path,
                    start_line=w.line,
                    end_line=w.line,
                    workflow=self.workflow_id(w.path),
                )
            )
        return out

    def _bar_of(self, path: str) -> EffectiveBar:
        """The bar of a path, also of one the change deletes (no longer in the head's paths)."""
        owner = self.owner_of.get(path)
        if owner is None and self.policy is not None:
            found = owners_for(self.policy, [path], today=self.today)
            owner = found[0] if found else None
            if owner is not None:
                self.owner_of[path] = owner
        return owner.bar if owner is not None else EffectiveBar()

    def budget_rules(self) -> list[GateFinding]:
        from signoff.gate.budget import budget_findings

        return budget_findings(
            self.repo, self.policy, self.cs, self.owner_of, self.ai_paths, self.today
        )

    def capacity_rules(self) -> list[GateFinding]:
        if self.policy is None:
            return []
        # every line the reviewer must read counts against the capacity: AI-attributed ones and
        # those of AI-assisted commits without a line record (the message names both apart)
        by_workflow: dict[str, list[int]] = {}  # (AI-attributed, unrecorded) lines
        limits: dict[str, int] = {}
        for path in self.ai_paths:
            owner = self.owner_of[path]
            if owner.ownership is None or owner.bar.max_reviewable_lines is None:
                continue
            wf = owner.ownership.workflow.id
            counts = by_workflow.setdefault(wf, [0, 0])
            attributed, unrecorded = self.cs.ai_counts(path)
            counts[0] += attributed
            counts[1] += unrecorded
            limits[wf] = owner.bar.max_reviewable_lines
        return [
            _f(
                "review.capacity",
                f"{_kinds(*counts)} to review in workflow {wf!r}; its tier reviews at most "
                f"{limits[wf]} at once",
                workflow=wf,
            )
            for wf, counts in by_workflow.items()
            if sum(counts) > limits[wf]
        ]

    def scan_rules(self) -> list[GateFinding]:
        if not self.ai_paths:
            return []
        from signoff.scan import scan_files
        from signoff.scan.suppressions import find_suppressions

        bar = self.bar()
        wanted = self.options.scanners or tuple(dict.fromkeys((*DEFAULT_SCANNERS, *bar.scanners)))
        out: list[GateFinding] = []
        for path in self.ai_paths:
            if path in self.cs.large:
                continue  # no text held: the change.too-large finding says so
            ai_lines = {a.line: a.text for a in self.ai_rows(path)}
            found = find_suppressions(ai_lines, path)
            approved = (
                suppression_exception(self.policy, path, self.today)
                if found and self.policy is not None
                else None
            )
            for s in found:
                out.append(
                    _f(
                        "scan.suppression",
                        f"{s.text.strip()!r} ({s.scanner}) added on {_line_kind(self.cs, path, s.line)} of {path}",
                        path=path,
                        start_line=s.line,
                        end_line=s.line,
                        exception=approved,
                    )
                )
            if approved and found:
                self.exceptions_used.append(
                    {"exception": approved, "boundary": "suppression", "path": path}
                )
        if not self.options.scan:
            return out  # suppression comments are still judged: they need no scanner
        with tempfile.TemporaryDirectory(prefix="signoff-scan-") as tmp:
            root = Path(tmp)
            files, skipped = self._materialise(root)
            for path, size in skipped:
                out.append(
                    _f(
                        "scan.too-large",
                        f"{path} is {size / 1_000_000:.1f} MB, over the {SCAN_MAX_BYTES // 1_000_000}"
                        " MB scanners are given: not scanned",
                        severity="block" if self._requires_scan(path) else "warn",
                        path=path,
                    )
                )
            lines = {p: self._scan_lines(p) for p in files}
            result = scan_files(root, files, scanners=wanted, lines=lines)
        self.scan_json = result.to_json()
        for name, status in result.scanners.items():
            if not status.ok:
                required = name in bar.scanners
                out.append(
                    _f(
                        "scan.not-run",
                        f"scanner {name} did not run: {status.error or 'not installed'}",
                        severity="block" if required else "warn",
                    )
                )
        for finding in result.findings:
            tier = self.tier(finding.path)
            severity: Severity = (
                "block"
                if finding.severity in BLOCK_AT[tier]
                else (
                    "warn"
                    if tier in ("critical", "high") or finding.severity in ("critical", "high")
                    else "note"
                )
            )
            out.append(
                _f(
                    "scan.finding",
                    f"{finding.scanner} {finding.rule_id} ({finding.severity}) on "
                    f"{_region_kind(self.cs, finding.path, finding.start_line, finding.end_line)}: "
                    f"{finding.message}",
                    severity=severity,
                    path=finding.path,
                    start_line=finding.start_line,
                    end_line=finding.end_line,
                    workflow=self.workflow_id(finding.path),
                    scan=finding,
                    fix=(
                        f"see {finding.help_uri}"
                        if finding.help_uri
                        else GATE_RULES["scan.finding"][2]
                    ),
                )
            )
        return out

    def _scan_lines(self, path: str) -> Collection[int]:
        big = self.cs.large.get(path)
        if big is not None:  # a file judged as a whole: a finding anywhere in it counts
            return range(big.first or 1, (big.last or 0) + 1)
        return self.cs.ai_touched_lines(path)

    def large_rules(self) -> list[GateFinding]:
        """Files too large to hold line by line, said plainly: what was judged and how."""
        out = []
        for path, big in self.cs.large.items():
            tail = (
                "; the AI bar applies to all of its lines; suppression comments in it were not "
                "looked for"
                if big.ai_assisted
                else ""
            )
            out.append(
                _f(
                    "change.too-large",
                    big.message() + tail,
                    path=path,
                    start_line=big.first,
                    end_line=big.last,
                    workflow=self.workflow_id(path),
                )
            )
        return out

    def _requires_scan(self, path: str) -> bool:
        owner = self.owner_of.get(path)
        return bool(owner and owner.bar.scanners)

    def _materialise(self, root: Path) -> tuple[list[str], list[tuple[str, int]]]:
        """Write the head version of each AI-touched file under `root` (never the work tree);
        files over SCAN_MAX_BYTES are left out and returned with their size."""
        if self.cs.kind == "staged":
            specs = {p: f":{p}" for p in self.ai_paths}
        else:
            specs = {p: f"{self.cs.head}:{p}" for p in self.ai_paths}
        sizes = blob_sizes(self.repo, specs.values())
        skipped = [(p, sizes[s]) for p, s in specs.items() if sizes.get(s, 0) > SCAN_MAX_BYTES]
        for path, _ in skipped:
            del specs[path]
        blobs = cat_blobs(self.repo, specs.values())
        written = []
        for path, spec in specs.items():
            data = blobs.get(spec)
            if data is None:
                continue
            target = root / path
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_bytes(data)
            written.append(path)
        return written, skipped


def _duration(seconds: float) -> str:
    if seconds < 120:
        return f"{seconds:.0f} s"
    if seconds < 7200:
        return f"{seconds / 60:.0f} min"
    return f"{seconds / 3600:.1f} h"


def _kinds(attributed: int, unrecorded: int) -> str:
    """The two kinds of AI-assisted line, named apart."""
    parts = []
    if attributed:
        parts.append(f"{attributed} AI-attributed lines")
    if unrecorded:
        parts.append(f"{unrecorded} lines of AI-assisted commits without a line record")
    return " and ".join(parts) or "no AI-assisted lines"


def _region_kind(cs: ChangeSet, path: str, start: int | None, end: int | None) -> str:
    """How the AI lines a scanner finding sits on are known (AI-attributed wins)."""
    rows = []
    if start is not None:
        span = range(start, (end or start) + 1)
        rows = [a for a in cs.lines.get(path, ()) if a.line in span]
    attributed = [a for a in rows if a.author == AI_ATTRIBUTED]
    if attributed:
        if all(a.kind == "ai-modified" for a in attributed):
            return "AI-modified lines (line record: an AI wrote them, a human changed them)"
        return "AI-attributed lines (line record)"
    if any(a.kind == "unknown" for a in rows):
        return "lines of an AI-assisted commit that its line record leaves unknown"
    return "lines of an AI-assisted commit with no line record"


def _line_kind(cs: ChangeSet, path: str, line: int) -> str:
    """How a finding's line is known to be AI: from a line record, or only from its commit."""
    row = next((a for a in cs.lines.get(path, ()) if a.line == line), None)
    if row is not None and row.author == AI_ATTRIBUTED:
        if row.kind == "ai-modified":
            return "an AI-modified line (line record: an AI wrote it, a human changed it)"
        return "an AI-attributed line (line record)"
    if row is not None and row.kind == "unknown":
        return "a line of an AI-assisted commit that its line record leaves unknown"
    return "a line of an AI-assisted commit with no line record"


def _declaration_tiers(policy: Policy) -> set[str]:
    """Tiers where the policy requires every commit to declare its provenance."""
    return set(policy.document.provenance.require_declaration)
