"""Running git from inside a git hook, at the cost of a `fork` and nothing more.

The commit hooks must add well under 80 ms to a `git commit`. Python's `subprocess` module costs
about 10 ms to import on a small machine (threading, signal, selectors) and `Repo` pulls in
dataclasses and `re` on top; this module uses `os.posix_spawnp` and `select` only, and must never
import `signoff.git.repo`. The hook entry loads it without running `signoff/git/__init__.py`.
"""

from __future__ import annotations

import os
import select

TYPE_CHECKING = False  # typing.TYPE_CHECKING without importing typing
if TYPE_CHECKING:
    from collections.abc import Callable, Iterable, Mapping

Arg = str | bytes
# Private copies of a notes ref, one per writer and attempt, for compare-and-swap note writes
# (`swap_notes`, and the installed post-commit script in sh); no reader looks under it.
NOTES_SCRATCH_PREFIX = "refs/notes/signoff-append/"


class GitResult:
    """Exit code, stdout and stderr of one git run."""

    __slots__ = ("code", "err", "out")

    def __init__(self, code: int, out: bytes, err: bytes) -> None:
        self.code = code
        self.out = out
        self.err = err

    @property
    def ok(self) -> bool:
        return self.code == 0

    def message(self) -> str:
        """git's first line of complaint, for a one-line warning."""
        lines = self.err.decode("utf-8", "replace").strip().splitlines()
        return lines[0] if lines else f"exit code {self.code}"


def git(
    *args: Arg,
    cwd: str | None = None,
    env: Mapping[str, str] | None = None,
    input: bytes | None = None,
) -> GitResult:
    """Run `git ARGS` to completion; never raises for a non-zero exit."""
    out_r, out_w = os.pipe()
    err_r, err_w = os.pipe()
    in_r, in_w = os.pipe() if input is not None else (None, None)
    actions: list[tuple[int, int, int] | tuple[int, int]] = [
        (os.POSIX_SPAWN_DUP2, out_w, 1),
        (os.POSIX_SPAWN_DUP2, err_w, 2),
    ]
    if in_r is not None:
        actions.append((os.POSIX_SPAWN_DUP2, in_r, 0))
    argv: list[bytes] = [b"git"]
    if cwd is not None:
        argv += [b"-C", os.fsencode(cwd)]
    argv += [a if isinstance(a, bytes) else a.encode("utf-8", "surrogateescape") for a in args]
    environ = dict(os.environ) if env is None else dict(env)
    try:
        pid = os.posix_spawnp("git", argv, environ, file_actions=actions)
    finally:
        os.close(out_w)
        os.close(err_w)
        if in_r is not None:
            os.close(in_r)
    if in_w is not None:
        _write_all(in_w, input or b"")
    out, err = _drain(out_r, err_r)
    _, status = os.waitpid(pid, 0)
    return GitResult(os.waitstatus_to_exitcode(status), out, err)


def _write_all(fd: int, data: bytes) -> None:
    try:
        view = memoryview(data)
        while view:
            view = view[os.write(fd, view) :]
    except BrokenPipeError:
        pass
    finally:
        os.close(fd)


def _drain(out_fd: int, err_fd: int) -> tuple[bytes, bytes]:
    chunks: dict[int, list[bytes]] = {out_fd: [], err_fd: []}
    open_fds = [out_fd, err_fd]
    while open_fds:
        ready, _, _ = select.select(open_fds, [], [])
        for fd in ready:
            data = os.read(fd, 65536)
            if data:
                chunks[fd].append(data)
            else:
                open_fds.remove(fd)
                os.close(fd)
    return b"".join(chunks[out_fd]), b"".join(chunks[err_fd])


def git_dir(cwd: str, env: Mapping[str, str]) -> str:
    """The (per-worktree) git directory of the repository a hook runs in, found without git.

    git runs hooks at the top of the work tree (or in the git directory of a bare repository) and
    exports GIT_DIR when the user set it; a `.git` file is a worktree or submodule pointer.
    """
    if env.get("GIT_DIR"):
        return os.path.abspath(os.path.join(cwd, env["GIT_DIR"]))
    dot_git = os.path.join(cwd, ".git")
    if os.path.isdir(dot_git):
        return dot_git
    if os.path.isfile(dot_git):
        with open(dot_git, "rb") as fh:
            line = fh.readline().decode("utf-8", "surrogateescape").strip()
        if line.startswith("gitdir:"):
            return os.path.normpath(os.path.join(cwd, line[len("gitdir:") :].strip()))
    res = git("rev-parse", "--absolute-git-dir", cwd=cwd, env=env)
    if not res.ok:
        raise OSError(f"not a git repository: {res.message()}")
    return res.out.decode("utf-8", "surrogateescape").strip()


