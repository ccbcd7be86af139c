"""User text inside Markdown that a forge or a SARIF viewer renders: shown, never obeyed.

A commit subject, an author's name, a file path or a policy's free text can hold Markdown and
HTML (links, images, autolinks, raw `<script>`, entities). Forges render a PR comment as
GitHub-flavoured Markdown, which also turns bare URLs and addresses into links. Two ways to
keep such text inert: `text` escapes every ASCII punctuation character with a backslash
(CommonMark allows it before any of them), which stops links, images, emphasis, raw HTML,
entities and the bare-URL autolinks (their `:`, `.` and `@` are escaped); `code` puts it in a
code span, in which nothing is interpreted, with a fence longer than any run of backticks in it.
"""

from __future__ import annotations

import re

_PUNCTUATION = re.compile(r"""([!"#$%&'()*+,\-./:;<=>?@\[\\\]^_`{|}~])""")
_CONTROLS = {c: f"\\x{c:02x}" for c in (*range(0x20), 0x7F)}
_TICKS = re.compile(r"`+")


def visible(value: str) -> str:
    """Control characters (a newline would end a table row or a list item) as `\\xNN`."""
    return value.translate(_CONTROLS)


def text(value: str) -> str:
    """`value` as literal Markdown text, in a paragraph, a list item or a table cell."""
    return _PUNCTUATION.sub(r"\\\1", visible(value))


def code(value: str, *, in_table: bool = False) -> str:
    """`value` as a code span; `in_table`: its `|` escaped too (GFM splits cells on them even
    inside code spans, and drops the backslash there)."""
    value = visible(value)
    if in_table:
        value = value.replace("|", "\\|")
    fence = "`" * (max((len(run) for run in _TICKS.findall(value)), default=0) + 1)
    pad = " " if value.startswith("`") or value.endswith("`") or not value.strip() else ""
    return f"{fence}{pad}{value}{pad}{fence}"


def sarif_text(value: str) -> str:
    """A SARIF plain-text message: brackets escaped, as SARIF 2.1.0 (3.11.6) requires of
    brackets that are not an embedded link, so no viewer reads `[x](url)` as one."""
    return value.replace("\\", "\\\\").replace("[", "\\[").replace("]", "\\]")
