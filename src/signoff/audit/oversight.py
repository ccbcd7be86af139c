"""Oversight in the audit: were approvals independent, were they real, were checks weakened?

Each figure is a ratio with its numerator and denominator stated, over the changes that have the
evidence it needs (a forge review record, a recorded gate result); the rest are counted apart,
never read as passing or failing.

- Independent approval: approvals by humans other than the author, the accepter and the human
  who delegated an agent's pull request; bots and AI reviewers never count.
- Shallow approval: an independent approval given sooner after the last push than the tier's
  minimum review time per 100 AI lines (the AI-attributed lines, or the lines of AI-assisted
  commits without a line record, whichever asks more; never their sum). Rates per tier, team
  (the approver's teams in the registry at the end of the period) and tool.
- Weakened checks: `checks.weakened` findings in the recorded gate results.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Sequence
from typing import Any

from signoff.audit.metrics import NO_TIER, Ratio
from signoff.audit.policies import PolicyVersion
from signoff.audit.population import Change
from signoff.policy.model import Person as PolicyPerson
from signoff.review.forge import ForgeReview, ForgeUser
from signoff.review.oversight import (
    AiSize,
    judge_approvals,
    registry_matcher,
    registry_person,
    review_depth,
)

NO_TEAM = "(no team)"
NO_TOOL = "(no tool named)"


def _user(name: str, email: str) -> ForgeUser:
    return ForgeUser(None, name or None, email or None)


def oversight_of(
    review: ForgeReview, change: Change, people: Sequence[PolicyPerson] = ()
) -> dict[str, Any]:
    """The forge record's approvals judged for independence, and each counted one's depth.

    `people` (the registry) matches a reviewer's login to a commit email. A merge commit's
    author is whoever merged, not an author of the change: the forge's commits say who wrote it.
    """

    authors = [_user(change.author.name, change.author.email)] if change.kind == "commit" else []
    verdicts = judge_approvals(
        review,
        authors=authors,
        accepters=[_user(p.name, p.email) for p in change.accepted_by],
        co_authors=[_user(p.name, p.email) for p in change.co_authors],
        same=registry_matcher(people),
    )
    size = AiSize(change.ai_attributed_lines or 0, change.unrecorded_ai_lines or 0)
    minutes = change.min_review_minutes
    required, basis = size.required_seconds(minutes or 0)
    depth = []
    for v in verdicts:
        if not v.counts:
            continue
        d = review_depth(review, v.approval)
        judged = bool(minutes) and change.ai_assisted and d.seconds is not None
        depth.append(
            {
                **d.to_json(),
                "login": v.approval.reviewer.login,
                "email": v.approval.reviewer.email,
                "required_seconds": round(required, 1) if judged else None,
                "size_measure": basis if judged else None,
                "shallow": judged and d.seconds is not None and d.seconds < required,
            }
        )
    return {
        "approvals": [v.to_json() for v in verdicts],
        "independent_approvals": sum(1 for v in verdicts if v.counts),
        "set_aside": dict(Counter(v.reason for v in verdicts if v.reason)),
        "review_depth": depth,
    }


class OversightAccumulator:
    """The oversight section of metrics.json, counted a change at a time."""

    def __init__(self, final: PolicyVersion | None) -> None:
        self.people = list(final.policy.document.people) if final and final.policy else []
        self.teams = list(final.policy.document.teams) if final and final.policy else []
        self.set_aside: Counter[str] = Counter()
        self.independent = [0, 0]  # numerator, denominator
        self.shallow: dict[str, dict[str, list[int]]] = {
            key: {} for key in ("all", "tier", "team", "tool")
        }
        self.weakened = [0, 0]
        self.kinds: Counter[str] = Counter()

    def _team_of(self, entry: dict[str, Any]) -> list[str]:
        user = ForgeUser(entry.get("login"), None, entry.get("email"))
        person = registry_person(self.people, user)
        if person is None:
            return [NO_TEAM]
        return [t.id for t in self.teams if person.id in t.members] or [NO_TEAM]

    def add(self, c: Change) -> None:
        if c.ai_assisted and c.weakened_checks is not None:
            self.weakened[1] += 1
            self.weakened[0] += bool(c.weakened_checks)
            self.kinds.update(c.weakened_kinds)
        if c.forge is None or "oversight" not in c.forge:
            return
        oversight = c.forge["oversight"]
        self.set_aside.update(oversight["set_aside"])
        if c.ai_assisted and c.required_approvals > 0:
            self.independent[1] += 1
            self.independent[0] += oversight["independent_approvals"] >= c.required_approvals
        for entry in oversight["review_depth"]:
            if entry["required_seconds"] is None:
                continue
            groups = {
                "all": ["all"],
                "tier": [c.tier or NO_TIER],
                "team": self._team_of(entry),
                "tool": sorted({t["tool"] for t in c.tools}) or [NO_TOOL],
            }
            for key, names in groups.items():
                for name in names:
                    counts = self.shallow[key].setdefault(name, [0, 0])
                    counts[0] += bool(entry["shallow"])
                    counts[1] += 1

    def _shallow(self, key: str) -> dict[str, Any]:
        return {
            name: _shallow_ratio(shallow, judged)
            for name, (shallow, judged) in sorted(self.shallow[key].items())
        }

    def result(self) -> dict[str, Any]:
        independent = Ratio(
            "independent_approval",
            "Independent approval",
            "AI-assisted changes with at least as many independent approvals (humans other than "
            "the author, the accepter and the human who delegated an agent's pull request; never "
            "bots or AI reviewers) as their tier's bar requires",
            "AI-assisted changes whose bar requires an approval and whose pull request's forge "
            "review record was given (--reviews)",
            *self.independent,
        )
        return {
            "independent_approval": independent.to_json(),
            "approvals_set_aside": {
                "by_reason": dict(sorted(self.set_aside.items())),
                "definition": "standing approvals on the forge that did not count, by why: stale "
                "(before the last push), bot (a bot or AI reviewer), author, accepter, delegator",
            },
            "shallow_approval": self._shallow("all").get("all") or _shallow_ratio(0, 0),
            "shallow_approval_by_tier": self._shallow("tier"),
            "shallow_approval_by_team": self._shallow("team"),
            "shallow_approval_by_tool": self._shallow("tool"),
            "weakened_checks": self._weakened(),
        }

    def _weakened(self) -> dict[str, Any]:
        """Changes whose recorded gate result found checks weakened, and the edits by kind."""
        ratio = Ratio(
            "weakened_checks",
            "AI-assisted changes that weakened checks",
            "AI-assisted changes whose recorded gate result has checks.weakened findings (CI "
            "workflow edits, deleted or skipped tests, lowered coverage thresholds, disabled "
            "linters or type checks, blanket suppressions)",
            "AI-assisted changes with a recorded gate result (--gate-evidence or recorded notes)",
            *self.weakened,
        )
        kinds = self.kinds
        return {
            **ratio.to_json(),
            "edits": sum(kinds.values()),
            "by_kind": dict(sorted(kinds.items())),
        }


def oversight_metrics(changes: Iterable[Change], final: PolicyVersion | None) -> dict[str, Any]:
    """The oversight section of metrics.json."""
    oversight = OversightAccumulator(final)
    for c in changes:
        oversight.add(c)
    return oversight.result()


_SHALLOW_NUM = (
    "independent approvals of AI-assisted changes given sooner after the last push (the head "
    "commit's time when the forge does not record the push) than the tier's minimum review "
    "time per 100 AI lines"
)
_SHALLOW_DEN = (
    "independent approvals of AI-assisted changes whose tier sets a minimum review time and "
    "whose approval time is known"
)


def _shallow_ratio(shallow: int, judged: int) -> dict[str, Any]:
    return Ratio(
        "shallow_approval", "Shallow approvals", _SHALLOW_NUM, _SHALLOW_DEN, shallow, judged
    ).to_json()


def weakened_metrics(changes: Iterable[Change]) -> dict[str, Any]:
    """Changes whose recorded gate result found checks weakened, and the edits by kind."""
    oversight = OversightAccumulator(None)
    for c in changes:
        oversight.add(c)
    return oversight._weakened()


# --- standard exports ---------------------------------------------------------------------

OVERSIGHT_PREDICATE_TYPE = "https://signoff.dev/attestations/oversight/v1"
OVERSIGHT_PREDICATE_SCHEMA = "signoff/oversight-predicate/v1"


def audit_bom(report: dict[str, Any], changes: Iterable[Change], repository: str) -> dict[str, Any]:
    """The evidence pack's CycloneDX BOM: the period's AI-assisted changes and its figures."""
    from signoff.query.cyclonedx import MAX_COMMITS, bom, prop, ratio_props

    metrics = report["metrics"]
    oversight = metrics.get("oversight") or {}
    tools: dict[str, None] = {}
    models: dict[str, None] = {}
    pedigree: list[dict[str, Any]] = []
    forges: set[str] = set()
    for c in changes:
        if c.forge and c.forge.get("forge"):
            forges.add(str(c.forge.get("forge")))
        if not c.ai_assisted:
            continue
        for t in c.tools:
            tools.setdefault(t["tool"], None)
            if t.get("model"):
                models.setdefault(t["model"], None)
        if len(pedigree) >= MAX_COMMITS:  # the BOM lists no more; its count property says all
            continue
        pedigree.append(
            {
                "uid": c.id,
                "author": {
                    "name": c.author.name,
                    "email": c.author.email,
                    "timestamp": c.committed_at,
                },
                "message": c.subject,
            }
        )
    sources = ["git"]
    sources += [f"{f}-api" for f in sorted(forges)]
    weakened = oversight.get("weakened_checks")
    recorded = bool(weakened and weakened["denominator"])
    props = [
        prop("cdx:ai:codegen:detected", metrics["ai_changes"] > 0),
        prop("cdx:ai:codegen:tools", list(tools)),
        prop("cdx:ai:codegen:models", list(models)),
        prop("cdx:ai:oversight:dataSources", sources),
        prop(
            "cdx:ai:oversight:ciWeakeningEvents",
            weakened["edits"] if recorded and weakened else None,
        ),
        prop("signoff:audit:since", report["period"]["since"]),
        prop("signoff:audit:until", report["period"]["until"]),
        prop("signoff:changes", metrics["changes"]),
        prop("signoff:ai:changes", metrics["ai_changes"]),
        prop("signoff:ai:attributedLines", metrics["lines"]["ai_attributed_lines"]),
        prop(
            "signoff:ai:assistedUnrecordedLines", metrics["lines"]["ai_assisted_unrecorded_lines"]
        ),
    ]
    headline = metrics["headline"]
    props += ratio_props("signoff:traceabilityCoverage", headline["traceability_coverage"])
    props += ratio_props("signoff:attributionClarity", headline["attribution_clarity"])
    props += ratio_props("signoff:reviewDepth", headline["review_depth"])
    props += ratio_props(
        "signoff:oversight:independentApproval", oversight.get("independent_approval")
    )
    props += ratio_props("signoff:oversight:shallowApproval", oversight.get("shallow_approval"))
    props += ratio_props("signoff:oversight:weakenedChecks", weakened if recorded else None)
    outcomes = oversight.get("outcomes")
    if outcomes:
        for group in ("ai_attributed", "human"):
            for window in outcomes["windows_days"]:
                props += ratio_props(
                    f"signoff:outcomes:durability:{group}:{window}d",
                    outcomes["durability"][group][f"{window}d"],
                )
        props += ratio_props("signoff:outcomes:revertedOrFixed", outcomes["reverted"])
    return bom(
        repository, report["repository"]["tip"], props, pedigree, timestamp=report["generated_at"]
    )


def oversight_predicate(change: Change, generator: dict[str, Any]) -> dict[str, Any]:
    """What the audit knows of one pull request's oversight, as an in-toto predicate."""
    forge = change.forge or {}
    return {
        "schema": OVERSIGHT_PREDICATE_SCHEMA,
        "pull_request": change.pull_request,
        "commit": change.id,
        "members": change.members,
        "ai_status": change.status,
        "tools": change.tools,
        "ai_attributed_lines": change.ai_attributed_lines,
        "ai_assisted_unrecorded_lines": change.unrecorded_ai_lines,
        "tier": change.tier,
        "workflows": change.workflows,
        "required_approvals": change.required_approvals,
        "min_review_minutes_per_100_ai_lines": change.min_review_minutes,
        "forge_review": {
            "head": forge.get("head"),
            "current_approvals": forge.get("current_approvals"),
            "stale_approvals": forge.get("stale_approvals"),
            **(forge.get("oversight") or {}),
        }
        if change.forge
        else None,
        "gate": {
            "result": change.gate["result"],
            "weakened_checks": change.weakened_checks,
            "weakened_kinds": change.weakened_kinds,
        }
        if change.gate
        else None,
        "generator": generator,
    }


def oversight_statements(
    oldest_first: Iterable[Change], commit_digests: dict[str, str], generator: dict[str, Any]
) -> list[dict[str, Any]]:
    """One in-toto Statement v1 per change that names a pull request, in the order given."""
    from signoff.audit.statement import STATEMENT_TYPE, subject_name

    out = []
    for c in oldest_first:
        if not c.pull_request or c.id not in commit_digests:
            continue
        out.append(
            {
                "_type": STATEMENT_TYPE,
                "subject": [
                    {
                        "name": subject_name(c.id),
                        "digest": {"gitCommit": c.id, "sha256": commit_digests[c.id]},
                    }
                ],
                "predicateType": OVERSIGHT_PREDICATE_TYPE,
                "predicate": oversight_predicate(c, generator),
            }
        )
    return out
