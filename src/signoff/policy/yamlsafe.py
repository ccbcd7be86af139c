"""YAML to plain data, with the line and column of every key and value, refusing hostile input.

We build the data from ruamel.yaml's event stream ourselves instead of letting a constructor do
it: that keeps a position for every node (errors can name file:line:column), lets us refuse
duplicate keys with both lines, and checks every limit while parsing, before anything large is
built. An alias bomb ("billion laughs") is refused after a few lines because each alias adds the
full size of what it expands to; deep nesting is refused at the level that crosses the limit.
Scalars follow the YAML 1.2 core schema (`yes`/`no` stay strings; pydantic interprets them).
"""

from __future__ import annotations

import io
import re
from dataclasses import dataclass, field
from typing import Any

from ruamel.yaml import YAML
from ruamel.yaml.error import MarkedYAMLError, YAMLError
from ruamel.yaml.events import (
    AliasEvent,
    DocumentStartEvent,
    MappingEndEvent,
    MappingStartEvent,
    ScalarEvent,
    SequenceEndEvent,
    SequenceStartEvent,
)
from ruamel.yaml.reader import ReaderError

Loc = tuple[str | int, ...]


@dataclass(frozen=True, slots=True)
class Limits:
    """What a policy file may contain; anything beyond is refused, not parsed."""

    max_bytes: int = 512 * 1024
    max_depth: int = 32
    max_nodes: int = 100_000  # after expanding aliases
    max_scalar: int = 16 * 1024


DEFAULT_LIMITS = Limits()


@dataclass(frozen=True, slots=True)
class Mark:
    """A position in a file, 1-based like editors show it."""

    line: int
    column: int


class YamlProblem(Exception):
    """The file is not YAML we accept; carries where and the fix."""

    def __init__(self, rule: str, message: str, fix: str, mark: Mark | None) -> None:
        super().__init__(message)
        self.rule = rule
        self.message = message
        self.fix = fix
        self.mark = mark


@dataclass(slots=True)
class SourceMap:
    """Where each key and value of the loaded data sits in the file."""

    values: dict[Loc, Mark] = field(default_factory=dict)
    keys: dict[Loc, Mark] = field(default_factory=dict)

    def value(self, loc: Loc) -> Mark | None:
        """The value at `loc`, or the nearest enclosing node the file shows."""
        for end in range(len(loc), -1, -1):
            mark = self.values.get(loc[:end])
            if mark is not None:
                return mark
        return None

    def key(self, loc: Loc) -> Mark | None:
        """The key that introduces `loc`; falls back to the value's position."""
        mark = self.keys.get(loc)
        return mark if mark is not None else self.value(loc)


# -- YAML 1.2 core schema for plain scalars ---------------------------------------------------

_NULL = re.compile(r"^(?:~|null|Null|NULL|)$")
_BOOL = re.compile(r"^(?:true|True|TRUE|false|False|FALSE)$")
_INT = re.compile(r"^[-+]?[0-9]+$")
_INT8 = re.compile(r"^0o[0-7]+$")
_INT16 = re.compile(r"^0x[0-9a-fA-F]+$")
_FLOAT = re.compile(r"^[-+]?(?:\.[0-9]+|[0-9]+(?:\.[0-9]*)?)(?:[eE][-+]?[0-9]+)?$")
_INF = re.compile(r"^[-+]?\.(?:inf|Inf|INF)$")
_NAN = re.compile(r"^\.(?:nan|NaN|NAN)$")
_CORE = "tag:yaml.org,2002:"


MAX_NUMBER = 40


def _looks_numeric(text: str) -> bool:
    return any(p.match(text) for p in (_INT, _INT8, _INT16, _FLOAT))


def _plain_scalar(text: str) -> Any:
    if _NULL.match(text):
        return None
    if _BOOL.match(text):
        return text.lower() == "true"
    if _INT.match(text):
        return int(text)
    if _INT8.match(text):
        return int(text[2:], 8)
    if _INT16.match(text):
        return int(text[2:], 16)
    if _FLOAT.match(text):
        return float(text)
    if _INF.match(text):
        return float("-inf") if text.startswith("-") else float("inf")
    if _NAN.match(text):
        return float("nan")
    return text


def _tagged_scalar(tag: str, text: str, mark: Mark) -> Any:
    short = tag[len(_CORE) :] if tag.startswith(_CORE) else tag
    if short == "str":
        return text
    if short in ("int", "float", "bool", "null"):
        value = _plain_scalar(text)
        kinds: dict[str, type | tuple[type, ...]] = {
            "int": int,
            "float": (int, float),
            "bool": bool,
            "null": type(None),
        }
        expected = kinds[short]
        if isinstance(value, expected) and not (short == "int" and isinstance(value, bool)):
            return float(text) if short == "float" else value
        raise YamlProblem(
            "yaml.tag",
            f"{text!r} is not a valid !!{short}",
            f"remove the !!{short} tag or fix the value",
            mark,
        )
    raise YamlProblem(
        "yaml.tag",
        f"unsupported YAML tag {tag!r}",
        "remove the tag; signoff.yaml holds plain strings, numbers, lists and mappings",
        mark,
    )


