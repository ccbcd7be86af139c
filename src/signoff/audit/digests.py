"""Digests of the evidence behind a provenance answer: commit objects, notes, policy blobs.

Each is read in one batch (`cat-file --batch`, `notes list`), never one git process per commit.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable
from typing import Any

from signoff.git.notes import (
    LEGACY_AUTHORSHIP,
    BlobReader,
    cat_blobs,
    evidence_refs,
    list_notes,
)
from signoff.git.repo import Repo
from signoff.layout import EXCEPTIONS_DIR, POLICY_FILE


def sha256_hex(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def commit_sha256(repo: Repo, shas: Iterable[str]) -> dict[str, str]:
    """SHA-256 of each commit object's raw content (what `git cat-file commit` prints)."""
    return {sha: sha256_hex(raw) for sha, raw in cat_blobs(repo, shas).items()}


def note_digests(
    repo: Repo, commits: Iterable[str] | None = None
) -> dict[str, list[dict[str, str]]]:
    """For every annotated commit (or only `commits`): each note detection reads on it, by blob
    id and SHA-256.

    The refs are `evidence_refs` (local and remote copies of every notes ref detection reads,
    and Git AI's legacy `refs/ai/authorship/<commit>` blobs), the one list attest and verify share.
    Blobs are hashed one at a time, never held together: Git AI's notes on one real history
    are 580 MB, and reading them at once took 1.2 GB to attest 31 commits.
    """
    wanted = None if commits is None else set(commits)
    refs = evidence_refs(repo)
    listed: dict[str, dict[str, str]] = {
        ref: list_notes(repo, ref) for ref in refs if not ref.startswith(LEGACY_AUTHORSHIP)
    }
    if any(ref.startswith(LEGACY_AUTHORSHIP) for ref in refs):
        out = repo.run("for-each-ref", "--format=%(objectname) %(refname)", LEGACY_AUTHORSHIP)
        for line in out.decode("utf-8", "surrogateescape").splitlines():
            oid, _, ref = line.partition(" ")
            listed[ref] = {ref.removeprefix(LEGACY_AUTHORSHIP): oid}
    result: dict[str, list[dict[str, str]]] = {}
    hashed: dict[str, str | None] = {}
    reader = BlobReader(repo)
    try:
        for ref, notes in listed.items():
            for commit, oid in notes.items():
                if wanted is not None and commit not in wanted:
                    continue
                if oid not in hashed:
                    data = reader.read(oid)
                    hashed[oid] = None if data is None else sha256_hex(data)
                digest = hashed[oid]
                if digest is not None:
                    result.setdefault(commit, []).append(
                        {"ref": ref, "gitBlob": oid, "sha256": digest}
                    )
    finally:
        reader.close()
    return result


def blob_ids(repo: Repo, specs: Iterable[str]) -> dict[str, str]:
    """Blob id of each `rev:path` spec that names a blob (others are left out)."""
    wanted = list(dict.fromkeys(specs))
    if not wanted:
        return {}
    out = repo.run("cat-file", "--batch-check", input=("\n".join(wanted) + "\n").encode())
    result: dict[str, str] = {}
    for spec, line in zip(wanted, out.decode().splitlines(), strict=False):
        parts = line.split()
        if len(parts) == 3 and parts[1] == "blob":
            result[spec] = parts[0]
    return result


def policy_digests(repo: Repo, shas: Iterable[str]) -> dict[str, dict[str, Any]]:
    """The signoff.yaml each commit carries, by blob id and SHA-256 (absent when it has none)."""
    shas = list(shas)
    ids = blob_ids(repo, (f"{sha}:{POLICY_FILE}" for sha in shas))
    contents = cat_blobs(repo, set(ids.values()))
    out: dict[str, dict[str, Any]] = {}
    for sha in shas:
        oid = ids.get(f"{sha}:{POLICY_FILE}")
        if oid and oid in contents:
            out[sha] = {"path": POLICY_FILE, "gitBlob": oid, "sha256": sha256_hex(contents[oid])}
    return out


INCIDENTS_PATH = ".signoff/incidents"


def records_under(repo: Repo, folder: str, rev: str = "HEAD") -> dict[str, tuple[str, str, str]]:
    """Every file committed under `folder` at `rev`: path -> (blob id, SHA-256, text).

    Read as files, not through the package that owns them: an attestation pins the bytes that
    were reviewed, whatever their schema.
    """
    if repo.resolve(rev) is None:
        return {}
    listing = repo.run("ls-tree", "-r", "-z", rev, "--", f"{folder}/", check=False)
    entries: dict[str, str] = {}
    for entry in listing.split(b"\x00"):
        meta, _, name = entry.partition(b"\t")
        parts = meta.split()
        if len(parts) == 3 and parts[1] == b"blob":
            entries[name.decode("utf-8", "surrogateescape")] = parts[2].decode()
    blobs = cat_blobs(repo, entries.values())
    return {
        path: (oid, sha256_hex(blobs[oid]), blobs[oid].decode("utf-8", "replace"))
        for path, oid in entries.items()
        if oid in blobs
    }


def incident_records(repo: Repo, rev: str = "HEAD") -> dict[str, tuple[str, str, str]]:
    """Every incident record file committed at `rev` (see `records_under`)."""
    return records_under(repo, INCIDENTS_PATH, rev)


def exception_records(repo: Repo, rev: str = "HEAD") -> dict[str, tuple[str, str, str]]:
    """Every AI-boundary exception record committed at `rev` (see `records_under`)."""
    return records_under(repo, EXCEPTIONS_DIR, rev)


def pinned(records: dict[str, tuple[str, str, str]]) -> list[dict[str, str]]:
    """All of `records` as evidence entries, by path."""
    return [
        {"path": path, "gitBlob": oid, "sha256": digest}
        for path, (oid, digest, _text) in sorted(records.items())
    ]


def incidents_naming(records: dict[str, tuple[str, str, str]], sha: str) -> list[dict[str, str]]:
    """The incident records that name commit `sha` (full id, or an abbreviation of 7+)."""
    return pinned({path: r for path, r in records.items() if sha[:7] in r[2]})
