"""Escalation chains: who decides when the accountable is unsure, followed to the end.

A level names a person, or another workflow (its accountable, then that workflow's own chain),
so chains can span workflows and can loop. A loop, a level naming someone undefined, a team, or
someone who has left all break the chain; each is reported where the offending level is written.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from typing import Literal

from signoff.policy.accountable import has_left, single_accountable
from signoff.policy.model import Person, Workflow
from signoff.policy.registry import Policy
from signoff.policy.yamlsafe import Loc

Problem = Literal["loop", "undefined", "team", "left", "kind"]


@dataclass(frozen=True, slots=True)
class Link:
    """One person in a resolved chain, in the order they are reached."""

    person_id: str
    person: Person
    respond_within: str
    via_workflow: str | None  # reached through `workflow: <id>`
    loc: Loc


@dataclass(frozen=True, slots=True)
class ChainProblem:
    kind: Problem
    message: str
    loc: Loc


@dataclass(slots=True)
class Chain:
    start: str | None = None  # the accountable the chain starts from
    links: list[Link] = field(default_factory=list)
    problems: list[ChainProblem] = field(default_factory=list)


def resolve_chain(policy: Policy, workflow: Workflow, today: date) -> Chain:
    """The people a workflow's escalation reaches, in order, and what breaks the chain."""
    start = single_accountable(workflow)
    chain = Chain(start)
    seen: set[str] = {start} if start else set()
    _walk(policy, workflow, None, [workflow.id], seen, chain, today)
    return chain


def _walk(
    policy: Policy,
    workflow: Workflow,
    via: str | None,
    visited: list[str],
    seen: set[str],
    chain: Chain,
    today: date,
) -> bool:
    """Append `workflow`'s levels to `chain`; False when a loop stops the walk."""
    base = policy.workflow_loc(workflow)
    for i, level in enumerate(workflow.escalation):
        loc = (*base, "escalation", i)
        if level.person is not None:
            person_loc = (*loc, "person")
            if not _add(
                policy, level.person, level.respond_within, via, person_loc, seen, chain, today
            ):
                return False
            continue
        loc = (*loc, "workflow")
        target_id = level.workflow or ""
        target = policy.workflows.get(target_id)
        if target is None:
            chain.problems.append(
                ChainProblem(
                    "undefined", f"escalates to workflow {target_id!r}, which is not defined", loc
                )
            )
            continue
        if target_id in visited:
            path = " -> ".join([*visited, target_id])
            chain.problems.append(ChainProblem("loop", f"escalation loops back: {path}", loc))
            return False
        acc = single_accountable(target)
        if acc is None:
            chain.problems.append(
                ChainProblem(
                    "undefined",
                    f"escalates to workflow {target_id!r}, which has no single accountable",
                    loc,
                )
            )
        elif not _add(policy, acc, level.respond_within, target_id, loc, seen, chain, today):
            return False
        if not _walk(policy, target, target_id, [*visited, target_id], seen, chain, today):
            return False
    return True


def _add(
    policy: Policy,
    person_id: str,
    respond_within: str,
    via: str | None,
    loc: Loc,
    seen: set[str],
    chain: Chain,
    today: date,
) -> bool:
    person = policy.people.get(person_id)
    if person is None:
        if person_id in policy.teams:
            chain.problems.append(
                ChainProblem(
                    "team",
                    f"escalation names the team {person_id!r}; someone must decide, not a group",
                    loc,
                )
            )
        elif person_id in policy.tools:
            chain.problems.append(
                ChainProblem("kind", f"escalation names the AI tool {person_id!r}", loc)
            )
        else:
            chain.problems.append(
                ChainProblem(
                    "undefined", f"escalation names {person_id!r}, who is not in people", loc
                )
            )
        return True
    if person_id in seen:
        names = [x for x in [chain.start] if x] + [link.person_id for link in chain.links]
        chain.problems.append(
            ChainProblem(
                "loop",
                f"escalation comes back to {person.name} ({person_id}): "
                + " -> ".join([*names, person_id]),
                loc,
            )
        )
        return False
    seen.add(person_id)
    chain.links.append(Link(person_id, person, respond_within, via, loc))
    if has_left(person, today):
        chain.problems.append(
            ChainProblem(
                "left",
                f"escalation reaches {person.name} ({person_id}), who left on {person.left}",
                loc,
            )
        )
    return True