# -- building data from events ----------------------------------------------------------------


@dataclass(slots=True)
class _Frame:
    container: dict[str, Any] | list[Any]
    loc: Loc
    start_total: int
    anchor: str | None
    mark: Mark
    key: str | None = None  # a mapping's pending key
    key_mark: Mark | None = None
    explicit: dict[str, Mark] = field(default_factory=dict)
    merges: list[dict[str, Any]] = field(default_factory=list)


def _mark(event: Any) -> Mark:
    m = event.start_mark
    return Mark(m.line + 1, m.column + 1)


class _Builder:
    def __init__(self, limits: Limits) -> None:
        self.limits = limits
        self.stack: list[_Frame] = []
        self.anchors: dict[str, tuple[Any, int]] = {}
        self.open_anchors: set[str] = set()
        self.total = 0
        self.root: Any = None
        self.have_root = False
        self.documents = 0
        self.source = SourceMap()

    # every node, scalar or container, passes through here
    def _count(self, weight: int, mark: Mark) -> None:
        self.total += weight
        if self.total > self.limits.max_nodes:
            raise YamlProblem(
                "yaml.too-large",
                f"the document expands to more than {self.limits.max_nodes} nodes "
                "(aliases are counted at their expanded size)",
                "remove the aliases that repeat large blocks; a policy file never needs this many",
                mark,
            )

    def _child_loc(self) -> tuple[Loc, Mark | None]:
        if not self.stack:
            return (), None
        top = self.stack[-1]
        if isinstance(top.container, list):
            return (*top.loc, len(top.container)), None
        assert top.key is not None
        return (*top.loc, top.key), top.key_mark

    def _attach(self, value: Any, mark: Mark) -> None:
        if not self.stack:
            self.root, self.have_root = value, True
            return
        top = self.stack[-1]
        if isinstance(top.container, list):
            top.container.append(value)
            return
        key = top.key
        assert key is not None
        top.key = None
        if key == "<<":
            self._merge(top, value, mark)
            return
        top.container[key] = value

    def _merge(self, frame: _Frame, value: Any, mark: Mark) -> None:
        sources = value if isinstance(value, list) else [value]
        for src in sources:
            if not isinstance(src, dict):
                raise YamlProblem(
                    "yaml.merge",
                    "a merge key (<<) must point at a mapping or a list of mappings",
                    "write <<: *anchor where the anchor names a mapping",
                    mark,
                )
            frame.merges.append(src)

    def _take_key(self, event: Any, mark: Mark) -> bool:
        """In a mapping awaiting a key, read the key; True when the event was consumed."""
        if not self.stack:
            return False
        top = self.stack[-1]
        if not isinstance(top.container, dict) or top.key is not None:
            return False
        if not isinstance(event, ScalarEvent):
            raise YamlProblem(
                "yaml.complex-key",
                "a mapping key must be a plain string",
                "write the key as a word followed by a colon",
                mark,
            )
        key = str(event.value)
        if key in top.explicit and key != "<<":
            first = top.explicit[key]
            raise YamlProblem(
                "yaml.duplicate-key",
                f"duplicate key {key!r} (first at line {first.line}, column {first.column})",
                "keep one of them; YAML would silently use the last",
                mark,
            )
        top.key, top.key_mark = key, mark
        if key != "<<":
            top.explicit[key] = mark
        self._count(1, mark)
        return True

    def _depth_check(self, mark: Mark) -> None:
        if len(self.stack) >= self.limits.max_depth:
            raise YamlProblem(
                "yaml.too-deep",
                f"nesting deeper than {self.limits.max_depth} levels",
                "flatten the structure; signoff.yaml needs only a few levels",
                mark,
            )

    def feed(self, event: Any) -> None:
        if isinstance(event, DocumentStartEvent):
            self.documents += 1
            if self.documents > 1:
                raise YamlProblem(
                    "yaml.multiple-documents",
                    "more than one YAML document ('---') in the file",
                    "keep a single document",
                    _mark(event),
                )
            return
        if isinstance(event, (MappingEndEvent, SequenceEndEvent)):
            self._close()
            return
        if not isinstance(event, (ScalarEvent, AliasEvent, MappingStartEvent, SequenceStartEvent)):
            return
        mark = _mark(event)
        if self._take_key(event, mark):
            return
        loc, key_mark = self._child_loc()
        self.source.values[loc] = mark
        if key_mark is not None:
            self.source.keys[loc] = key_mark
        if isinstance(event, AliasEvent):
            self._alias(event, mark)
        elif isinstance(event, ScalarEvent):
            self._scalar(event, mark)
        else:
            self._depth_check(mark)
            self._count(1, mark)
            anchor = event.anchor
            if anchor is not None:
                self.anchors.pop(anchor, None)  # a redefined anchor hides the old one
                self.open_anchors.add(anchor)
            container: dict[str, Any] | list[Any] = (
                {} if isinstance(event, MappingStartEvent) else []
            )
            self.stack.append(_Frame(container, loc, self.total - 1, anchor, mark))

    def _alias(self, event: Any, mark: Mark) -> None:
        name = event.anchor
        if name in self.open_anchors:
            raise YamlProblem(
                "yaml.recursive-alias",
                f"alias *{name} refers to a node that contains it",
                "remove the recursive alias",
                mark,
            )
        if name not in self.anchors:
            raise YamlProblem(
                "yaml.syntax",
                f"alias *{name} has no anchor &{name} before it",
                f"define &{name} first, or write the value out",
                mark,
            )
        value, weight = self.anchors[name]
        self._count(weight, mark)
        self._attach(value, mark)

    def _scalar(self, event: Any, mark: Mark) -> None:
        text = event.value
        if len(text) > self.limits.max_scalar:
            raise YamlProblem(
                "yaml.too-large",
                f"a value of {len(text)} characters (limit {self.limits.max_scalar})",
                "shorten it; link to a document instead of pasting it",
                mark,
            )
        self._count(1, mark)
        tag = event.tag
        if len(text) > MAX_NUMBER and _looks_numeric(text):
            # Python refuses to convert integers of over 4,300 digits; no count needs 40
            raise YamlProblem(
                "yaml.number",
                f"a number of {len(text)} characters (limit {MAX_NUMBER})",
                "write a realistic number, or quote it if it is text",
                mark,
            )
        if tag and tag != "!":
            value = _tagged_scalar(str(tag), text, mark)
        elif event.style is None and event.implicit and event.implicit[0]:
            value = _plain_scalar(text)
        else:
            value = text
        if event.anchor is not None:
            self.anchors[event.anchor] = (value, 1)
        self._attach(value, mark)

    def _close(self) -> None:
        frame = self.stack.pop()
        if isinstance(frame.container, dict):
            for src in frame.merges:
                for k, v in src.items():
                    if k not in frame.container:
                        frame.container[k] = v
                        self.source.keys.setdefault((*frame.loc, k), frame.mark)
        weight = self.total - frame.start_total
        if frame.anchor is not None:
            self.anchors[frame.anchor] = (frame.container, weight)
            self.open_anchors.discard(frame.anchor)
        self._attach(frame.container, frame.mark)


