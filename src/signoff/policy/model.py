"""The `signoff.yaml` registry as pydantic models: the ownership template, one field per row.

Parsing is deliberately permissive in one place: `accountable` accepts a list or a team id so
that `signoff policy check` can name the problem ("several accountables", "a team cannot be
accountable") as a DO NOT SHIP verdict, instead of a type error that hides the point.
Cross-references (a person named but not defined) are checked by `signoff.policy.rules`, which
reports every one with its position; the models only check the shape of each value.
"""

from __future__ import annotations

import re
from datetime import date
from typing import Annotated, Literal

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, model_validator
from pydantic_core import PydanticCustomError

from signoff.policy.patterns import MAX_PATTERN_LENGTH, PatternProblem, check_pattern

POLICY_SCHEMA = "signoff/policy/v1"
EXCEPTION_SCHEMA = "signoff/exception/v1"

Tier = Literal["critical", "high", "moderate", "low"]
TIERS: tuple[Tier, ...] = ("critical", "high", "moderate", "low")
TIER_RANK: dict[str, int] = {"low": 0, "moderate": 1, "high": 2, "critical": 3}

CONDITIONS = ("context", "authority", "time", "incentive", "escalation")
# what the accountable must do or have, completing "the accountable must ..."
CONDITION_QUESTIONS = {
    "context": "understand the system well enough to own what AI generates for it",
    "authority": "be able to stop a release",
    "time": "have time budgeted for this ownership",
    "incentive": "be rewarded for catching problems, not for throughput",
    "escalation": "know who to escalate to",
}


def _must(condition: str) -> str:
    return f"The accountable must {CONDITION_QUESTIONS[condition]}."


def _pattern(value: str) -> str:
    try:
        return check_pattern(value)
    except PatternProblem as exc:
        raise PydanticCustomError(
            "path_pattern", "{message}", {"message": exc.message, "fix": exc.fix}
        ) from None


_DURATION = re.compile(r"^\s*(\d+)\s*(m|min|mins|minutes?|h|hr|hrs|hours?|d|days?)\s*$")
_UNIT_MINUTES = {"m": 1, "h": 60, "d": 1440}


def duration_minutes(text: str) -> int:
    """Minutes in a duration such as `15m`, `4h` or `2d` (validated by the model first)."""
    match = _DURATION.match(text)
    if match is None:
        raise ValueError(f"not a duration: {text!r}")
    return int(match.group(1)) * _UNIT_MINUTES[match.group(2)[0]]


def _duration(value: str) -> str:
    if _DURATION.match(value) is None:
        raise PydanticCustomError(
            "duration",
            "{message}",
            {
                "message": f"{value!r} is not a duration",
                "fix": "write a number and a unit: 15m, 4h or 2d",
            },
        )
    return value


# Ids name files too (`.signoff/exceptions/<id>.yaml`): no separators, dots first, or newlines.
ID_PATTERN = r"^[A-Za-z0-9][A-Za-z0-9._-]*$"

Id = Annotated[
    str,
    Field(
        pattern=ID_PATTERN,
        max_length=64,
        description="An identifier: letters, digits, '.', '_' or '-'.",
    ),
]
Ref = Annotated[
    str, Field(min_length=1, max_length=128, description="The id of a person (or team, or tool).")
]
# What `pattern_problem` rejects, as a JSON Schema pattern (ECMA-262), so an editor flags in
# signoff.yaml what the loader would: no leading '!' or whitespace, no trailing whitespace, no
# '[', ']', backslash, control character or '//', not only slashes. tests/test_policy_schema.py
# runs both on the same bad files.
PATH_PATTERN_SCHEMA = r"^(?![\s!])(?!/*$)(?!.*\s$)(?!.*//)[^\[\]\\\u0000-\u001f\u007f]+$"
PathPattern = Annotated[
    str,
    AfterValidator(_pattern),
    Field(
        min_length=1,
        description="A CODEOWNERS path pattern (GitHub semantics: docs/* is not recursive; "
        "no '!' or '[...]').",
        json_schema_extra={"pattern": PATH_PATTERN_SCHEMA, "maxLength": MAX_PATTERN_LENGTH},
    ),
]
Duration = Annotated[
    str,
    AfterValidator(_duration),
    Field(
        description="A response time such as 15m, 4h or 2d.",
        json_schema_extra={"pattern": _DURATION.pattern},
    ),
]
Email = Annotated[str, Field(pattern=r"^[^@\s]+@[^@\s]+$", max_length=254)]


class Model(BaseModel):
    """Unknown keys are errors: a misspelt key must never silently drop a rule."""

    model_config = ConfigDict(extra="forbid", populate_by_name=False)


