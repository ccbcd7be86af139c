"""Real bandit and detect-secrets runs over files written for each test."""

from __future__ import annotations

import importlib.util
import sys
from collections.abc import Callable
from pathlib import Path

import pytest

from signoff.errors import SignoffError
from signoff.git.diff import diff_added_lines
from signoff.git.repo import Repo
from signoff.scan import ScanResult, find_suppressions, scan_files
from signoff.scan import bandit as bandit_adapter
from signoff.scan import secrets as secrets_adapter
from signoff.scan.adapter import Invocation
from signoff.scan.model import ScanFinding, normalise_severity
from signoff.scan.sources import SourceFile
from signoff.scan.suppressions import Suppression
from tests.gitrepo import GitRepo

# A made-up key in the AWS access-key shape (not AWS's documented example, which scanners skip).
AWS_KEY = "AKIA" + "QYLPMN5HHHFPZAM2"

APP = f'''import hashlib
import subprocess

import yaml

ACCESS_KEY_ID = "{AWS_KEY}"


def run(cmd):
    return subprocess.call(cmd, shell=True)


def digest(data):
    return hashlib.md5(data).hexdigest()


def load(text):
    return yaml.load(text)
'''


def write(root: Path, files: dict[str, str | bytes]) -> None:
    for name, content in files.items():
        target = root / name
        target.parent.mkdir(parents=True, exist_ok=True)
        if isinstance(content, bytes):
            target.write_bytes(content)
        else:
            target.write_text(content, encoding="utf-8")


def line_of(text: str, needle: str) -> int:
    return next(n for n, line in enumerate(text.splitlines(), 1) if needle in line)


def rules(result: ScanResult) -> set[tuple[str, str, int]]:
    return {(f.scanner, f.rule_id, f.start_line) for f in result.findings}


def by_rule(result: ScanResult, rule_id: str) -> list[ScanFinding]:
    return [f for f in result.findings if f.rule_id == rule_id]


@pytest.fixture(scope="module")
def app_scan(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, ScanResult]:
    root = tmp_path_factory.mktemp("app")
    write(root, {"svc/app.py": APP})
    return root, scan_files(root, ["svc/app.py"])


def test_real_scanners_find_known_issues(app_scan: tuple[Path, ScanResult]) -> None:
    _, result = app_scan
    assert result.ok, result.to_json()
    found = rules(result)
    assert ("bandit", "B602", line_of(APP, "shell=True")) in found
    assert ("bandit", "B324", line_of(APP, "md5")) in found
    assert ("bandit", "B506", line_of(APP, "yaml.load")) in found
    assert ("detect-secrets", "aws-access-key", line_of(APP, "ACCESS_KEY_ID")) in found
    shell = by_rule(result, "B602")[0]
    assert (shell.severity, shell.confidence, shell.cwe) == ("high", "high", 78)
    assert shell.help_uri and shell.help_uri.startswith("https://")
    assert shell.path == "svc/app.py"
    assert shell.qualified_rule == "bandit/B602"
    key = by_rule(result, "aws-access-key")[0]
    assert (key.severity, key.confidence, key.rule_name) == ("high", "high", "AWS Access Key")
    assert AWS_KEY not in str(key.to_json())  # the report never repeats the secret
    for name in ("bandit", "detect-secrets"):
        status = result.scanners[name]
        assert status.available and status.ran and status.error is None
        assert status.version and status.version[0].isdigit()
        assert status.files == 1


def test_severity_words_normalise_onto_one_scale() -> None:
    assert [normalise_severity(w) for w in ("HIGH", "Medium", "low", "UNDEFINED", None)] == [
        "high",
        "medium",
        "low",
        "low",
        "low",
    ]
    assert [normalise_severity(w) for w in ("ERROR", "WARNING", "INFO", "CRITICAL")] == [
        "high",
        "medium",
        "low",
        "critical",
    ]


def test_findings_are_kept_only_on_the_given_lines(app_scan: tuple[Path, ScanResult]) -> None:
    root, everything = app_scan
    md5 = line_of(APP, "md5")
    result = scan_files(root, ["svc/app.py"], lines={"svc/app.py": {md5}})
    assert rules(result) == {("bandit", "B324", md5)}
    assert result.outside_lines == len(everything.findings) - 1
    # a path the map does not name has no lines that matter
    assert scan_files(root, ["svc/app.py"], lines={}).findings == []
    # fingerprints do not depend on the filter
    assert by_rule(result, "B324")[0].fingerprint == by_rule(everything, "B324")[0].fingerprint