def read_settings(cwd: str, env: Mapping[str, str]) -> dict[str, str]:
    """Every `signoff.*`, `user.*` and `committer.*` git config value (lower-case keys; the
    last of several wins), in one git process: a hook reads `signoff.ai`, the capture settings
    and the committer's identity together."""
    res = git("config", "-z", "--get-regexp", r"^(signoff|user|committer)\.", cwd=cwd, env=env)
    out: dict[str, str] = {}
    for entry in res.out.decode("utf-8", "replace").split("\0"):
        key, _, value = entry.partition("\n")
        if key:
            out[key.lower()] = value.strip()
    return out


def in_progress(gitdir: str) -> str | None:
    """Which multi-commit operation is under way: merge, rebase, cherry-pick, revert, or None."""
    for name, what in (
        ("rebase-merge", "rebase"),
        ("rebase-apply", "rebase"),
        ("MERGE_HEAD", "merge"),
        ("CHERRY_PICK_HEAD", "cherry-pick"),
        ("REVERT_HEAD", "revert"),
    ):
        if os.path.exists(os.path.join(gitdir, name)):
            return what
    return None


def committer_ident(env: Mapping[str, str], settings: Mapping[str, str]) -> tuple[str, str] | None:
    """The committer's name and email as git takes them (`GIT_COMMITTER_*`, then `user.*`,
    then `EMAIL` for the address) from the environment and `read_settings`, when git would use
    them as they are; None when only git can tell (a value is missing or empty, git would trim
    or drop some of its characters, or `committer.*` is set, which only newer gits read): ask
    `git var`."""
    if "committer.name" in settings or "committer.email" in settings:
        return None
    name = _first(env, "GIT_COMMITTER_NAME", settings, "user.name")
    email = _first(env, "GIT_COMMITTER_EMAIL", settings, "user.email")
    if email is None:
        email = env.get("EMAIL")
    if not name or not email or not _clean(name) or not _clean(email):
        return None
    return name, email


def _first(env: Mapping[str, str], var: str, settings: Mapping[str, str], *keys: str) -> str | None:
    if var in env:
        return env[var]
    for key in keys:
        if key in settings:
            return settings[key]
    return None


# Characters git trims from the ends of an identity's name and email (ident.c `crud`, plus `.`,
# which older versions trimmed too); `<`, `>` and newlines it drops anywhere.
_CRUD = frozenset(chr(c) for c in range(33)) | frozenset(".,:;<>\"\\'")


def _clean(value: str) -> bool:
    return value[0] not in _CRUD and value[-1] not in _CRUD and not any(c in value for c in "<>\n")


def read_head(gitdir: str) -> str | None:
    """HEAD's commit id as git keeps it in files (a detached HEAD, or a branch's loose or packed
    ref), without starting git; None when it cannot be told that way (an unborn branch,
    another ref store): then ask git. For answers a later check confirms (a hook compares it
    with the commit git made)."""
    head = _read_text(os.path.join(gitdir, "HEAD"))
    if head is None:
        return None
    if _object_id(head):
        return head
    if not head.startswith("ref: refs/heads/"):
        return None
    ref = head[len("ref: ") :]
    common = gitdir
    pointer = _read_text(os.path.join(gitdir, "commondir"))  # a linked worktree's
    if pointer:
        common = os.path.normpath(os.path.join(gitdir, pointer))
    loose = _read_text(os.path.join(common, *ref.split("/")))
    if loose is not None:
        return loose if _object_id(loose) else None
    packed = _read_text(os.path.join(common, "packed-refs"), limit=None)
    for line in (packed or "").splitlines():
        oid, _, name = line.partition(" ")
        if name == ref:
            return oid if _object_id(oid) else None
    return None


def _read_text(path: str, limit: int | None = 400) -> str | None:
    try:
        with open(path, "rb") as fh:
            return fh.read(limit).decode("ascii", "replace").strip()
    except OSError:
        return None


