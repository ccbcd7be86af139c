"""Reading and writing the reviewed record files under `.signoff/` (incidents, budget overrides).

Reads go through the policy's safe YAML loader, so a malformed record is reported the same way
a malformed policy is: every problem with file, line, column and the fix, never a traceback.
Reads can come from the work tree or from a commit (the gate reads the target branch, so a
change cannot delete the incident that blocks it). Writes are atomic (temp file, then rename)
and edit the file in place, keeping the comments and key order a reviewer wrote.
"""

from __future__ import annotations

import io
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path, PurePosixPath
from typing import Any, Generic, TypeVar

from pydantic import BaseModel, ValidationError
from ruamel.yaml import YAML

from signoff.errors import SignoffError, shown
from signoff.files import read_prefix, write_atomic
from signoff.git.notes import cat_blobs
from signoff.git.repo import Repo
from signoff.incidents.model import (
    ATTESTATION_SCHEMA,
    INCIDENT_SCHEMA,
    OVERRIDE_SCHEMA,
    Attestation,
    BudgetOverride,
    Incident,
)
from signoff.policy.findings import Finding
from signoff.policy.load import _validation_findings, read_yaml
from signoff.policy.registry import Origin
from signoff.policy.yamlsafe import Limits

INCIDENTS_DIR = ".signoff/incidents"
OVERRIDES_DIR = ".signoff/budget-overrides"
ATTESTATIONS_DIR = ".signoff/attestations"
RECORD_LIMITS = Limits(max_bytes=256 * 1024, max_nodes=20_000)
MAX_RECORDS = 5000

_M = TypeVar("_M", bound=BaseModel)

# pydantic error types whose fix the shared converter does not know
_FIXES = {
    "timezone_aware": "add a UTC offset: 2026-03-01T14:05:00+00:00 (or Z)",
    "datetime_parsing": "write a time as 2026-03-01T14:05:00+00:00",
    "datetime_type": "write a time as 2026-03-01T14:05:00+00:00",
    "datetime_from_date_parsing": "write a time as 2026-03-01T14:05:00+00:00",
}


_GENERIC_FIXES = ("correct the value", "write text here")


class RecordError(SignoffError):
    """One or more record files could not be read; each problem carries its position and fix."""

    def __init__(self, findings: list[Finding]) -> None:
        self.findings = findings
        lines = [f"{len(findings)} problem(s) in Signoff record files:"]
        for f in findings:
            lines.append(f"  {f.where()}: {f.message} [{f.rule}]")
            lines.append(f"      fix: {f.fix}")
        super().__init__("\n".join(lines), "fix the problems above; git history keeps old versions")


@dataclass(frozen=True, slots=True)
class Loaded(Generic[_M]):
    record: _M
    file: str  # path relative to the repository root


def _is_yaml(name: str) -> bool:
    return name.endswith((".yaml", ".yml"))


def _files(repo: Repo, folder: str, rev: str | None) -> Iterator[tuple[str, bytes]]:
    """(relative path, bytes) of every YAML file in `folder`, from the work tree or `rev`."""
    if rev is None:
        root = repo.root / folder
        if not root.is_dir():
            return
        for n, item in enumerate(sorted(root.iterdir())):
            if n >= MAX_RECORDS:
                raise SignoffError(
                    f"more than {MAX_RECORDS} files in {folder}/", "archive old ones"
                )
            if item.is_file() and _is_yaml(item.name):
                yield f"{folder}/{item.name}", read_prefix(item, RECORD_LIMITS.max_bytes)
        return
    sha = repo.require_commit(rev)
    listing = repo.run("ls-tree", "-z", sha, "--", f"{folder}/", check=False)
    blobs: dict[str, str] = {}  # path -> blob id, read together through one cat-file
    for entry in listing.split(b"\x00"):
        meta, _, name = entry.partition(b"\t")
        path = name.decode("utf-8", "surrogateescape")
        parts = meta.split()
        if not entry or parts[1:2] != [b"blob"] or not _is_yaml(path):
            continue
        if len(blobs) >= MAX_RECORDS:
            raise SignoffError(f"more than {MAX_RECORDS} files in {folder}/", "archive old ones")
        blobs[path] = parts[2].decode()
    data = cat_blobs(repo, blobs.values())
    for path, oid in blobs.items():
        if oid in data:
            yield path, data[oid]


def parse_record(
    model: type[_M], schema: str, file: str, blob: bytes | str, problems: list[Finding]
) -> _M | None:
    """Validate one record file; problems (positioned) are appended, None returned."""
    data, source = read_yaml(blob, file, RECORD_LIMITS, problems)
    if source is None:
        return None
    origin = Origin(file, source)
    if not isinstance(data, dict):
        problems.append(
            Finding(
                "schema.empty",
                f"{file} must be a mapping",
                f"start it with `schema: {schema}`",
                file,
                1,
                1,
            )
        )
        return None
    if data.get("schema") != schema:
        mark = origin.mark(("schema",))
        problems.append(
            Finding(
                "schema.version",
                f"schema is {shown(data.get('schema'))}, not '{schema}'",
                f"write schema: {schema}",
                file,
                mark.line if mark else 1,
                mark.column if mark else 1,
            )
        )
        return None
    stem = PurePosixPath(file).stem
    if "id" not in data and "id" in model.model_fields and model is not Incident:
        data = {**data, "id": stem}
    try:
        record = model.model_validate(data)
    except ValidationError as exc:
        found = _validation_findings(exc, data, origin, model)
        # the shared converter gives a generic fix for errors it does not know; name the real one
        for i, f in enumerate(found):
            for err in exc.errors():
                fix = _FIXES.get(err["type"]) or (err.get("ctx") or {}).get("fix")
                if fix and f.fix in _GENERIC_FIXES and str(err["msg"]) in f.message:
                    found[i] = Finding(f.rule, f.message, str(fix), f.file, f.line, f.column)
                    break
        problems += found
        return None
    if getattr(record, "id", stem) != stem:
        mark = origin.mark(("id",))
        problems.append(
            Finding(
                "schema.value",
                f"id {getattr(record, 'id', None)!r} does not match the file name {stem!r}",
                f"rename the file to {getattr(record, 'id', stem)}.yaml, or fix the id",
                file,
                mark.line if mark else None,
                mark.column if mark else None,
            )
        )
        return None
    return record


