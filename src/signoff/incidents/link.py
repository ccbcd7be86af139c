"""Turning what a responder names (a commit, a range, `file:line`) into a suspect record.

The commits are resolved when the link is made and written into the record: a `file:line`
moves as the code changes, so the record keeps the commit the lines were read at.
"""

from __future__ import annotations

from datetime import datetime, timezone

from signoff.errors import SignoffError
from signoff.git.blame import blame
from signoff.git.log import rev_list
from signoff.git.repo import Repo
from signoff.incidents.model import Suspect
from signoff.query.blame import check_blameable
from signoff.query.target import parse_target

MAX_RANGE = 500


def resolve_suspect(
    repo: Repo, target_text: str, note: str = "", now: datetime | None = None
) -> Suspect:
    """A suspect for `target_text`, its commits resolved now."""
    target = parse_target(repo, target_text)
    linked = now or datetime.now(timezone.utc)
    if target.kind == "commit":
        assert target.commit
        parents = repo.run_text("rev-list", "--parents", "-n1", target.commit).split()[1:]
        if len(parents) > 1:  # a pull request's merge: suspect what it brought in
            brought = rev_list(repo, [f"{target.commit}^1..{target.commit}"])
            commits = [c for c in brought if c != target.commit] or [target.commit]
            return Suspect(target=target_text, commits=commits, note=note, linked=linked)
        return Suspect(target=target_text, commits=[target.commit], note=note, linked=linked)
    if target.kind == "range":
        assert target.range
        shas = rev_list(repo, [target.range])
        if not shas:
            raise SignoffError(f"{target_text} holds no commits", "check the range with git log")
        if len(shas) > MAX_RANGE:
            raise SignoffError(
                f"{target_text} holds {len(shas)} commits; a suspect is at most {MAX_RANGE}",
                "narrow the range to the changes that plausibly caused the incident",
            )
        return Suspect(target=target_text, commits=shas, note=note, linked=linked)
    if target.kind == "line":
        assert target.path and target.start and target.end
        head = repo.require_commit("HEAD")
        check_blameable(repo, target.path, target.start, target.end, head)
        lines, _ = blame(repo, target.path, rev=head, start=target.start, end=target.end)
        commits = list(dict.fromkeys(line.commit for line in lines))
        lines_text = (
            str(target.start) if target.start == target.end else f"{target.start}-{target.end}"
        )
        return Suspect(
            target=target_text,
            commits=commits,
            path=target.path,
            lines=lines_text,
            rev=head,
            note=note,
            linked=linked,
        )
    raise SignoffError(
        f"{target_text} is a whole file; link the lines or commits behind the failure",
        f"e.g. signoff incident link ID {target_text}:42 (or a commit id)",
    )
