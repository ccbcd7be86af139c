"""Reading the Accountable cell: exactly one named, current human, or a named reason why not."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Literal

from signoff.policy.model import Person, Workflow
from signoff.policy.registry import Policy

Status = Literal["ok", "blank", "team", "several", "not-human", "undefined", "left"]


@dataclass(frozen=True, slots=True)
class Accountable:
    """What the cell says: the person when there is exactly one, and the status either way."""

    status: Status
    ids: tuple[str, ...]
    person: Person | None = None

    @property
    def ok(self) -> bool:
        return self.status == "ok"

    def describe(self) -> str:
        """One phrase for reports: the person, or what is wrong with the cell."""
        if self.person is not None and self.status in ("ok", "left"):
            who = (
                f"{self.person.name} <{self.person.emails[0]}>"
                if self.person.emails
                else self.person.name
            )
            return who if self.status == "ok" else f"{who} (left {self.person.left})"
        return {
            "blank": "NO ACCOUNTABLE (blank)",
            "team": f"NO ACCOUNTABLE (a team: {', '.join(self.ids)})",
            "several": f"NO SINGLE ACCOUNTABLE ({', '.join(self.ids)})",
            "not-human": f"NO ACCOUNTABLE (an AI tool: {', '.join(self.ids)})",
            "undefined": f"NO ACCOUNTABLE ({', '.join(self.ids)} is not defined)",
        }.get(self.status, self.status)


def has_left(person: Person, today: date) -> bool:
    """Whether they are gone: `left` is the day they left, so from that day on."""
    return person.left is not None and person.left <= today


def single_accountable(workflow: Workflow) -> str | None:
    """The accountable's id when the cell holds exactly one name, else None."""
    names = _names(workflow)
    return names[0] if len(names) == 1 else None


def _names(workflow: Workflow) -> tuple[str, ...]:
    acc = workflow.accountable
    if acc is None:
        return ()
    raw = acc if isinstance(acc, list) else [acc]
    out: list[str] = []
    for item in raw:
        # "ada, grace" and "ada and grace" are two names in one cell
        for part in item.replace(" and ", ",").replace("&", ",").replace(";", ",").split(","):
            if part.strip():
                out.append(part.strip())
    return tuple(out)


def classify(policy: Policy, workflow: Workflow, today: date) -> Accountable:
    """Classify a workflow's Accountable cell."""
    names = _names(workflow)
    if not names:
        return Accountable("blank", ())
    if len(names) > 1:
        return Accountable("several", names)
    ident = names[0]
    if ident in policy.teams:
        return Accountable("team", names)
    if ident in policy.tools:
        return Accountable("not-human", names)
    person = policy.people.get(ident)
    if person is None:
        return Accountable("undefined", names)
    if has_left(person, today):
        return Accountable("left", names, person)
    return Accountable("ok", names, person)
