"""`signoff reattach`: a pull request's line records carried onto what the forge merged.

A forge's squash merge makes one new commit on the base branch out of the pull request's
commits, and a rebase merge makes a new commit for each; neither copies notes, so the records
the authors pushed stay on commits the base branch never contains. Run in CI after the merge,
`reattach` finds the merged commit(s) and maps the records onto them by content
(`carry.map_records`, method `reattach`):

- the pull request's commits are those of `--head` not on `--base`; the merged commits are the
  newest first-parent commits of `--base` since the two met, as many as the pull request had
  commits at most, each accepted only while at least half of the lines it added were lines the
  pull request's commits added (a base that moved on after the merge, or a head that was never
  merged, maps nothing);
- one merged commit (a squash) takes every pull request commit's record, later ones laid over
  earlier ones; several (a rebase merge) are paired with the pull request's commits by
  `git patch-id`, then in order;
- a merge commit (the forge's "merge commit" strategy: `--head` is then in `--base`'s history)
  takes the record of the pull request's commits for the lines it added against its first
  parent, the lines the pull request's side brought in; the pull request's own commits keep
  theirs. A fast-forward needs nothing;
- a merged commit that already carries the same reattached record is left alone, so running
  it twice changes nothing.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from signoff.errors import SignoffError
from signoff.git.diff import FileDiff, log_added_lines
from signoff.git.repo import Repo

# A forge lists at most 250 commits of a pull request (GitHub); more than this many beyond the
# base means --head is not a pull request's head.
MAX_PR_COMMITS = 1000


@dataclass
class Reattached:
    """What reattach did: the pull request's commits, the merged commits, what each got."""

    base: str
    head: str
    pr_commits: list[str] = field(default_factory=list)
    merged: list[str] = field(default_factory=list)
    results: list[dict[str, Any]] = field(default_factory=list)
    reason: str | None = None

    def to_json(self) -> dict[str, Any]:
        return {
            "base": self.base,
            "head": self.head,
            "pr_commits": self.pr_commits,
            "merged_commits": self.merged,
            "results": self.results,
            "written": sum(1 for r in self.results if r["status"] == "written"),
            "reason": self.reason,
        }


def reattach(repo: Repo, base: str, head: str, *, write: bool = True) -> Reattached:
    """Map the line records of `head`'s pull request onto the commit(s) merged into `base`."""
    base_sha, head_sha = repo.require_commit(base), repo.require_commit(head)
    out = Reattached(base_sha, head_sha)
    parents: dict[str, str] = {}
    if repo.succeeds("merge-base", "--is-ancestor", head_sha, base_sha):
        found = _merge_of(repo, base_sha, head_sha)
        if found is None:
            out.reason = (
                "the pull request's commits are on the base branch's first-parent line "
                "themselves (a fast-forward): their records are already where they belong"
            )
            return out
        merge, first_parent = found
        commits = repo.run_text(
            "rev-list", "--reverse", "--topo-order", "--no-merges", head_sha, f"^{first_parent}"
        ).split()
        if len(commits) > MAX_PR_COMMITS:
            raise SignoffError(
                f"{head} has {len(commits)} commits its merge brought in: not a pull request's "
                "head",
                "pass the pull request's head commit as --head",
            )
        out.pr_commits, out.merged = commits, [merge]
        if not commits:
            out.reason = f"the merge {merge[:12]} brings in no commit of {head}"
            return out
        # a merge commit: its record covers the lines it added against its first parent, the
        # lines the pull request's side brought in (and any conflict resolution)
        parents[merge] = first_parent
        return _carry(repo, out, [(commits, merge)], parents, write)
    meet = repo.run_text("merge-base", base_sha, head_sha, check=False).strip()
    if not meet:
        raise SignoffError(
            f"{base} and {head} share no history",
            "pass the merged commit as --base and the pull request's head as --head",
        )
    written = log_added_lines(repo, [head_sha, f"^{base_sha}"])
    if len(written) > MAX_PR_COMMITS:
        raise SignoffError(
            f"{head} has {len(written)} commits that are not on {base}: not a pull request's head",
            "pass the pull request's head commit as --head",
        )
    out.pr_commits = [sha for sha, _ in written]
    if not written:
        out.reason = f"{head} adds no commits beyond {base}"
        return out
    candidates = log_added_lines(
        repo,
        ["--first-parent", f"--max-count={len(written)}", base_sha, f"^{meet}", f"^{head_sha}"],
    )
    out.merged = _merged_commits(candidates, written)
    if not out.merged:
        out.reason = (
            f"no commit at the tip of {base} is made of this pull request's lines: merged "
            "elsewhere, or not merged yet"
        )
        return out
    return _carry(repo, out, _pairs(repo, out.merged, out.pr_commits), parents, write)


