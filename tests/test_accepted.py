"""Who accepted a change, one test per branch of the rule, on real commits."""

from __future__ import annotations

import pytest

from signoff.git import Repo
from signoff.git.log import Person, read_commit
from signoff.provenance.accepted import find_accepter, is_forge
from signoff.provenance.markers import find_markers
from signoff.provenance.model import Marker
from tests.gitrepo import GitRepo

ADA = ("Ada Lovelace", "ada@example.com")
CARL = ("Carl Committer", "carl@example.com")
GITHUB = ("GitHub", "noreply@github.com")
COPILOT = ("Copilot", "198982749+Copilot@users.noreply.github.com")
DEPENDABOT = ("dependabot[bot]", "49699333+dependabot[bot]@users.noreply.github.com")
ACTIONS = ("github-actions[bot]", "41898282+github-actions[bot]@users.noreply.github.com")


def accepter(
    repo: GitRepo,
    message: str,
    author: tuple[str, str],
    committer: tuple[str, str],
    extra: tuple[Marker, ...] = (),
) -> tuple[Person | None, str | None]:
    repo.commit(message, author=author, committer=committer, allow_empty=True)
    commit = read_commit(Repo.discover(repo.path), "HEAD")
    return find_accepter(commit, [*find_markers(commit), *extra])


def test_committer_is_the_accepter(repo: GitRepo) -> None:
    found = accepter(repo, "Change\n\nCo-Authored-By: Claude <noreply@anthropic.com>\n", ADA, CARL)
    assert found == (Person(*CARL), "committer")


def test_aider_suffix_is_stripped_from_the_committer(repo: GitRepo) -> None:
    aider = ("Ada Lovelace (aider)", "ada@example.com")
    assert accepter(repo, "aider: Add retry\n", aider, aider) == (Person(*ADA), "committer")


def test_explicit_accepted_by_trailer_wins(repo: GitRepo) -> None:
    message = "Change\n\nAccepted-by: Rita Reviewer <rita@example.com>\n"
    assert accepter(repo, message, ADA, CARL) == (
        Person("Rita Reviewer", "rita@example.com"),
        "trailer",
    )


def test_last_human_accepted_by_wins_and_malformed_or_bot_ones_are_skipped(repo: GitRepo) -> None:
    message = (
        "Change\n\nAccepted-by: Rita Reviewer <rita@example.com>\n"
        "Accepted-by: Sam Second <sam@example.com>\n"
        "Accepted-by: yes\n"
        "Accepted-by: dependabot[bot] <49699333+dependabot[bot]@users.noreply.github.com>\n"
    )
    assert accepter(repo, message, ADA, CARL) == (
        Person("Sam Second", "sam@example.com"),
        "trailer",
    )


def test_forge_committer_falls_back_to_human_author(repo: GitRepo) -> None:
    message = "Pair work (#12)\n\nCo-authored-by: Bob Pair <bob@example.com>\n"
    assert accepter(repo, message, ADA, GITHUB) == (Person(*ADA), "author")


def test_forge_committer_and_agent_author_fall_back_to_first_human_co_author(repo: GitRepo) -> None:
    message = (
        "Fix login redirect (#7)\n\n---------\n\n"
        "Co-authored-by: copilot-swe-agent[bot] <198982749+Copilot@users.noreply.github.com>\n"
        "Co-authored-by: Ada Lovelace <ada@example.com>\n"
        "Co-authored-by: Bob Pair <bob@example.com>\n"
    )
    assert accepter(repo, message, COPILOT, GITHUB) == (Person(*ADA), "co-author")


def test_agent_committer_falls_back_to_co_author(repo: GitRepo) -> None:
    cursor = ("Cursor Agent", "cursoragent@cursor.com")
    message = "Add tax\n\nCo-authored-by: Ada Lovelace <ada@example.com>\n"
    assert accepter(repo, message, cursor, cursor) == (Person(*ADA), "co-author")


def test_automation_committer_falls_back_to_human_author(repo: GitRepo) -> None:
    assert accepter(repo, "Regenerate docs\n", ADA, ACTIONS) == (Person(*ADA), "author")


def test_bots_all_the_way_down_is_none(repo: GitRepo) -> None:
    message = (
        "Bump requests\n\n"
        "Co-authored-by: pre-commit-ci[bot] "
        "<66853113+pre-commit-ci[bot]@users.noreply.github.com>\n"
    )
    assert accepter(repo, message, DEPENDABOT, GITHUB) == (None, None)


