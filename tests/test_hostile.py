"""Hostile input never crashes a command: one bad note is a problem, one bad file is exit 2."""

from __future__ import annotations

import io
import json
import subprocess
import sys
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from signoff import jsonsafe
from tests.gitrepo import GitRepo, run_signoff

CLAUDE = "\n\nCo-Authored-By: Claude Opus 4.5 <noreply@anthropic.com>\n"
DEEP = "[" * 20_000 + "]" * 20_000  # far beyond Python's recursion limit
HUGE_INT = "9" * 5000
POLICY = """\
schema: signoff/policy/v1
people:
  - {id: ada, name: Ada Lovelace, emails: [ada@example.com]}
tiers:
  high: {min_approvals: 1}
workflows:
  - id: app
    description: the app
    paths: ["*"]
    tier: high
    accountable: ada
"""


def _hostile_documents() -> list[str]:
    head = '{"schema":"signoff/provenance/v1","status":"ai","tools":[],'
    return [
        head + '"x":' + DEEP + "}",
        head + '"n":' + HUGE_INT + "}",
        head + '"files":{"a.py":[' + ",".join("[1,2]" for _ in range(20_000)) + "]}}",
    ]


@pytest.fixture
def hostile(repo: GitRepo) -> GitRepo:
    """A history whose every notes ref carries hostile documents on some commit."""
    repo.commit("base\n", {"app.py": "a = 1\n", "signoff.yaml": POLICY})
    victims = [repo.commit(f"ai {n}" + CLAUDE, {"app.py": f"a = 1\nb = {n}\n"}) for n in range(3)]
    repo.commit("clean human change\n\nAI-Assisted: none\n", {"app.py": "a = 1\nb = 9\n"})
    for sha, doc in zip(victims, _hostile_documents(), strict=True):
        for ref in ("signoff", "ai", "agent-trace", "remotes/origin/signoff"):
            repo.git("notes", f"--ref={ref}", "add", "-f", "-F", "-", sha, input=doc.encode())
    return repo


def _no_traceback(proc: object) -> None:
    stderr = getattr(proc, "stderr", "")
    assert "Traceback" not in stderr, stderr[-2000:]


@pytest.mark.parametrize(
    "args",
    [
        ("explain", "HEAD"),
        ("explain", "HEAD~1"),
        ("explain", "HEAD~2", "--json"),
        ("index",),
        ("stats",),
        ("stats", "--json"),
        ("blame", "app.py"),
        ("audit", "--json"),
    ],
)
def test_hostile_notes_are_problems_not_crashes(hostile: GitRepo, args: tuple[str, ...]) -> None:
    proc = run_signoff(hostile, *args)
    _no_traceback(proc)
    assert proc.returncode == 0, proc.stderr[-2000:]


def test_explain_names_the_hostile_note(hostile: GitRepo) -> None:
    proc = run_signoff(hostile, "explain", "HEAD~3", "--json")
    assert proc.returncode == 0, proc.stderr[-2000:]
    text = json.dumps(json.loads(proc.stdout))
    assert "nested deeper than 64 levels" in text
    proc = run_signoff(hostile, "explain", "HEAD~2", "--json")
    assert "a number of 5000 digits" in json.dumps(json.loads(proc.stdout))


def test_a_note_of_20000_bad_ranges_is_a_few_problems_not_20000(hostile: GitRepo) -> None:
    """Each bad range was one problem: a note of 200,000 made `explain` print 17 MB."""
    proc = run_signoff(hostile, "explain", "HEAD~1", "--json")
    assert proc.returncode == 0, proc.stderr[-2000:]
    problems = json.loads(proc.stdout)["commits"][0]["provenance"]["problems"]
    assert len(problems) <= 40, len(problems)
    ours = [p for p in problems if p.startswith("Signoff note")]
    assert ours[0].endswith("a range in 'a.py' is not an object; ignored")
    assert len(ours) == 1  # the same sentence once


