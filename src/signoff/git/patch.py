"""Reading what `git diff --raw` and a `-U0` patch say: blob ids, paths and added lines per file.

Standard library only, no `re` and no dataclasses: the commit hooks read a commit's diff with it
(`signoff.recording.attribute`), and `signoff.git.diff` builds its `FileDiff`s on it.

Paths are never parsed out of the patch text: git appends a tab to a `+++ b/a b` line whose
path has a space and C-quotes paths with tabs, quotes or backslashes, so a patch line cannot say
where a path ends. The `-z` listing gives each path verbatim; the patch's `diff --git` headers are
matched to it by quoting the listed paths the way git does.
"""

from __future__ import annotations

TYPE_CHECKING = False  # typing.TYPE_CHECKING without importing typing
if TYPE_CHECKING:
    from collections.abc import Callable, Iterable

_C_ESCAPES = {7: b"\\a", 8: b"\\b", 9: b"\\t", 10: b"\\n", 11: b"\\v", 12: b"\\f", 13: b"\\r"}
ZERO_OID = "0" * 40
# What a patch is made with, whatever the user's configuration says, for `walk_patch` to find
# its `diff --git a/... b/...` headers: no colour, no external or text-converting diff driver,
# paths from the top, and the a/ and b/ prefixes.
STABLE = (
    "--no-color",
    "--no-ext-diff",
    "--no-textconv",
    "--no-relative",
    "--src-prefix=a/",
    "--dst-prefix=b/",
)


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


class Section:
    """What the walker (`walk_patch`) tells about one listed file's section of a patch, a line
    at a time; a subclass keeps what it needs. Line numbers are 1-based, `raw` is the patch line
    with its marker, `size` its full length (a streamed line may have been cut short)."""

    __slots__ = ()

    def binary(self) -> None:
        """The section is a binary patch."""

    def hunk(self, raw: bytes) -> None:
        """A hunk header."""

    def added(self, new: int, raw: bytes, size: int) -> None:
        """An added line, line `new` of the new version."""

    def removed(self, old: int, raw: bytes, size: int) -> None:
        """A removed line, line `old` of the old version."""

    def context(self, old: int, new: int, raw: bytes) -> None:
        """A context line."""

    def finish(self) -> None:
        """The section has ended."""


def walk_patch(
    lines: Iterable[tuple[bytes, int]],
    entries: list[tuple[str, bytes, bytes]],
    section: Callable[[int], Section],
) -> None:
    """Walk a patch whose sections follow the listing `entries` (status, old path, new path),
    one (line without its newline, full length) at a time, so a stream is never held whole.
    `section(i)` gives the `Section` that hears listed file i's lines (a type change has two
    sections for one file); a section the listing does not name is skipped."""
    headers = [
        b"diff --git " + quote_path(b"a/" + old) + b" " + quote_path(b"b/" + new)
        for _, old, new in entries
    ]
    current: Section | None = None
    at = 0  # the listing and the patch come in the same order
    new_no = old_no = 0
    in_header = False
    for raw, size in lines:
        if raw.startswith(b"diff --git "):
            if current is not None:
                current.finish()
            current = None
            for j in range(at, len(headers)):
                if headers[j] == raw:
                    at, current = j, section(j)
                    break
            in_header = True
            continue
        if current is None:
            continue
        if in_header:
            if raw.startswith(b"Binary files ") or raw == b"GIT binary patch":
                current.binary()
                continue
            if not raw.startswith(b"@@"):
                continue
            in_header = False
        if raw.startswith(b"+"):
            current.added(new_no, raw, size)
            new_no += 1
        elif raw.startswith(b"-"):
            current.removed(old_no, raw, size)
            old_no += 1
        elif raw.startswith(b" "):
            current.context(old_no, new_no, raw)
            old_no += 1
            new_no += 1
        elif raw.startswith(b"@@ "):
            numbers = _hunk_start(raw)
            if numbers is not None:
                old_no, new_no = numbers
                current.hunk(raw)
    if current is not None:
        current.finish()


def _hunk_start(header: bytes) -> tuple[int, int] | None:
    """The first old and new line numbers of a hunk header `@@ -a[,b] +c[,d] @@` (None if it
    is not one)."""
    parts = header.split(b" ", 4)
    if len(parts) < 4 or parts[0] != b"@@" or not parts[3].startswith(b"@@"):
        return None
    old, new = parts[1], parts[2]
    if not (old.startswith(b"-") and new.startswith(b"+")):
        return None
    starts = []
    for side in (old, new):
        start, comma, count = side[1:].partition(b",")
        if not start.isdigit() or (comma and not count.isdigit()):
            return None
        starts.append(int(start))
    return starts[0], starts[1]


def sized(lines: Iterable[bytes]) -> Iterable[tuple[bytes, int]]:
    """Lines split from a patch held in memory, with the length each had (its newline too)."""
    return ((line, len(line) + 1) for line in lines)


class _Added(Section):
    """A file's added lines, by new line number, and whether it is binary."""

    __slots__ = ("is_binary", "lines")

    def __init__(self) -> None:
        self.lines: dict[int, str] = {}
        self.is_binary = False

    def binary(self) -> None:
        self.is_binary = True

    def added(self, new: int, raw: bytes, size: int) -> None:
        self.lines[new] = raw[1:].decode("utf-8", "replace")


def read_added(
    patch: bytes, entries: list[tuple[str, bytes, bytes]]
) -> list[tuple[bool, dict[int, str]]]:
    """(binary, added lines by 1-based new line number) per listed file, from a `-U0` patch
    whose sections follow the listing's order (a type change has two sections)."""
    files = [_Added() for _ in entries]
    walk_patch(sized(patch.split(b"\n")), entries, files.__getitem__)
    return [(f.is_binary, f.lines) for f in files]


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
