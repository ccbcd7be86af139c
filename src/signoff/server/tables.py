"""The pages' tables: sorted on the server (`?sort=TABLE.COLUMN&dir=asc|desc`, links that work
without JavaScript, `aria-sort` on the sorted header) and exported as CSV from the same rows.

CSV cells go through the export's `csv_safe`, so a commit subject or a name that starts like a
spreadsheet formula stays text.
"""

from __future__ import annotations

import csv
import io
import urllib.parse
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from signoff.query.export import csv_safe


@dataclass(frozen=True, slots=True)
class Column:
    key: str
    label: str
    numeric: bool = False
    link: str | None = None  # the row field holding this cell's href
    pct: bool = False  # a ratio (0..1) shown as a percentage; the CSV keeps the ratio


@dataclass(slots=True)
class Table:
    id: str
    caption: str
    columns: list[Column]
    rows: list[dict[str, Any]]
    empty: str = "Nothing to show."
    sort: str | None = None  # column key the rows are sorted by
    descending: bool = False
    query: dict[str, str] = field(default_factory=dict)  # the page's other parameters
    shown: int = 500  # rows rendered on the page; the CSV has them all
    # how many rows there are when `rows` holds only the first ones (a page of a long table
    # read in its default order; sorting or the CSV reads them all)
    total: int | None = None

    @property
    def visible(self) -> list[dict[str, Any]]:
        return self.rows[: self.shown]

    @property
    def count(self) -> int:
        return len(self.rows) if self.total is None else self.total

    def apply(self, params: Mapping[str, str]) -> Table:
        """Sort by `sort=ID.KEY` and `dir` when they name this table; keep the other params."""
        self.query = {k: v for k, v in params.items() if k not in ("sort", "dir", "format")}
        table, _, key = params.get("sort", "").partition(".")
        if table == self.id and any(c.key == key for c in self.columns):
            self.sort, self.descending = key, params.get("dir") == "desc"
            self.rows = sort_rows(self.rows, key, self.descending)
        return self

    def href(self, **extra: str) -> str:
        return "?" + urllib.parse.urlencode({**self.query, **extra})

    def headers(self) -> list[dict[str, Any]]:
        """Each column's label, the link that sorts by it, and its aria-sort."""
        out = []
        for c in self.columns:
            current = self.sort == c.key
            ascending_next = not current or self.descending
            out.append(
                {
                    "column": c,
                    "href": self.href(
                        sort=f"{self.id}.{c.key}", dir="asc" if ascending_next else "desc"
                    ),
                    "aria_sort": ("descending" if self.descending else "ascending")
                    if current
                    else None,
                    "next": "ascending" if ascending_next else "descending",
                }
            )
        return out

    def csv_href(self) -> str:
        extra = {"format": "csv", "table": self.id}
        if self.sort:
            extra |= {"sort": f"{self.id}.{self.sort}", "dir": "desc" if self.descending else "asc"}
        return self.href(**extra)

    def csv(self) -> str:
        buf = io.StringIO()
        writer = csv.writer(buf)
        writer.writerow([c.label for c in self.columns])
        for row in self.rows:
            writer.writerow([csv_safe(row.get(c.key)) for c in self.columns])
        return buf.getvalue()


def _key(value: Any) -> tuple[int, Any]:
    if value is None or value == "":
        return (2, "")
    if isinstance(value, bool):
        return (0, int(value))
    if isinstance(value, (int, float)):
        return (0, value)
    return (1, str(value).casefold())


def sort_rows(rows: Sequence[dict[str, Any]], key: str, descending: bool) -> list[dict[str, Any]]:
    """Rows by `key`, empty cells last in either direction (stable, so ties keep their order)."""
    filled = [r for r in rows if r.get(key) not in (None, "")]
    blank = [r for r in rows if r.get(key) in (None, "")]
    return sorted(filled, key=lambda r: _key(r.get(key)), reverse=descending) + blank
