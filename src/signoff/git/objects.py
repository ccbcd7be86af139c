"""Object lookups in bulk: which `rev:path` names exist, and their sizes, from one `cat-file`."""

from __future__ import annotations

from collections.abc import Iterable

from signoff.git.repo import Repo


def object_ids(repo: Repo, specs: list[str]) -> list[str | None]:
    """The object id each spec (`rev:path`, a sha) names, in order; None where it names none."""
    if not specs:
        return []
    out = repo.run(
        "cat-file", "--batch-check", "--buffer", input=("\n".join(specs) + "\n").encode()
    )
    ids: list[str | None] = []
    for line in out.decode("utf-8", "replace").splitlines():
        parts = line.split()
        ids.append(parts[0] if len(parts) == 3 else None)
    return ids


def binary_blobs(repo: Repo, ids: list[str], *, sniff: int = 8000) -> tuple[set[str], set[str]]:
    """Which of the blob `ids` are binary (a NUL in the first `sniff` bytes, git's own test)
    and which are missing from the clone: one `cat-file --batch` streams them all."""
    import threading

    binary: set[str] = set()
    missing: set[str] = set()
    if not ids:
        return binary, missing
    proc = repo.popen(["cat-file", "--batch"], stdin=True)
    assert proc.stdin is not None and proc.stdout is not None

    def feed() -> None:
        assert proc.stdin is not None
        try:
            proc.stdin.write(("\n".join(ids) + "\n").encode())
        finally:
            proc.stdin.close()

    writer = threading.Thread(target=feed, daemon=True)
    writer.start()
    out = proc.stdout
    for wanted in ids:
        header = out.readline().split()
        if len(header) != 3:
            missing.add(wanted)
            continue
        size = int(header[2])
        head = out.read(min(size, sniff))
        if b"\x00" in head:
            binary.add(wanted)
        rest = size - len(head)
        while rest > 0:
            rest -= len(out.read(min(rest, 1 << 20)))
        out.read(1)  # the newline after each object
    writer.join()
    proc.wait()
    return binary, missing


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