class Person(Model):
    """A human who can be named in the registry."""

    id: Id
    name: str = Field(min_length=1, description="Full name, as people know them.")
    emails: list[Email] = Field(
        default_factory=list,
        description="Every address they commit or review with (matches git identities).",
    )
    handles: list[str] = Field(
        default_factory=list, description="Forge usernames, e.g. @ada on GitHub."
    )
    roles: list[str] = Field(
        default_factory=list,
        description="Roles an acceptance bar can require, e.g. security-reviewer.",
    )
    left: date | None = Field(
        default=None,
        description="The day they left (or leave). From that day they can hold no role here.",
    )


class Team(Model):
    """A group: responsible, consulted or informed, never accountable."""

    id: Id
    name: str | None = None
    members: list[Ref] = Field(default_factory=list, description="Person ids.")
    handles: list[str] = Field(default_factory=list, description="e.g. @org/payments.")


class Condition(Model):
    """One of the five conditions an accountable human must meet, with the evidence for it."""

    met: bool
    evidence: str = Field(
        default="", description="Why it is (or is not) met: facts a reader can check."
    )


class Conditions(Model):
    """The five conditions: context, authority, time, incentive, escalation."""

    context: Condition | None = Field(default=None, description=_must("context"))
    authority: Condition | None = Field(default=None, description=_must("authority"))
    time: Condition | None = Field(default=None, description=_must("time"))
    incentive: Condition | None = Field(default=None, description=_must("incentive"))
    escalation: Condition | None = Field(default=None, description=_must("escalation"))


class AcceptanceBar(Model):
    """What must be true before a change ships.

    In a workflow, unset fields inherit the tier's default and lists add to the tier's lists.
    """

    min_approvals: int | None = Field(default=None, ge=0, le=20)
    reviewer_roles: list[str] | None = Field(
        default=None, description="Each role must be held by at least one approving reviewer."
    )
    require_accountable_approval: bool | None = None
    checks: list[str] | None = Field(default=None, description="CI checks that must pass.")
    scanners: list[str] | None = Field(
        default=None, description="Scanners that must run on AI-authored hunks, e.g. bandit."
    )
    max_reviewable_lines: int | None = Field(
        default=None, gt=0, description="Larger AI-assisted changes must be split before review."
    )
    trailer_approvals: bool | None = Field(
        default=None,
        description=(
            "Count Approved-by trailers written in the change's own commits as approvals. "
            "Off by default: whoever writes a change writes its trailers, so they prove no review."
        ),
    )
    min_review_minutes_per_100_ai_lines: float | None = Field(
        default=None,
        ge=0,
        le=1440,
        description=(
            "Least time between the last push and an approval, per 100 AI lines of the change "
            "(AI-attributed lines, or lines of AI-assisted commits without a line record, "
            "whichever asks more). A faster approval is flagged review.shallow."
        ),
    )
    shallow_review: Literal["warn", "block"] | None = Field(
        default=None,
        description="What a shallow approval (review.shallow) does: warn (default) or block.",
    )
    weakened_checks: Literal["warn", "block"] | None = Field(
        default=None,
        description=(
            "What an AI-assisted change that weakens checks (checks.weakened: CI workflow edits, "
            "deleted or skipped tests, lowered coverage, disabled linters or type checks, blanket "
            "suppressions) does: warn (default) or block."
        ),
    )


class ErrorBudget(Model):
    """Tolerated AI-linked failure over a window; when spent, AI-assisted changes are throttled."""

    window_days: int = Field(gt=0, le=3660)
    max_ai_incidents: int | None = Field(default=None, ge=0)
    max_impact_minutes: int | None = Field(default=None, ge=0)

    @model_validator(mode="after")
    def _some_limit(self) -> ErrorBudget:
        if self.max_ai_incidents is None and self.max_impact_minutes is None:
            raise PydanticCustomError(
                "budget_limit",
                "{message}",
                {
                    "message": "an error budget needs a limit",
                    "fix": "set max_ai_incidents, max_impact_minutes, or both",
                },
            )
        return self


class EscalationLevel(Model):
    """One step up: a person, or another workflow's accountable (and then its chain)."""

    person: Ref | None = None
    workflow: Ref | None = Field(
        default=None, description="Escalate to this workflow's accountable, then along its chain."
    )
    respond_within: Duration

    @model_validator(mode="after")
    def _one_target(self) -> EscalationLevel:
        if (self.person is None) == (self.workflow is None):
            raise PydanticCustomError(
                "escalation_target",
                "{message}",
                {
                    "message": "an escalation level names exactly one of person or workflow",
                    "fix": "write person: <id> (or workflow: <id>), not both",
                },
            )
        return self


class IncidentPath(Model):
    """When it breaks: who is paged, what they may do, who talks to customers."""

    paged: list[Ref] = Field(min_length=1, description="Person or team ids paged first.")
    authority: str = Field(
        min_length=1, description="What the paged person may do: roll back, freeze, disable."
    )
    customer_comms: Ref | None = Field(default=None, description="Who talks to customers.")


