"""Inline suppression comments: `# nosec`, `# noqa`, secrets allowlist pragmas, `nosemgrep`.

An AI tool that meets a scanner finding can make it vanish with one comment. The gate treats a
suppression added in an AI-assisted hunk as an exception that needs a human's approval, so it
has to find them in added lines. Only comments count: the same words inside a string literal
are data, not a suppression.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from signoff.scan.model import ScanFinding

_LEADER = r"(?:#|//|/\*|--|<!--|;)"
_NOSEC = re.compile(r"#\s*nosec\b:?(?P<rest>[^#]*)", re.IGNORECASE)
_BANDIT_ID = re.compile(r"^(?:B\d{3}|[a-z][a-z0-9]*(?:_[a-z0-9]+)+)$")
_NOQA_FILE = re.compile(r"#\s*(?P<tool>ruff|flake8)\s*:\s*noqa\b(?::\s*(?P<codes>[^#]*))?", re.I)
_NOQA = re.compile(r"#\s*noqa\b(?::\s*(?P<codes>[^#]*))?", re.IGNORECASE)
_LINT_CODE = re.compile(r"^[A-Z]+[0-9]+$")
_ALLOWLIST = re.compile(
    _LEADER + r"\s*pragma:\s?(?P<word>allow|white)list(?P<next>[ -]nextline)?[ -]secret",
    re.IGNORECASE,
)
_NOSEMGREP = re.compile(
    _LEADER + r"\s*(?:nosemgrep|nosem)\b(?::\s*(?P<ids>[^\s#*>-][^#*>]*))?", re.IGNORECASE
)


@dataclass(frozen=True, slots=True)
class Suppression:
    """One suppression comment: which scanner it silences, which rules, on which line."""

    kind: str  # nosec, noqa, allowlist-secret, nosemgrep
    scanner: str  # bandit, lint (flake8/ruff), detect-secrets, semgrep
    line: int
    text: str  # the matched comment, as written
    rules: tuple[str, ...] = ()  # empty: every rule of that scanner
    scope: str = "line"  # line, next-line, file
    path: str | None = None

    def covers(self, finding: ScanFinding) -> bool:
        """Whether this comment silences `finding` (same scanner, a listed rule or all)."""
        if self.scanner != finding.scanner:
            return False
        if self.scope == "line":
            on_line = finding.start_line <= self.line <= finding.end_line
        elif self.scope == "next-line":
            on_line = self.line + 1 == finding.start_line
        else:
            on_line = True
        if not on_line:
            return False
        return not self.rules or finding.rule_id in self.rules or finding.rule_name in self.rules

    def to_json(self) -> dict[str, Any]:
        return {
            "kind": self.kind,
            "scanner": self.scanner,
            "path": self.path,
            "line": self.line,
            "scope": self.scope,
            "rules": list(self.rules),
            "text": self.text,
        }


def find_suppressions(
    lines: Mapping[int, str] | Iterable[tuple[int, str]], path: str | None = None
) -> list[Suppression]:
    """Every suppression comment in `lines` (line number -> text), in line order.

    Give it the added lines of a hunk (`FileDiff.added`) to find suppressions a change brings in.
    """
    items = lines.items() if isinstance(lines, Mapping) else lines
    found: list[Suppression] = []
    for number, text in sorted(items):
        found.extend(_line_suppressions(number, text, path))
    return found


# Every suppression names one of these words: lines without any skip the (Python-speed) lexer.
_HINT = re.compile(r"nosec|noqa|pragma|nosem", re.IGNORECASE)


def _line_suppressions(number: int, text: str, path: str | None) -> list[Suppression]:
    if not _HINT.search(text):
        return []
    code = _without_strings(text)
    out: list[Suppression] = []
    for m in _NOSEC.finditer(code):
        rules = tuple(t for t in re.split(r"[\s,]+", m["rest"].strip()) if _BANDIT_ID.match(t))
        out.append(Suppression("nosec", "bandit", number, m[0].strip(), rules, "line", path))
    file_level = list(_NOQA_FILE.finditer(code))
    for m in file_level:
        out.append(
            Suppression("noqa", "lint", number, m[0].strip(), _codes(m["codes"]), "file", path)
        )
    for m in _NOQA.finditer(code):
        if any(f.start() <= m.start() < f.end() for f in file_level):
            continue
        out.append(
            Suppression("noqa", "lint", number, m[0].strip(), _codes(m["codes"]), "line", path)
        )
    for m in _ALLOWLIST.finditer(code):
        scope = "next-line" if m["next"] else "line"
        out.append(
            Suppression("allowlist-secret", "detect-secrets", number, m[0].strip(), (), scope, path)
        )
    for m in _NOSEMGREP.finditer(code):
        ids = tuple(t for t in re.split(r"[\s,]+", (m["ids"] or "").strip()) if t)
        out.append(Suppression("nosemgrep", "semgrep", number, m[0].strip(), ids, "line", path))
    return out


def _codes(raw: str | None) -> tuple[str, ...]:
    if not raw:
        return ()
    return tuple(t for t in re.split(r"[\s,]+", raw.strip()) if _LINT_CODE.match(t))


def _without_strings(line: str) -> str:
    """`line` with string literals emptied; the comment tail is kept as written.

    Once a comment starts, quotes are prose ("it's fine"), so lexing stops there.
    """
    out: list[str] = []
    quote: str | None = None
    i = 0
    while i < len(line):
        ch = line[i]
        if quote:
            if ch == "\\":
                i += 2
                continue
            if ch == quote:
                quote = None
                out.append(ch)
            i += 1
            continue
        if ch == "#" or line.startswith(("//", "/*", "<!--"), i):
            out.append(line[i:])
            break
        if line.startswith("--", i) and (i == 0 or line[i - 1] in " \t"):
            out.append(line[i:])
            break
        if ch in "\"'`":
            quote = ch
        out.append(ch)
        i += 1
    return "".join(out)
