"""Git notes read in bulk (one `notes list` and one `cat-file --batch`) and written atomically."""

from __future__ import annotations

import contextlib
import subprocess
from collections.abc import Iterable, Iterator, Mapping

from signoff.git.hooks import SWAP_ATTEMPTS, GitResult, git, swap_notes
from signoff.git.repo import GitError, Repo, child_pipe_writes


def cat_blobs(repo: Repo, object_ids: Iterable[str]) -> dict[str, bytes]:
    """Read many objects through one `git cat-file --batch`; missing ones are left out."""
    ids = list(dict.fromkeys(object_ids))
    if not ids:
        return {}
    out = repo.run("cat-file", "--batch", input=("\n".join(ids) + "\n").encode())
    result: dict[str, bytes] = {}
    pos = 0
    for oid in ids:
        nl = out.index(b"\n", pos)
        header = out[pos:nl].split()
        pos = nl + 1
        if len(header) < 3 or header[1] == b"missing":
            continue
        size = int(header[2])
        result[oid] = out[pos : pos + size]
        pos += size + 1
    return result


def list_notes(repo: Repo, ref: str) -> dict[str, str]:
    """Map annotated commit -> note blob id for one notes ref (empty when the ref is absent)."""
    if repo.ref_sha(ref) is None:
        return {}
    out = repo.run("notes", f"--ref={ref}", "list", check=False)
    mapping: dict[str, str] = {}
    for line in out.decode().splitlines():
        parts = line.split()
        if len(parts) == 2:
            mapping[parts[1]] = parts[0]
    return mapping


def notes_refs(repo: Repo, name: str) -> list[str]:
    """`refs/notes/<name>` plus copies fetched from remotes (`refs/notes/remotes/*/<name>`,
    and Git AI's own `refs/notes/<name>-remote/<remote>`)."""
    out = repo.run(
        "for-each-ref",
        "--format=%(refname)",
        f"refs/notes/{name}",
        "refs/notes/remotes/",
        f"refs/notes/{name}-remote/",
        check=False,
    )
    refs = []
    for ref in out.decode().splitlines():
        if (
            ref == f"refs/notes/{name}"
            or (ref.startswith("refs/notes/remotes/") and ref.endswith(f"/{name}"))
            or ref.startswith(f"refs/notes/{name}-remote/")
        ):
            refs.append(ref)
    return refs


# The notes detection reads, each with the copies fetches bring in. Attestations pin every ref
# `evidence_refs` lists, so nothing that can change a provenance answer escapes `verify`.
EVIDENCE_NOTES = ("signoff", "ai", "agent-trace")
# Git AI's legacy authorship logs: one blob per commit, `refs/ai/authorship/<commit id>`.
LEGACY_AUTHORSHIP = "refs/ai/authorship/"


def evidence_refs(repo: Repo) -> list[str]:
    """Every ref whose content can change a provenance answer, in one `for-each-ref`.

    `refs/notes/<name>`, remote copies (`refs/notes/remotes/<remote>/<name>`, Git AI's
    `refs/notes/<name>-remote/<remote>`) for each name in `EVIDENCE_NOTES`, and the legacy
    `refs/ai/authorship/*` blobs.
    """
    out = repo.run(
        "for-each-ref", "--format=%(refname)", "refs/notes/", LEGACY_AUTHORSHIP, check=False
    )
    refs = []
    for ref in out.decode("utf-8", "surrogateescape").splitlines():
        if ref.startswith(LEGACY_AUTHORSHIP) or _is_evidence_note(ref):
            refs.append(ref)
    return refs


def _is_evidence_note(ref: str) -> bool:
    rest = ref.removeprefix("refs/notes/")
    for name in EVIDENCE_NOTES:
        if rest == name or rest.startswith(f"{name}-remote/"):
            return True
        if rest.startswith("remotes/") and rest.endswith(f"/{name}"):
            return True
    return False


def read_notes(repo: Repo, name: str) -> dict[str, list[bytes]]:
    """Every note under `refs/notes/<name>` (and remote copies), keyed by commit id.

    A commit can carry several notes when copies from remotes differ; all are returned, each once.
    """
    blob_of: dict[str, list[str]] = {}
    for ref in notes_refs(repo, name):
        for commit, blob in list_notes(repo, ref).items():
            blobs = blob_of.setdefault(commit, [])
            if blob not in blobs:
                blobs.append(blob)
    contents = cat_blobs(repo, (b for blobs in blob_of.values() for b in blobs))
    return {c: [contents[b] for b in blobs if b in contents] for c, blobs in blob_of.items()}