class Workflow(Model):
    """A governed stream of AI-assisted artifacts, selected by paths."""

    id: Id
    description: str = Field(min_length=1)
    paths: list[PathPattern] = Field(min_length=1)
    tier: Tier
    accountable: str | list[str] | None = Field(
        default=None,
        description="Exactly one person id. A team, a list or a blank is parsed so that "
        "`signoff policy check` can report it: DO NOT SHIP.",
    )
    conditions: Conditions = Field(default_factory=Conditions)
    responsible: list[Ref] = Field(
        default_factory=list, description="The AI tools and engineers doing the work."
    )
    consulted: list[Ref] = Field(default_factory=list)
    informed: list[Ref] = Field(default_factory=list)
    acceptance_bar: AcceptanceBar = Field(default_factory=AcceptanceBar)
    error_budget: ErrorBudget | None = None
    escalation: list[EscalationLevel] = Field(default_factory=list)
    incident_path: IncidentPath | None = None


class BoundaryRule(Model):
    """Paths where AI assistance is forbidden, and who may approve a time-boxed exception."""

    id: Id
    paths: list[PathPattern] = Field(min_length=1)
    reason: str = Field(min_length=1)
    exception_approvers: list[Ref] = Field(default_factory=list, description="Person ids.")


class ExceptionRecord(Model):
    """An approved, time-boxed permission to use AI assistance inside a boundary."""

    schema_version: Literal["signoff/exception/v1"] | None = Field(default=None, alias="schema")
    id: Id | None = Field(
        default=None, description="Defaults to the file name in .signoff/exceptions/."
    )
    kind: Literal["boundary", "suppression"] = Field(
        default="boundary",
        description="boundary: AI assistance inside an AI boundary; suppression: scanner "
        "suppression comments (# nosec, # noqa, allowlist) added in AI-assisted hunks, approved "
        "by the accountable of the workflow owning the paths (or the policy owner).",
    )
    boundary: Ref | None = Field(
        default=None, description="The AI boundary rule this exception is granted against."
    )
    paths: list[PathPattern] = Field(min_length=1, description="Scope: what it covers.")
    approver: Ref
    reason: str = Field(min_length=1)
    requested_by: Ref | None = None
    granted: date | None = None
    expires: date = Field(description="The last day the exception holds.")

    @model_validator(mode="after")
    def _boundary_named(self) -> ExceptionRecord:
        if self.kind == "boundary" and self.boundary is None:
            raise PydanticCustomError(
                "exception_boundary",
                "{message}",
                {
                    "message": "a boundary exception names the AI boundary it lifts",
                    "fix": "add boundary: <id from ai_boundary> (or kind: suppression)",
                },
            )
        return self


class AiTool(Model):
    """An AI tool in use, with the named human who tracks how it fails."""

    id: Id = Field(description="The tool name Signoff's provenance reports, e.g. claude-code.")
    name: str | None = None
    owner: Ref | None = Field(default=None, description="Person who tracks its failure patterns.")
    failure_patterns: list[str] = Field(
        default_factory=list, description="Known ways it goes wrong; they feed review checklists."
    )


class ProvenanceRules(Model):
    """What the gate demands of provenance itself, before any other rule."""

    require_declaration: list[Tier] = Field(
        default_factory=list,
        description="Tiers where every commit must declare its provenance (AI-Assisted: <tool> "
        "or AI-Assisted: none, or a Signoff note); an unknown commit there blocks.",
    )


class Governance(Model):
    """Who owns the policy itself; changes to signoff.yaml are a governed workflow too."""

    policy_owner: Ref | None = None
    workflow: Ref | None = Field(
        default=None, description="The workflow whose paths cover signoff.yaml and .signoff/."
    )


class PolicyDocument(Model):
    """`signoff.yaml`: who is accountable for what, and what must be true before it ships."""

    model_config = ConfigDict(
        extra="forbid",
        title="signoff.yaml",
        json_schema_extra={"$id": "https://signoff.dev/schemas/signoff-policy-v1.json"},
    )

    schema_version: Literal["signoff/policy/v1"] = Field(alias="schema")
    governance: Governance | None = None
    provenance: ProvenanceRules = Field(default_factory=ProvenanceRules)
    people: list[Person] = Field(default_factory=list)
    teams: list[Team] = Field(default_factory=list)
    ai_tools: list[AiTool] = Field(default_factory=list)
    tiers: dict[Tier, AcceptanceBar] = Field(
        default_factory=dict,
        description="Default acceptance bar per tier; workflows may only tighten it.",
    )
    workflows: list[Workflow] = Field(default_factory=list)
    ai_boundary: list[BoundaryRule] = Field(default_factory=list)
    exceptions: list[ExceptionRecord] = Field(
        default_factory=list,
        description="Inline exceptions; usually one file each in .signoff/exceptions/.",
    )