def test_a_900_kb_note_of_junk_lines_keeps_its_count(repo: GitRepo) -> None:
    """150,000 lines that are not JSON: a dozen named, the rest counted (not "1 more")."""
    sha = repo.commit("base\n", {"app.py": "a = 1\n"})
    repo.git("notes", "--ref=signoff", "add", "-F", "-", sha, input=b'{"a":\n' * 150_000)
    proc = run_signoff(repo, "explain", sha, "--json")
    assert proc.returncode == 0, proc.stderr[-2000:]
    problems = json.loads(proc.stdout)["commits"][0]["provenance"]["problems"]
    assert problems[-1].endswith("149988 more lines are not JSON and were ignored"), problems
    assert len(problems) == 13


def test_check_over_hostile_notes_judges_the_change_not_a_crash(hostile: GitRepo) -> None:
    proc = run_signoff(hostile, "check", "--base", "HEAD~4", "--json")
    _no_traceback(proc)
    doc = json.loads(proc.stdout)
    # judged on the policy (its unmet conditions), not "blocked" by a crash
    assert proc.returncode == (1 if doc["verdict"] == "blocked" else 0)
    assert {f["rule"] for f in doc["findings"]} == {"owner.do-not-ship"}


@pytest.mark.parametrize("payload", [DEEP, '{"number": ' + HUGE_INT + "}", '{"a": [' + "1," * 10])
def test_hostile_reviews_file_is_exit_2_with_a_position(
    hostile: GitRepo, tmp_path: Path, payload: str
) -> None:
    reviews = tmp_path / "reviews.json"
    reviews.write_text(payload)
    proc = run_signoff(hostile, "check", "--base", "HEAD~4", "--reviews", str(reviews))
    _no_traceback(proc)
    assert proc.returncode == 2, proc.stdout + proc.stderr
    assert f"{reviews}: not JSON (line 1, column" in proc.stderr


@pytest.mark.parametrize(
    ("path", "text", "command"),
    [
        ("signoff.yaml", POLICY.replace("min_approvals: 1", f"min_approvals: {HUGE_INT}"), "check"),
        (
            "signoff.yaml",
            POLICY.replace("min_approvals: 1", f"min_approvals: {HUGE_INT}"),
            "owners",
        ),
        (
            ".signoff/incidents/INC-1.yaml",
            f"schema: signoff/incident/v1\nid: INC-1\nimpact_minutes: {HUGE_INT}\n",
            "incident",
        ),
    ],
)
def test_hostile_numbers_in_yaml_are_exit_2_with_a_position(
    repo: GitRepo, path: str, text: str, command: str
) -> None:
    repo.commit("base\n", {"app.py": "a = 1\n", "signoff.yaml": POLICY})
    repo.commit("hostile\n", {path: text})
    args = {
        "check": ("check", "--base", "HEAD~1", "--policy-rev", "HEAD"),
        "owners": ("owners", "app.py"),
        "incident": ("incident", "list"),
    }[command]
    proc = run_signoff(repo, *args)
    _no_traceback(proc)
    assert proc.returncode == 2, proc.stdout + proc.stderr
    line = 5 if path == "signoff.yaml" else 3
    assert f"{path}:{line}:" in proc.stderr and "a number of 5000 characters" in proc.stderr


# -- the safe loader itself ------------------------------------------------------------------


def test_limits_are_positioned_problems() -> None:
    cases = {
        DEEP: "line 1, column 1: nested deeper than 64 levels",
        '{\n  "n": ' + HUGE_INT + "}": "line 2, column 8: a number of 5000 digits (at most 19)",
        '{"a": 1}\n]': "line 2, column 1: extra data after the JSON value",
        "  ": "line 1, column 3: empty: no JSON value",
    }
    for text, expected in cases.items():
        with pytest.raises(jsonsafe.JsonProblem) as caught:
            jsonsafe.loads(text)
        assert jsonsafe.problem_text(caught.value) == expected
    assert jsonsafe.loads("[" * 64 + "]" * 64) is not None
    assert jsonsafe.loads('{"n": ' + HUGE_INT + "}", huge_int="inf") == {"n": float("inf")}
    assert jsonsafe.loads('{"s": "' + "1" * 50 + '"}') == {"s": "1" * 50}
    strict = jsonsafe.JsonLimits(reject_duplicate_keys=True)
    with pytest.raises(jsonsafe.JsonProblem, match="'payload' appears twice"):
        jsonsafe.loads('{"payload": "a", "payload": "b"}', limits=strict)