def ref_blob_ids(repo: Repo, prefix: str) -> dict[str, str]:
    """Commit -> blob id for blobs stored directly under refs named `<prefix><commit id>`
    (one `for-each-ref`): how some tools kept per-commit records before notes."""
    out = repo.run(
        "for-each-ref", "--format=%(objecttype) %(objectname) %(refname)", prefix, check=False
    )
    blob_of: dict[str, str] = {}
    for line in out.decode(errors="replace").splitlines():
        kind, _, rest = line.partition(" ")
        oid, _, ref = rest.partition(" ")
        commit = ref[len(prefix) :]
        if kind == "blob" and ref.startswith(prefix) and "/" not in commit:
            blob_of[commit.lower()] = oid
    return blob_of


def read_ref_blobs(repo: Repo, prefix: str) -> dict[str, bytes]:
    """The contents of `ref_blob_ids` (one `cat-file --batch`)."""
    blob_of = ref_blob_ids(repo, prefix)
    contents = cat_blobs(repo, blob_of.values())
    return {c: contents[oid] for c, oid in blob_of.items() if oid in contents}


class BlobReader:
    """One long-lived `git cat-file --batch`, asked for one object at a time.

    For reading many large objects without holding them all: each answer is read as it is
    needed and can be dropped by the caller straight after.
    """

    def __init__(self, repo: Repo) -> None:
        self.repo = repo
        self.proc: subprocess.Popen[bytes] | None = None

    def read(self, oid: str) -> bytes | None:
        """The object's content, or None when it is not in the repository."""
        if self.proc is None:
            self.proc = self.repo.popen(["cat-file", "--batch"], stdin=True)
        assert self.proc.stdin is not None and self.proc.stdout is not None
        try:
            with child_pipe_writes():
                self.proc.stdin.write(oid.encode() + b"\n")
                self.proc.stdin.flush()
        except BrokenPipeError as exc:
            raise GitError(f"git cat-file stopped while reading {oid}") from exc
        header = self.proc.stdout.readline().split()
        if len(header) < 3 or header[1] == b"missing":
            if not header:
                raise GitError(f"git cat-file stopped while reading {oid}")
            return None
        size = int(header[2])
        data = self.proc.stdout.read(size)
        self.proc.stdout.read(1)  # the newline after the content
        return data

    def close(self) -> None:
        if self.proc is not None:
            assert self.proc.stdin is not None
            with child_pipe_writes(), contextlib.suppress(OSError, ValueError):
                self.proc.stdin.close()
            self.proc.wait()
            if self.proc.stdout:
                self.proc.stdout.close()
            if self.proc.stderr:
                self.proc.stderr.close()
            self.proc = None


class LazyNotes(Mapping[str, list[bytes]]):
    """The notes of one name (`refs/notes/<name>` and remote copies), read when asked.

    Holds only which note blobs belong to which commit; a note's content is read from git when
    a caller asks for that commit and is not kept, so an index build over 10,000 large notes
    holds one note at a time.
    """

    def __init__(
        self, repo: Repo, name: str, reader: BlobReader, *, ref_prefix: str | None = None
    ) -> None:
        self.reader = reader
        self._blobs: dict[str, list[str]] = {}
        pairs = [pair for ref in notes_refs(repo, name) for pair in list_notes(repo, ref).items()]
        if ref_prefix:  # records kept as one ref per commit (`ref_blob_ids`) join the notes
            pairs += ref_blob_ids(repo, ref_prefix).items()
        for commit, blob in pairs:
            blobs = self._blobs.setdefault(commit, [])
            if blob not in blobs:
                blobs.append(blob)

    def blob_ids(self, commit: str) -> list[str]:
        return self._blobs.get(commit, [])

    def __getitem__(self, commit: str) -> list[bytes]:
        blobs = self._blobs[commit]
        return [data for data in (self.reader.read(b) for b in blobs) if data is not None]

    def __contains__(self, commit: object) -> bool:
        return commit in self._blobs

    def __iter__(self) -> Iterator[str]:
        return iter(self._blobs)

    def __len__(self) -> int:
        return len(self._blobs)


WRITE_ATTEMPTS = SWAP_ATTEMPTS


def write_note(repo: Repo, ref: str, commit: str, content: bytes, *, append: bool = False) -> None:
    """Attach `content` to `commit` under `ref` (replacing, or appending as a new line).

    By compare-and-swap (`signoff.git.hooks.swap_notes`, the one mechanism every note write
    uses): two writers at once (CI jobs recording checks, a hook) each keep their note.
    """
    full = ref if ref.startswith("refs/") else f"refs/notes/{ref}"
    verb = ["append"] if append else ["add", "-f"]
    cwd, env = str(repo.root), repo.environment()

    def edit(scratch: str) -> GitResult:
        return git("notes", f"--ref={scratch}", *verb, "-F", "-", commit, cwd=cwd, env=env,
                   input=content)  # fmt: skip

    try:
        swap_notes(full, edit, cwd=cwd, env=env, what=f"could not write note on {commit[:12]}",
                   attempts=WRITE_ATTEMPTS)  # fmt: skip
    except OSError as exc:
        raise GitError(str(exc)) from exc
