"""Reading the policy from the work tree, a file, or a git revision, with positioned errors.

`load_policy(repo, rev)` is what every command uses. Reading from a revision (`--policy-rev`)
means a change set is judged by the policy of its target branch, so a change cannot loosen the
gate that judges it. Any problem that stops the document from being a policy (bad YAML, unknown
keys, wrong types, bad patterns) raises `PolicyError` listing every problem with file, line,
column and the fix.
"""

from __future__ import annotations

import difflib
import json
import re
import types
import typing
from collections.abc import Sequence
from pathlib import Path, PurePosixPath
from typing import Any

from pydantic import BaseModel, ValidationError

from signoff.files import read_prefix
from signoff.git.repo import Repo
from signoff.layout import EXCEPTIONS_DIR, POLICY_FILE
from signoff.policy.findings import Finding, PolicyError
from signoff.policy.model import EXCEPTION_SCHEMA, POLICY_SCHEMA, ExceptionRecord, PolicyDocument
from signoff.policy.registry import LoadedException, Origin, Policy
from signoff.policy.yamlsafe import DEFAULT_LIMITS, Limits, Loc, SourceMap, YamlProblem, load_yaml

EXCEPTION_LIMITS = Limits(max_bytes=64 * 1024, max_nodes=5_000)
MAX_EXCEPTION_FILES = 1000

# -- public entry points ----------------------------------------------------------------------


def load_policy(repo: Repo, rev: str | None = None) -> Policy:
    """The policy in the work tree (rev None) or committed at `rev`."""
    if rev is None and _is_bare(repo):
        rev = "HEAD"
    if rev is None:
        return load_policy_file(repo.root / POLICY_FILE, display=POLICY_FILE)
    sha = repo.require_commit(rev)
    text = _read_blob(repo, sha, POLICY_FILE, DEFAULT_LIMITS, rev)
    if text is None:
        raise PolicyError(
            [
                Finding(
                    "file.unreadable",
                    f"{POLICY_FILE} is not committed at {rev}",
                    f"commit a {POLICY_FILE} on that branch, or pass another --policy-rev",
                    POLICY_FILE,
                )
            ]
        )
    exceptions: list[tuple[str, bytes]] = []
    listing = repo.run("ls-tree", "-z", "-l", sha, "--", f"{EXCEPTIONS_DIR}/", check=False)
    for entry in listing.split(b"\x00"):
        if not entry:
            continue
        meta, _, name = entry.partition(b"\t")
        parts = meta.split()
        path = name.decode("utf-8", "surrogateescape")
        if len(parts) < 4 or parts[1] != b"blob" or not _is_yaml(path):
            continue
        if len(exceptions) >= MAX_EXCEPTION_FILES:
            raise _too_many(path)
        blob = _read_blob(repo, sha, path, EXCEPTION_LIMITS, rev)
        if blob is not None:
            exceptions.append((path, blob))
    policy = load_policy_text(text, POLICY_FILE, exceptions)
    policy.rev = sha
    return policy


def policy_in_force(repo: Repo, rev: str | None) -> Policy | None:
    """The policy at `rev` (the work tree when None), or None when no signoff.yaml exists there.

    A policy that exists but cannot be read is an error (PolicyError), never "no policy".
    """
    if rev is None:
        if not (repo.root / POLICY_FILE).exists():
            return None
    elif not repo.succeeds("cat-file", "-e", f"{rev}:{POLICY_FILE}"):
        return None
    return load_policy(repo, rev)


def load_policy_file(path: Path, *, display: str | None = None) -> Policy:
    """A policy file on disk, with the exception files in `.signoff/exceptions/` beside it."""
    shown = display or str(path)
    data = _read_file(path, shown, DEFAULT_LIMITS)
    if data is None:
        raise PolicyError(
            [
                Finding(
                    "file.unreadable",
                    f"no {POLICY_FILE} at {path.parent}",
                    "write one (see docs/policy.md and examples/signoff.yaml), or draft one "
                    "from CODEOWNERS with `signoff init --from-codeowners`",
                    shown,
                )
            ]
        )
    exceptions: list[tuple[str, bytes]] = []
    folder = path.parent / EXCEPTIONS_DIR
    if folder.is_dir():
        for item in sorted(folder.iterdir()):
            if not item.is_file() or not _is_yaml(item.name):
                continue
            rel = f"{EXCEPTIONS_DIR}/{item.name}"
            if len(exceptions) >= MAX_EXCEPTION_FILES:
                raise _too_many(rel)
            blob = _read_file(item, rel, EXCEPTION_LIMITS)
            if blob is not None:
                exceptions.append((rel, blob))
    return load_policy_text(data, shown, exceptions)