def _load_all(
    repo: Repo, folder: str, model: type[_M], schema: str, rev: str | None
) -> list[Loaded[_M]]:
    problems: list[Finding] = []
    out: list[Loaded[_M]] = []
    for file, blob in _files(repo, folder, rev):
        record = parse_record(model, schema, file, blob, problems)
        if record is not None:
            out.append(Loaded(record, file))
    if problems:
        raise RecordError(problems)
    return out


def load_incidents(repo: Repo, rev: str | None = None) -> list[Incident]:
    """Every incident, oldest start first; from the work tree, or as committed at `rev`."""
    loaded = _load_all(repo, INCIDENTS_DIR, Incident, INCIDENT_SCHEMA, rev)
    return sorted((x.record for x in loaded), key=lambda i: (i.started, i.id))


def load_overrides(repo: Repo, rev: str | None = None) -> list[BudgetOverride]:
    """Every recorded budget override (expired ones included; callers judge the dates)."""
    return [x.record for x in _load_all(repo, OVERRIDES_DIR, BudgetOverride, OVERRIDE_SCHEMA, rev)]


def load_attestations(repo: Repo, rev: str | None = None) -> list[Attestation]:
    """Every understanding attestation in `.signoff/attestations/`."""
    loaded = _load_all(repo, ATTESTATIONS_DIR, Attestation, ATTESTATION_SCHEMA, rev)
    return [x.record for x in loaded]


def next_numbered(repo: Repo, folder: str, prefix: str) -> str:
    """PREFIX-0001, PREFIX-0002, ...: one past the highest numbered file in `folder`."""
    numbers = [0]
    root = repo.root / folder
    if root.is_dir():
        for item in root.iterdir():
            stem = item.stem
            if stem.startswith(prefix + "-") and stem[len(prefix) + 1 :].isdigit():
                numbers.append(int(stem[len(prefix) + 1 :]))
    return f"{prefix}-{max(numbers) + 1:04d}"


def get_incident(repo: Repo, incident_id: str) -> Incident:
    """One incident from the work tree, by id."""
    path = incident_path(repo, incident_id)
    if not path.is_file():
        known = [i.id for i in load_incidents(repo)]
        raise SignoffError(
            f"no incident {incident_id} in {INCIDENTS_DIR}/",
            ("known: " + ", ".join(known[-8:])) if known else "open one: signoff incident open",
        )
    problems: list[Finding] = []
    record = parse_record(
        Incident,
        INCIDENT_SCHEMA,
        f"{INCIDENTS_DIR}/{path.name}",
        read_prefix(path, RECORD_LIMITS.max_bytes),
        problems,
    )
    if record is None:
        raise RecordError(problems)
    return record


_ID = re.compile(r"^INC-[0-9A-Za-z][0-9A-Za-z-]{0,40}$")


def incident_path(repo: Repo, incident_id: str) -> Path:
    """The record's file; ids are checked first, so no id can name a path outside the folder."""
    if not _ID.match(incident_id):
        raise SignoffError(
            f"{incident_id!r} is not an incident id",
            "ids look like INC-0007 (see signoff incident list)",
        )
    return repo.root / INCIDENTS_DIR / f"{incident_id}.yaml"


def next_incident_id(repo: Repo) -> str:
    """INC-0001, INC-0002, ...: one past the highest numbered incident file."""
    return next_numbered(repo, INCIDENTS_DIR, "INC")


# -- writing ----------------------------------------------------------------------------------


def _rt_yaml() -> YAML:
    yaml = YAML(typ="rt")
    yaml.default_flow_style = False
    yaml.width = 100
    yaml.indent(mapping=2, sequence=4, offset=2)
    return yaml


def to_plain(record: BaseModel) -> dict[str, Any]:
    """The record as the data written to its file: aliases, no empty optional fields."""
    data: dict[str, Any] = record.model_dump(mode="json", by_alias=True, exclude_none=True)
    return {k: v for k, v in data.items() if v not in ([], "") or k == "schema"}


def write_record(
    path: Path,
    model: type[_M],
    schema: str,
    edit: Callable[[dict[str, Any]], None],
    *,
    create: bool = False,
) -> _M:
    """Apply `edit` to the file's data (kept as written: comments, order), validate, replace.

    Nothing is written unless the result validates, so a bad edit never corrupts a record.
    """
    yaml = _rt_yaml()
    if create:
        if path.exists():
            raise SignoffError(f"{path.name} already exists", "pick another id")
        data: Any = {}
    else:
        data = yaml.load(path.read_text(encoding="utf-8"))
    edit(data)
    buf = io.StringIO()
    yaml.dump(data, buf)
    text = buf.getvalue()
    problems: list[Finding] = []
    shown = f"{path.parent.parent.name}/{path.parent.name}/{path.name}"
    record = parse_record(model, schema, shown, text, problems)
    if record is None:
        raise RecordError(problems)
    path.parent.mkdir(parents=True, exist_ok=True)
    try:
        # a new record is linked into place: it fails if someone else created it meanwhile
        write_atomic(path, text, exclusive=create)
    except FileExistsError:
        raise SignoffError(
            f"{path.name} was created by someone else just now", "run the command again"
        ) from None
    return record