JSON_VALUES = st.recursive(
    st.none() | st.booleans() | st.integers(-(2**63), 2**63 - 1) | st.text(max_size=20),
    lambda inner: st.lists(inner, max_size=5) | st.dictionaries(st.text(max_size=5), inner),
    max_leaves=30,
)


@settings(max_examples=200, deadline=None)
@given(JSON_VALUES)
def test_ordinary_json_reads_exactly_as_the_standard_parser(value: object) -> None:
    text = json.dumps(value)
    assert jsonsafe.loads(text) == json.loads(text)


@settings(max_examples=300, deadline=None)
@given(st.text(alphabet='[]{}",:0123456789 \n\\ae-', max_size=300))
def test_any_text_is_a_value_or_a_problem(text: str) -> None:
    try:
        jsonsafe.loads(text)
    except jsonsafe.JsonProblem as exc:
        assert exc.lineno >= 1 and exc.colno >= 1


@pytest.mark.parametrize(
    ("option", "value"),
    [
        ("--id", "../../x"),
        ("--id", "/tmp/x"),
        ("--id", "ok\nboundary: crypto"),
        ("--id", ".hidden"),
        ("--id", "x" * 65),
        ("--approver", "ada\nexpires: 2999-01-01"),
        ("--boundary", "../crypto"),
    ],
)
def test_exception_ids_that_could_escape_are_refused(
    repo: GitRepo, tmp_path: Path, option: str, value: str
) -> None:
    repo.commit("base\n", {"app.py": "a = 1\n"})
    before = {p for p in tmp_path.rglob("*")}
    args = ["exception", "request", "--path", "/app.py", "--reason", "r", option, value]
    if option != "--boundary":
        args += ["--boundary", "crypto"]
    proc = run_signoff(repo, *args)
    _no_traceback(proc)
    assert proc.returncode == 2, proc.stdout + proc.stderr
    assert f"{option} " in proc.stderr and "is not an id" in proc.stderr
    assert {p for p in tmp_path.rglob("*")} == before  # nothing written anywhere


def _literal_commit(repo: GitRepo, tree: str, parent: str, ident: str, subject: str) -> str:
    raw = f"tree {tree}\nparent {parent}\nauthor {ident}\ncommitter {ident}\n\n{subject}\n"
    return repo.git(
        "hash-object", "-t", "commit", "-w", "--literally", "--stdin", input=raw.encode()
    ).strip()


def test_commits_with_impossible_dates_or_identities_never_crash(repo: GitRepo) -> None:
    head = repo.commit("base\n", {"app.py": "a = 1\n"})
    tree = repo.git("rev-parse", "HEAD^{tree}").strip()
    odd = {
        "bad timezone": "X <x@example.com> 1700000000 +99999",
        "negative date": "X <x@example.com> -5 +0000",
        "no email" + CLAUDE: "X 1700000000 +0000",
        "huge date": "<> 99999999999999999999 +0000",
    }
    shas = []
    for subject, ident in odd.items():
        head = _literal_commit(repo, tree, head, ident, subject)
        shas.append(head)
    repo.git("update-ref", "refs/heads/main", head)
    for args in (
        ("audit",),
        ("audit", "--json"),
        ("stats", "--json"),
        ("index",),
        *(("explain", sha, "--json") for sha in shas),
    ):
        proc = run_signoff(repo, *args)
        _no_traceback(proc)
        assert proc.returncode == 0, (args, proc.stderr[-2000:])