def load_policy_text(
    text: bytes | str,
    file: str = POLICY_FILE,
    exception_files: Sequence[tuple[str, bytes | str]] = (),
) -> Policy:
    """Validate a policy document and its exception files; raises `PolicyError`."""
    problems: list[Finding] = []
    document, origin = _document(text, file, problems)
    exceptions: list[LoadedException] = []
    for name, blob in exception_files:
        loaded = _exception_file(name, blob, problems)
        if loaded is not None:
            exceptions.append(loaded)
    if problems or document is None or origin is None:
        raise PolicyError(problems)
    for i, record in enumerate(document.exceptions):
        exc_origin = Origin(file, origin.source, ("exceptions", i))
        if record.id is None:
            problems.append(
                _positioned(
                    "schema.missing",
                    f"exceptions[{i + 1}] has no id",
                    "add id: <name> (exception files take their file name instead)",
                    exc_origin,
                    (),
                )
            )
        exceptions.insert(i, LoadedException(record, exc_origin))
    if problems:
        raise PolicyError(problems)
    return Policy(document, origin, exceptions)


# -- documents --------------------------------------------------------------------------------


def _document(
    text: bytes | str, file: str, problems: list[Finding]
) -> tuple[PolicyDocument | None, Origin | None]:
    data, source = read_yaml(text, file, DEFAULT_LIMITS, problems)
    if data is None and not problems:
        problems.append(
            Finding(
                "schema.empty",
                f"{file} is empty",
                f"start it with `schema: {POLICY_SCHEMA}` (see examples/signoff.yaml)",
                file,
            )
        )
    if data is None or source is None:
        return None, None
    origin = Origin(file, source)
    if not isinstance(data, dict):
        problems.append(
            _positioned(
                "schema.empty",
                f"{file} must be a mapping of sections (schema, people, workflows, ...)",
                f"start it with `schema: {POLICY_SCHEMA}`",
                origin,
                (),
            )
        )
        return None, None
    version = data.get("schema")
    if isinstance(version, str) and version != POLICY_SCHEMA and version.startswith("signoff/"):
        problems.append(
            _positioned(
                "schema.version",
                f"{version!r} is not a policy schema this Signoff reads",
                f"write schema: {POLICY_SCHEMA}, or upgrade Signoff",
                origin,
                ("schema",),
            )
        )
        return None, None
    try:
        return PolicyDocument.model_validate(data), origin
    except ValidationError as exc:
        problems += _validation_findings(exc, data, origin, PolicyDocument)
        return None, None


def _exception_file(
    name: str, blob: bytes | str, problems: list[Finding]
) -> LoadedException | None:
    data, source = read_yaml(blob, name, EXCEPTION_LIMITS, problems)
    if source is None:
        return None
    origin = Origin(name, source)
    if not isinstance(data, dict):
        problems.append(
            _positioned(
                "schema.empty",
                f"{name} must be a mapping (boundary, paths, approver, reason, expires)",
                f"start it with `schema: {EXCEPTION_SCHEMA}`",
                origin,
                (),
            )
        )
        return None
    try:
        record = ExceptionRecord.model_validate(data)
    except ValidationError as exc:
        problems += _validation_findings(exc, data, origin, ExceptionRecord)
        return None
    if record.id is None:
        record = record.model_copy(update={"id": PurePosixPath(name).stem})
    return LoadedException(record, origin)


def read_yaml(
    text: bytes | str, file: str, limits: Limits, problems: list[Finding]
) -> tuple[Any, SourceMap | None]:
    """`load_yaml` that appends a YAML problem to `problems` as a finding and returns
    (None, None), instead of raising it."""
    try:
        return load_yaml(text, limits)
    except YamlProblem as exc:
        problems.append(
            Finding(
                exc.rule,
                exc.message,
                exc.fix,
                file,
                exc.mark.line if exc.mark else None,
                exc.mark.column if exc.mark else None,
            )
        )
        return None, None