@pytest.mark.parametrize(
    "forge",
    [
        ("GitHub", "noreply@github.com"),
        ("GitLab", "gitlab@example.org"),
        ("Web", "noreply@gitlab.com"),
    ],
)
def test_gitlab_and_github_are_forges(repo: GitRepo, forge: tuple[str, str]) -> None:
    assert is_forge(Person(*forge))
    assert accepter(repo, "Merge branch 'x' into 'main'\n", ADA, forge) == (Person(*ADA), "author")


def test_a_marker_from_elsewhere_can_say_the_committer_is_a_bot(repo: GitRepo) -> None:
    house_bot = Marker(
        "hook.house-bot",
        "automation",
        None,
        "identity",
        "strong",
        "Release Robot <release@example.com>",
    )
    found = accepter(
        repo, "Release 1.2\n", ADA, ("Release Robot", "release@example.com"), (house_bot,)
    )
    assert found == (Person(*ADA), "author")


def test_empty_email_and_non_utf8_names_do_not_raise(repo: GitRepo) -> None:
    name = "Ren\udce9"  # a latin-1 byte git stores as is
    person, source = accepter(repo, "Change\n", (name, ""), (name, ""))
    assert source == "committer"
    assert person is not None and person.email == "" and person.name.startswith("Ren")


# --- identities that are not people ---------------------------------------------------------


@pytest.mark.parametrize(
    "nobody",
    [
        ("CI Bot", "ci@beads.test"),
        ("gemini-cli-robot", "gemini-cli-robot@google.com"),
        ("Release", "release-robot@example.com"),
        ("Deploys", "noreply@example.com"),
        ("unknown", ""),
        ("unknown", "none"),
        ("jw bot", "jw@example.org"),
        ("zaniebot", "zaniebot@example.org"),
        ("goreleaserbot", "bot@goreleaser.com"),
        ("gastown/crew/max", "steve@example.com"),
        ("beads/refinery", "steve@example.com"),
        ("Codex Agent", "codex-agent@example.com"),
    ],
)
def test_identities_that_are_not_people_never_accept(
    repo: GitRepo, nobody: tuple[str, str]
) -> None:
    # the non-person commits and authors: the accepter is the human co-author
    message = "Change\n\nCo-authored-by: Ada Lovelace <ada@example.com>\n"
    assert accepter(repo, message, nobody, nobody) == (Person(*ADA), "co-author")
    # as committer of a human's change: the author accepted it
    assert accepter(repo, "Change\n", ADA, nobody) == (Person(*ADA), "author")


@pytest.mark.parametrize(
    "person",
    [
        ("Danno", "66967730+dannomayernotabot@users.noreply.github.com"),
        ("Eric Botti", "104158401+ercbot@users.noreply.github.com"),
        ("Nico Botha", "nico@example.com"),
        ("Bryant Chandler", "brychanrobot@example.com"),
        ("Talbot", "talbot@example.com"),
    ],
)
def test_people_whose_names_look_botty_still_accept(repo: GitRepo, person: tuple[str, str]) -> None:
    assert accepter(repo, "Change\n", person, person) == (Person(*person), "committer")


def test_agent_signature_names_the_accepter_with_their_email(repo: GitRepo) -> None:
    matt = ("matt wilkie", "maphew@example.com")
    message = "Docs\n\nAgent-Signature: codex-gpt-5.5-medium on behalf of matt wilkie\n"
    # GitHub committed the squash; the signature's human is the author, found with an email
    assert accepter(repo, message, matt, GITHUB) == (Person(*matt), "signature")
    # a name the commit does not otherwise carry is kept as a name
    message = "Docs\n\n_claude-opus-4-8-high on behalf of maphew_\n"
    assert accepter(repo, message, matt, GITHUB) == (Person("maphew", ""), "signature")


def test_agent_signature_for_a_ci_bot_names_nobody(repo: GitRepo) -> None:
    message = (
        "Docs\n\n_codex-gpt-5.5-medium on behalf of CI Bot_\n"
        "Co-authored-by: CI Bot <ci@beads.test>\n"
    )
    assert accepter(repo, message, ("CI Bot", "ci@beads.test"), GITHUB) == (None, None)


def test_decorated_name_accepts_without_the_decoration(repo: GitRepo) -> None:
    ryan = ("Ryan Newton + Claude", "rrn@example.com")
    assert accepter(repo, "Change\n", ryan, ryan) == (
        Person("Ryan Newton", "rrn@example.com"),
        "committer",
    )


