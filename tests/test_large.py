"""Large files: blame of a 100,000-line file and the gate over a file past the scan cap."""

from __future__ import annotations

import json
import time

from signoff.gate.check import SCAN_MAX_BYTES
from tests.gitrepo import GitRepo, run_signoff

CLAUDE = "\n\nCo-Authored-By: Claude Opus 4.5 <noreply@anthropic.com>\n"


def test_blame_of_a_100000_line_file_streams_plain_columns(repo: GitRepo) -> None:
    repo.commit("base\n", {"big.txt": "".join(f"line {n}\n" for n in range(1, 50_001))})
    repo.commit("more" + CLAUDE, {"big.txt": "".join(f"line {n}\n" for n in range(1, 100_001))})
    started = time.monotonic()
    proc = run_signoff(repo, "blame", "big.txt")
    elapsed = time.monotonic() - started
    assert proc.returncode == 0, proc.stderr[-2000:]
    assert elapsed < 30, f"blame took {elapsed:.1f}s"  # a rich table took minutes
    lines = proc.stdout.splitlines()
    assert len(lines) == 100_001 and lines[0].split() == [
        "commit",
        "author",
        "tool",
        "source",
        "line",
    ]
    first, last = lines[1].split(), lines[-1].split()
    assert first[1] == "unknown" and first[-2:] == ["line", "1"]
    assert last[1:3] == ["ai", "claude-code/claude-opus-4-5"] and last[-1] == "100000"


def test_terminal_controls_in_file_lines_never_reach_the_terminal(repo: GitRepo) -> None:
    repo.commit("base\n", {"evil.txt": "ok\n\x1b[2J\x1b]0;owned\x07 \u202etxt.exe\n"})
    proc = run_signoff(repo, "blame", "evil.txt")
    assert proc.returncode == 0, proc.stderr
    assert "\x1b" not in proc.stdout and "\u202e" not in proc.stdout and "\x07" not in proc.stdout
    assert "\\x1b[2J\\x1b]0;owned\\x07 \\u202etxt.exe" in proc.stdout


def test_the_gate_says_when_a_file_is_too_large_to_scan(repo: GitRepo) -> None:
    policy = (
        "schema: signoff/policy/v1\n"
        "people:\n  - {id: ada, name: Ada Lovelace, emails: [ada@example.com]}\n"
        "tiers:\n  high: {scanners: [bandit]}\n"
        "workflows:\n  - id: data\n    description: data\n    paths: [/data/]\n    tier: high\n"
        "    accountable: ada\n"
    )
    repo.commit("base\n", {"signoff.yaml": policy, "a.py": "a = 1\n"})
    row = "x = 'aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa'\n"
    big = row * (SCAN_MAX_BYTES // len(row) + 10)
    repo.commit("generated" + CLAUDE, {"data/gen.py": big, "other.py": big})
    started = time.monotonic()
    proc = run_signoff(repo, "check", "--base", "HEAD~1", "--json")
    elapsed = time.monotonic() - started
    doc = json.loads(proc.stdout)
    too_large = {f["path"]: f for f in doc["findings"] if f["rule"] == "scan.too-large"}
    assert set(too_large) == {"data/gen.py", "other.py"}
    assert too_large["data/gen.py"]["blocks"]  # the bar requires a scanner: unscanned blocks
    assert not too_large["other.py"]["blocks"]
    assert elapsed < 60, f"check took {elapsed:.1f}s"
