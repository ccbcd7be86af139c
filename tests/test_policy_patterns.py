"""CODEOWNERS path semantics: GitHub's documented examples, refused syntax, and an independent
reference matcher that the `codeowners` package's compiler must agree with."""

from __future__ import annotations

from fnmatch import fnmatchcase

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from signoff.policy.patterns import PatternSet, matches, normalize_path, pattern_problem

# (pattern, path, expected) — the examples in GitHub's CODEOWNERS documentation, and the
# places where gitignore (pathspec) semantics would answer differently.
GITHUB_EXAMPLES = [
    ("*", "README.md", True),
    ("*", "a/b/c.txt", True),
    ("*.js", "app.js", True),
    ("*.js", "src/deep/app.js", True),
    ("*.js", "app.jsx", False),
    ("*.go", "main.go", True),
    # `/build/logs/` is anchored at the root and owns everything below it
    ("/build/logs/", "build/logs/today.log", True),
    ("/build/logs/", "build/logs/a/b.log", True),
    ("/build/logs/", "x/build/logs/today.log", False),
    # `docs/*` owns files directly in docs/, never nested ones (gitignore differs here)
    ("docs/*", "docs/getting-started.md", True),
    ("docs/*", "docs/build-app/troubleshooting.md", False),
    ("docs/*", "x/docs/getting-started.md", False),
    # `apps/` (trailing slash, no other slash) is any apps directory anywhere
    ("apps/", "apps/web/index.js", True),
    ("apps/", "services/apps/web/index.js", True),
    ("apps/", "apps", False),
    # leading slash anchors to the root
    ("/docs/", "docs/a.md", True),
    ("/docs/", "src/docs/a.md", False),
    # `**/logs` is a logs directory at any depth, including the root
    ("**/logs", "build/logs/x.log", True),
    ("**/logs", "deeply/nested/logs/x.log", True),
    ("**/logs", "logs/x.log", True),
    ("**/logs", "logsx/x.log", False),
    # a bare name with no slash matches that file or directory at any depth
    ("Makefile", "Makefile", True),
    ("Makefile", "sub/Makefile", True),
    ("Makefile", "sub/Makefile.in", False),
    # a slash in the middle anchors
    ("apps/github", "apps/github/x.go", True),
    ("apps/github", "apps/github", True),
    ("apps/github", "src/apps/github/x.go", False),
    ("/scripts/", "scripts/deploy.sh", True),
    ("a/**/b", "a/b", True),
    ("a/**/b", "a/x/y/b", True),
    ("a/**/b", "a/x/y/bc", False),
    ("docs/**", "docs/a/b/c.md", True),
    ("docs/**/*.md", "docs/a/b.md", True),
    ("docs/**/*.md", "docs/b.md", True),
    ("docs/**/*.md", "docs/b.txt", False),
    ("/*", "top.txt", True),
    ("/*", "dir/nested.txt", False),
    ("?.md", "a.md", True),
    ("?.md", "ab.md", False),
    # case-sensitive, like GitHub
    ("/Docs/", "docs/a.md", False),
]


@pytest.mark.parametrize(("pattern", "path", "expected"), GITHUB_EXAMPLES)
def test_github_documented_semantics(pattern: str, path: str, expected: bool) -> None:
    assert matches(pattern, path) is expected


@pytest.mark.parametrize(
    ("pattern", "needle"),
    [
        ("!docs/", "negation"),
        ("*.[ch]", "character ranges"),
        ("src/]x", "character ranges"),
        ("\\#notes", "backslash"),
        ("", "empty"),
        ("/", "names no path"),
        ("a//b", "empty directory name"),
        (" src/", "whitespace"),
        ("src/\x00", "control character"),
        ("x" * 2000, "limit"),
        ("/**/**/**/**/**/**/**/**/x", "16 '*' wildcards (limit 4)"),
        ("**/a/**/*a*b", "6 '*' wildcards"),
        ("*a*a*a*b", "4 '*' wildcards in one name (limit 3)"),
    ],
)
def test_syntax_github_does_not_support_is_refused(pattern: str, needle: str) -> None:
    problem = pattern_problem(pattern)
    assert problem is not None
    assert needle in problem.message
    assert problem.fix


def test_invalid_patterns_match_nothing_in_a_set() -> None:
    s = PatternSet(["!secret/", "/src/"])
    assert s.first_match("secret/x") is None
    assert s.first_match("src/x.py") == "/src/"


def test_paths_are_normalized() -> None:
    assert normalize_path("./src/a.py") == "src/a.py"
    assert normalize_path("/src/a.py") == "src/a.py"
    assert matches("/src/", "./src/a.py")


# -- an independent reference: segment-wise matching written from GitHub's documented rules ----


def _segments_match(pat: list[str], path: list[str]) -> set[int]:
    """How many leading path segments `pat` can consume (a segment `**` spans zero or more)."""
    if not pat:
        return {0}
    head, rest = pat[0], pat[1:]
    out: set[int] = set()
    if head == "**":
        trailing = not rest
        for skip in range(1 if trailing else 0, len(path) + 1):
            out |= {skip + n for n in _segments_match(rest, path[skip:])}
        return out
    if path and fnmatchcase(path[0], head.replace("**", "*")):
        out |= {1 + n for n in _segments_match(rest, path[1:])}
    return out


def reference_match(pattern: str, path: str) -> bool:
    dir_only = pattern.endswith("/")
    body = pattern.rstrip("/")
    anchored = "/" in body
    body = body.lstrip("/")
    pat = body.split("/")
    # GitHub: a pattern ending in `/*` names files directly in that directory, nothing deeper
    files_only = not dir_only and pattern.endswith("/*")
    parts = path.split("/")
    starts = [0] if anchored else range(len(parts))
    for start in starts:
        for used in _segments_match(pat, parts[start:]):
            end = start + used
            if used == 0:
                continue
            if end == len(parts) and not dir_only:
                return True
            if end < len(parts) and not files_only:
                return True
    return False


_SEGMENT = st.sampled_from(["a", "b", "ab", "x.md", "b.md", "logs"])
_PAT_SEGMENT = st.sampled_from(["a", "b", "ab", "*", "**", "?", "*.md", "a*", "*b", "logs"])


@st.composite
def _patterns(draw: st.DrawFn) -> str:
    body = "/".join(draw(st.lists(_PAT_SEGMENT, min_size=1, max_size=4)))
    if draw(st.booleans()):
        body = "/" + body
    if draw(st.booleans()):
        body += "/"
    return body


@settings(max_examples=3000, deadline=None)
@given(_patterns(), st.lists(_SEGMENT, min_size=1, max_size=5).map("/".join))
def test_codeowners_package_agrees_with_the_reference(pattern: str, path: str) -> None:
    if pattern_problem(pattern) is not None:
        return
    assert matches(pattern, path) is reference_match(pattern, path), (pattern, path)


def test_the_most_wildcards_allowed_match_a_hostile_path_quickly() -> None:
    """Five or more `*` (or four in one name) are refused: eight `**` took 12 s on an
    80-character path. The worst patterns still allowed, on 4,000-character paths."""
    import time

    deep = "a/" * 2000
    for pattern in ("**/**/x", "*a*a*b", "**/*a*b", "/**/a/**", "/src/**/*.test.*", "*a*/**/a"):
        assert pattern_problem(pattern) is None, pattern
        for path in (deep + "a" * 255, deep + "b", ("a" * 255 + "/") * 15):
            started = time.perf_counter()
            matches(pattern, path)
            assert time.perf_counter() - started < 2.0, (pattern, len(path))