def _object_id(text: str) -> bool:
    return len(text) in (40, 64) and all(c in "0123456789abcdef" for c in text)


def read_head_file(gitdir: str, name: str) -> str | None:
    """The commit id in a pseudo-ref file such as CHERRY_PICK_HEAD, if present."""
    try:
        with open(os.path.join(gitdir, name), "rb") as fh:
            text = fh.read(200).decode("ascii", "replace").strip()
    except OSError:
        return None
    return text.split()[0] if text else None


# -- compare-and-swap on a notes ref -----------------------------------------------------------

SWAP_ATTEMPTS = 50


class NotesRaceError(OSError):
    """A notes ref kept changing under every attempt to update it."""


def swap_notes(
    ref: str,
    edit: Callable[[str], GitResult],
    *,
    cwd: str | None,
    env: Mapping[str, str] | None,
    what: str,
    attempts: int = SWAP_ATTEMPTS,
) -> str:
    """Change notes ref `ref` by `edit`, never losing a concurrent writer's change.

    `git notes add/append/merge` move the ref without checking that nobody else moved it
    meanwhile, so two writers at once (two worktrees' commits, CI jobs, a sync's merge racing a
    commit) lose one's notes. `edit(scratch)` runs the git command on a private copy of the ref
    instead; the copy then replaces the real ref in one transaction only if the real one is
    still what the copy started from (`update-ref REF NEW OLD`, created only if still absent),
    else everything is tried again on the new value. Every note write of Signoff goes through
    here (the installed post-commit script does the same in sh, to spare a Python start).
    Returns the ref's new value; raises OSError naming `what` when `edit` fails or the ref never
    held still.
    """
    import time

    for attempt in range(attempts):
        base, stale = _ref_and_stale_scratch(ref, cwd, env)
        if stale:  # left by a killed writer: removed by the next one (never a live one's)
            drop = "".join(f"delete {name} {value}\n" for name, value in stale)
            git("update-ref", "--stdin", cwd=cwd, env=env, input=drop.encode())
        scratch = f"{NOTES_SCRATCH_PREFIX}{os.getpid()}-{_thread_id()}-{attempt}"
        try:
            if base:
                _must(git("update-ref", scratch, base, cwd=cwd, env=env), what)
            _must(edit(scratch), what)
            new = git("rev-parse", "-q", "--verify", scratch, cwd=cwd, env=env)
            _must(new, what)
            value = new.out.strip().decode()
            swap = f"update {ref} {value} {base}" if base else f"create {ref} {value}"
            done = git(
                "update-ref", "--stdin", cwd=cwd, env=env,
                input=f"{swap}\ndelete {scratch}\n".encode(),
            )  # fmt: skip
            if done.ok:
                return value
        except BaseException:
            git("update-ref", "-d", scratch, cwd=cwd, env=env)
            raise
        git("update-ref", "-d", scratch, cwd=cwd, env=env)
        time.sleep(0.005 * (attempt + 1))
    raise NotesRaceError(f"{what}: {ref} kept changing ({attempts} attempts)")


def _ref_and_stale_scratch(
    ref: str, cwd: str | None, env: Mapping[str, str] | None
) -> tuple[str, list[tuple[str, str]]]:
    """The value of `ref` ("" when absent) and the scratch refs whose writer is dead, read by
    the one git process that used to read the ref alone.

    A scratch ref is named `<pid>-...` by the process that made it (Python and the sh hook);
    it is stale when no process of that id runs here. A live writer's is never listed, however
    old (its pid may have been reused: the ref then waits for that process to end). It is
    deleted with the value read here, so a ref reused meanwhile is left alone."""
    res = git(
        "for-each-ref", "--format=%(objectname) %(refname)", ref, NOTES_SCRATCH_PREFIX,
        cwd=cwd, env=env,
    )  # fmt: skip
    base, stale = "", []
    for line in res.out.decode("utf-8", "surrogateescape").splitlines() if res.ok else ():
        value, _, name = line.partition(" ")
        if name == ref:
            base = value
        elif name.startswith(NOTES_SCRATCH_PREFIX):
            pid = name[len(NOTES_SCRATCH_PREFIX) :].partition("-")[0]
            if pid.isdigit() and not _running(int(pid)):
                stale.append((name, value))
    return base, stale


def _running(pid: int) -> bool:
    """Whether a process with this id runs on this machine (another user's counts)."""
    if pid == os.getpid():
        return True
    if pid <= 0:
        return False
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except OSError:  # EPERM: it runs, as someone else
        return True
    return True


