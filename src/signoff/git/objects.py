"""Object lookups in bulk: which `rev:path` names exist, from one `cat-file --batch-check`."""

from __future__ import annotations

from signoff.git.repo import Repo


def object_ids(repo: Repo, specs: list[str]) -> list[str | None]:
    """The object id each spec (`rev:path`, a sha) names, in order; None where it names none."""
    if not specs:
        return []
    out = repo.run(
        "cat-file", "--batch-check", "--buffer", input=("\n".join(specs) + "\n").encode()
    )
    ids: list[str | None] = []
    for line in out.decode("utf-8", "replace").splitlines():
        parts = line.split()
        ids.append(parts[0] if len(parts) == 3 else None)
    return ids
