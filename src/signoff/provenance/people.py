"""One human, many identities: the one place that merges them before anyone counts by person.

A person commits as `Steve Yegge <stevey@work>` and `Steve Yegge <steve@home>`; git's
`.mailmap` and the registry's people (several emails per person) say they are one human.
`detect` runs every accepter through `People.canonical`, so `explain`, `stats` by accepter and
the audit name one person once. Identities are mapped only for answers about people, never
for detection: a mailmap entry that maps every name at an address would otherwise turn an
agent's `gastown/crew/max <steve@...>` into Steve.
"""

from __future__ import annotations

import hashlib
import importlib
import json
from collections.abc import Iterable, Sequence

from signoff.git import mailmap
from signoff.git.log import Person
from signoff.git.mailmap import Mailmap, Sources
from signoff.git.repo import Repo
from signoff.layout import POLICY_FILE


class People:
    """Canonical identities: git's mailmap first, then the registry (by any of its emails).

    Built lazily: nothing is read (no policy load, no git process) until the first accepter
    is mapped, so an index update with no new commits costs nothing more.
    """

    def __init__(
        self,
        mailmap: Mailmap | None = None,
        registry: Iterable[tuple[str, Sequence[str]]] = (),
        *,
        repo: Repo | None = None,
    ) -> None:
        self.mailmap = mailmap
        self._registry = list(registry)
        self._repo = repo  # read the registry from its policy on first use
        self._by_email: dict[str, Person] | None = None

    @classmethod
    def for_repo(cls, repo: Repo) -> People:
        """The repository's mailmap and the people of the policy in force (if it loads)."""
        return cls(Mailmap(repo), repo=repo)

    @property
    def by_email(self) -> dict[str, Person]:
        if self._by_email is None:
            registry = self._registry + (_registry_of(self._repo) if self._repo else [])
            self._by_email = {}
            for name, emails in registry:
                for email in emails:
                    self._by_email.setdefault(email.strip().lower(), Person(name, emails[0]))
        return self._by_email

    def canonical(self, person: Person) -> Person:
        """The one identity this person is known by."""
        if self.mailmap is not None:
            name, email = self.mailmap.lookup(person.name, person.email)
            person = person if (name, email) == (person.name, person.email) else Person(name, email)
        return self.by_email.get(person.email.strip().lower(), person)

    def fingerprint(self, sources: Sources | None = None) -> str:
        """What the mapping depends on, by content: the mailmap's sources and the registry's
        people (not the rest of the policy). Stored by the index, which re-maps its stored
        accepters when this changes (never a rebuild)."""
        mapped = self.mailmap.fingerprint(sources) if self.mailmap is not None else "-"
        registry = sorted(self.by_email.items())
        listed = json.dumps([(email, p.name, p.email) for email, p in registry])
        return f"{mapped}:{hashlib.sha1(listed.encode(), usedforsecurity=False).hexdigest()[:16]}"

    def close(self) -> None:
        if self.mailmap is not None:
            self.mailmap.close()

    def __enter__(self) -> People:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def probe(repo: Repo, tips: Sequence[str], sources: Sources | None = None) -> str:
    """A cheap stand-in for `People.fingerprint` (file contents, no policy load): when it has
    not moved, the people have not either; when it has, compare fingerprints. `sources`: the
    mailmap files and blobs found with the last fingerprint (`Mailmap.sources`), watched too."""
    policy = repo.root / POLICY_FILE
    try:
        text = policy.read_bytes()
    except OSError:
        text = b""
    digest = hashlib.sha1(text, usedforsecurity=False).hexdigest()[:16]
    return f"{mailmap.probe(repo, tips, sources)}:{digest}"


def _registry_of(repo: Repo) -> list[tuple[str, Sequence[str]]]:
    """(name, emails) of every person in the policy in force; none when it cannot load.

    The policy sits above provenance in the layering, so it is reached the way policy's own
    coverage hook reaches the index: by name, at run time, never by a static import.
    """
    if not (repo.root / POLICY_FILE).is_file():
        return []  # no registry, and no reason to import the policy loader (pydantic)
    try:
        load = importlib.import_module("signoff.policy.load")
        errors = importlib.import_module("signoff.errors")
    except ImportError:
        return []
    try:
        policy = load.policy_in_force(repo, None)
    except (errors.SignoffError, OSError):
        return []  # a broken policy is reported by the commands that judge it
    if policy is None:
        return []
    return [(p.name, [str(e) for e in p.emails]) for p in policy.people.values()]