def _must(res: GitResult, what: str) -> None:
    if not res.ok:
        raise OSError(f"{what}: {res.message()}")


def _thread_id() -> int:
    import _thread  # built into the interpreter: costs nothing (threading costs ~3 ms)

    return _thread.get_ident()


def append_notes(
    ref: str,
    notes: Mapping[str, bytes],
    *,
    cwd: str | None,
    env: Mapping[str, str] | None,
    what: str,
) -> str:
    """Append a document to the note of each commit in `notes`, all in one notes commit.

    `git notes append` is one process and one notes commit per note: a rebase merge of 200
    commits took seconds of process starts. Here the current notes are read once and the
    new notes tree is written by one `git fast-import`, through `swap_notes` like every write
    (an existing note keeps its text, the document follows after a blank line, as
    `git notes append` does).
    """

    def edit(scratch: str) -> GitResult:
        has = git("rev-parse", "-q", "--verify", scratch, cwd=cwd, env=env).ok
        current = read_notes(scratch, list(notes), cwd, env) if has else {}
        ident = git("var", "GIT_COMMITTER_IDENT", cwd=cwd, env=env)
        who = ident.out.decode("utf-8", "replace").strip() if ident.ok else ""
        if not who:
            import time

            who = f"Signoff <signoff@invalid> {int(time.time())} +0000"
        message = b"Notes added by Signoff\n"
        parts = [b"commit ", scratch.encode(), b"\ncommitter ", who.encode(), b"\n"]
        parts += [b"data ", str(len(message)).encode(), b"\n", message]
        if has:
            parts.append(f"from {scratch}^0\n".encode())
        for commit, doc in notes.items():
            old = current.get(commit, b"")
            text = (old if old.endswith(b"\n") else old + b"\n") + b"\n" + doc if old else doc
            parts += [f"N inline {commit}\ndata {len(text)}\n".encode(), text, b"\n"]
        parts.append(b"done\n")
        return git("fast-import", "--quiet", "--done", cwd=cwd, env=env, input=b"".join(parts))

    return swap_notes(ref, edit, cwd=cwd, env=env, what=what)


def read_notes(
    ref: str, commits: list[str], cwd: str | None, env: Mapping[str, str] | None
) -> dict[str, bytes]:
    """The note text of each of `commits` under `ref`, by path: one `cat-file` for all, where
    listing every note costs 0.26 s at 200,000 notes."""
    paths = {c: note_paths(ref, c) for c in dict.fromkeys(commits)}
    found = cat_blobs([spec for specs in paths.values() for spec in specs], cwd=cwd, env=env)
    out: dict[str, bytes] = {}
    for commit, specs in paths.items():
        text = next((found[spec] for spec in specs if spec in found), None)
        if text is not None:
            out[commit] = text
    return out


def note_paths(ref: str, commit: str) -> list[str]:
    """Where a commit's note can sit in a notes tree (`ref:path`): git fans names out in
    2-digit folders as the notes grow; asking for each depth is one `cat-file` line each, and
    cheaper than listing every note."""
    return [f"{ref}:{'/'.join([*(commit[2 * i : 2 * i + 2] for i in range(d)), commit[2 * d :]])}"
            for d in range(4)]  # fmt: skip


def cat_blobs(
    specs: Iterable[str], *, cwd: str | None, env: Mapping[str, str] | None
) -> dict[str, bytes]:
    """Contents of many blobs (`id` or `rev:path`) from one `git cat-file --batch`; missing,
    ambiguous and non-blob ones are left out."""
    wanted = [s for s in dict.fromkeys(specs) if s and "\n" not in s]
    if not wanted:
        return {}
    res = git("cat-file", "--batch", cwd=cwd, env=env, input=("\n".join(wanted) + "\n").encode())
    out: dict[str, bytes] = {}
    data, pos = res.out, 0
    for spec in wanted:
        nl = data.find(b"\n", pos)
        if nl < 0:
            break
        header = data[pos:nl].split()
        pos = nl + 1
        if len(header) != 3 or not header[2].isdigit():
            continue  # "<spec> missing" / "ambiguous"
        size = int(header[2])
        if header[1] == b"blob":
            out[spec] = data[pos : pos + size]
        pos += size + 1
    return out
