"""A loaded policy: the validated document, where each value came from, and fast lookups.

Everything that reads a policy (the check, `owners`, `explain`) takes a `Policy`, so positions
for findings and compiled path patterns are computed once.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cached_property
from typing import TypeVar

from signoff.policy.findings import Finding
from signoff.policy.model import (
    AiTool,
    BoundaryRule,
    ExceptionRecord,
    Person,
    PolicyDocument,
    Team,
    Workflow,
)
from signoff.policy.patterns import PatternSet, literal_root, normalize_path
from signoff.policy.yamlsafe import Loc, Mark, SourceMap

_T = TypeVar("_T", Person, Team, AiTool, Workflow, BoundaryRule)


@dataclass(frozen=True, slots=True)
class Origin:
    """A file and the positions of what was read from it."""

    file: str
    source: SourceMap
    prefix: Loc = ()

    def mark(self, loc: Loc, *, key: bool = False) -> Mark | None:
        full = (*self.prefix, *loc)
        return self.source.key(full) if key else self.source.value(full)


@dataclass(frozen=True, slots=True)
class LoadedException:
    """An exception record and the file it came from (its own file, or inline)."""

    record: ExceptionRecord
    origin: Origin

    @property
    def id(self) -> str:
        return self.record.id or "?"


@dataclass
class Policy:
    """The registry in force: `signoff.yaml` plus `.signoff/exceptions/`, read at `rev`."""

    document: PolicyDocument
    origin: Origin
    exceptions: list[LoadedException] = field(default_factory=list)
    rev: str | None = None  # the commit it was read from; None for the work tree or a file

    @property
    def file(self) -> str:
        return self.origin.file

    def finding(
        self,
        rule: str,
        message: str,
        fix: str,
        loc: Loc,
        *,
        key: bool = False,
        subject: str | None = None,
        origin: Origin | None = None,
    ) -> Finding:
        """A finding positioned at `loc` in `origin` (default: signoff.yaml)."""
        where = origin or self.origin
        mark = where.mark(loc, key=key)
        return Finding(
            rule=rule,
            message=message,
            fix=fix,
            file=where.file,
            line=mark.line if mark else None,
            column=mark.column if mark else None,
            subject=subject,
        )

    # -- lookups (the first definition of a duplicated id wins; the check reports the rest) --

    @cached_property
    def people(self) -> dict[str, Person]:
        return _first_by_id(self.document.people)

    @cached_property
    def teams(self) -> dict[str, Team]:
        return _first_by_id(self.document.teams)

    @cached_property
    def tools(self) -> dict[str, AiTool]:
        return _first_by_id(self.document.ai_tools)

    @cached_property
    def workflows(self) -> dict[str, Workflow]:
        return _first_by_id(self.document.workflows)

    @cached_property
    def boundaries(self) -> dict[str, BoundaryRule]:
        return _first_by_id(self.document.ai_boundary)

    @cached_property
    def workflow_patterns(self) -> list[tuple[int, Workflow, PatternSet]]:
        """Every workflow with its compiled patterns, in file order (the last match wins)."""
        return [(i, w, PatternSet(w.paths)) for i, w in enumerate(self.document.workflows)]

    @cached_property
    def _workflow_roots(self) -> tuple[list[int], dict[str, list[int]]]:
        """Workflows that may match anywhere, and the rest by the root directory they need."""
        anywhere: list[int] = []
        by_root: dict[str, list[int]] = {}
        for i, workflow in enumerate(self.document.workflows):
            roots = [literal_root(p) for p in workflow.paths]
            if any(r is None for r in roots):
                anywhere.append(i)
                continue
            for root in {r for r in roots if r is not None}:
                by_root.setdefault(root, []).append(i)
        return anywhere, by_root

    def workflow_candidates(self, path: str) -> list[tuple[int, Workflow, PatternSet]]:
        """The workflows that could cover `path`, in file order (a cheap prefilter)."""
        anywhere, by_root = self._workflow_roots
        root = normalize_path(path).split("/", 1)[0]
        indexes = sorted({*anywhere, *by_root.get(root, ())})
        patterns = self.workflow_patterns
        return [patterns[i] for i in indexes]

    @cached_property
    def all_workflow_patterns(self) -> PatternSet:
        """Every workflow's patterns at once: does any workflow cover a path?"""
        return PatternSet(p for w in self.document.workflows for p in w.paths)

    @cached_property
    def boundary_patterns(self) -> list[tuple[BoundaryRule, PatternSet]]:
        return [(b, PatternSet(b.paths)) for b in self.document.ai_boundary]

    def workflow_loc(self, workflow: Workflow) -> Loc:
        for i, w in enumerate(self.document.workflows):
            if w is workflow:
                return ("workflows", i)
        return ("workflows",)


def _first_by_id(items: list[_T]) -> dict[str, _T]:
    out: dict[str, _T] = {}
    for item in items:
        out.setdefault(item.id, item)
    return out
