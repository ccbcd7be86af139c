"""Weakened checks: edits in AI-assisted changes that loosen the checks judging them.

An agent that cannot make a test pass can delete it, skip it, lower the coverage bar, turn off
the type checker or edit the CI workflow until it is green. Each of those is a legitimate edit
sometimes, and each must be seen by a human who owns the checks. This module finds them in a
change set: added lines are judged when an AI wrote them (AI-attributed, or in an AI-assisted
commit without a line record); removed lines and deleted files when an AI-assisted commit of
the change touched the file (git does not say which commit removed a line, only who touched
the file). Only the edits themselves are reported; whether they block is the tier's choice.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from signoff.query.blame import AI_ASSISTED_COMMIT, AI_LINE_KINDS
from signoff.query.changeset import ChangeSet
from signoff.scan.suppressions import find_suppressions

# kind -> what it means, for messages and the review checklist
KINDS = {
    "ci-workflow": "CI workflow edited",
    "test-deleted": "test deleted",
    "test-skipped": "test skipped",
    "coverage-lowered": "coverage threshold lowered",
    "lint-disabled": "linter or type check disabled",
    "blanket-suppression": "blanket suppression added",
}

_CI = re.compile(
    r"^(?:\.github/workflows/[^/]+\.ya?ml|\.github/actions/.+/action\.ya?ml|\.gitlab-ci\.yml"
    r"|\.gitlab/ci/.+\.ya?ml|\.circleci/config\.ya?ml|(?:.+/)?Jenkinsfile|azure-pipelines\.ya?ml"
    r"|\.buildkite/.+|\.travis\.yml|bitbucket-pipelines\.yml|\.pre-commit-config\.yaml"
    r"|\.woodpecker(?:/.+|\.ya?ml)|\.drone\.yml)$"
)
_TEST_FILE = re.compile(
    r"(?:^|/)(?:tests?|__tests__|spec)/|(?:^|/)test_[^/]+\.py$|_test\.(?:py|go|rb|rs|exs?)$"
    r"|\.(?:test|spec)\.[cm]?[jt]sx?$|Tests?\.(?:java|kt|cs|swift)$"
)
_TEST_DEF = re.compile(
    r"^\s*(?:async\s+)?def\s+(test\w*)\s*\(|^\s*func\s+(Test\w+)\s*\("
    r"|^\s*(?:it|test)\s*\(\s*(['\"`][^'\"`]+['\"`])|^\s*#\[test\]\s*$()"
)
_SKIP = re.compile(
    r"@pytest\.mark\.(?:skip|skipif|xfail)\b|@unittest\.skip|\bpytest\.skip\(|\bself\.skipTest\("
    r"|\b(?:it|test|describe)\.(?:skip|todo)\s*\(|\b(?:xit|xdescribe|xtest)\s*\("
    r"|@Disabled\b|@Ignore\b|\bt\.Skip(?:Now|f)?\(|#\[ignore\]|\bskip\s*:\s*true\b"
)
_COVERAGE = re.compile(
    r"(?P<key>fail[_-]under|cov-fail-under|coverage[_-]?threshold|min(?:imum)?[_-]coverage"
    r"|\"?(?:lines|branches|functions|statements)\"?(?=\s*:))"
    r"[\"']?\s*[=:]?\s*[\"']?(?P<value>\d+(?:\.\d+)?)",
    re.IGNORECASE,
)
_LINT_OFF = re.compile(
    r"#\s*type:\s*ignore(?!\[)|#\s*mypy:\s*ignore-errors|//\s*@ts-nocheck|//\s*@ts-ignore"
    r"|(?:/\*|//)\s*eslint-disable(?!-next-line|-line)(?:\s*\*/|\s*$)|#\s*pylint:\s*(?:disable=all|skip-file)"
    r"|\bignore_errors\s*=\s*[Tt]rue|\bstrict\s*=\s*(?:[Ff]alse|0)\b|\"strict\"\s*:\s*false"
    r"|\bcontinue-on-error\s*:\s*true|\ballow_failure\s*:\s*true"
)


# a rule id the suppression parser does not know (gosec's `#nosec G304`, eslint's `no-eval`)
_NAMES_A_RULE = re.compile(r"\b[A-Z]{1,5}\d{2,5}\b")


@dataclass(frozen=True, slots=True)
class Weakening:
    """One edit that weakens a check, where it is and how it is known to be AI-assisted."""

    kind: str  # one of KINDS
    path: str
    line: int | None  # head line (added), old line (removed), None (whole file)
    text: str
    how_known: str  # "AI-attributed line", "line of an AI-assisted commit ...", "file touched ..."

    @property
    def title(self) -> str:
        return KINDS[self.kind]

    def to_json(self) -> dict[str, Any]:
        return {
            "kind": self.kind,
            "title": self.title,
            "path": self.path,
            "line": self.line,
            "text": self.text,
            "how_known": self.how_known,
        }


def _ai_touched(cs: ChangeSet, path: str) -> bool:
    """Whether an AI-assisted commit of the change (or an agent's staged change) touched it."""
    if cs.staged is not None:
        return cs.ai_assisted > 0
    return any(cs.provenance[sha].ai_assisted for sha in cs.touched.get(path, ()))


def weakened_checks(cs: ChangeSet) -> list[Weakening]:
    """Every check-weakening edit an AI-assisted commit made in `cs`, in path order."""
    out: list[Weakening] = []
    for f in sorted(cs.files, key=lambda f: f.path):
        touched = _ai_touched(cs, f.path) or (
            f.old_path is not None and _ai_touched(cs, f.old_path)
        )
        ai_lines = {a.line: a for a in cs.lines.get(f.path, ()) if a.author in AI_LINE_KINDS}
        if not touched and not ai_lines:
            continue
        file_note = "file touched by an AI-assisted commit of the change"
        if touched and _CI.match(f.path):
            out.append(Weakening("ci-workflow", f.path, None, "", file_note))
        if touched and f.deleted and _TEST_FILE.search(f.path):
            out.append(Weakening("test-deleted", f.path, None, "whole file", file_note))
            continue
        if touched:
            out += _removed_tests(f.path, f.removed, f.added, file_note)
            out += _lowered_coverage(f.path, f.removed, f.added, file_note)
        for n, row in sorted(ai_lines.items()):
            how = (
                "AI-attributed line"
                if row.author != AI_ASSISTED_COMMIT
                else ("line of an AI-assisted commit without a line record")
            )
            text = row.text
            # a skip in a file or a test the change creates weakens no existing test
            if not f.created and _SKIP.search(text) and not _in_new_test(f.added, f.removed, n):
                out.append(Weakening("test-skipped", f.path, n, text.strip(), how))
            if _LINT_OFF.search(text):
                out.append(Weakening("lint-disabled", f.path, n, text.strip(), how))
        blanket = [
            s
            for s in find_suppressions({n: a.text for n, a in ai_lines.items()}, f.path)
            if not s.rules and s.kind != "allowlist-secret" and not _NAMES_A_RULE.search(s.text)
        ]
        for s in blanket:
            how = (
                "AI-attributed line"
                if ai_lines[s.line].author != AI_ASSISTED_COMMIT
                else ("line of an AI-assisted commit without a line record")
            )
            out.append(Weakening("blanket-suppression", f.path, s.line, s.text, how))
    return out


def _in_new_test(added: dict[int, str], removed: dict[int, str], line: int) -> bool:
    """Whether `line` sits in a run of added lines that defines a test the change did not
    remove elsewhere: a new test (an environment guard in it skips nothing that ran before)."""
    run = [line]
    n = line - 1
    while n in added:
        run.append(n)
        n -= 1
    n = line + 1
    while n in added:
        run.append(n)
        n += 1
    before = _test_names(removed)
    defined = _test_names({k: added[k] for k in run if k != line})
    return any(not name.startswith("#[test]") and name not in before for name in defined)


def _test_names(lines: dict[int, str]) -> dict[str, int]:
    names: dict[str, int] = {}
    for n, text in lines.items():
        m = _TEST_DEF.search(text)
        if m:
            name = next((g for g in m.groups() if g), f"#[test] at {n}")
            names.setdefault(name, n)
    return names


def _removed_tests(
    path: str, removed: dict[int, str], added: dict[int, str], how: str
) -> list[Weakening]:
    """Test definitions the change removed and did not add back (a rename is not a deletion)."""
    if not removed:
        return []
    kept = _test_names(added)
    return [
        Weakening("test-deleted", path, n, removed[n].strip(), how)
        for name, n in _test_names(removed).items()
        if name not in kept and not name.startswith("#[test]")
    ]


def _lowered_coverage(
    path: str, removed: dict[int, str], added: dict[int, str], how: str
) -> list[Weakening]:
    """A coverage threshold replaced by a smaller number, or removed outright."""
    before = _thresholds(removed, path)
    if not before:
        return []
    after = _thresholds(added, path)
    out = []
    for key, (n, old, text) in before.items():
        new = after.get(key)
        if new is None:
            out.append(Weakening("coverage-lowered", path, n, f"{text.strip()} (removed)", how))
        elif new[1] < old:
            out.append(Weakening("coverage-lowered", path, new[0], f"{old:g} -> {new[1]:g}", how))
    return out


# `lines: 80` is a coverage threshold only in a JavaScript test runner's configuration
_JS_COVERAGE_KEYS = {"lines", "branches", "functions", "statements"}
_JS_CONFIG = re.compile(r"jest|vitest|karma|nyc|c8|package\.json$", re.IGNORECASE)


def _thresholds(lines: dict[int, str], path: str) -> dict[str, tuple[int, float, str]]:
    found: dict[str, tuple[int, float, str]] = {}
    js = bool(_JS_CONFIG.search(path))
    for n, text in sorted(lines.items()):
        for m in _COVERAGE.finditer(text):
            key = m["key"].strip('"').lower().replace("-", "_")
            if key in _JS_COVERAGE_KEYS and not js:
                continue
            found.setdefault(key, (n, float(m["value"]), text))
    return found
