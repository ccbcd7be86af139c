"""One human's identities merged by `.mailmap` and the registry, in explain and stats."""

from __future__ import annotations

import json
import sqlite3
from contextlib import closing
from pathlib import Path

from signoff.git import Repo
from signoff.git.log import Person, read_commit
from signoff.git.mailmap import Mailmap
from signoff.provenance.detect import detect
from signoff.provenance.people import People
from signoff.query.lookup import ProvenanceLookup
from signoff.query.stats import stats
from signoff.store.index import index_path, update_index
from tests.gitrepo import GitRepo, run_signoff

CLAUDE = "\n\nCo-Authored-By: Claude <noreply@anthropic.com>\n"
HOME = ("steve", "steve@home.example")
WORK = ("Steve Yegge", "stevey@work.example")

POLICY = """\
schema: signoff/policy/v1
governance: {policy_owner: ada, workflow: policy}
people:
  - {id: ada, name: Ada Lovelace, emails: [ada@example.com, ada@old.example]}
workflows:
  - id: policy
    description: the policy itself
    paths: ["*"]
    tier: low
    accountable: ada
tiers:
  low: {min_approvals: 0}
"""


def test_mailmap_merges_accepters_in_answers_and_stats(repo: GitRepo) -> None:
    repo.commit("Mailmap", {".mailmap": f"{WORK[0]} <{WORK[1]}> <{HOME[1]}>\n"})
    first = repo.commit("One" + CLAUDE, {"a.py": "a\n"}, author=HOME)
    repo.commit("Two" + CLAUDE, {"b.py": "b\n"}, author=WORK)
    # a co-author accepter (the author is an agent) is mapped too
    repo.commit(
        "Three\n\nCo-authored-by: steve <steve@home.example>\n",
        {"c.py": "c\n"},
        author=("copilot-swe-agent[bot]", "198982749+Copilot@users.noreply.github.com"),
        committer=("GitHub", "noreply@github.com"),
    )
    r = Repo.discover(repo.path)
    with ProvenanceLookup(r, use_index=False) as lookup:
        assert lookup.get(first).accepted_by == Person(*WORK)
    report = stats(r)
    assert [(a["name"], a["email"], a["ai_commits"]) for a in report.by_accepter] == [
        (WORK[0], WORK[1], 3)
    ]


def test_registry_people_with_several_emails_are_one_accepter(repo: GitRepo) -> None:
    repo.commit("Policy", {"signoff.yaml": POLICY})
    old = repo.commit("Old" + CLAUDE, {"a.py": "a\n"}, author=("Ada L", "ada@old.example"))
    r = Repo.discover(repo.path)
    with People.for_repo(r) as people:
        prov = detect(read_commit(r, old), people=people)
    assert prov.accepted_by == Person("Ada Lovelace", "ada@example.com")
    report = stats(r)
    assert [(a["name"], a["email"]) for a in report.by_accepter] == [
        ("Ada Lovelace", "ada@example.com")
    ]


def test_identities_are_not_mapped_for_detection(repo: GitRepo) -> None:
    # an email-only mailmap line maps every name at the address, agent names included
    repo.commit("Mailmap", {".mailmap": f"{WORK[0]} <{WORK[1]}>\n"})
    sha = repo.commit(
        "Sling", {"a.py": "a\n"}, author=("gastown/crew/max", WORK[1]), committer=("s", WORK[1])
    )
    r = Repo.discover(repo.path)
    with ProvenanceLookup(r, use_index=False) as lookup:
        prov = lookup.get(sha)
    assert prov.status == "ai"
    assert [t.tool for t in prov.tools] == ["gas-town"]
    assert prov.accepted_by == Person(*WORK)  # the committer, mapped


def test_no_mailmap_starts_no_process(repo: GitRepo) -> None:
    repo.commit("One", {"a.py": "a\n"})
    mailmap = Mailmap(Repo.discover(repo.path))
    assert mailmap.lookup("A <x>", "a@example.com") == ("A <x>", "a@example.com")
    assert mailmap.lookup("Ada", "ada@example.com") == ("Ada", "ada@example.com")
    assert mailmap.active is False
    assert mailmap._proc is None


def test_a_bare_repository_uses_the_mailmap_at_head(repo: GitRepo, tmp_path: Path) -> None:
    repo.commit("Mailmap", {".mailmap": f"{WORK[0]} <{WORK[1]}> <{HOME[1]}>\n"})
    first = repo.commit("One" + CLAUDE, {"a.py": "a\n"}, author=HOME)
    bare = tmp_path / "bare.git"
    repo.git("clone", "-q", "--bare", str(repo.path), str(bare))
    with ProvenanceLookup(Repo.discover(bare), use_index=False) as lookup:
        assert lookup.get(first).accepted_by == Person(*WORK)


def _accepters(repo: GitRepo) -> list[tuple[str, str, int]]:
    out = run_signoff(repo, "stats", "--json")
    assert out.returncode == 0, out.stderr
    return [(a["name"], a["email"], a["ai_commits"]) for a in json.loads(out.stdout)["by_accepter"]]


def _explained(repo: GitRepo, sha: str) -> dict[str, str]:
    out = run_signoff(repo, "explain", sha, "--json")
    assert out.returncode == 0, out.stderr
    accepted: dict[str, str] = json.loads(out.stdout)["commits"][0]["provenance"]["accepted_by"]
    return accepted


def _index(repo: GitRepo) -> dict[str, object]:
    out = run_signoff(repo, "index", "--json")
    assert out.returncode == 0, out.stderr
    doc: dict[str, object] = json.loads(out.stdout)
    return doc


