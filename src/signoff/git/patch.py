"""Reading what `git diff --raw` and a `-U0` patch say: blob ids, paths and added lines per file.

Standard library only, no `re` and no dataclasses: the commit hooks read a commit's diff with it
(`signoff.recording.attribute`), and `signoff.git.diff` builds its `FileDiff`s on it.

Paths are never parsed out of the patch text: git appends a tab to a `+++ b/a b` line whose
path has a space and C-quotes paths with tabs, quotes or backslashes, so a patch line cannot say
where a path ends. The `-z` listing gives each path verbatim; the patch's `diff --git` headers are
matched to it by quoting the listed paths the way git does.
"""

from __future__ import annotations

_C_ESCAPES = {7: b"\\a", 8: b"\\b", 9: b"\\t", 10: b"\\n", 11: b"\\v", 12: b"\\f", 13: b"\\r"}
ZERO_OID = "0" * 40


def quote_path(raw: bytes) -> bytes:
    """A path as git writes it in a patch header with core.quotePath=false (C-quoted if needed)."""
    out = bytearray()
    quoted = False
    for byte in raw:
        if byte in (0x22, 0x5C):  # " and \
            out += b"\\" + bytes([byte])
            quoted = True
        elif byte < 0x20 or byte == 0x7F:
            out += _C_ESCAPES.get(byte, b"\\%03o" % byte)
            quoted = True
        else:
            out.append(byte)
    return b'"' + bytes(out) + b'"' if quoted else bytes(out)


class Change:
    """One file of a `--raw` listing: status letter, paths, blob ids (None when absent)."""

    __slots__ = ("added", "binary", "blob", "old_blob", "old_path", "path", "status")

    def __init__(
        self, status: str, old_path: str, path: str, old_blob: str | None, blob: str | None
    ) -> None:
        self.status = status
        self.old_path = old_path
        self.path = path
        self.old_blob = old_blob
        self.blob = blob
        self.binary = False
        self.added: dict[int, str] = {}


def read_listing(out: bytes) -> tuple[list[tuple[str, bytes, bytes, str, str]], int]:
    """(status, old path, new path, old blob, new blob) per entry of a `-z --raw` listing, and
    the offset where the listing ends (a patch may follow it)."""
    entries: list[tuple[str, bytes, bytes, str, str]] = []
    pos = 0
    size = len(out)
    while pos < size and out[pos : pos + 1] == b":":
        end = out.find(b"\0", pos)
        if end < 0:
            break
        meta = out[pos + 1 : end].split(b" ")
        status = meta[-1][:1].decode("ascii", "replace")
        old_blob, new_blob = meta[2].decode("ascii"), meta[3].decode("ascii")
        first = out.find(b"\0", end + 1)
        if first < 0:
            break
        old = new = out[end + 1 : first]
        pos = first + 1
        if status in ("R", "C"):
            second = out.find(b"\0", pos)
            if second < 0:
                break
            new = out[pos:second]
            pos = second + 1
        entries.append((status, old, new, old_blob, new_blob))
    return entries, pos


def read_added(
    patch: bytes, entries: list[tuple[str, bytes, bytes]]
) -> list[tuple[bool, dict[int, str]]]:
    """(binary, added lines by 1-based new line number) per listed file, from a `-U0` patch
    whose sections follow the listing's order (a type change has two sections)."""
    found: list[tuple[bool, dict[int, str]]] = [(False, {}) for _ in entries]
    headers = [
        b"diff --git " + quote_path(b"a/" + old) + b" " + quote_path(b"b/" + new)
        for _, old, new in entries
    ]
    current: dict[int, str] | None = None
    index = at = 0
    line_no = 0
    in_header = False
    for raw in patch.split(b"\n"):
        if raw.startswith(b"diff --git "):
            current = None
            for j in range(at, len(headers)):
                if headers[j] == raw:
                    at = index = j
                    current = found[j][1]
                    break
            in_header = True
            continue
        if current is None:
            continue
        if in_header:
            if raw.startswith(b"Binary files ") or raw == b"GIT binary patch":
                found[index] = (True, current)
                continue
            if not raw.startswith(b"@@"):
                continue
            in_header = False
        if raw.startswith(b"@@ "):
            line_no = _hunk_start(raw)
            continue
        if raw.startswith(b"+"):
            current[line_no] = raw[1:].decode("utf-8", "replace")
            line_no += 1
    return found


def _hunk_start(header: bytes) -> int:
    """The first new line number of a hunk header `@@ -a[,b] +c[,d] @@`."""
    parts = header.split(b" ", 3)
    if len(parts) < 3 or not parts[2].startswith(b"+"):
        return 0
    number = parts[2][1:].split(b",", 1)[0]
    return int(number) if number.isdigit() else 0


def read_raw_patch(out: bytes) -> list[Change]:
    """The files of `git diff-tree -r -z --raw -p -U0 ...` output: listing, then the patch."""
    entries, end = read_listing(out)
    changes = [
        Change(
            status,
            old.decode("utf-8", "surrogateescape"),
            new.decode("utf-8", "surrogateescape"),
            None if old_blob == ZERO_OID or status == "A" else old_blob,
            None if new_blob == ZERO_OID or status == "D" else new_blob,
        )
        for status, old, new, old_blob, new_blob in entries
    ]
    added = read_added(out[end:].lstrip(b"\0"), [(s, o, n) for s, o, n, _, _ in entries])
    for change, (binary, lines) in zip(changes, added, strict=True):
        change.binary = binary
        change.added = lines
    return changes
