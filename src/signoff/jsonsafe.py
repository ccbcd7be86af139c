"""JSON from outside the program, parsed within limits: one hostile document is one problem.

Python's own parser raises `RecursionError` on deep nesting and `ValueError` on an integer of
more than 4,300 digits, and a huge input costs memory in proportion. Every JSON that Signoff did
not write itself (notes, forge payloads, `--reviews`, incident evidence, attestations) is read
here instead: a `JsonProblem` (a `json.JSONDecodeError`, so it carries a line and column) names
what is wrong, and nothing else escapes. Fast on ordinary input: the limits are checked with a
few passes of C-speed string operations, never a Python loop over every character.

Standard library only, no Signoff imports: it sits at the bottom of the stack.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from typing import Any

__all__ = [
    "INVISIBLE",
    "JsonLimits",
    "JsonProblem",
    "decode_at",
    "escape_invisible",
    "loads",
    "problem_text",
]


@dataclass(frozen=True, slots=True)
class JsonLimits:
    max_bytes: int = 64 * 1024 * 1024
    max_depth: int = 64
    # integers beyond a signed 64-bit value are no count, line number or id anywhere in Signoff
    max_int_digits: int = 19
    reject_duplicate_keys: bool = False


DEFAULT = JsonLimits()


class JsonProblem(json.JSONDecodeError):
    """Why a text is not acceptable JSON, with where (`lineno`, `colno`, `pos`)."""


class _HugeInt(Exception):
    def __init__(self, digits: str) -> None:
        self.digits = digits


class _Duplicate(Exception):
    def __init__(self, key: str) -> None:
        self.key = key


_STRING = re.compile(r'"(?:[^"\\]|\\.)*"', re.DOTALL)
_NOT_BRACKET = re.compile(r"[^\[\]{}]+")
_INNERMOST = re.compile(r"[\[{][\]}]")
_LONG_DIGITS = re.compile(r"-?\d{20,}")
_WS = " \t\r\n"


def _too_deep(text: str, start: int, end: int, limit: int) -> bool:
    """Whether text[start:end] nests brackets (outside strings) deeper than `limit`."""
    if text.count("[", start, end) + text.count("{", start, end) <= limit:
        return False
    brackets = _NOT_BRACKET.sub("", _STRING.sub("", text[start:end]))
    for _ in range(limit):  # each pass removes the innermost level
        brackets, n = _INNERMOST.subn("", brackets)
        if not brackets or n == 0:
            return False
    return bool(brackets)


def _decoder(limits: JsonLimits, huge_int: str) -> json.JSONDecoder:
    def parse_int(digits: str) -> int | float:
        if len(digits.lstrip("-")) > limits.max_int_digits:
            if huge_int == "inf":
                return float("-inf") if digits.startswith("-") else float("inf")
            raise _HugeInt(digits)
        return int(digits)

    def pairs(items: list[tuple[str, Any]]) -> dict[str, Any]:
        out: dict[str, Any] = {}
        for key, value in items:
            if key in out:
                raise _Duplicate(key)
            out[key] = value
        return out

    return json.JSONDecoder(
        parse_int=parse_int,
        object_pairs_hook=pairs if limits.reject_duplicate_keys else None,
    )


def decode_at(
    text: str, pos: int = 0, *, limits: JsonLimits = DEFAULT, huge_int: str = "error"
) -> tuple[Any, int]:
    """One JSON value starting at `pos` (like `JSONDecoder.raw_decode`): (value, end).

    `huge_int="inf"` reads an integer beyond the limit as infinity instead of refusing it (for
    readers that keep the rest of a record and treat such a number as no number).
    Raises `JsonProblem` for anything unacceptable.
    """
    if len(text) - pos > limits.max_bytes:
        raise JsonProblem(
            f"larger than {limits.max_bytes // (1024 * 1024)} MB, the most Signoff reads", text, pos
        )
    try:
        value, end = _decode(text, pos, limits, huge_int)
    except RecursionError:
        raise JsonProblem(f"nested deeper than {limits.max_depth} levels", text, pos) from None
    except _HugeInt as exc:
        raise _number_problem(text, pos, exc.digits, limits) from None
    except _Duplicate as exc:
        raise JsonProblem(f"the key {exc.key!r} appears twice in one object", text, pos) from None
    except json.JSONDecodeError as exc:
        raise JsonProblem(exc.msg, text, exc.pos) from None
    _check_depth(text, pos, end, limits)
    return value, end


def _decode(text: str, pos: int, limits: JsonLimits, huge_int: str) -> tuple[Any, int]:
    """The C parser alone when nothing calls for hooks (the usual case), else with them."""
    if not limits.reject_duplicate_keys:
        try:
            value, end = _PLAIN.raw_decode(text, pos)
        except json.JSONDecodeError:
            raise
        except ValueError:  # Python's own 4,300-digit limit: read again with the hook
            pass
        else:
            if not _LONG_DIGITS.search(text, pos, end):
                return value, end
    return _decoder(limits, huge_int).raw_decode(text, pos)


_PLAIN = json.JSONDecoder()


def _check_depth(text: str, start: int, end: int, limits: JsonLimits) -> None:
    if _too_deep(text, start, end, limits.max_depth):
        raise JsonProblem(f"nested deeper than {limits.max_depth} levels", text, start)


def _number_problem(text: str, pos: int, digits: str, limits: JsonLimits) -> JsonProblem:
    at = text.find(digits, pos) if digits else -1
    return JsonProblem(
        f"a number of {len(digits.lstrip('-'))} digits (at most {limits.max_int_digits})",
        text,
        at if at >= 0 else pos,
    )


def loads(data: str | bytes, *, limits: JsonLimits = DEFAULT, huge_int: str = "error") -> Any:
    """One whole JSON document (surrounding whitespace allowed), or `JsonProblem`."""
    if isinstance(data, bytes):
        if len(data) > limits.max_bytes:
            raise JsonProblem(
                f"larger than {limits.max_bytes // (1024 * 1024)} MB, the most Signoff reads", "", 0
            )
        try:
            text = data.decode("utf-8-sig")
        except UnicodeDecodeError as exc:
            raise JsonProblem("not UTF-8 text", "", exc.start) from None
    else:
        text = data.removeprefix("\ufeff")
    start = len(text) - len(text.lstrip(_WS))
    if start == len(text):
        raise JsonProblem("empty: no JSON value", text, start)
    value, end = decode_at(text, start, limits=limits, huge_int=huge_int)
    rest = len(text) - len(text[end:].lstrip(_WS))
    if rest < len(text):
        raise JsonProblem("extra data after the JSON value", text, rest)
    return value


def problem_text(exc: json.JSONDecodeError) -> str:
    """`line L, column C: what` for a message that names a file before it."""
    return f"line {exc.lineno}, column {exc.colno}: {exc.msg}"


# Characters that change how text reads without showing themselves: C1 controls, bidirectional
# marks, embeddings, overrides and isolates, zero-width characters, line and paragraph
# separators, the byte-order mark and the invisible "tag" characters. (C0 controls are escaped
# by every JSON encoder already.) The terminal output escapes the same set.
INVISIBLE = frozenset(
    (
        *range(0x80, 0xA0),
        0x061C,
        0x200B,  # zero-width space (not ZWNJ/ZWJ: Persian, Indic scripts and emoji need them)
        0x200E,
        0x200F,
        *range(0x2028, 0x202F),
        *range(0x2060, 0x2065),
        *range(0x2066, 0x206A),
        0xFEFF,
        *range(0xE0000, 0xE0080),
    )
)
_INVISIBLE_RE = re.compile("[" + "".join(re.escape(chr(c)) for c in sorted(INVISIBLE)) + "]")


def _u(match: re.Match[str]) -> str:
    code = ord(match.group(0))
    if code <= 0xFFFF:
        return f"\\u{code:04x}"
    code -= 0x10000  # outside the BMP: a surrogate pair, as JSON writes it
    return f"\\u{0xD800 + (code >> 10):04x}\\u{0xDC00 + (code & 0x3FF):04x}"


def escape_invisible(json_text: str) -> str:
    """JSON text with every `INVISIBLE` character written as a `\\uXXXX` escape.

    The value is unchanged (any JSON reader decodes the same strings; such characters can only
    occur inside strings), but the text shown on a terminal or in a diff can no longer be
    reordered or hidden by them: JSON is data, kept exact, and safe to look at.
    """
    return _INVISIBLE_RE.sub(_u, json_text)
