"""Per AI tool: lines it authored, incidents linked to it, the rate, and the kinds of failure.

The evidence a tool's named owner uses to update its failure patterns and review checklist.
Lines come from the index as two measures, never added together: AI-attributed lines (a line
record names them) and lines of AI-assisted commits without a line record, each credited to
every tool the commit names; incidents count once per tool when an AI-connected incident's AI-authored
suspect changes name that tool. Beside incidents, the outcome rates (`signoff.incidents.outcomes`):
how many of its AI-attributed lines survive 30 and 90 days against human lines in the same paths,
and how many of its commits were reverted or fixed, each linked to its session.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from signoff.git.repo import Repo
from signoff.incidents.classify import Connection
from signoff.incidents.model import Incident
from signoff.incidents.outcomes import Outcomes
from signoff.policy import Policy
from signoff.store.index import open_index


@dataclass(slots=True)
class ToolFigures:
    tool: str
    ai_lines: int = 0  # AI-attributed lines (line records)
    unrecorded_lines: int = 0  # lines of its AI-assisted commits without a line record
    commits: int = 0
    incidents: list[str] = field(default_factory=list)
    categories: Counter[str] = field(default_factory=Counter)
    owner: str | None = None  # the person who tracks how the tool fails (signoff.yaml ai_tools)
    failure_patterns: list[str] = field(default_factory=list)
    # how its changes turned out: durability at 30/90 days, reverts and fixes (None: not measured)
    outcomes: dict[str, Any] | None = None

    def per_thousand(self, lines: int) -> float | None:
        return round(len(self.incidents) * 1000 / lines, 3) if lines else None

    def to_json(self) -> dict[str, Any]:
        return {
            "tool": self.tool,
            "ai_attributed_lines": self.ai_lines,
            "ai_assisted_unrecorded_lines": self.unrecorded_lines,
            "ai_commits": self.commits,
            "incidents": self.incidents,
            "incidents_per_1000_ai_attributed_lines": self.per_thousand(self.ai_lines),
            "incidents_per_1000_ai_assisted_unrecorded_lines": self.per_thousand(
                self.unrecorded_lines
            ),
            "categories": dict(sorted(self.categories.items())),
            "owner": self.owner,
            "failure_patterns": self.failure_patterns,
            "outcomes": self.outcomes,
        }


def tool_figures(
    repo: Repo,
    connected: Sequence[tuple[Incident, Connection]],
    policy: Policy | None = None,
    outcomes: Outcomes | None = None,
) -> list[ToolFigures]:
    """Every tool seen in the index or in an incident, most incidents first, with its owner
    and, when `outcomes` were measured, how its changes turned out."""
    out: dict[str, ToolFigures] = {}
    if repo.head() is not None:
        index, _ = open_index(repo)
        try:
            rows = index.conn.execute(
                "SELECT t.tool, COUNT(DISTINCT c.sha), COALESCE(SUM(c.ai_attributed_lines), 0), "
                "COALESCE(SUM(c.unrecorded_ai_lines), 0) "
                "FROM (SELECT DISTINCT sha, tool FROM commit_tools) t "
                "JOIN commits c ON c.sha = t.sha GROUP BY t.tool"
            ).fetchall()
        finally:
            index.close()
        for tool, commits, lines, unrecorded in rows:
            out[tool] = ToolFigures(tool, int(lines), int(unrecorded), int(commits))
    for incident, conn in connected:
        if conn.label != "ai-connected":
            continue
        tools = {t.tool for c in conn.changes if c.ai for t in c.tools}
        for tool in tools:
            figures = out.setdefault(tool, ToolFigures(tool))
            figures.incidents.append(incident.id)
            names: list[str] = list(incident.categories) or ["unclassified"]
            figures.categories.update(names)
    if outcomes is not None:
        for figures in out.values():
            figures.outcomes = outcomes.tool_figures(figures.tool)
    if policy is not None:
        for figures in out.values():
            tool = policy.tools.get(figures.tool)
            if tool is None:
                continue
            person = policy.people.get(tool.owner or "")
            figures.owner = person.name if person else tool.owner
            figures.failure_patterns = list(tool.failure_patterns)
    return sorted(
        out.values(), key=lambda f: (-len(f.incidents), -f.ai_lines, -f.unrecorded_lines, f.tool)
    )
