"""Cutting a stream into lists of a bounded size (`itertools.batched` arrived in Python 3.12).

Used wherever work is done a batch at a time: SQLite's limit on bound parameters, the server
push's transactions, `explain`'s lookups. No Signoff imports: it sits at the bottom.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from typing import TypeVar

T = TypeVar("T")


def batched(items: Iterable[T], size: int) -> Iterator[list[T]]:
    """Lists of `size` items in order (the last one shorter); never an empty list."""
    if size < 1:
        raise ValueError("batch size must be at least 1")
    batch: list[T] = []
    for item in items:
        batch.append(item)
        if len(batch) >= size:
            yield batch
            batch = []
    if batch:
        yield batch
