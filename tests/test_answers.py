"""The answers users asked for: accountable now beside then, bulk answers from the index."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import jsonschema
from hypothesis import given, settings
from hypothesis import strategies as st

from signoff.git import Repo
from signoff.query.explain import explain
from tests.gitrepo import GitRepo, run_signoff
from tests.policy_fixtures import base, dump

SCHEMAS = Path(__file__).resolve().parent.parent / "docs" / "schemas"
CLAUDE = "\n\nCo-Authored-By: Claude Opus 4.5 <noreply@anthropic.com>\n"


def validated(name: str, text: str) -> dict[str, Any]:
    doc: dict[str, Any] = json.loads(text)
    jsonschema.validate(doc, json.loads((SCHEMAS / f"{name}-v1.json").read_text()))
    return doc


def test_adoption_day_answers_accountable_now_beside_no_policy_then(repo: GitRepo) -> None:
    old = repo.commit("payments code\n", {"payments/pay.py": "a = 1\nb = 2\n"})
    repo.write("signoff.yaml", dump(base()))  # adopted today: in the work tree, not yet committed
    r = Repo.discover(repo.path)
    (answer,) = explain(r, "payments/pay.py:2").commits
    assert answer.commit.sha == old
    assert answer.ownership.policy is False
    assert answer.ownership.message.startswith("no policy then")
    now = answer.ownership_now
    assert now is not None and now.policy is True and now.rev is None
    assert [o["workflow"] for o in now.owners] == ["payments"]
    assert now.owners[0]["accountable_person"]["id"] == "ada"

    text = run_signoff(repo, "explain", "payments/pay.py:2")
    assert text.returncode == 0, text.stderr
    assert "accountable now:  Ada Lovelace" in text.stdout
    assert "accountable then: no policy then" in text.stdout
    doc = validated("explain", run_signoff(repo, "explain", "payments/pay.py:2", "--json").stdout)
    assert doc["commits"][0]["ownership_now"]["owners"][0]["workflow"] == "payments"
    assert doc["commits"][0]["ownership"]["policy"] is False


def test_once_committed_then_follows_the_policy_at_each_commit(repo: GitRepo) -> None:
    old = repo.commit("payments code\n", {"payments/pay.py": "a = 1\n"})
    policy = base()
    repo.commit("adopt signoff\n", {"signoff.yaml": dump(policy)})
    new = repo.commit("more payments\n", {"payments/pay.py": "a = 1\nb = 2\n"})
    # today the payments workflow has a new accountable: then and now differ
    policy["workflows"][1]["accountable"] = "grace"
    repo.write("signoff.yaml", dump(policy))
    r = Repo.discover(repo.path)
    rng = {a.commit.sha: a for a in explain(r, f"{old}~0..HEAD").commits}
    rng.update({a.commit.sha: a for a in explain(r, old).commits})
    assert rng[old].ownership.policy is False
    assert rng[new].ownership.owners[0]["accountable_person"]["id"] == "ada"
    now = rng[new].ownership_now
    assert now is not None and now.owners[0]["accountable_person"]["id"] == "grace"

    out = run_signoff(repo, "owners", "payments/pay.py", "--json")
    assert out.returncode == 0, out.stderr
    doc = validated("owners", out.stdout)
    (path,) = doc["paths"]
    assert path["accountable"]["id"] == "grace"  # now
    assert path["then"]["commit"] == new
    assert path["then"]["ownership"]["owners"][0]["accountable_person"]["id"] == "ada"
    text = run_signoff(repo, "owners", "payments/pay.py").stdout
    assert f"accountable then (last changed in {new[:10]}): Ada Lovelace" in text


def test_owners_then_says_no_policy_then_for_code_older_than_the_registry(repo: GitRepo) -> None:
    old = repo.commit("payments code\n", {"payments/pay.py": "a = 1\n"})
    repo.commit("adopt signoff\n", {"signoff.yaml": dump(base())})
    doc = validated("owners", run_signoff(repo, "owners", "payments/pay.py", "--json").stdout)
    then = doc["paths"][0]["then"]
    assert then["commit"] == old and then["ownership"]["policy"] is False
    assert then["ownership"]["message"].startswith("no policy then")
    fresh = run_signoff(repo, "owners", "payments/new.py", "--json").stdout
    then = validated("owners", fresh)["paths"][0]["then"]
    assert then["commit"] is None and then["ownership"]["message"].startswith("no commit")


def test_range_from_the_index_equals_the_live_answer(repo: GitRepo) -> None:
    first = repo.commit("base\n", {"a.py": "a\n", "payments/p.py": "p\n"})
    repo.commit("adopt\n", {"signoff.yaml": dump(base())})
    repo.commit("ai" + CLAUDE, {"a.py": "a\nb\n", "payments/p.py": "p\nq\n"})
    repo.git("mv", "a.py", "renamed.py")
    repo.commit("rename\n")
    repo.commit("Reviewed change\n\nReviewed-by: Rita <rita@example.com>\n", {"c.py": "c\n"})
    r = Repo.discover(repo.path)
    indexed = explain(r, f"{first}..HEAD").to_json()
    live = explain(r, f"{first}..HEAD", use_index=False).to_json()
    assert indexed == live
    files = [sorted(c["files"]) for c in indexed["commits"]]
    assert files[-2:] == [["a.py", "payments/p.py"], ["signoff.yaml"]]
    assert indexed["commits"][0]["review"]["trailers"][0]["person"]["email"] == "rita@example.com"
    assert indexed["summary"]["ai_assisted"] == 1


def test_blame_piped_is_plain_columns_never_wrapped(repo: GitRepo) -> None:
    long_line = "value = " + " + ".join(f"term_{i}" for i in range(40)) + "\n"
    first = repo.commit("base\n", {"m.py": "import os\n" + long_line})
    second = repo.commit("ai" + CLAUDE, {"m.py": "import os\n" + long_line + "x = [1]\n"})
    out = run_signoff(repo, "blame", "m.py", env={"COLUMNS": "30"})
    assert out.returncode == 0, out.stderr
    rows = out.stdout.splitlines()
    assert rows[0].split() == ["commit", "author", "tool", "source", "line"]
    assert len(rows) == 4  # header + one row per line: nothing wrapped
    assert rows[1].split()[:5] == [first[:10], "unknown", "-", "commit", "1"]
    assert rows[2].endswith(long_line.rstrip("\n"))
    assert rows[3].split()[0] == second[:10] and rows[3].split()[4] == "3"
    assert "claude-code" in rows[3]
    assert rows[3].endswith("x = [1]")  # brackets are text, not markup
    assert "\x1b[" not in out.stdout


def test_export_jsonl_and_csv_carry_every_explain_field(repo: GitRepo) -> None:
    import csv

    first = repo.commit("base with a CR\r in its subject\n", {"a.py": "a\n"})
    repo.commit("adopt\n", {"signoff.yaml": dump(base())})
    repo.commit(
        '=HYPERLINK("http://evil")' + CLAUDE + "Reviewed-by: Rita <rita@example.com>\n",
        {"payments/p.py": "p\n"},
        author=("@attacker", "-x@example.com"),
    )
    explained = json.loads(run_signoff(repo, "explain", f"{first}~0..HEAD", "--json").stdout)
    explained["commits"] += json.loads(run_signoff(repo, "explain", first, "--json").stdout)[
        "commits"
    ]

    out = run_signoff(repo, "export")
    assert out.returncode == 0, out.stderr
    lines = [validated("export", line) for line in out.stdout.splitlines()]
    assert [row["commit"] for row in lines] == [c["commit"] for c in explained["commits"]]
    for row, commit in zip(lines, explained["commits"], strict=True):
        assert {k: v for k, v in row.items() if k != "schema"} == commit

    table = run_signoff(repo, "export", "--format", "csv", "-o", "out.csv")
    assert table.returncode == 0, table.stderr
    with (repo.path / "out.csv").open(newline="") as f:
        rows = list(csv.DictReader(f))
    assert len(rows) == 3
    expected: set[str] = set()
    for key, value in explained["commits"][0].items():  # objects become one column per field
        expected |= {f"{key}.{sub}" for sub in value} if isinstance(value, dict) else {key}
    assert set(rows[0]) == expected
    top = rows[0]
    assert top["subject"] == '\'=HYPERLINK("http://evil")'  # read as text, never run
    assert top["author.name"] == "'@attacker" and top["author.email"] == "'-x@example.com"
    assert top["provenance.status"] == "ai"
    assert json.loads(top["files"]) == ["payments/p.py"]
    assert json.loads(top["ownership_now.owners"])[0]["workflow"] == "payments"
    assert rows[2]["ownership.policy"] == "false" and rows[2]["commit"] == first
    assert rows[2]["subject"] == "base with a CR\r in its subject"  # quoted, not a row break


def test_export_to_a_file_is_atomic_and_bad_input_exits_2(repo: GitRepo) -> None:
    repo.commit("base\n", {"a.py": "a\n"})
    out = run_signoff(repo, "export", "-o", "out.csv", "-f", "csv")
    assert out.returncode == 0, out.stderr
    assert (repo.path / "out.csv").read_text().startswith("commit,subject,")
    assert not [p for p in repo.path.iterdir() if p.name.endswith(".tmp")]
    bad = run_signoff(repo, "export", "no-such-branch")
    assert bad.returncode == 2 and "no-such-branch" in bad.stderr and "Traceback" not in bad.stderr
    fmt = run_signoff(repo, "export", "--format", "xml")
    assert fmt.returncode == 2 and "--format" in fmt.stderr


def test_output_closed_early_exits_quietly_never_1(repo: GitRepo) -> None:
    """A real pipe closed by `head` after a few bytes: 0 or 141 (SIGPIPE), as git does."""
    import subprocess
    import sys

    repo.commit("big file\n", {"big.py": "".join(f"line_{i} = {i}\n" for i in range(4000))})
    for i in range(120):  # enough output (> 64 KiB) that writes outlive the reader
        repo.commit(f"change {i}" + (CLAUDE if i % 3 == 0 else "\n"), allow_empty=True)
    signoff = f"{sys.executable} -m signoff"
    for args in (
        "export",
        "export --format csv",
        "explain HEAD~100..HEAD --json",
        "explain HEAD~100..HEAD",
        "blame big.py",
        "stats",
        "--help",
    ):
        proc = subprocess.run(
            ["bash", "-c", f"{signoff} {args} | head -c 10 >/dev/null; echo ${{PIPESTATUS[0]}}"],
            cwd=repo.path,
            capture_output=True,
            text=True,
            env=repo.env,
        )
        assert proc.stdout.strip() in ("0", "141"), (args, proc.stdout, proc.stderr)
        assert "Traceback" not in proc.stderr and "BrokenPipe" not in proc.stderr, args


def test_version_answers_without_the_cli_framework(repo: GitRepo) -> None:
    import subprocess
    import sys

    from signoff import __version__

    proc = subprocess.run(
        [sys.executable, "-X", "importtime", "-m", "signoff", "--version"],
        capture_output=True,
        text=True,
        env=repo.env,
    )
    assert proc.returncode == 0 and proc.stdout == f"signoff {__version__}\n"
    imported = {line.split("|")[-1].strip() for line in proc.stderr.splitlines() if "|" in line}
    assert "signoff.cli.entry" in imported
    assert not {m for m in imported if m.split(".")[0] in ("typer", "click", "rich")}


GATE_POLICY = base()
GATE_POLICY["provenance"] = {"require_declaration": ["critical"]}


def _staged(repo: GitRepo, env: dict[str, str], *args: str) -> Any:
    return run_signoff(repo, "check", "--staged", "--no-scan", *args, env=env)


def test_staged_check_leaves_review_rules_to_the_pull_request(repo: GitRepo) -> None:
    repo.commit("policy\n", {"signoff.yaml": dump(base())})
    repo.write("payments/pay.py", "def pay():\n    return 1\n")  # critical tier: 2 approvals
    repo.git("add", "-A")
    agent = _staged(repo, {"CLAUDECODE": "1"})
    assert agent.returncode == 0, agent.stdout + agent.stderr
    assert "review." not in agent.stdout
    header = agent.stdout.splitlines()[0]
    assert "staged change, AI-assisted (claude-code" in header and "0 AI-assisted" not in header
    doc = json.loads(_staged(repo, {"CLAUDECODE": "1"}, "--json").stdout)
    assert doc["changeset"]["staged"]["status"] == "ai"
    assert doc["changeset"]["staged"]["tool"]["tool"] == "claude-code"
    assert not [f for f in doc["findings"] if f["rule"].startswith("review.")]
    # the same change as a pull request still needs its approvals
    repo.git("checkout", "-q", "-b", "feature")
    repo.commit("pay" + CLAUDE)
    pr = run_signoff(repo, "check", "--base", "main", "--no-scan")
    assert pr.returncode == 1 and "review.no-evidence" in pr.stdout


def test_staged_check_still_blocks_the_boundary_and_undeclared_provenance(
    repo: GitRepo,
) -> None:
    repo.commit("policy\n", {"signoff.yaml": dump(GATE_POLICY)})
    repo.write("auth/login.py", "x = 1\n")  # inside the AI boundary
    repo.git("add", "-A")
    agent = _staged(repo, {"CLAUDECODE": "1"})
    assert agent.returncode == 1 and "boundary.ai-forbidden" in agent.stdout
    assert "AI-assisted (claude-code" in agent.stdout.splitlines()[0]
    repo.git("reset", "-q")
    (repo.path / "auth" / "login.py").unlink()
    repo.write("payments/pay.py", "x = 1\n")
    repo.git("add", "-A")
    undeclared = _staged(repo, {"SIGNOFF_AI": ""})
    assert undeclared.returncode == 1 and "provenance.undeclared" in undeclared.stdout
    assert "staged change, unknown" in undeclared.stdout.splitlines()[0]
    declared = _staged(repo, {"SIGNOFF_AI": "none"})
    assert declared.returncode == 0, declared.stdout


def test_decay_blames_each_blob_once_and_reuses_it(
    repo: GitRepo, tmp_path: Path, monkeypatch: Any
) -> None:
    from datetime import date

    from signoff.incidents.decay import decay
    from signoff.store.blame_cache import cache_path
    from tests.incident_fixtures import AI_TRAILERS, HUMAN_TRAILERS, build

    day = date(2026, 3, 1)
    build(repo)
    repo.commit("AI web" + AI_TRAILERS, {"web/ai.py": "A = 1\nB = 2\nC = 3\n"})
    trace = tmp_path / "trace"
    monkeypatch.setenv("GIT_TRACE", str(trace))

    def blames() -> int:
        count = sum(" blame " in line for line in trace.read_text().splitlines())
        trace.write_text("")
        return count

    r = Repo.discover(repo.path)
    first = [x.to_json() for x in decay(r, today=day)]
    assert blames() >= 2 and cache_path(r).exists()
    assert [x.to_json() for x in decay(r, today=day)] == first
    assert blames() == 0  # every blob at HEAD was blamed before
    repo.commit("human edit" + HUMAN_TRAILERS, {"web/ai.py": "A = 1\nB = 20\nC = 3\n"})
    r = Repo.discover(repo.path)
    after = {x.path: x for x in decay(r, today=day)}
    assert blames() == 1  # only the changed file
    before = {x["path"]: x for x in first}
    assert after["web/ai.py"].ai_lines == before["web/ai.py"]["ai_lines"] - 1  # B is human now
    cache_path(r).unlink()
    assert [x.to_json() for x in decay(r, today=day)] == [x.to_json() for x in after.values()]


def test_fast_explain_parses_by_hand_and_defers_anything_else() -> None:
    from signoff.cli.entry import parse_explain

    assert parse_explain(["abc123", "--json", "-C", "repo", "-n", "5"]) == {
        "target": "abc123",
        "repo": "repo",
        "as_json": True,
        "no_index": False,
        "limit": 5,
    }
    assert parse_explain(["--repo=r", "--limit=7", "--no-index", "HEAD"]) == {
        "target": "HEAD",
        "repo": "r",
        "as_json": False,
        "no_index": True,
        "limit": 7,
    }
    for args in (["--help"], ["HEAD", "-h"], ["a", "b"], [], ["HEAD", "-n", "x"], ["HEAD", "-C"]):
        assert parse_explain(args) is None, args


def test_warm_explain_and_piped_blame_load_no_cli_framework(repo: GitRepo) -> None:
    import subprocess
    import sys

    repo.commit("base\n", {"a.py": "a\n"})
    for args in (["explain", "HEAD"], ["explain", "HEAD", "--json"], ["blame", "a.py"]):
        proc = subprocess.run(
            [sys.executable, "-X", "importtime", "-m", "signoff", *args],
            cwd=repo.path,
            capture_output=True,
            text=True,
            env=repo.env,
        )
        assert proc.returncode == 0, proc.stderr
        imported = {line.split("|")[-1].strip() for line in proc.stderr.splitlines() if "|" in line}
        assert "signoff.query.explain" in imported or "signoff.query.blame" in imported
        heavy = {"typer", "click", "rich", "argparse", "pydantic"}
        assert not {m for m in imported if m.split(".")[0] in heavy}, args


def test_decay_skips_binary_files_and_names_unreadable_ones(repo: GitRepo) -> None:
    from datetime import date

    from signoff.incidents.decay import decay
    from signoff.store.blame_cache import cache_path
    from tests.incident_fixtures import AI_TRAILERS, build

    build(repo)
    repo.commit("AI assets" + AI_TRAILERS, {"web/logo.png": b"\x89PNG\x00\x01", "web/a.py": "a\n"})
    problems: list[str] = []
    rows = decay(Repo.discover(repo.path), today=date(2026, 3, 1), problems=problems)
    assert "web/a.py" in [r.path for r in rows]
    assert "web/logo.png" not in [r.path for r in rows] and problems == []
    # a blob missing from the clone (a partial clone, a truncated snapshot): named, not fatal
    blob = repo.git("rev-parse", "HEAD:web/a.py").strip()
    (repo.path / ".git" / "objects" / blob[:2] / blob[2:]).unlink()
    cache_path(Repo.discover(repo.path)).unlink()
    rows = decay(Repo.discover(repo.path), today=date(2026, 3, 1), problems=problems)
    assert "web/a.py" not in [r.path for r in rows]
    assert [p.split(":")[0] for p in problems] == ["web/a.py"]


_MARKUP = st.text(alphabet=list("ab[]/\\ =#@:x1"), max_size=14) | st.lists(
    st.sampled_from(["[bold]", "[/]", "[red]", "\\[", "[/bold]", "x", "\\", "]"]), max_size=8
).map("".join)


@settings(max_examples=400, deadline=None)
@given(_MARKUP)
def test_plain_output_is_what_rich_would_print(text: str) -> None:
    """Piped output skips rich; it must print exactly the text rich would have printed."""
    from rich.errors import MarkupError
    from rich.markup import escape as rich_escape
    from rich.text import Text

    from signoff.cli.output import escape, plain

    assert escape(text) == rich_escape(text)
    assert plain(escape(text)) == Text.from_markup(escape(text), emoji=False).plain
    try:
        expected = Text.from_markup(text, emoji=False).plain
    except MarkupError:
        return  # not valid markup: no caller writes it
    assert plain(text) == expected


def test_decay_cache_is_not_trusted_after_history_is_rewritten(repo: GitRepo) -> None:
    from datetime import date

    from signoff.incidents.decay import decay
    from tests.incident_fixtures import AI_TRAILERS, HUMAN_TRAILERS, build

    day = date(2026, 3, 1)
    build(repo)
    repo.commit("AI web" + AI_TRAILERS, {"web/ai.py": "A = 1\nB = 2\n"})
    r = Repo.discover(repo.path)
    assert "web/ai.py" in [x.path for x in decay(r, today=day)]
    # the same content, now committed as a human change: the cached blame names a commit
    # that is no longer in the history
    repo.git("commit", "-q", "--amend", "-m", "web, by hand" + HUMAN_TRAILERS)
    assert "web/ai.py" not in [x.path for x in decay(Repo.discover(repo.path), today=day)]
