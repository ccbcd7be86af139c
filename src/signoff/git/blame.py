"""`git blame --porcelain` with move and copy detection, parsed line by line."""

from __future__ import annotations

from dataclasses import dataclass

from signoff.git.log import Person
from signoff.git.repo import Repo


@dataclass(frozen=True, slots=True)
class BlameLine:
    line: int  # 1-based line in the file as of the blamed revision
    commit: str  # the commit that introduced the line
    orig_line: int  # 1-based line in `orig_path` as of `commit`
    orig_path: str
    content: str
    boundary: bool  # the commit is a root or a shallow boundary: the line may be older


@dataclass(frozen=True, slots=True)
class BlameCommit:
    sha: str
    author: Person
    author_time: int
    summary: str


def blame(
    repo: Repo,
    path: str,
    *,
    rev: str | None = None,
    start: int | None = None,
    end: int | None = None,
    ranges: list[tuple[int, int]] | None = None,
) -> tuple[list[BlameLine], dict[str, BlameCommit]]:
    """Blame `path` at `rev`: lines start..end, or several ranges, in one git process."""
    args = ["blame", "--porcelain", "-M", "-C", "-w"]
    if start is not None:
        args += ["-L", f"{start},{end if end is not None else start}"]
    for a, b in ranges or ():
        args += ["-L", f"{a},{b}"]
    if rev:
        args.append(rev)
    args += ["--", path]
    out = repo.run(*args)
    lines: list[BlameLine] = []
    commits: dict[str, BlameCommit] = {}
    info: dict[str, dict[str, str]] = {}
    current: dict[str, str] = {}
    sha = ""
    orig = final = 0
    for raw in out.split(b"\n"):
        if raw.startswith(b"\t"):
            fields = info.setdefault(sha, {})
            fields.update(current)
            lines.append(
                BlameLine(
                    line=final,
                    commit=sha,
                    orig_line=orig,
                    orig_path=fields.get("filename", path),
                    content=raw[1:].decode("utf-8", "replace"),
                    boundary="boundary" in fields,
                )
            )
            current = {}
            continue
        head = raw.split(b" ")
        if len(head) >= 3 and len(head[0]) in (40, 64) and head[1].isdigit() and head[2].isdigit():
            sha = head[0].decode()
            orig, final = int(head[1]), int(head[2])
            current = {}
            continue
        key, _, value = raw.partition(b" ")
        if key:
            current[key.decode()] = value.decode("utf-8", "replace")
    for sha, fields in info.items():
        commits[sha] = BlameCommit(
            sha=sha,
            author=Person(fields.get("author", ""), fields.get("author-mail", "").strip("<>")),
            author_time=int(fields.get("author-time", "0") or 0),
            summary=fields.get("summary", ""),
        )
    return lines, commits