def test_an_orchestrator_worker_under_its_bare_name_never_accepts(repo: GitRepo) -> None:
    quartz = ("quartz", "steve@example.com")
    message = (
        "Fix sync\n\nCo-Authored-By: Claude Opus 4.6 <noreply@anthropic.com>\n\n"
        "Executed-By: beads/polecats/quartz\nRig: beads\nRole: polecats\n"
    )
    assert accepter(repo, message, quartz, quartz) == (None, None)
    assert accepter(repo, message, quartz, ADA) == (Person(*ADA), "committer")


def test_a_typed_accepted_by_never_outranks_the_hooks_note(repo: GitRepo) -> None:
    from signoff.provenance.detect import detect
    from signoff.provenance.model import ToolUse
    from signoff.provenance.notes import build_note

    message = "Change\n\nAI-Assisted: claude-code\nAccepted-by: Mallory <mallory@example.com>\n"
    repo.commit(message, author=ADA, committer=ADA, allow_empty=True)
    commit = read_commit(Repo.discover(repo.path), "HEAD")
    note = build_note(
        status="ai",
        tools=[ToolUse("claude-code")],
        accepted_by=Person(*ADA),
        recorded_by="hook",
        commit=commit.sha,
    )
    prov = detect(commit, signoff_notes=[note])
    assert (prov.accepted_by, prov.accepted_by_source) == (Person(*ADA), "note")
    assert any("Accepted-by: trailer names Mallory" in p for p in prov.problems)
    # the same name in both: the trailer is the answer, no problem
    agreeing = build_note(
        status="ai",
        tools=[ToolUse("claude-code")],
        accepted_by=Person("Mallory", "mallory@example.com"),
        recorded_by="hook",
        commit=commit.sha,
    )
    prov = detect(commit, signoff_notes=[agreeing])
    assert prov.accepted_by_source == "trailer"
    assert prov.problems == ()


STEVE = ("Steve Yegge", "steve@example.com")


@pytest.mark.parametrize(
    ("author", "committer", "message", "expected"),
    [
        # a polecat committed through a crew workspace: both agents, nobody accepted
        (("furiosa", "steve@example.com"), ("beads/crew/lydia", "steve@example.com"), "", None),
        # a refinery configured as a plain `Refinery` committer is no one either
        (("nux", "steve@example.com"), ("Refinery", "steve@example.com"), "", None),
        # the crew member's own bare name beside its compound identity
        (("emma", "steve@example.com"), ("beads/crew/emma", "steve@example.com"), "", None),
        # a custom theme's name, known from the Executed-By actor
        (("zhora", "cd@example.com"), GITHUB, "Executed-By: gastown/crew/zhora\n", None),
        # a pool name at the overseer's address, committed by the overseer: the overseer
        (("max", "steve@example.com"), STEVE, "", STEVE),
    ],
)
def test_gas_town_workers_under_bare_names_never_accept(
    repo: GitRepo,
    author: tuple[str, str],
    committer: tuple[str, str],
    message: str,
    expected: tuple[str, str] | None,
) -> None:
    found = accepter(repo, f"Fix daemon\n\n{message}", author, committer)
    assert found[0] == (Person(*expected) if expected else None)
    markers = find_markers(read_commit(Repo.discover(repo.path), "HEAD"))
    assert any(m.detector == "gas-town.worker" for m in markers)


@pytest.mark.parametrize(
    ("author", "committer"),
    [
        # a person whose name is their address's handle, beside an agent at their address
        (("steve", "steve@example.com"), ("gastown/crew/max", "steve@example.com")),
        (("julian", "123+julian@users.noreply.github.com"), ("beads/crew/x", "x@example.com")),
        # a pool name that is a person's first name at their own address
        (("ruby", "ruby.smith@example.com"), ("Ruby Smith", "ruby.smith@example.com")),
        # a custom-theme name with no Gas Town trace on the commit
        (("zhora", "cd@example.com"), ("Chris Deal", "cd@example.com")),
        # a pool name from someone else's address
        (("max", "max@example.com"), GITHUB),
    ],
)
def test_people_with_bare_names_stay_people(
    repo: GitRepo, author: tuple[str, str], committer: tuple[str, str]
) -> None:
    repo.commit("Fix\n", author=author, committer=committer, allow_empty=True)
    markers = find_markers(read_commit(Repo.discover(repo.path), "HEAD"))
    assert not any(m.detector == "gas-town.worker" for m in markers)
