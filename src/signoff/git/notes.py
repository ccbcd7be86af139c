"""Git notes read in bulk (one `notes list` and one `cat-file --batch`) and written atomically."""

from __future__ import annotations

from collections.abc import Iterable

from signoff.git.repo import GitError, Repo


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
    """`refs/notes/<name>` plus copies fetched from remotes (`refs/notes/remotes/*/<name>`)."""
    out = repo.run(
        "for-each-ref",
        "--format=%(refname)",
        f"refs/notes/{name}",
        "refs/notes/remotes/",
        check=False,
    )
    refs = []
    for ref in out.decode().splitlines():
        if ref == f"refs/notes/{name}" or (
            ref.startswith("refs/notes/remotes/") and ref.endswith(f"/{name}")
        ):
            refs.append(ref)
    return refs


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


def read_ref_blobs(repo: Repo, prefix: str) -> dict[str, bytes]:
    """Blobs stored directly under refs named `<prefix><commit id>` (one `for-each-ref`, one
    `cat-file --batch`): how some tools kept per-commit records before notes."""
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
    contents = cat_blobs(repo, blob_of.values())
    return {c: contents[oid] for c, oid in blob_of.items() if oid in contents}


def write_note(repo: Repo, ref: str, commit: str, content: bytes, *, append: bool = False) -> None:
    """Attach `content` to `commit` under `ref` (replacing, or appending as a new line)."""
    verb = "append" if append else "add"
    args = ["notes", f"--ref={ref}", verb]
    if not append:
        args.append("-f")
    args += ["-F", "-", commit]
    try:
        repo.run(*args, input=content)
    except GitError as exc:
        raise GitError(f"could not write note on {commit[:12]}: {exc.message}") from exc
