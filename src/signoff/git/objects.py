"""Object sizes without reading the objects: one `cat-file --batch-check` for many specs."""

from __future__ import annotations

from collections.abc import Iterable

from signoff.git.repo import Repo


def blob_sizes(repo: Repo, specs: Iterable[str]) -> dict[str, int]:
    """Size in bytes of each `rev:path` (or object id) that names a blob; others are left out."""
    wanted = list(dict.fromkeys(specs))
    if not wanted:
        return {}
    out = repo.run(
        "cat-file",
        "--batch-check=%(objecttype) %(objectsize)",
        input=("\n".join(wanted) + "\n").encode("utf-8", "surrogateescape"),
    )
    sizes: dict[str, int] = {}
    for spec, line in zip(wanted, out.decode().splitlines(), strict=False):
        kind, _, size = line.partition(" ")
        if kind == "blob" and size.isdigit():
            sizes[spec] = int(size)
    return sizes
