"""Canonical model names, shared by the marker table, foreign readers and the commit hook.

Kept free of imports (not even `re`): the commit hook imports it on every commit.
"""

from __future__ import annotations

_UNKNOWN_MODELS = frozenset(("", "unknown", "unknown-model", "none", "default"))


def _drop_qualifiers(text: str) -> str:
    """Remove parenthesised or bracketed qualifiers such as `(1M context)`."""
    out = []
    depth = 0
    for ch in text:
        if ch in "([":
            depth += 1
        elif ch in ")]":
            depth = max(0, depth - 1)
        elif depth == 0:
            out.append(ch)
    return "".join(out)


def normalize_model(text: str | None) -> str | None:
    """Lowercase-hyphenated model name: `Claude Opus 4.5` and `claude-opus-4-5` agree.

    Claude versions use hyphens, as in Anthropic's own model ids (`claude-opus-4-5`), so the
    display name in a co-author trailer and the id an agent exports land on one spelling. Other
    vendors keep their dots (`gpt-4.1` is OpenAI's id).
    """
    if not text:
        return None
    model = "-".join(_drop_qualifiers(text).split()).lower().strip("-")
    if model.startswith("claude"):
        chars = list(model)
        for i in range(1, len(chars) - 1):
            if chars[i] == "." and chars[i - 1].isdigit() and chars[i + 1].isdigit():
                chars[i] = "-"
        model = "".join(chars)
    return None if model in _UNKNOWN_MODELS else model