def test_multi_line_finding_is_kept_when_any_of_its_lines_is_given(tmp_path: Path) -> None:
    code = "import subprocess\n\nsubprocess.call(\n    cmd,\n    shell=True,\n)\n"
    write(tmp_path, {"m.py": code})
    result = scan_files(tmp_path, ["m.py"], scanners=("bandit",), lines={"m.py": {5}})
    [finding] = by_rule(result, "B602")
    assert (finding.start_line, finding.end_line, finding.severity) == (3, 6, "high")


def test_fingerprints_survive_shifted_lines_and_change_with_the_code(tmp_path: Path) -> None:
    write(tmp_path, {"a.py": APP})
    before = {f.rule_id: f for f in scan_files(tmp_path, ["a.py"]).findings}
    shifted = '"""A docstring pushed in above."""\n\n\n' + APP.replace(
        "def run(cmd):", "def run(cmd):\n    pass  # noqa\n"
    )
    write(tmp_path, {"a.py": shifted})
    after = {f.rule_id: f for f in scan_files(tmp_path, ["a.py"]).findings}
    assert before.keys() == after.keys()
    for rule_id, finding in before.items():
        assert after[rule_id].start_line != finding.start_line
        assert after[rule_id].fingerprint == finding.fingerprint, rule_id
    # the flagged code itself changes: a new finding, not the old one
    write(
        tmp_path,
        {
            "a.py": APP.replace(
                "subprocess.call(cmd, shell=True)", "subprocess.call(cmd + ' -l', shell=True)"
            )
        },
    )
    changed = {f.rule_id: f for f in scan_files(tmp_path, ["a.py"]).findings}
    assert changed["B602"].fingerprint != before["B602"].fingerprint
    assert changed["B324"].fingerprint == before["B324"].fingerprint


def test_identical_lines_get_distinct_fingerprints(tmp_path: Path) -> None:
    write(tmp_path, {"twice.py": "import hashlib\nhashlib.md5(b'')\nhashlib.md5(b'')\n"})
    found = by_rule(scan_files(tmp_path, ["twice.py"], scanners=("bandit",)), "B324")
    assert len(found) == 2
    assert found[0].fingerprint != found[1].fingerprint


def test_binary_and_non_utf8_files_never_break_the_scan(tmp_path: Path) -> None:
    write(
        tmp_path,
        {
            "ok.py": "import hashlib\nhashlib.md5(b'')\n",
            "blob.bin": b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + bytes(range(256)),
            "legacy.py": b"name = 'caf\xe9'\nimport pickle\npickle.loads(b'')\n",
            "notes.txt": f'caf\xe9 key = "{AWS_KEY}"\n'.encode("latin-1"),
            "cookie.py": b"# -*- coding: latin-1 -*-\nname = 'caf\xe9'\n"
            b"import hashlib\nhashlib.md5(b'')\n",
        },
    )
    result = scan_files(tmp_path, ["ok.py", "blob.bin", "legacy.py", "notes.txt", "cookie.py"])
    assert result.ok, result.to_json()
    assert [(s.path, s.reason) for s in result.skipped] == [("blob.bin", "binary")]
    bandit_errors = {e.path: e.reason for e in result.scanners["bandit"].file_errors}
    assert "legacy.py" in bandit_errors and "UTF-8" in bandit_errors["legacy.py"]
    found = rules(result)
    assert ("bandit", "B324", 2) in found
    assert ("bandit", "B324", 4) in {
        (f.scanner, f.rule_id, f.start_line) for f in result.findings if f.path == "cookie.py"
    }
    # detect-secrets skips undecodable files on its own; Signoff scans a UTF-8 copy instead
    assert [(f.path, f.rule_id) for f in result.findings if f.scanner == "detect-secrets"] == [
        ("notes.txt", "aws-access-key")
    ]


def test_missing_outside_and_linked_files_are_reported_as_skipped(tmp_path: Path) -> None:
    root = tmp_path / "root"
    write(root, {"real.py": "x = 1\n"})
    (root / "link.py").symlink_to(root / "real.py")
    (root / "dir").mkdir()
    result = scan_files(root, ["gone.py", "../escape.py", "link.py", "dir", "./real.py", "real.py"])
    assert {(s.path, s.reason) for s in result.skipped} == {
        ("gone.py", "missing"),
        ("../escape.py", "outside the scanned root"),
        ("link.py", "symbolic link"),
        ("dir", "not a file"),
    }
    assert result.scanners["bandit"].files == 1  # ./real.py and real.py are one file


