"""Who accepted a change: the human who took it into the history.

Normally that is the committer. When the committer is a forge (a web merge) or a bot, git
does not record who pressed the button, so the best evidence left is the author when a
person wrote it, else the first human co-author (the person an agent worked for). An
explicit `Accepted-by:` trailer, written by Signoff at commit time, beats every inference;
next comes the human an agent signature names (`... on behalf of matt wilkie`).

Identities that are not people never accept anything: forges, bots and agents the table
knows, CI and release robots (`ci@...`, `*-robot@`, `noreply@` addresses other than GitHub's
per-user ones), empty placeholders (`unknown <>`), self-declared bot names (`jw bot`), and
agent names at a human's email (`gastown/crew/max <steve@...>`), and orchestrated workers
under a bare name (Gas Town's polecat `furiosa <steve@...>`).
"""

from __future__ import annotations

from collections.abc import Sequence

from signoff.git.log import Commit, Person
from signoff.provenance.markers import (
    GAS_TOWN_WORKER,
    classify_identity,
    is_bot_identity,
    on_behalf_of,
    parse_person,
    plain_text,
)
from signoff.provenance.model import Marker

# Forges that commit web merges and edits under their own name, not the human's.
FORGE_EMAILS = frozenset(("noreply@github.com", "noreply@gitlab.com"))
FORGE_NAMES = frozenset(("github", "github enterprise", "gitlab"))

_AIDER_SUFFIX = "(aider)"
# Names and addresses that stand for nobody.
PLACEHOLDERS = frozenset(("", "unknown", "none", "(none)", "nobody", "n/a", "anonymous", "null"))
# Local parts of addresses that no person reads.
_NOT_A_MAILBOX = frozenset(("ci", "noreply", "no-reply", "donotreply", "do-not-reply", "bot"))
_NOT_A_MAILBOX_SUFFIXES = ("-bot", "_bot", ".bot", "-robot", "_robot", "[bot]", "-ci")
_BOT_WORDS = frozenset(("bot", "robot", "[bot]", "ci"))
_BOT_SURNAMES = frozenset(("talbot", "abbot", "cabot", "thibodeaux"))


def find_accepter(commit: Commit, markers: Sequence[Marker]) -> tuple[Person | None, str | None]:
    """The human who accepted `commit`, and where that answer came from.

    Source is one of "trailer", "committer", "author", "co-author"; (None, None) when no
    human is on record (a bot committed a bot's change with no human co-author).
    """
    declared = _declared(commit, markers)
    if declared is not None:
        return declared, "trailer"
    signed = _signed_for(commit, markers)
    if signed is not None:
        return signed, "signature"
    # An orchestrator's worker commits under its bare name (Gas Town's polecat `quartz` at the
    # overseer's email) and says so in `Executed-By: beads/polecats/quartz`.
    executors = {
        part.casefold()
        for value in commit.trailer_values("executed-by")
        for part in (value.strip(), value.strip().rsplit("/", 1)[-1])
    }
    committer = _undecorated(commit.committer)
    if _is_human(committer, markers) and committer.name.casefold() not in executors:
        return committer, "committer"
    author = _undecorated(commit.author)
    if _is_human(author, markers) and author.name.casefold() not in executors:
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


def is_person(person: Person) -> bool:
    """Whether an identity can be a human at all, by its shape alone.

    False for empty placeholders, CI and release robots, automation mailboxes and
    self-declared bot names. GitHub's per-user noreply addresses are people.
    """
    name = plain_text(person.name).lower()
    email = plain_text(person.email).lower()
    if name in PLACEHOLDERS and email in PLACEHOLDERS:
        return False
    local, _, domain = email.partition("@")
    if domain != "users.noreply.github.com" and (
        local in _NOT_A_MAILBOX or local.endswith(_NOT_A_MAILBOX_SUFFIXES)
    ):
        return False
    words = name.replace("-", " ").replace("_", " ").split()
    if any(w in _BOT_WORDS for w in words[1:]) or name.endswith(("-bot", "-robot", "[bot]")):
        return False
    return not (len(words) == 1 and words[0].endswith("bot") and words[0] not in _BOT_SURNAMES)


def _declared(commit: Commit, markers: Sequence[Marker]) -> Person | None:
    """The last well-formed human `Accepted-by: Name <email>` (re-acceptance appends)."""
    for value in reversed(commit.trailer_values("accepted-by")):
        person = parse_person(value)
        if not person.email and not value.rstrip().endswith("<>"):
            continue  # no `<email>`: `Accepted-by: yes` names nobody
        if person.name and _is_human(person, markers):
            return person
    return None


def _signed_for(commit: Commit, markers: Sequence[Marker]) -> Person | None:
    """The human an agent signature names, with their email when the commit has it."""
    for marker in markers:
        name = on_behalf_of(marker)
        if not name:
            continue
        known = [commit.author, commit.committer]
        known += [parse_person(v) for v in commit.trailer_values("co-authored-by")]
        folded = plain_text(name).casefold()
        person = next(
            (p for p in known if plain_text(p.name).casefold() == folded), Person(name, "")
        )
        if _is_human(person, markers):
            return person
    return None


def _undecorated(person: Person) -> Person:
    """The person without the tool a name carries: aider's ` (aider)` suffix, or a
    ` + Claude` / ` (via Claude)` decoration."""
    name = _without_aider_suffix(person.name)
    detector = classify_identity(Person(name, person.email))
    if detector is not None and detector.id == "self-declared.decorated-name":
        cut = max(name.rfind(" + "), name.rfind(" ("))
        name = name[:cut].rstrip() if cut > 0 else name
    return person if name == person.name else Person(name, person.email)


def _without_aider_suffix(name: str) -> str:
    """`name` without a trailing ` (aider)`, any case, and the blanks around it. String
    methods, not a regex: `\\s*` tried at every blank of a name of 50,000 spaces is quadratic
    (seconds per commit, in every index build)."""
    stripped = name.rstrip()
    if stripped[-len(_AIDER_SUFFIX) :].lower() != _AIDER_SUFFIX:
        return name
    return stripped[: -len(_AIDER_SUFFIX)].rstrip()


def _is_human(person: Person, markers: Sequence[Marker]) -> bool:
    if not (person.name.strip() or person.email.strip()):
        return False
    if is_forge(person) or is_bot_identity(person) or not is_person(person):
        return False
    # A marker from another source (a hook, a note) may know this identity is a bot.
    text = str(person)
    return not any(
        m.source == "identity"
        and (m.kind in ("ai", "automation") or m.detector == GAS_TOWN_WORKER)
        and m.evidence == text
        for m in markers
    )