def test_a_mailmap_edit_after_indexing_re_merges_stored_accepters(repo: GitRepo) -> None:
    first = repo.commit("One" + CLAUDE, {"a.py": "a\n"}, author=HOME)
    repo.commit("Two" + CLAUDE, {"b.py": "b\n"}, author=WORK)
    assert _index(repo)["rebuilt"] is True
    assert sorted(_accepters(repo)) == [(WORK[0], WORK[1], 1), (HOME[0], HOME[1], 1)]
    assert _explained(repo, first) == {"name": HOME[0], "email": HOME[1]}

    # an uncommitted edit counts, as it does for git log --use-mailmap
    repo.write(".mailmap", f"{WORK[0]} <{WORK[1]}> <{HOME[1]}>\n")
    assert _accepters(repo) == [(WORK[0], WORK[1], 2)]
    assert _explained(repo, first) == {"name": WORK[0], "email": WORK[1]}
    update = _index(repo)
    assert (update["rebuilt"], update["added"], update["accepters_remapped"]) == (False, 0, 0)

    # taking the line out again gives the identities back (the raw accepter is kept)
    (repo.path / ".mailmap").unlink()
    assert _index(repo)["accepters_remapped"] == 1
    assert _explained(repo, first) == {"name": HOME[0], "email": HOME[1]}


def test_a_registry_edit_re_merges_only_when_its_people_change(repo: GitRepo) -> None:
    repo.commit("Policy", {"signoff.yaml": POLICY})
    old = repo.commit("Old" + CLAUDE, {"a.py": "a\n"}, author=("Ada L", "ada@older.example"))
    assert _index(repo)["rebuilt"] is True
    assert _explained(repo, old) == {"name": "Ada L", "email": "ada@older.example"}

    # an edit elsewhere in the policy moves the file, not the people: nothing re-merged
    repo.write("signoff.yaml", POLICY.replace("the policy itself", "the policy"))
    assert _index(repo)["accepters_remapped"] == 0

    repo.write("signoff.yaml", POLICY.replace("ada@old.example", "ada@older.example"))
    update = _index(repo)
    assert (update["rebuilt"], update["accepters_remapped"]) == (False, 1)
    assert _accepters(repo) == [("Ada Lovelace", "ada@example.com", 1)]
    assert _explained(repo, old) == {"name": "Ada Lovelace", "email": "ada@example.com"}


def test_remapping_runs_an_update_over_stored_accepters(repo: GitRepo) -> None:
    """The index keeps each accepter as found: a mailmap edit is one SQL update, not detection
    again (the stored rows are re-merged, their other columns untouched)."""
    sha = repo.commit("One" + CLAUDE, {"a.py": "a\n"}, author=HOME)
    r = Repo.discover(repo.path)
    update_index(r)
    repo.write(".mailmap", f"{WORK[0]} <{WORK[1]}> <{HOME[1]}>\n")
    result = update_index(r)
    assert (result.rebuilt, result.added, result.refreshed, result.remapped) == (False, 0, 0, 1)
    with closing(sqlite3.connect(index_path(r))) as conn:
        row = conn.execute(
            "SELECT accepted_name, accepted_email, raw_accepted_name, raw_accepted_email "
            "FROM commits WHERE sha = ?",
            (sha,),
        ).fetchone()
    assert row == (WORK[0], WORK[1], HOME[0], HOME[1])


def test_a_global_mailmap_file_is_watched_like_mailmap(repo: GitRepo, tmp_path: Path) -> None:
    """`mailmap.file` set in the user's global config (`GIT_CONFIG_GLOBAL`): setting it, editing
    the file it names and unsetting it each re-merge the stored accepters, with no rebuild."""
    first = repo.commit("One" + CLAUDE, {"a.py": "a\n"}, author=HOME)
    repo.commit("Two" + CLAUDE, {"b.py": "b\n"}, author=WORK)
    assert _index(repo)["rebuilt"] is True
    global_config = repo.env["GIT_CONFIG_GLOBAL"]
    people = tmp_path / "people.mailmap"
    people.write_text("# nobody yet\n")
    repo.git("config", "--file", global_config, "mailmap.file", str(people))
    update = _index(repo)
    assert (update["rebuilt"], update["accepters_remapped"]) == (False, 0)

    # the file's content changes; no config does
    people.write_text(f"{WORK[0]} <{WORK[1]}> <{HOME[1]}>\n")
    update = _index(repo)
    assert (update["rebuilt"], update["added"], update["accepters_remapped"]) == (False, 0, 1)
    assert _accepters(repo) == [(WORK[0], WORK[1], 2)]
    assert _explained(repo, first) == {"name": WORK[0], "email": WORK[1]}

    repo.git("config", "--file", global_config, "--unset", "mailmap.file")
    assert _index(repo)["accepters_remapped"] == 1
    assert _explained(repo, first) == {"name": HOME[0], "email": HOME[1]}


def test_a_local_mailmap_blob_is_watched(repo: GitRepo) -> None:
    """`mailmap.blob` in the repository's config names a blob on another branch: a commit
    there that changes it re-merges the accepters (the branch checked out does not move)."""
    first = repo.commit("One" + CLAUDE, {"a.py": "a\n"}, author=HOME)
    repo.git("branch", "people")
    repo.git("config", "mailmap.blob", "people:people.mailmap")
    assert _index(repo)["accepters_remapped"] == 0
    repo.git("checkout", "-q", "people")
    repo.commit("People", {"people.mailmap": f"{WORK[0]} <{WORK[1]}> <{HOME[1]}>\n"})
    repo.git("checkout", "-q", "main")
    update = _index(repo)
    assert (update["rebuilt"], update["accepters_remapped"]) == (False, 1)
    assert _explained(repo, first) == {"name": WORK[0], "email": WORK[1]}