def load_yaml(data: bytes | str, limits: Limits = DEFAULT_LIMITS) -> tuple[Any, SourceMap]:
    """Parse one YAML document into plain data plus its source map; raises `YamlProblem`."""
    size = len(data.encode("utf-8") if isinstance(data, str) else data)
    if size > limits.max_bytes:
        raise YamlProblem(
            "yaml.too-large",
            f"file is {size} bytes (limit {limits.max_bytes})",
            "split exceptions into .signoff/exceptions/ files, or remove what is not policy",
            None,
        )
    if isinstance(data, bytes):
        try:
            text = data.decode("utf-8-sig")
        except UnicodeDecodeError as exc:
            line = data[: exc.start].count(b"\n") + 1
            col = exc.start - (data.rfind(b"\n", 0, exc.start) + 1) + 1
            raise YamlProblem(
                "yaml.encoding",
                "the file is not valid UTF-8",
                "save it as UTF-8",
                Mark(line, col),
            ) from None
    else:
        text = data
    builder = _Builder(limits)
    yaml = YAML(typ="safe", pure=True)
    try:
        for event in yaml.parse(io.StringIO(text)):
            builder.feed(event)
    except MarkedYAMLError as exc:
        m = exc.problem_mark or exc.context_mark
        mark = Mark(m.line + 1, m.column + 1) if m is not None else None
        problem = (exc.problem or exc.context or "invalid YAML").strip()
        raise YamlProblem(
            "yaml.syntax", f"invalid YAML: {problem}", _syntax_fix(problem), mark
        ) from None
    except ReaderError as exc:  # control characters and the like
        pos = exc.position if isinstance(exc.position, int) else 0
        char = exc.character
        shown = f"U+{char:04X}" if isinstance(char, int) else repr(char)
        line = text.count("\n", 0, pos) + 1
        col = pos - (text.rfind("\n", 0, pos) + 1) + 1
        raise YamlProblem(
            "yaml.syntax",
            f"invalid YAML: character {shown} is not allowed",
            "remove it (control characters cannot appear in YAML, even quoted)",
            Mark(line, col),
        ) from None
    except YAMLError as exc:
        raise YamlProblem("yaml.syntax", f"invalid YAML: {exc}", "fix the YAML", None) from None
    except RecursionError:
        raise YamlProblem(
            "yaml.too-deep", "nesting too deep to read", "flatten the structure", None
        ) from None
    return builder.root, builder.source


def _syntax_fix(problem: str) -> str:
    if "tab" in problem or "\\t" in problem:
        return "indent with spaces, not tabs"
    if "mapping values are not allowed" in problem:
        return "quote values that contain ': ' or put the value on its own indented line"
    if "could not find expected ':'" in problem:
        return "each key needs a colon after it; check the indentation of this block"
    if "found character" in problem and "cannot start any token" in problem:
        return "quote the value (e.g. paths starting with * or @ must be in quotes)"
    return "check the indentation and quoting around this position"
