"""`git blame --porcelain` with move and copy detection, parsed line by line."""

from __future__ import annotations

from dataclasses import dataclass

from signoff.git.log import Person
from signoff.git.repo import GitError, Repo, _describe_failure


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


class BlameRun:
    """A `git blame --porcelain -M -C -w` started now and read later: git works while the
    caller does other things (opening the index, checking the file).

    `copies=False` leaves out `-C` (lines copied from other files are credited to the commit
    that copied them: about five times less work for git); `text=False` asks for
    `--incremental` output, each run of lines once without its text, for callers that need
    only each line's origin.
    """

    def __init__(
        self,
        repo: Repo,
        path: str,
        *,
        rev: str | None = None,
        start: int | None = None,
        end: int | None = None,
        ranges: list[tuple[int, int]] | None = None,
        copies: bool = True,
        text: bool = True,
    ) -> None:
        args = ["blame", "--porcelain" if text else "--incremental", "-M", "-w"]
        if copies:
            args.insert(3, "-C")
        if start is not None:
            args += ["-L", f"{start},{end if end is not None else start}"]
        for a, b in ranges or ():
            args += ["-L", f"{a},{b}"]
        if rev:
            args.append(rev)
        args += ["--", path]
        self.path = path
        self.text = text
        self.args = args
        self.repo = repo
        self.proc = repo.popen(args)
        self.degraded: str | None = None  # set when a missing object forced a narrower blame

    def result(self) -> tuple[list[BlameLine], dict[str, BlameCommit]]:
        out, err = self.proc.communicate()
        # An object missing from the clone (a partial clone, a snapshot) often belongs to
        # another file that `-C` (then `-M`) only searched for copies: blame again without that
        # search, and say so, rather than refuse the whole file.
        for drop in ("-C", "-M"):
            if self.proc.returncode == 0 or not _missing_object(err) or drop not in self.args:
                break
            self.args = [a for a in self.args if a != drop]
            self.degraded = (
                "blamed without following lines "
                + ("copied from other files" if drop == "-C" else "moved or copied")
                + ": an object is missing from this clone"
            )
            self.proc = self.repo.popen(self.args)
            out, err = self.proc.communicate()
        if self.proc.returncode != 0:
            raise GitError(_describe_failure(self.args, err), self.repo.missing_hint(err))
        return (parse_porcelain if self.text else parse_incremental)(out, self.path)

    def cancel(self) -> None:
        if self.proc.poll() is None:
            self.proc.kill()
        self.proc.communicate()


def _missing_object(err: bytes) -> bool:
    text = err.lower()
    return b"cannot read blob" in text or b"unable to read" in text or b"missing blob" in text


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
    return BlameRun(repo, path, rev=rev, start=start, end=end, ranges=ranges).result()


def line_runs(numbers: list[int]) -> list[tuple[int, int]]:
    """Sorted line numbers as inclusive runs, the `-L a,b` ranges one blame takes."""
    runs: list[tuple[int, int]] = []
    for n in numbers:
        if runs and runs[-1][1] == n - 1:
            runs[-1] = (runs[-1][0], n)
        else:
            runs.append((n, n))
    return runs


def parse_incremental(out: bytes, path: str) -> tuple[list[BlameLine], dict[str, BlameCommit]]:
    """The lines (without text) and commits of `git blame --incremental` output: one header
    per run of lines, `<sha> <orig> <final> <count>`, closed by its `filename`."""
    found: list[tuple[int, BlameLine]] = []
    info: dict[str, dict[str, str]] = {}
    sha = ""
    orig = final = count = 0
    boundary = False
    for raw in out.split(b"\n"):
        head = raw.split(b" ")
        if len(head) == 4 and len(head[0]) in (40, 64) and all(h.isdigit() for h in head[1:]):
            sha = head[0].decode()
            orig, final, count = int(head[1]), int(head[2]), int(head[3])
            boundary = False
            continue
        key, _, value = raw.partition(b" ")
        if key == b"filename":
            name = value.decode("utf-8", "surrogateescape")
            boundary = boundary or "boundary" in info.get(sha, {})
            found.extend(
                (final + i, BlameLine(final + i, sha, orig + i, name, "", boundary))
                for i in range(count)
            )
        elif key == b"boundary":
            boundary = True
            info.setdefault(sha, {})["boundary"] = ""
        elif key:
            info.setdefault(sha, {})[key.decode()] = value.decode("utf-8", "replace")
    found.sort(key=lambda f: f[0])
    return [b for _, b in found], _commits(info)


def parse_porcelain(out: bytes, path: str) -> tuple[list[BlameLine], dict[str, BlameCommit]]:
    """The lines and commits of `git blame --porcelain` output."""
    lines: list[BlameLine] = []
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
    return lines, _commits(info)


def _commits(info: dict[str, dict[str, str]]) -> dict[str, BlameCommit]:
    commits: dict[str, BlameCommit] = {}
    for sha, fields in info.items():
        commits[sha] = BlameCommit(
            sha=sha,
            author=Person(fields.get("author", ""), fields.get("author-mail", "").strip("<>")),
            author_time=int(fields.get("author-time", "0") or 0),
            summary=fields.get("summary", ""),
        )
    return commits
