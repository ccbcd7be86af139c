"""Incident records and budget overrides as pydantic models: one reviewed YAML file each.

An incident is evidence, so its file is written by people (or by `signoff incident ...`) and
reviewed like code. Computed answers (the AI-connection label, the decision chain) are never
stored in it: they are derived from git and the policy whenever they are asked for.
"""

from __future__ import annotations

from datetime import date
from typing import Annotated, Literal, get_args

from pydantic import AwareDatetime, Field, model_validator
from pydantic_core import PydanticCustomError

from signoff.policy.model import Id, Model, Ref

INCIDENT_SCHEMA = "signoff/incident/v1"
OVERRIDE_SCHEMA = "signoff/budget-override/v1"

Severity = Literal["sev1", "sev2", "sev3", "sev4"]
SEVERITIES: tuple[Severity, ...] = ("sev1", "sev2", "sev3", "sev4")
Status = Literal["open", "resolved"]

# The taxonomy: what kind of failure it was, so evidence builds up on which AI work needs more
# review. Kept short on purpose; `other` is allowed but reported as such.
Category = Literal[
    "config",
    "injection",
    "auth",
    "concurrency",
    "dependency",
    "data",
    "performance",
    "error-handling",
    "logic",
    "other",
]
CATEGORIES: tuple[str, ...] = get_args(Category)

IncidentId = Annotated[
    str,
    Field(
        pattern=r"^INC-[0-9A-Za-z][0-9A-Za-z-]{0,40}$",
        description="INC- followed by letters, digits or '-', e.g. INC-0007.",
    ),
]
Sha = Annotated[str, Field(pattern=r"^[0-9a-f]{40}([0-9a-f]{24})?$")]


class Suspect(Model):
    """A change linked to the incident: what the user named, and the commits it resolved to."""

    target: str = Field(min_length=1, description="As given: a commit, A..B, or file:line[-line].")
    commits: list[Sha] = Field(min_length=1, description="Full commit ids it resolved to.")
    path: str | None = Field(default=None, description="For file:line suspects: the file.")
    lines: str | None = Field(
        default=None, pattern=r"^\d+(-\d+)?$", description="For file:line suspects: 12 or 12-20."
    )
    rev: Sha | None = Field(
        default=None, description="For file:line suspects: the commit the lines were read at."
    )
    note: str = ""
    linked: AwareDatetime | None = None


class TimelineEntry(Model):
    at: AwareDatetime
    event: str = Field(min_length=1)


class ActionItem(Model):
    """Follow-up work with exactly one named owner (a person id from signoff.yaml)."""

    title: str = Field(min_length=1)
    owner: Ref = Field(description="One person id. Never a team.")
    due: date | None = None
    done: bool = False


class Incident(Model):
    """A production failure and the changes behind it (`.signoff/incidents/<id>.yaml`)."""

    schema_version: Literal["signoff/incident/v1"] = Field(alias="schema")
    id: IncidentId
    title: str = Field(min_length=1)
    severity: Severity
    status: Status = "open"
    categories: list[Category] = Field(default_factory=list)
    started: AwareDatetime = Field(description="When users were first affected.")
    detected: AwareDatetime | None = None
    resolved: AwareDatetime | None = None
    impact_minutes: int | None = Field(
        default=None, ge=0, description="Minutes of user impact (default: started to resolved)."
    )
    services: list[str] = Field(default_factory=list)
    paths: list[str] = Field(default_factory=list, description="Affected paths in this repo.")
    summary: str = ""
    suspects: list[Suspect] = Field(default_factory=list)
    timeline: list[TimelineEntry] = Field(default_factory=list)
    contributing_factors: list[str] = Field(default_factory=list)
    went_well: list[str] = Field(default_factory=list)
    actions: list[ActionItem] = Field(default_factory=list)

    @model_validator(mode="after")
    def _times_in_order(self) -> Incident:
        if self.resolved is not None and self.resolved < self.started:
            raise PydanticCustomError(
                "incident_times",
                "{message}",
                {
                    "message": "resolved is before started",
                    "fix": "check the times; each needs a UTC offset: 2026-03-01T14:05:00+00:00",
                },
            )
        if self.status == "resolved" and self.resolved is None:
            raise PydanticCustomError(
                "incident_times",
                "{message}",
                {
                    "message": "a resolved incident needs a resolved time",
                    "fix": "add resolved: <time>, or use `signoff incident resolve ID`",
                },
            )
        return self

    @property
    def minutes(self) -> int:
        """Impact in minutes: as recorded, else started to resolved, else 0 while open."""
        if self.impact_minutes is not None:
            return self.impact_minutes
        if self.resolved is not None:
            return int((self.resolved - self.started).total_seconds() // 60)
        return 0

    def commit_ids(self) -> list[str]:
        return list(dict.fromkeys(sha for s in self.suspects for sha in s.commits))


class BudgetOverride(Model):
    """A named owner lets AI-assisted changes through an exhausted budget, until `expires`."""

    schema_version: Literal["signoff/budget-override/v1"] = Field(alias="schema")
    id: Id | None = Field(default=None, description="Defaults to the file name.")
    workflow: Ref
    approver: Ref = Field(
        description="A person id: the workflow's accountable or someone on its escalation chain."
    )
    reason: str = Field(min_length=1)
    granted: date | None = None
    expires: date = Field(description="The last day the override holds.")


ATTESTATION_SCHEMA = "signoff/attestation/v1"


class Attestation(Model):
    """A named person has read and understands the code at `path`, as of `commit`.

    It covers the lines introduced by `commit` and its ancestors; code added later needs a new
    attestation. Kept as a reviewed file in `.signoff/attestations/`.
    """

    schema_version: Literal["signoff/attestation/v1"] = Field(alias="schema")
    id: Id | None = Field(default=None, description="Defaults to the file name.")
    path: str = Field(min_length=1, description="A file, or a folder ending in '/'.")
    commit: Sha = Field(description="The commit the attestation applies to.")
    person: Ref = Field(description="A person id from signoff.yaml.")
    attested: date
    note: str = ""
