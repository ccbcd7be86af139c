"""Who accepted a change: the human who took it into the history.

Normally that is the committer. When the committer is a forge (a web merge) or a bot, git
does not record who pressed the button, so the best evidence left is the author when a
person wrote it, else the first human co-author (the person an agent worked for). An
explicit `Accepted-by:` trailer, written by Signoff at commit time, beats every inference.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from signoff.git.log import Commit, Person
from signoff.provenance.markers import is_bot_identity, parse_person
from signoff.provenance.model import Marker

# Forges that commit web merges and edits under their own name, not the human's.
FORGE_EMAILS = frozenset(("noreply@github.com", "noreply@gitlab.com"))
FORGE_NAMES = frozenset(("github", "github enterprise", "gitlab"))

_AIDER_SUFFIX = re.compile(r"\s*\(aider\)\s*$", re.IGNORECASE)
_BRACKETED = re.compile(r".*<[^<>]*>\s*", re.DOTALL)


def find_accepter(commit: Commit, markers: Sequence[Marker]) -> tuple[Person | None, str | None]:
    """The human who accepted `commit`, and where that answer came from.

    Source is one of "trailer", "committer", "author", "co-author"; (None, None) when no
    human is on record (a bot committed a bot's change with no human co-author).
    """
    declared = _declared(commit, markers)
    if declared is not None:
        return declared, "trailer"
    committer = _undecorated(commit.committer)
    if _is_human(committer, markers):
        return committer, "committer"
    author = _undecorated(commit.author)
    if _is_human(author, markers):
        return author, "author"
    for value in commit.trailer_values("co-authored-by"):
        person = parse_person(value)
        if _is_human(person, markers):
            return person, "co-author"
    return None, None


def is_forge(person: Person) -> bool:
    """A forge identity (GitHub's web-flow committer, GitLab's) rather than a person."""
    return (
        person.email.strip().lower() in FORGE_EMAILS or person.name.strip().lower() in FORGE_NAMES
    )


def _declared(commit: Commit, markers: Sequence[Marker]) -> Person | None:
    """The last well-formed human `Accepted-by: Name <email>` (re-acceptance appends)."""
    for value in reversed(commit.trailer_values("accepted-by")):
        if not _BRACKETED.fullmatch(value):
            continue
        person = parse_person(value)
        if person.name and _is_human(person, markers):
            return person
    return None


def _undecorated(person: Person) -> Person:
    """The person without aider's ` (aider)` name suffix."""
    name = _AIDER_SUFFIX.sub("", person.name)
    return person if name == person.name else Person(name, person.email)


def _is_human(person: Person, markers: Sequence[Marker]) -> bool:
    if not (person.name.strip() or person.email.strip()):
        return False
    if is_forge(person) or is_bot_identity(person):
        return False
    # A marker from another source (a hook, a note) may know this identity is a bot.
    text = str(person)
    return not any(
        m.source == "identity" and m.kind in ("ai", "automation") and m.evidence == text
        for m in markers
    )
