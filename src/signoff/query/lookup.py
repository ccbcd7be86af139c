"""Provenance for any commit: from the warm index when it has it, else detected live."""

from __future__ import annotations

from collections.abc import Callable, Iterable

from signoff.git.log import Commit, iter_commits, read_commit
from signoff.git.notes import cat_blobs, notes_refs
from signoff.git.repo import Repo
from signoff.provenance.model import Provenance
from signoff.store.index import Index, IndexUpdate, open_index


def _notes_for(repo: Repo, name: str, shas: list[str]) -> dict[str, list[bytes]]:
    """Notes of a few commits, read without listing every note in the repository."""
    refs = notes_refs(repo, name)
    if not refs or not shas:
        return {}
    paths = [f"{ref}:{_fanout(sha)}" for ref in refs for sha in shas]
    # notes trees may or may not fan out; ask for both layouts in one batch
    paths += [f"{ref}:{sha}" for ref in refs for sha in shas]
    blobs = cat_blobs(repo, paths)
    out: dict[str, list[bytes]] = {}
    for path, blob in blobs.items():
        sha = path.rsplit(":", 1)[1].replace("/", "")
        notes = out.setdefault(sha, [])
        if blob not in notes:
            notes.append(blob)
    return out


def _fanout(sha: str) -> str:
    return f"{sha[:2]}/{sha[2:]}"


class ProvenanceLookup:
    """One place that answers "what is the provenance of commit X"."""

    def __init__(self, repo: Repo, *, use_index: bool = True) -> None:
        self.repo = repo
        self.index: Index | None = None
        self.update: IndexUpdate | None = None
        if use_index:
            self.index, self.update = open_index(repo)
        self._cache: dict[str, Provenance] = {}

    def close(self) -> None:
        if self.index:
            self.index.close()

    def __enter__(self) -> ProvenanceLookup:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def get(self, sha: str) -> Provenance:
        return self.many([sha])[sha]

    def many(self, shas: Iterable[str]) -> dict[str, Provenance]:
        wanted = list(dict.fromkeys(shas))
        todo = [sha for sha in wanted if sha not in self._cache]
        if self.index and todo:
            if len(todo) == 1:
                prov = self.index.provenance(todo[0])
                self._cache.update({todo[0]: prov} if prov else {})
            else:
                self._cache.update(self.index.provenance_many(todo))
        missing = [sha for sha in todo if sha not in self._cache]
        if missing:
            self._cache.update(self._detect_live(missing))
        return {sha: self._cache[sha] for sha in wanted}

    def files(self, shas: list[str]) -> dict[str, list[str]]:
        """Changed paths of the commits among `shas` the index holds (none without an index)."""
        return self.index.files(shas) if self.index else {}

    def line_measures(
        self, shas: list[str]
    ) -> dict[str, tuple[int | None, int | None, int | None, int]]:
        """The stored line measures of the commits among `shas` the index holds."""
        return self.index.line_measures(shas) if self.index else {}

    def _detect_live(self, shas: list[str]) -> dict[str, Provenance]:
        """Detect from git; an AI-assisted squash commit gets the line record its pull request's
        commits give it (as the index does), when they are fetched."""
        from signoff.provenance.detect import detect
        from signoff.provenance.foreign import legacy_gitai_notes, read_agent_traces
        from signoff.provenance.people import People
        from signoff.provenance.squash import mapped_provenance

        signoff_notes = _notes_for(self.repo, "signoff", shas)
        ai_notes = _notes_for(self.repo, "ai", shas)
        for sha, blobs in legacy_gitai_notes(self.repo, shas).items():
            ai_notes.setdefault(sha, []).extend(b for b in blobs if b not in ai_notes[sha])
        traces = read_agent_traces(self.repo)
        if len(shas) == 1:
            commits = [read_commit(self.repo, shas[0])]
        else:
            commits = list(iter_commits(self.repo, shas, extra=["--no-walk=unsorted"]))

        with People.for_repo(self.repo) as people:

            def detect_one(commit: Commit) -> Provenance:
                sha = commit.sha
                return detect(
                    commit,
                    signoff_notes.get(sha, ()),
                    ai_notes.get(sha, ()),
                    traces.get(sha, ()),
                    people,
                )

            def prefetch(pr_commits: list[str]) -> None:
                # the PR commits a squash is mapped from need their own notes: one batch
                signoff_notes.update(_notes_for(self.repo, "signoff", pr_commits))
                ai_notes.update(_notes_for(self.repo, "ai", pr_commits))

            unmarked = self._unmarked_ai_squashes(commits, detect_one)
            return mapped_provenance(
                self.repo, commits, detect_one, prefetch=prefetch, unmarked=unmarked
            )

    def _unmarked_ai_squashes(
        self, commits: list[Commit], detect_one: Callable[[Commit], Provenance]
    ) -> set[str]:
        """Squash commits among `commits` with no marker whose fetched pull request commits
        were AI-assisted (mapped like marked ones); no git process when none has a `(#N)`."""
        from signoff.provenance.squash import (
            ai_pull_requests,
            pr_number,
            pull_heads,
            unmarked_squash,
        )

        candidates = [c for c in commits if pr_number(c.subject) is not None]
        if not candidates:
            return set()
        heads = pull_heads(self.repo)
        candidates = [c for c in candidates if pr_number(c.subject) in heads]
        candidates = [c for c in candidates if unmarked_squash(c, detect_one(c))]
        wanted = {n: heads[n] for c in candidates if (n := pr_number(c.subject)) is not None}
        found = ai_pull_requests(self.repo, wanted, detect_one)
        return {c.sha for c in candidates if pr_number(c.subject) in found}