def test_unwritable_output_paths_are_a_clear_error(repo: GitRepo, tmp_path: Path) -> None:
    repo.commit("base\n", {"app.py": "a = 1\n"})
    repo.commit("ai" + CLAUDE, {"app.py": "a = 2\n"})
    blocked = tmp_path / "a-file"
    blocked.write_text("not a folder\n")
    for args in (
        ("check", "--base", "HEAD~1", "--no-scan", "--sarif", f"{blocked}/x.sarif"),
        ("check", "--base", "HEAD~1", "--no-scan", "--sarif", f"{tmp_path}/missing/x.sarif"),
        ("audit", "-o", f"{blocked}/pack"),
    ):
        proc = run_signoff(repo, *args)
        _no_traceback(proc)
        assert proc.returncode == 2, (args, proc.stdout, proc.stderr)
        assert "error:" in proc.stderr and str(tmp_path) in proc.stderr
        assert ".tmp" not in proc.stderr


@pytest.mark.parametrize(
    "args",
    [
        ("check", "--base", "HEAD~1", "--no-scan", "--reviews", "/dev/zero"),
        ("verify", "/dev/zero", "--key", "/dev/zero"),
        ("policy", "check"),  # signoff.yaml is a link to /dev/zero
    ],
)
def test_reading_dev_zero_is_bounded(repo: GitRepo, args: tuple[str, ...]) -> None:
    repo.commit("base\n", {"app.py": "a = 1\n"})
    repo.commit("ai" + CLAUDE, {"app.py": "a = 2\n"})
    (repo.path / "signoff.yaml").symlink_to("/dev/zero")
    proc = run_signoff(repo, *args)
    _no_traceback(proc)
    assert proc.returncode == 2, proc.stdout + proc.stderr
    assert "larger than" in proc.stderr or "yaml.too-large" in proc.stderr, proc.stderr


def test_population_csv_cells_never_start_a_formula(repo: GitRepo, tmp_path: Path) -> None:
    import csv

    repo.commit("base\n", {"app.py": "a = 1\n"})
    for n, name in enumerate(('=HYPERLINK("http://x")', "+1+1", "-2", "@SUM(A1)", "\tTab")):
        repo.commit(f"c{n}" + CLAUDE, {"app.py": f"a = {n}\n"}, author=(name, f"{n}@example.com"))
    proc = run_signoff(
        repo,
        "audit",
        "--since",
        "2025-01-01",
        "--until",
        "2027-01-01",
        "-o",
        str(tmp_path / "pack"),
    )
    assert proc.returncode == 0, proc.stderr
    with (tmp_path / "pack" / "population.csv").open(newline="") as fh:
        rows = list(csv.reader(fh))
    cells = [cell for row in rows[1:] for cell in row]
    assert not [c for c in cells if c[:1] in ("=", "+", "-", "@", "\t", "\r")]
    assert '\'=HYPERLINK("http://x")' in cells and "'@SUM(A1)" in cells


def test_codeowners_symlink_is_refused_and_huge_drafts_are_not_written(
    repo: GitRepo, tmp_path: Path
) -> None:
    secret = tmp_path / "credentials"
    secret.write_text("* token=abc123\n")
    repo.commit("base\n", {"app.py": "a = 1\n"})
    (repo.path / "CODEOWNERS").symlink_to(secret)
    proc = run_signoff(repo, "init", "--from-codeowners", "--no-hooks")
    _no_traceback(proc)
    assert proc.returncode == 2 and "symbolic link" in proc.stderr
    assert not (repo.path / "signoff.yaml").exists()
    (repo.path / "CODEOWNERS").unlink()
    (repo.path / "CODEOWNERS").write_text(
        "".join(f"/dir{n}/ @team{n} @owner{n}\n" for n in range(20_000))
    )
    proc = run_signoff(repo, "init", "--from-codeowners", "--no-hooks")
    _no_traceback(proc)
    assert proc.returncode == 2 and "KB a signoff.yaml may be" in proc.stderr
    assert not (repo.path / "signoff.yaml").exists()


def test_explain_head_in_a_bare_repository(repo: GitRepo, tmp_path: Path) -> None:
    import subprocess

    sha = repo.commit("ai" + CLAUDE, {"app.py": "a = 1\n"})
    bare = tmp_path / "bare.git"
    subprocess.run(
        ["git", "clone", "-q", "--bare", str(repo.path), str(bare)], check=True, env=repo.env
    )
    proc = subprocess.run(
        [sys.executable, "-m", "signoff", "explain", "HEAD", "--json"],
        cwd=bare,
        capture_output=True,
        text=True,
        env=repo.env,
    )
    assert proc.returncode == 0, proc.stderr
    assert sha in proc.stdout