def _carry(
    repo: Repo,
    out: Reattached,
    pairs: list[tuple[list[str], str]],
    parents: dict[str, str],
    write: bool,
) -> Reattached:
    """Map the records for each (sources, target) pair and write the new ones."""
    from signoff.recording.carry import map_records

    env = repo.environment()
    results = map_records(pairs, method="reattach", cwd=str(repo.root), env=env,
                          refs=_notes_refs(repo), recorded_by="cli",
                          parents=parents)  # fmt: skip
    there = _attached(repo, [r.target for r in results if r.note is not None])
    pending: dict[str, bytes] = {}
    for result in results:
        entry: dict[str, Any] = result.to_json()
        if result.note is None:
            entry["status"] = "nothing to carry"
        elif _same_record(there.get(result.target, ()), result.note):
            entry["status"] = "already attached"
        elif write:
            pending[result.target] = result.note
            entry["status"] = "written"
        else:
            entry["status"] = "would write"
        out.results.append(entry)
    if pending:
        from signoff.recording.hooks import write_notes

        write_notes(pending, str(repo.root), env)
    return out


def _merge_of(repo: Repo, base: str, head: str) -> tuple[str, str] | None:
    """(the merge commit on `base`'s first-parent line that brought `head` in, its first
    parent), or None when `head` is on that line itself (a fast-forward)."""
    line = repo.run_text(
        "rev-list", "--first-parent", "--ancestry-path", "--parents", f"{head}..{base}"
    ).splitlines()
    if not line:
        return None
    oldest = line[-1].split()
    if len(oldest) < 3:  # not a merge: the line reached head through a first parent
        return None
    merge, first_parent = oldest[0], oldest[1]
    if repo.succeeds("merge-base", "--is-ancestor", head, first_parent):
        return None
    return merge, first_parent


def _key(text: str) -> str:
    return " ".join(text.split())


def _merged_commits(
    candidates: list[tuple[str, list[FileDiff]]], written: list[tuple[str, list[FileDiff]]]
) -> list[str]:
    """The newest candidates (oldest first in the answer) made of the pull request's lines."""
    pr_lines: set[str] = set()
    for _, diffs in written:
        for f in diffs:
            pr_lines.update(_key(t) for t in f.added.values())
    kept: list[str] = []
    for sha, diffs in reversed(candidates):  # newest first
        texts = [_key(t) for f in diffs if not f.binary for t in f.added.values()]
        found = sum(1 for t in texts if t in pr_lines)
        if texts and found * 2 < len(texts):
            break
        kept.append(sha)
    kept.reverse()
    return kept


def _pairs(repo: Repo, merged: list[str], pr_commits: list[str]) -> list[tuple[list[str], str]]:
    """Which pull request commits each merged commit takes its record from."""
    if len(merged) == 1:
        return [(list(pr_commits), merged[0])]
    ids = _patch_ids(repo, [*merged, *pr_commits])
    by_patch: dict[str, list[str]] = {}
    for sha in pr_commits:
        if sha in ids:
            by_patch.setdefault(ids[sha], []).append(sha)
    pairs: dict[str, list[str]] = {}
    left = list(pr_commits)
    for sha in merged:
        same = by_patch.get(ids.get(sha, ""), [])
        if same:
            source = same.pop(0)
            pairs[sha] = [source]
            left.remove(source)
    rest = [sha for sha in merged if sha not in pairs]
    for target, source in zip(rest, left, strict=False):
        pairs[target] = [source]
    for target in rest[len(left) :]:  # more merged commits than left over: take them all
        pairs[target] = list(pr_commits)
    return [(pairs[sha], sha) for sha in merged]


def _patch_ids(repo: Repo, shas: Sequence[str]) -> dict[str, str]:
    """commit -> `git patch-id --stable` of its change (two git processes for all)."""
    patch = repo.run("log", "--no-walk=unsorted", "-p", "--no-color", "--no-ext-diff", *shas, "--")
    out = repo.run("patch-id", "--stable", input=patch)
    ids = {}
    for line in out.decode("ascii", "replace").splitlines():
        patch_id, _, sha = line.partition(" ")
        ids[sha.strip()] = patch_id
    return ids


def _notes_refs(repo: Repo) -> list[str]:
    """The local notes and the copies fetched from remotes: a CI clone has the authors' records
    wherever its fetch put them."""
    from signoff.git.notes import notes_refs

    return notes_refs(repo, "signoff")


def _attached(repo: Repo, targets: list[str]) -> dict[str, list[dict[str, Any]]]:
    """The documents already on each target under refs/notes/signoff (one lookup for all)."""
    from signoff.recording.carry import source_documents

    found = source_documents(targets, cwd=str(repo.root), env=repo.environment(),
                             refs=("refs/notes/signoff",))  # fmt: skip
    return {sha: [doc for _, doc in docs] for sha, docs in found.items()}


def _same_record(docs: Sequence[dict[str, Any]], note: bytes) -> bool:
    """One of `docs` is this reattached record already (same derivation, same ranges)."""
    import json

    new = json.loads(note)
    return any(
        d.get("commit") == new["commit"]
        and d.get("derived") == new["derived"]
        and d.get("files") == new["files"]
        for d in docs
    )