def _positioned(
    rule: str, message: str, fix: str, origin: Origin, loc: Loc, *, key: bool = False
) -> Finding:
    mark = origin.mark(loc, key=key)
    return Finding(
        rule, message, fix, origin.file, mark.line if mark else None, mark.column if mark else None
    )


# -- pydantic errors to findings --------------------------------------------------------------

_EXPECTED = {
    "string_type": "text",
    "int_type": "a whole number",
    "int_parsing": "a whole number",
    "int_from_float": "a whole number",
    "bool_type": "true or false",
    "bool_parsing": "true or false",
    "list_type": "a list",
    "dict_type": "a mapping (key: value lines)",
    "model_type": "a mapping (key: value lines)",
    "model_attributes_type": "a mapping (key: value lines)",
    "date_type": "a date (YYYY-MM-DD)",
    "date_parsing": "a date (YYYY-MM-DD)",
    "date_from_datetime_parsing": "a date (YYYY-MM-DD)",
    "date_from_datetime_inexact": "a date (YYYY-MM-DD)",
    "none_required": "nothing (null)",
}


def _validation_findings(
    exc: ValidationError, data: Any, origin: Origin, root: type[BaseModel]
) -> list[Finding]:
    grouped: dict[tuple[Loc, str], list[Any]] = {}
    for err in exc.errors():
        loc, missing_key = _data_loc(err["loc"], data, err["type"])
        kind = err["type"]
        group = "type" if kind in _EXPECTED else kind
        grouped.setdefault((loc + ((missing_key,) if missing_key else ()), group), []).append(err)
    out: list[Finding] = []
    for (loc, group), errs in grouped.items():
        out.append(_one_finding(loc, group, errs, data, origin, root))
    out.sort(key=lambda f: (f.line or 0, f.column or 0))
    return out


def _one_finding(
    loc: Loc,
    group: str,
    errs: list[dict[str, Any]],
    data: Any,
    origin: Origin,
    root: type[BaseModel],
) -> Finding:
    err = errs[0]
    where = _describe(loc, data)
    ctx = err.get("ctx") or {}
    if group == "extra_forbidden":
        key = str(loc[-1])
        valid = _keys_at(root, loc[:-1])
        close = difflib.get_close_matches(key, valid, n=1, cutoff=0.6)
        fix = f"did you mean {close[0]!r}?" if close else "remove it."
        if valid:
            fix += " Valid keys here: " + ", ".join(valid)
        return _positioned(
            "schema.unknown-key",
            f"unknown key {key!r} in {_describe(loc[:-1], data)}",
            fix,
            origin,
            loc,
            key=True,
        )
    if group == "missing":
        key = str(loc[-1])
        return _positioned(
            "schema.missing",
            f"{_describe(loc[:-1], data)} needs {key!r}",
            f"add `{key}: ...` here",
            origin,
            loc[:-1],
        )
    if group in ("path_pattern",):
        return _positioned(
            "pattern.invalid",
            f"{where}: {ctx.get('message', err['msg'])}",
            str(ctx.get("fix", "")),
            origin,
            loc,
        )
    if group in ("duration", "budget_limit", "escalation_target"):
        return _positioned(
            "schema.value",
            f"{where}: {ctx.get('message', err['msg'])}",
            str(ctx.get("fix", "")),
            origin,
            loc,
        )
    if group == "type":
        found = {_EXPECTED[e["type"]] for e in errs if e["type"] in _EXPECTED}
        expected = [x for x in _EXPECTED_ORDER if x in found]
        value = err.get("input")
        return _positioned(
            "schema.type",
            f"{where}: expected {' or '.join(expected)}, found {_describe_value(value)}",
            _type_fix(loc, expected[0], value),
            origin,
            loc,
        )
    if group == "literal_error":
        allowed = str(ctx.get("expected", ""))
        value = err.get("input")
        on_key = str(err["loc"][-1]) == "[key]"
        if loc and loc[-1] == "schema":
            return _positioned(
                "schema.version",
                f"{where}: expected {allowed}, found {_describe_value(value)}",
                f"write schema: {POLICY_SCHEMA if root is PolicyDocument else EXCEPTION_SCHEMA}",
                origin,
                loc,
            )
        options = [o.strip().strip("'") for o in allowed.replace(" or ", ", ").split(",")]
        close = difflib.get_close_matches(str(value), options, n=1, cutoff=0.5)
        fix = f"did you mean {close[0]!r}?" if close else f"use one of {allowed}"
        shown = f"key {value!r}" if on_key else _describe_value(value)
        return _positioned(
            "schema.value",
            f"{where}: {shown} is not one of {allowed}",
            fix,
            origin,
            loc,
            key=on_key,
        )
    if group == "string_pattern_mismatch":
        return _positioned(
            "schema.value",
            f"{where}: {_describe_value(err.get('input'))} is not a valid {_field_name(loc)}",
            "ids use letters, digits, '.', '_' and '-', starting with a letter or digit; "
            "emails look like name@example.com",
            origin,
            loc,
        )
    return _positioned("schema.value", f"{where}: {err['msg']}", _generic_fix(err), origin, loc)


