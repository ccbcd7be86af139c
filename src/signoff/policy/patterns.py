"""Path patterns with CODEOWNERS semantics (GitHub's), not gitignore's.

The two differ exactly where a policy must not be vague: `docs/*` owns the files directly in
`docs/` and nothing deeper, and negation (`!`) and character ranges (`[...]`) do not exist. The
`codeowners` package's pattern compiler follows these rules for every pattern we accept (verified
against an independent reference matcher in tests/test_policy_patterns.py); this module refuses
the syntax GitHub does not support, with the fix, before any pattern is compiled.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from functools import lru_cache

from codeowners import path_to_regex

MAX_PATTERN_LENGTH = 1024
# Each `*` is a regular-expression loop; loops in a row backtrack against each other, so matching
# grows as (path length)^(wildcards): `/**/**/**/**/**/**/**/**/x` took 12 s on an 80-character
# path, `**/a/**/*a*a*b` 14 s on a deep one, `*a*a*a*b` 10 s on fifteen 255-character names.
# Four in a pattern (`/src/**/*.test.*`), three in one name, stay under 0.2 s on a
# 4,000-character path; no real pattern needs more.
MAX_WILDCARDS = 4
MAX_NAME_WILDCARDS = 3


class PatternProblem(ValueError):
    """A pattern GitHub would not accept as a CODEOWNERS path, and how to write it instead."""

    def __init__(self, message: str, fix: str) -> None:
        super().__init__(message)
        self.message = message
        self.fix = fix


def pattern_problem(pattern: str) -> PatternProblem | None:
    """Why `pattern` is not a valid CODEOWNERS path, or None when it is."""
    if not pattern:
        return PatternProblem("empty path pattern", "write a path such as /src/ or *.py")
    if len(pattern) > MAX_PATTERN_LENGTH:
        return PatternProblem(
            f"path pattern is {len(pattern)} characters long (limit {MAX_PATTERN_LENGTH})",
            "shorten it; a directory pattern like /src/payments/ covers everything below it",
        )
    stars = pattern.count("*")
    if stars > MAX_WILDCARDS:
        return PatternProblem(
            f"path pattern {pattern!r} has {stars} '*' wildcards (limit {MAX_WILDCARDS})",
            "use fewer: '**/**' matches what '**' does, and a directory pattern like "
            "/src/payments/ covers everything below it",
        )
    crowded = next(
        (name for name in pattern.split("/") if name.count("*") > MAX_NAME_WILDCARDS), None
    )
    if crowded is not None and crowded != "**":
        return PatternProblem(
            f"path pattern {pattern!r} has {crowded.count('*')} '*' wildcards in one name "
            f"(limit {MAX_NAME_WILDCARDS})",
            "match the name with fewer wildcards, e.g. *.test.py",
        )
    if pattern != pattern.strip():
        return PatternProblem(
            f"path pattern {pattern!r} starts or ends with whitespace",
            f"write {pattern.strip()!r}",
        )
    if any(ord(ch) < 32 or ord(ch) == 127 for ch in pattern):
        return PatternProblem(f"path pattern {pattern!r} contains a control character", "remove it")
    if pattern.startswith("!"):
        return PatternProblem(
            f"{pattern!r}: negation ('!') is not CODEOWNERS syntax",
            "list the paths that are governed instead; a later, more specific workflow "
            "takes ownership of a sub-path (the last match wins)",
        )
    if "[" in pattern or "]" in pattern:
        return PatternProblem(
            f"{pattern!r}: character ranges ('[...]') are not CODEOWNERS syntax",
            "write one pattern per alternative, e.g. *.yml and *.yaml",
        )
    if "\\" in pattern:
        return PatternProblem(
            f"{pattern!r}: backslash escapes are not CODEOWNERS syntax here",
            "write the path literally; spaces are fine inside a quoted YAML string",
        )
    if pattern.strip("/") == "":
        return PatternProblem(
            f"{pattern!r} names no path", "write * (every file) or /path/ (one directory)"
        )
    if "//" in pattern:
        return PatternProblem(
            f"{pattern!r} contains an empty directory name ('//')", "write a single '/'"
        )
    return None


def check_pattern(pattern: str) -> str:
    """`pattern` unchanged if valid; raises `PatternProblem` otherwise."""
    problem = pattern_problem(pattern)
    if problem is not None:
        raise problem
    return pattern


@lru_cache(maxsize=4096)
def compile_pattern(pattern: str) -> re.Pattern[str]:
    """The regular expression for a valid pattern (validated first, cached)."""
    check_pattern(pattern)
    compiled: re.Pattern[str] = path_to_regex(pattern)
    return compiled


def normalize_path(path: str) -> str:
    """A repository-relative path as patterns see it: forward slashes, no leading './' or '/'."""
    path = path.replace("\\", "/")
    while path.startswith("./"):
        path = path[2:]
    return path.lstrip("/")


def literal_root(pattern: str) -> str | None:
    """The first directory a pattern is anchored to, when it is a plain name; else None.

    `/src/app/` and `src/*.py` can only match paths under `src`; `*.py`, `docs/` (no inner slash,
    so matched at any depth) and `**/logs` can match anywhere. Used to skip patterns cheaply.
    """
    body = pattern.rstrip("/")
    if "/" not in body:
        return None  # unanchored: matches at any depth
    first = body.lstrip("/").split("/", 1)[0]
    if not first or "*" in first or "?" in first:
        return None
    return first


def matches(pattern: str, path: str) -> bool:
    """Whether a CODEOWNERS pattern covers `path` (a file path relative to the repository root)."""
    return compile_pattern(pattern).search(normalize_path(path)) is not None


class PatternSet:
    """The patterns of one workflow or boundary, compiled once; invalid ones match nothing."""

    __slots__ = ("_any", "_compiled", "patterns")

    def __init__(self, patterns: Iterable[str]) -> None:
        self.patterns = tuple(patterns)
        self._compiled = [
            (p, compile_pattern(p)) for p in self.patterns if pattern_problem(p) is None
        ]
        self._any = combine(regex for _, regex in self._compiled)

    def covers(self, path: str) -> bool:
        """Whether any pattern covers `path` (one regular-expression search)."""
        return self._any.search(normalize_path(path)) is not None

    def first_match(self, path: str) -> str | None:
        """The first pattern that covers `path`, or None."""
        norm = normalize_path(path)
        if self._any.search(norm) is None:
            return None
        for pattern, regex in self._compiled:
            if regex.search(norm):
                return pattern
        return None


_NEVER = re.compile(r"(?!)")


def combine(regexes: Iterable[re.Pattern[str]]) -> re.Pattern[str]:
    """One expression matching where any of `regexes` does: the search runs in C, not Python."""
    parts = [f"(?:{r.pattern})" for r in regexes]
    return re.compile("|".join(parts)) if parts else _NEVER
