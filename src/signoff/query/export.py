"""`signoff export`: one row per commit with every field `explain --json` gives, for people who
feed provenance into their own tools (JSON lines or CSV).

Rows come from `answer_commits`, so a whole history is exported at index speed. CSV cells that
a spreadsheet would run as a formula are defused (see `csv_safe`).
"""

from __future__ import annotations

import csv
import json
from collections.abc import Iterable, Iterator
from typing import IO, Any, Literal

from signoff.errors import SignoffError
from signoff.git.repo import GitError, Repo
from signoff.jsonsafe import escape_invisible
from signoff.query.explain import MergeOf, answer_commits
from signoff.query.lookup import ProvenanceLookup

Format = Literal["jsonl", "csv", "cyclonedx"]
SCHEMA = "signoff/export/v1"
# One level of these objects becomes columns (`provenance.status`); deeper values and lists are
# JSON text in their cell, so the header never depends on which commits a history holds.
EXPANDED = ("author", "committer", "provenance", "review", "ownership", "ownership_now", "lines")
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def export_rows(
    repo: Repo,
    revs: list[str] | None = None,
    *,
    use_index: bool = True,
    merge_of: MergeOf | None = None,
) -> Iterator[dict[str, Any]]:
    """Every commit `git log REVS` lists (default HEAD), newest first, as `explain --json`
    describes it (the objects of its `commits` list; `review.merge` only with `merge_of`)."""
    revs = revs or ["HEAD"]
    _check_revs(repo, revs)
    with ProvenanceLookup(repo, use_index=use_index) as lookup:
        for answer in answer_commits(repo, lookup, revs, [], merge_of=merge_of):
            yield answer.to_json()


def _check_revs(repo: Repo, revs: list[str]) -> None:
    """A clear error for a revision git cannot list, before any output is written."""
    if repo.head() is None:
        raise SignoffError("this repository has no commits yet", "make a first commit, then export")
    try:
        repo.run("rev-list", "-n1", "--end-of-options", *revs, "--")
    except GitError as exc:
        raise SignoffError(
            f"cannot list {' '.join(revs)}: {exc.message}",
            "give revisions git log accepts, e.g. HEAD or v1.0..main",
        ) from exc


def write_jsonl(rows: Iterable[dict[str, Any]], out: IO[str]) -> int:
    """One versioned JSON document per line (`signoff/export/v1`); returns the row count."""
    encode = json.JSONEncoder(ensure_ascii=False, default=str).encode
    count = 0
    for row in rows:
        out.write(escape_invisible(encode({"schema": SCHEMA, **row})) + "\n")
        count += 1
    return count


def flatten(row: dict[str, Any]) -> dict[str, Any]:
    """A commit document as CSV columns: `EXPANDED` objects one level deep, the rest as is."""
    flat: dict[str, Any] = {}
    for key, value in row.items():
        if key in EXPANDED:
            for sub, inner in (value or {}).items():
                flat[f"{key}.{sub}"] = inner
        else:
            flat[key] = value
    return flat


def csv_safe(value: Any) -> str:
    """A cell's text: lists, objects as JSON; None empty; text a spreadsheet would evaluate
    (starting with = + - @, tab or carriage return) prefixed with a quote so it stays text."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (list, dict)):
        text = json.dumps(value, ensure_ascii=False, separators=(",", ":"), default=str)
    else:
        text = str(value)
    return "'" + text if text.startswith(_FORMULA_START) else text


def write_csv(rows: Iterable[dict[str, Any]], out: IO[str]) -> int:
    """A header and one row per commit; returns the row count."""
    writer = csv.writer(out)  # RFC 4180: CRLF rows, so a CR or LF inside a cell is quoted
    header: list[str] | None = None
    count = 0
    for row in rows:
        flat = flatten(row)
        if header is None:
            header = list(flat)
            writer.writerow(header)
        writer.writerow([csv_safe(flat.get(col)) for col in header])
        count += 1
    return count


def export(
    repo: Repo,
    out: IO[str],
    revs: list[str] | None = None,
    *,
    fmt: Format = "jsonl",
    use_index: bool = True,
) -> int:
    """Write the export of `revs` to `out` in `fmt`; returns how many commits were written."""
    rows = export_rows(repo, revs, use_index=use_index)
    if fmt == "cyclonedx":
        return write_cyclonedx(repo, rows, out, revs)
    return write_csv(rows, out) if fmt == "csv" else write_jsonl(rows, out)


def write_cyclonedx(
    repo: Repo, rows: Iterable[dict[str, Any]], out: IO[str], revs: list[str] | None = None
) -> int:
    """One CycloneDX 1.6 BOM: the repository, its AI-assisted commits as pedigree, and the
    `cdx:ai:*` and `signoff:*` properties (`signoff.query.cyclonedx`); returns the commit count."""
    from signoff.query.cyclonedx import bom, prop, provenance_properties

    listed = list(rows)
    props, pedigree = provenance_properties(listed)
    tip = repo.resolve((revs or ["HEAD"])[-1].split("..")[-1] or "HEAD")
    props.append(prop("signoff:revisions", " ".join(revs or ["HEAD"])))
    doc = bom(repo.root.name, tip, props, pedigree)
    out.write(json.dumps(doc, ensure_ascii=False, indent=2) + "\n")
    return len(listed)