_EXPECTED_ORDER = [
    "text",
    "a whole number",
    "true or false",
    "a date (YYYY-MM-DD)",
    "a list",
    "a mapping (key: value lines)",
    "nothing (null)",
]


def _type_fix(loc: Loc, expected: str, value: Any) -> str:
    field = next((p for p in reversed(loc) if isinstance(p, str)), "")
    if field == "respond_within":
        return "write a number and a unit: 15m, 4h or 2d"
    if expected == "a list" and isinstance(value, (str, int, float)):
        text = str(value)
        plain = re.fullmatch(r"[A-Za-z0-9_/.-]+", text) and not text.startswith(("-", "."))
        return f"write a list: [{text if plain else json.dumps(text)}]"
    if expected == "text" and isinstance(value, (int, float, bool)):
        return f"quote it: {field}: '{value}'" if field else "quote it"
    return f"write {expected} here"


def _generic_fix(err: Any) -> str:
    kind = err["type"]
    ctx = err.get("ctx") or {}
    if kind in ("greater_than_equal", "greater_than"):
        return (
            f"use a number {'>=' if kind.endswith('equal') else '>'} {ctx.get('ge', ctx.get('gt'))}"
        )
    if kind in ("less_than_equal", "less_than"):
        return f"use a number <= {ctx.get('le', ctx.get('lt'))}"
    if kind in ("too_short", "string_too_short"):
        return "this may not be empty"
    if kind in ("too_long", "string_too_long"):
        return "shorten it"
    return "correct the value"


def _field_name(loc: Loc) -> str:
    for part in reversed(loc):
        if isinstance(part, str):
            return {"emails": "email", "id": "id"}.get(part, part)
    return "value"


def _data_loc(loc: tuple[Any, ...], data: Any, kind: str) -> tuple[Loc, str | None]:
    """The part of pydantic's error location that exists in the data (union tags dropped).

    For a missing key, also the key's name (it is, by definition, not in the data).
    """
    out: list[str | int] = []
    cur = data
    for i, part in enumerate(loc):
        if isinstance(cur, dict) and isinstance(part, str) and part in cur:
            out.append(part)
            cur = cur[part]
            continue
        if isinstance(cur, list) and isinstance(part, int) and 0 <= part < len(cur):
            out.append(part)
            cur = cur[part]
            continue
        if (
            kind == "missing"
            and isinstance(part, str)
            and isinstance(cur, dict)
            and i == len(loc) - 1
        ):
            return tuple(out), part
        break
    return tuple(out), None


def _describe(loc: Loc, data: Any) -> str:
    """`workflows[payments-config].accountable`: list items named by their id when they have one."""
    text = ""
    cur = data
    for part in loc:
        if isinstance(part, int):
            item = cur[part] if isinstance(cur, list) and part < len(cur) else None
            ident = item.get("id") if isinstance(item, dict) else None
            text += f"[{ident}]" if isinstance(ident, str) else f"[#{part + 1}]"
            cur = item
        else:
            text += f".{part}" if text else part
            cur = cur.get(part) if isinstance(cur, dict) else None
    return text or "the document"