def test_suppressed_findings_are_still_reported_with_their_comment(tmp_path: Path) -> None:
    code = (
        "import subprocess\n"
        "subprocess.call('a', shell=True)  # nosec B602\n"
        "subprocess.call('b', shell=True)  # nosec B105\n"
        "subprocess.call('c', shell=True)  # nosec\n"
        f'KEY = "{AWS_KEY}"  # pragma: allowlist secret\n'
    )
    write(tmp_path, {"s.py": code})
    result = scan_files(tmp_path, ["s.py"])
    shell = {f.start_line: f.suppressed_by for f in by_rule(result, "B602")}
    assert shell == {2: "# nosec B602", 3: None, 4: "# nosec"}
    [key] = by_rule(result, "aws-access-key")
    assert key.suppressed_by == "# pragma: allowlist secret"


def test_unknown_scanner_is_a_usage_error(tmp_path: Path) -> None:
    with pytest.raises(SignoffError, match="unknown scanner trivy"):
        scan_files(tmp_path, [], scanners=("bandit", "trivy"))


def test_semgrep_rules_must_be_local(tmp_path: Path) -> None:
    for remote in ("auto", "p/python", "r/python.lang.security", "https://example.com/r.yml"):
        with pytest.raises(SignoffError, match="never fetches rules"):
            scan_files(tmp_path, [], scanners=("semgrep",), semgrep_rules=[remote])
    with pytest.raises(SignoffError, match="does not exist"):
        scan_files(tmp_path, [], scanners=("semgrep",), semgrep_rules=["rules/missing.yml"])


@pytest.mark.skipif(importlib.util.find_spec("semgrep") is not None, reason="semgrep installed")
def test_missing_semgrep_is_said_plainly(tmp_path: Path) -> None:
    write(tmp_path, {"rules.yml": "rules: []\n", "a.py": "x = 1\n"})
    result = scan_files(
        tmp_path, ["a.py"], scanners=("bandit", "semgrep"), semgrep_rules=["rules.yml"]
    )
    status = result.scanners["semgrep"]
    assert not status.available and not status.ran
    assert status.error and "not installed" in status.error
    assert result.scanners["bandit"].ok
    assert not result.ok  # a gate must not read "semgrep found nothing" into this


SEMGREP_RULES = """rules:
  - id: no-eval
    languages: [python]
    severity: ERROR
    message: eval() on input runs whatever the input says
    pattern: eval(...)
    metadata:
      cwe: ["CWE-95: Eval Injection"]
      confidence: HIGH
      references: ["https://docs.python.org/3/library/functions.html#eval"]
"""


@pytest.mark.skipif(importlib.util.find_spec("semgrep") is None, reason="semgrep not installed")
def test_semgrep_with_local_rules(tmp_path: Path) -> None:
    write(
        tmp_path,
        {
            "rules/py.yml": SEMGREP_RULES,
            "app.py": "x = eval(input())\ny = eval(input())  # nosemgrep: no-eval\n",
        },
    )
    result = scan_files(tmp_path, ["app.py"], scanners=("semgrep",), semgrep_rules=["rules/py.yml"])
    assert result.ok, result.to_json()
    found = [
        (f.rule_name, f.start_line, f.severity, f.cwe, f.suppressed_by) for f in result.findings
    ]
    assert found == [
        ("no-eval", 1, "high", 95, None),
        ("no-eval", 2, "high", 95, "# nosemgrep: no-eval"),
    ]
    assert result.findings[0].help_uri == "https://docs.python.org/3/library/functions.html#eval"


def test_semgrep_without_rules_is_reported(tmp_path: Path) -> None:
    result = scan_files(tmp_path, [], scanners=("semgrep",))
    status = result.scanners["semgrep"]
    assert status.error and (
        "no local rule files" in status.error or "not installed" in status.error
    )
    assert not result.ok


def fake_plan(argv: list[str]) -> Callable[[list[SourceFile], Path], Invocation]:
    """bandit's real plan, with its command line swapped for `argv`."""
    real = bandit_adapter.plan

    def plan(sources: list[SourceFile], workdir: Path) -> Invocation:
        inv = real(sources, workdir)
        inv.argv = argv
        return inv

    return plan