def test_a_killed_rebuild_leaves_no_temporary_index_behind(repo: GitRepo) -> None:
    import os
    import signal
    import subprocess
    import time

    for n in range(400):
        repo.commit(f"c{n}" + (CLAUDE if n % 2 else "\n"), {"app.py": f"a = {n}\n"})
    folder = repo.path / ".git" / "signoff"
    assert run_signoff(repo, "index").returncode == 0
    clean = run_signoff(repo, "stats", "--json").stdout
    # kill rebuilds part-way, at several points, until one leaves its temporary file behind
    left = []
    for delay in (0.3, 0.5, 0.8, 1.2, 1.6):
        proc = subprocess.Popen(
            [sys.executable, "-m", "signoff", "index", "--rebuild"], cwd=repo.path, env=repo.env
        )
        time.sleep(delay)
        os.kill(proc.pid, signal.SIGKILL)
        proc.wait()
        left = [p.name for p in folder.glob("index.tmp*")]
        if left:
            break
    if not left:  # the machine was too fast to catch one: leave one as a killed build would
        dead = subprocess.Popen(["true"])
        dead.wait()
        (folder / f"index.tmp{dead.pid}").write_bytes(b"half a database")
        (folder / f"index.tmp{dead.pid}-journal").write_bytes(b"")
    assert run_signoff(repo, "index", "--rebuild").returncode == 0
    assert list(folder.glob("index.tmp*")) == []
    assert run_signoff(repo, "stats", "--json").stdout == clean


def test_errors_never_show_python_list_reprs(repo: GitRepo) -> None:
    repo.commit("base\n", {"app.py": "a = 1\n"})
    repo.commit("ai" + CLAUDE, {"app.py": "a = 2\n"})
    blob = repo.git("rev-parse", "HEAD:app.py").strip()
    (repo.path / ".git" / "objects" / blob[:2] / blob[2:]).unlink()  # a snapshot missing a blob
    for args in (("stats",), ("index",), ("explain", "HEAD")):
        proc = run_signoff(repo, *args)
        _no_traceback(proc)
        assert "['" not in proc.stderr and "']" not in proc.stderr, proc.stderr


def test_a_record_separator_in_a_message_does_not_cut_the_audit_trailer_log(repo: GitRepo) -> None:
    from signoff.audit.population import _parse_trailer_log, _trailer_log
    from signoff.git.repo import Repo

    sha = repo.commit("subject\n\nbefore\x1e" + "0" * 40 + " after\n\nReviewed-by: Ada <ada@x>\n")
    token, log = _trailer_log(Repo.discover(str(repo.path)), [sha])
    pairs, body = _parse_trailer_log(log.result(), token)[sha]
    assert "before\x1e" + "0" * 40 + " after" in body
    assert pairs == (("Reviewed-by", "Ada <ada@x>"),)


def test_a_users_log_show_signature_does_not_leak_into_the_audit_trailer_log(
    repo: GitRepo, tmp_path: Path
) -> None:
    """git prints signature checks into `git log`'s output under `log.showSignature=true`."""
    from signoff.audit.population import _parse_trailer_log, _trailer_log
    from signoff.git.repo import Repo

    key = tmp_path / "key"
    subprocess.run(["ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-f", str(key)], check=True)
    for item, value in (("gpg.format", "ssh"), ("user.signingkey", str(key))):
        repo.git("config", item, value)
    repo.git("config", "commit.gpgSign", "true")
    signed = repo.commit("first\n\nReviewed-by: Ada <ada@x>\n", {"a": "a\n"})
    repo.git("config", "commit.gpgSign", "false")
    sha = repo.commit("second\n\nbody\n\nReviewed-by: Bob <bob@x>\n", {"b": "b\n"})

    def records() -> dict[str, tuple[tuple[tuple[str, str], ...], str]]:
        token, log = _trailer_log(Repo.discover(str(repo.path)), [sha, signed])
        return _parse_trailer_log(log.result(), token)

    plain = records()
    assert plain[signed][0] == (("Reviewed-by", "Ada <ada@x>"),)
    repo.git("config", "log.showSignature", "true")
    assert "signature" in repo.git("log", "--format=%H")  # git itself prints the check
    assert records() == plain