def _describe_value(value: Any) -> str:
    if value is None:
        return "nothing (null)"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, dict):
        return "a mapping"
    if isinstance(value, list):
        return "a list"
    text = repr(value)
    return text if len(text) <= 60 else text[:57] + "...'"


def _keys_at(root: type[BaseModel], loc: Loc) -> list[str]:
    """The keys the schema allows at `loc` (for suggesting the nearest one)."""
    model: Any = root
    for part in loc:
        if isinstance(part, int):
            model = _unwrap(model, list)
            continue
        if not (isinstance(model, type) and issubclass(model, BaseModel)):
            model = _unwrap(model, dict)
            continue
        field = _field_by_alias(model, part)
        if field is None:
            return []
        model = field.annotation
    model = _unwrap(model, None)
    if isinstance(model, type) and issubclass(model, BaseModel):
        return [f.alias or name for name, f in model.model_fields.items()]
    return []


def _field_by_alias(model: type[BaseModel], key: str) -> Any:
    for name, f in model.model_fields.items():
        if (f.alias or name) == key:
            return f
    return None


def _unwrap(tp: Any, container: type | None) -> Any:
    """Strip Optional/Annotated; step into list/dict element types when asked."""
    for _ in range(6):
        origin = typing.get_origin(tp)
        args = typing.get_args(tp)
        if origin is typing.Annotated:
            tp = args[0]
        elif origin in (typing.Union, types.UnionType):
            models = [a for a in args if isinstance(a, type) and issubclass(a, BaseModel)]
            containers = [a for a in args if typing.get_origin(a) in (list, dict)]
            tp = models[0] if models else containers[0] if containers else args[0]
        elif container is list and origin is list:
            return args[0]
        elif container is dict and origin is dict:
            return args[1]
        else:
            return tp
    return tp


# -- reading files ----------------------------------------------------------------------------


def _is_yaml(name: str) -> bool:
    return name.endswith((".yaml", ".yml"))


def _is_bare(repo: Repo) -> bool:
    return repo.run_text("rev-parse", "--is-bare-repository", check=False).strip() == "true"


def _too_large(file: str, size: int, limits: Limits) -> PolicyError:
    return PolicyError(
        [
            Finding(
                "yaml.too-large",
                f"{file} is {size} bytes (limit {limits.max_bytes})",
                "a policy file this large is not hand-written policy; remove what is not policy",
                file,
            )
        ]
    )


def _too_many(file: str) -> PolicyError:
    return PolicyError(
        [
            Finding(
                "yaml.too-large",
                f"more than {MAX_EXCEPTION_FILES} exception files in {EXCEPTIONS_DIR}/",
                "delete expired exceptions; git history keeps them",
                file,
            )
        ]
    )


def _unreadable(shown: str, exc: OSError) -> PolicyError:
    return PolicyError(
        [
            Finding(
                "file.unreadable",
                f"cannot read {shown}: {exc.strerror}",
                "check permissions",
                shown,
            )
        ]
    )


def _read_file(path: Path, shown: str, limits: Limits) -> bytes | None:
    try:
        size = path.stat().st_size
    except FileNotFoundError:
        return None
    except OSError as exc:
        raise _unreadable(shown, exc) from None
    if size > limits.max_bytes:
        raise _too_large(shown, size, limits)
    try:
        data = read_prefix(path, limits.max_bytes)  # a device or a growing file: never more
    except OSError as exc:
        raise _unreadable(shown, exc) from None
    if len(data) > limits.max_bytes:
        raise _too_large(shown, len(data), limits)
    return data


def _read_blob(repo: Repo, sha: str, path: str, limits: Limits, rev: str) -> bytes | None:
    """The blob at `rev:path`, its size checked before a byte of it is read; None if absent."""
    spec = f"{sha}:{path}"
    out = repo.run("cat-file", "--batch-check", input=f"{spec}\n".encode(), check=False)
    parts = out.decode("utf-8", "replace").split()
    if len(parts) != 3 or parts[1] != "blob":
        return None
    size = int(parts[2])
    if size > limits.max_bytes:
        raise _too_large(f"{path} at {rev}", size, limits)
    return repo.run("cat-file", "blob", parts[0])