def test_scanner_crash_is_reported_not_raised(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    write(tmp_path, {"a.py": APP})
    crash = [sys.executable, "-c", "import sys; sys.stderr.write('Traceback: boom'); sys.exit(2)"]
    monkeypatch.setattr(bandit_adapter, "plan", fake_plan(crash))
    result = scan_files(tmp_path, ["a.py"])
    status = result.scanners["bandit"]
    assert not status.ran and status.error and "boom" in status.error
    assert not result.ok
    assert result.scanners["detect-secrets"].ok  # the other scanner's findings still count
    assert by_rule(result, "aws-access-key")


def test_garbage_report_is_reported_not_raised(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    write(tmp_path, {"a.py": "x = 1\n"})
    garbage = [sys.executable, "-c", "print('{not json')"]
    monkeypatch.setattr(
        secrets_adapter,
        "_invocation",
        lambda files, cwd, cores: Invocation(
            "detect-secrets", garbage, files, None, secrets_adapter._read
        ),
    )
    status = scan_files(tmp_path, ["a.py"]).scanners["detect-secrets"]
    assert status.error == (
        "detect-secrets report unreadable: not JSON (line 1, column 2: Expecting property name "
        "enclosed in double quotes)"
    )


def stdout_plan(argv: list[str]) -> Callable[[list[SourceFile], Path], Invocation]:
    """bandit's real plan, its command line swapped for `argv` and its report read on stdout."""
    faked = fake_plan(argv)

    def plan(sources: list[SourceFile], workdir: Path) -> Invocation:
        inv = faked(sources, workdir)
        inv.output = None
        return inv

    return plan


@pytest.mark.parametrize(
    ("output", "why"),
    [
        ("[" * 5000 + "]" * 5000, "not JSON (line 1, column 1: nested deeper than 64 levels)"),
        ('{"results": [' + "9" * 5000 + "]}", "a number of 5000 digits (at most 19)"),
        ('{"results": [], "errors": [', "not JSON (line 1, column 28: Expecting value)"),
        ('{"results": [{"filename": "a.py"}]}', "a result of an unexpected shape (no field"),
    ],
)
def test_hostile_scanner_reports_are_one_sentence_naming_the_scanner(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, output: str, why: str
) -> None:
    """Deep nesting, a huge number, a truncated report or a result missing its fields: the
    scanner did not run properly, said in one line naming it; never a traceback."""
    write(tmp_path, {"a.py": "x = 1\n"})
    report = tmp_path.parent / "report.json"
    report.write_text(output)
    printer = [sys.executable, "-c", f"import sys; sys.stdout.write(open({str(report)!r}).read())"]
    monkeypatch.setattr(bandit_adapter, "plan", stdout_plan(printer))
    status = scan_files(tmp_path, ["a.py"], scanners=["bandit"]).scanners["bandit"]
    assert status.error is not None and status.error.startswith("bandit report unreadable: ")
    assert why in status.error
    assert "Traceback" not in status.error and "KeyError" not in status.error


def test_a_huge_scanner_report_is_refused_unread(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from signoff.scan import runner

    write(tmp_path, {"a.py": "x = 1\n"})
    monkeypatch.setattr(runner, "MAX_INPUT", 2 * 1024 * 1024)
    printer = [sys.executable, "-c", "print('{\"results\": [' + '1,' * 1_500_000 + '1]}')"]
    monkeypatch.setattr(bandit_adapter, "plan", stdout_plan(printer))
    status = scan_files(tmp_path, ["a.py"], scanners=["bandit"]).scanners["bandit"]
    assert status.error == "bandit report unreadable: larger than 2 MB, the most Signoff reads"


def test_slow_scanner_times_out(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    write(tmp_path, {"a.py": "x = 1\n"})
    monkeypatch.setattr(
        bandit_adapter, "plan", fake_plan([sys.executable, "-c", "import time; time.sleep(30)"])
    )
    result = scan_files(tmp_path, ["a.py"], timeout=0.5)
    status = result.scanners["bandit"]
    assert status.error and "did not finish within" in status.error
    assert status.seconds < 10


def test_uninstalled_scanner_is_reported(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(secrets_adapter, "available", lambda: (False, None))
    result = scan_files(tmp_path, [])
    status = result.scanners["detect-secrets"]
    assert not status.available and status.error and "not installed" in status.error
    assert not result.ok


def test_nothing_to_scan_is_a_complete_run(tmp_path: Path) -> None:
    write(tmp_path, {"README.md": "# hello\n"})
    result = scan_files(tmp_path, ["README.md"])
    assert result.ok
    assert result.scanners["bandit"].files == 0  # no Python changed
    assert result.scanners["detect-secrets"].files == 1


# --- suppression comments in added lines -------------------------------------------------


def kinds(found: list[Suppression]) -> list[tuple[str, int, tuple[str, ...], str]]:
    return [(s.kind, s.line, s.rules, s.scope) for s in found]


def test_suppression_comments_of_every_kind_are_found() -> None:
    added = {
        10: "subprocess.call(cmd, shell=True)  # nosec",
        11: "subprocess.call(cmd, shell=True)  # nosec B602, B607",
        12: "password = 'x'  # nosec: hardcoded_password_string",
        13: "import os  # noqa",
        14: "import os, sys  # noqa: F401,E401",
        15: f'KEY = "{AWS_KEY}"  # pragma: allowlist secret',
        16: "// pragma: allowlist nextline secret",
        17: "exec(code) // nosemgrep",
        18: "eval(code)  # nosemgrep: python.lang.security.audit.eval-detected",
        19: "# ruff: noqa: S602",
        20: "x = 1  # type: ignore[assignment]  # noqa: E501  # nosec B101",
    }
    found = find_suppressions(added, "svc/app.py")
    assert kinds(found) == [
        ("nosec", 10, (), "line"),
        ("nosec", 11, ("B602", "B607"), "line"),
        ("nosec", 12, ("hardcoded_password_string",), "line"),
        ("noqa", 13, (), "line"),
        ("noqa", 14, ("F401", "E401"), "line"),
        ("allowlist-secret", 15, (), "line"),
        ("allowlist-secret", 16, (), "next-line"),
        ("nosemgrep", 17, (), "line"),
        ("nosemgrep", 18, ("python.lang.security.audit.eval-detected",), "line"),
        ("noqa", 19, ("S602",), "file"),
        ("nosec", 20, ("B101",), "line"),
        ("noqa", 20, ("E501",), "line"),
    ]
    assert {s.scanner for s in found} == {"bandit", "lint", "detect-secrets", "semgrep"}
    assert all(s.path == "svc/app.py" for s in found)
    assert found[1].text == "# nosec B602, B607"


def test_words_inside_strings_are_not_suppressions() -> None:
    added = [
        (1, 'msg = "add # nosec to silence bandit"'),
        (2, "doc = 'use # noqa: E501 sparingly'"),
        (3, 'url = "https://example.com/#nosemgrep"'),
        (4, "# it's a nosecurity note, not a nosec-less line"),
        (5, "text = 'it\\'s # nosec'"),
    ]
    assert find_suppressions(added) == []


def test_prose_after_nosec_does_not_name_rules() -> None:
    [s] = find_suppressions({1: "run(x)  # nosec this input is trusted"})
    assert s.rules == ()


def test_suppression_covers_only_its_scanner_rule_and_line() -> None:
    finding = ScanFinding(
        "bandit",
        "B602",
        "subprocess_popen_with_shell_equals_true",
        "high",
        "high",
        "a.py",
        5,
        6,
        "m",
    )
    assert Suppression("nosec", "bandit", 5, "# nosec").covers(finding)
    assert Suppression("nosec", "bandit", 6, "# nosec B602", ("B602",)).covers(finding)
    assert Suppression(
        "nosec", "bandit", 5, "#", ("subprocess_popen_with_shell_equals_true",)
    ).covers(finding)
    assert not Suppression("nosec", "bandit", 5, "# nosec B105", ("B105",)).covers(finding)
    assert not Suppression("nosec", "bandit", 7, "# nosec").covers(finding)
    assert not Suppression("noqa", "lint", 5, "# noqa").covers(finding)
    assert Suppression("allowlist-secret", "bandit", 4, "", (), "next-line").covers(finding)


def test_added_lines_from_a_real_diff(repo: GitRepo) -> None:
    """The gate's flow: added lines of a change -> scan only them, and find new suppressions."""
    repo.commit(
        "base", {"svc/app.py": "import hashlib\n\n\ndef old(data):\n    return hashlib.md5(data)\n"}
    )
    base = repo.head()
    repo.commit(
        "AI change",
        {
            "svc/app.py": "import hashlib\nimport subprocess\n\n\n"
            "def old(data):\n    return hashlib.md5(data)\n\n\n"
            "def new(cmd):\n    return subprocess.call(cmd, shell=True)  # nosec\n",
        },
    )
    files = diff_added_lines(Repo.discover(repo.path), [base, "HEAD"])
    added = {f.path: f.added for f in files}
    result = scan_files(repo.path, list(added), lines={p: set(a) for p, a in added.items()})
    # the old md5 line is not part of the change; the new shell call is, and is suppressed
    assert {(f.rule_id, f.start_line) for f in result.findings} == {("B404", 2), ("B602", 10)}
    assert by_rule(result, "B602")[0].suppressed_by == "# nosec"
    assert kinds(find_suppressions(added["svc/app.py"])) == [("nosec", 10, (), "line")]