@pytest.mark.parametrize("field", ["committer", "author"])
def test_an_identity_of_100000_blanks_is_read_in_linear_time(field: str) -> None:
    """A name ending in blanks made a `\\s*` regex (aider's suffix) quadratic: 8 s for one
    commit at 50,000 spaces, so five such commits held every index build for 35 s."""
    import time

    from signoff.git.log import Commit, Person
    from signoff.provenance.detect import detect

    hostile = Person("Mallory" + " \t" * 50_000 + "x", "m@example.com")
    plain = Person("Bot [bot]", "bot@example.com")
    author, committer = (hostile, plain) if field == "author" else (plain, hostile)
    when = "1700000000 +0000"
    commit = Commit("a" * 40, (), author, when, committer, when, "subject\n", ())
    started = time.perf_counter()
    prov = detect(commit)
    assert time.perf_counter() - started < 2.0
    assert prov.accepted_by is not None and prov.accepted_by.name.startswith("Mallory")


def test_a_policy_pattern_of_many_wildcards_is_refused_not_a_hang(repo: GitRepo) -> None:
    """`/**/**/…/x` (twelve `**`) held `owners` of an 80-character path past two minutes."""
    hostile = POLICY.replace('paths: ["*"]', "paths: ['/" + "**/" * 12 + "x']")
    repo.commit("base\n", {"app.py": "a = 1\n", "signoff.yaml": hostile})
    proc = run_signoff(repo, "owners", "a/" * 38 + "aaaa")
    _no_traceback(proc)
    assert proc.returncode == 2, proc.stdout + proc.stderr
    assert "signoff.yaml:9:" in proc.stderr and "24 '*' wildcards (limit 4)" in proc.stderr


def test_a_review_trailer_of_100000_blanks_is_read_in_linear_time() -> None:
    """Review trailers were split by `^\\s*([^<]*?)\\s*<`: 4.6 s at 40,000 blanks, per trailer."""
    import time

    from signoff.git.log import Commit, Person, parse_trailers
    from signoff.review.evidence import review_trailers

    trailers = parse_trailers(("Approved-by: x" + " " * 100_000 + "y\n").encode())
    dev, when = Person("Dev", "dev@example.com"), "1700000000 +0000"
    commit = Commit("a" * 40, (), dev, when, dev, when, "c\n", trailers)
    started = time.perf_counter()
    signals = review_trailers(commit)
    assert time.perf_counter() - started < 1.0
    assert signals[0].person.email == "" and signals[0].person.name.startswith("x ")


def test_a_subject_of_100000_backslashes_prints_in_linear_time(repo: GitRepo) -> None:
    """Markup escaping tried every backslash of a run (rich's regex and our copies): a subject
    of 50,000 took 90 s to print, piped or on a terminal. Same text, every backslash kept."""
    import time

    from signoff.cli.output import escape, plain, safe_console

    subject = "\\" * 100_000
    sha = repo.commit(subject + "\n", {"app.py": "a = 1\n"})
    started = time.perf_counter()
    proc = run_signoff(repo, "explain", sha)
    assert proc.returncode == 0, proc.stderr[-2000:]
    assert time.perf_counter() - started < 30
    assert subject in proc.stdout and "\\" * 100_001 not in proc.stdout
    console = safe_console(file=io.StringIO(), width=80, soft_wrap=True)
    started = time.perf_counter()
    console.print(f"[bold]x[/] {escape(subject + ' [b]')}")  # rich's parser, on a terminal
    assert plain(escape(subject + " [b]")) == subject + " [b]"
    assert time.perf_counter() - started < 5
    assert console.file.getvalue() == f"x {subject} [b]\n"  # type: ignore[attr-defined]
