"""Errors are sentences: no Python repr (`['a', 'b']`, `PosixPath(...)`, `b'..'`, `None`,
`[Errno 2]`, a class name) reaches a user, provoked through the CLI and the library."""

from __future__ import annotations

import re
import sys
from datetime import datetime, timezone
from pathlib import Path

import pytest

from signoff.errors import SignoffError, plain, shown
from tests.gitrepo import GitRepo, run_signoff

REPR = re.compile(
    r"\[Errno \d+\]|PosixPath\(|WindowsPath\(|(?<![\w\"'])b'[^']*'|\['|\{'|\(\['|"
    r"<[\w.]+ object at 0x|\bNone\b|Traceback|\b[A-Z]\w+(?:Error|Exception): "
)

POLICY = """schema: signoff/policy/v1
people:
  - {id: ada, name: Ada Lovelace, emails: [ada@example.com]}
ai_boundary:
  - id: crypto
    paths: [/crypto/]
    reason: keys are written by hand
    exception_approvers: [ada]
workflows:
  - id: app
    description: the app
    paths: [/src/]
    tier: moderate
    accountable: ada
"""


EXCEPTION_REST = ("--path", "/crypto/", "--reason", "r", "--approver", "ada")


def assert_plain(text: str) -> None:
    found = REPR.search(text)
    assert found is None, f"a Python repr reached the user ({found.group(0)!r}):\n{text}"


def test_the_repr_check_catches_each_kind() -> None:
    for leak in (
        "use one of: ['a', 'b']",
        "cannot read PosixPath('/x')",
        "got b'abc'",
        "schema is None",
        "[Errno 2] No such file or directory",
        "ValidationError: 1 validation error",
        "<signoff.x.Y object at 0x7f>",
    ):
        with pytest.raises(AssertionError):
            assert_plain(leak)
    assert_plain("list.json: [0]: expected an object, found a number")


def test_provoked_cli_errors_are_sentences(repo: GitRepo) -> None:
    repo.commit("base\n", {"signoff.yaml": POLICY, "src/a.py": "a = 1\n"})
    (repo.path / "list.json").write_text('["a", "b"]')
    (repo.path / "obj.json").write_text('{"a": [1]}')
    (repo.path / "bad.jsonl").write_text("garbage\n")
    incidents = repo.path / ".signoff" / "incidents"
    incidents.mkdir(parents=True)
    (incidents / "INC-1.yaml").write_text("id: INC-1\ntitle: [1, 2]\n")
    cases = [
        ("explain", "nope"),
        ("explain", "HEAD..nope"),
        ("check",),
        ("check", "--base", "HEAD", "--reviews", "missing.json"),
        ("check", "--base", "HEAD", "--reviews", "list.json"),
        ("check", "--base", "HEAD", "--reviews", "obj.json"),
        ("check", "--base", "HEAD", "-o", "no/such/folder/out.json"),
        ("check", "--base", "HEAD", "--sarif", "src/a.py/x.sarif"),
        ("exception", "request", "--id", "x1", "--boundary", "nope", *EXCEPTION_REST),
        ("incident", "list"),
        ("export", "--format", "xml"),
        ("export", "-o", "no/such/folder/x.csv"),
        ("verify", "bad.jsonl", "--key", "list.json"),
        ("notes", "add", "--ai", ""),
    ]
    for args in cases:
        proc = run_signoff(repo, *args)
        assert proc.returncode == 2, (args, proc.returncode, proc.stderr[-2000:])
        assert proc.stderr.startswith("error: "), (args, proc.stderr[-2000:])
        assert_plain(proc.stdout + proc.stderr)
    proc = run_signoff(repo, "incident", "list")
    assert "schema is missing, not 'signoff/incident/v1'" in proc.stderr


def test_a_policy_with_wrong_types_is_described_in_its_own_terms(repo: GitRepo) -> None:
    bad = (
        "schema: signoff/policy/v1\n"
        "people:\n  - {id: 5, name: [1, 2], emails: x, extra: {a: 1}}\n"
        "workflows: 7\n"
    )
    repo.commit("base\n", {"signoff.yaml": bad})
    proc = run_signoff(repo, "policy", "check")
    assert proc.returncode == 2 and "found a list" in proc.stderr
    assert_plain(proc.stdout + proc.stderr)


def test_library_errors_that_reports_carry_are_sentences(
    repo: GitRepo, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from signoff.audit.incidents import incidents_section
    from signoff.audit.period import parse_period
    from signoff.audit.statement import statement_problems
    from signoff.git.repo import Repo
    from signoff.review.actions import resolve
    from signoff.scan import bandit as bandit_adapter
    from signoff.scan import scan_files

    texts: list[str] = []
    with pytest.raises(SignoffError) as exc:
        resolve({"GITHUB_EVENT_PATH": str(tmp_path / "missing-event.json")})
    texts.append(str(exc.value))
    # a scanner whose program does not exist
    (tmp_path / "a.py").write_text("x = 1\n")
    real = bandit_adapter.plan

    def plan(sources, workdir):  # type: ignore[no-untyped-def]
        inv = real(sources, workdir)
        inv.argv = [str(tmp_path / "no-such-scanner")]
        return inv

    monkeypatch.setattr(bandit_adapter, "plan", plan)
    status = scan_files(tmp_path, ["a.py"], scanners=["bandit"]).scanners["bandit"]
    assert status.error and "no-such-scanner: No such file or directory" in status.error
    texts.append(status.error)
    # an in-toto statement with values of the wrong kind
    texts += statement_problems({"predicateType": None, "predicate": {"schema": ["a", "b"]}})
    texts += statement_problems({"predicateType": ["x"], "subject": "s"})
    # an audit over broken incident records: said once, plainly
    repo.commit("base\n", {"signoff.yaml": POLICY})
    incidents = repo.path / ".signoff" / "incidents"
    incidents.mkdir(parents=True)
    (incidents / "INC-1.yaml").write_text("schema: signoff/incident/v1\nid: [1]\n")
    repo.commit("record\n")
    section = incidents_section(
        Repo.discover(repo.path), parse_period("2026-01-01", "2026-12-31"), repo.head()
    )
    texts.append(section["reason"])
    # the helpers themselves
    texts += [
        plain(FileNotFoundError(2, "No such file or directory", str(tmp_path / "x"))),
        plain(ValueError("bad\nmore")),
        shown(None),
        shown(["a", "b"]),
        shown(b"raw".decode()),
        shown(datetime(2026, 1, 1, tzinfo=timezone.utc)),
    ]
    for text in texts:
        assert_plain(text)
    assert "incident records could not be read (.signoff/incidents/INC-1.yaml:" in section["reason"]
    assert shown(["a", "b"]) == '["a", "b"]' and shown(None) == "missing"
    assert sys.getrecursionlimit()  # nothing above changed the interpreter
