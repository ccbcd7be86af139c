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
    # a commit-level marker: the line is in an AI-assisted commit with no line record
    assert last[1:3] == ["ai-assisted-commit", "claude-code/claude-opus-4-5"]
    assert last[-1] == "100000"


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


def _generated(mb: int) -> str:
    row = "value = 'aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa' # {:08d}\n"
    return "".join(row.format(n) for n in range(mb * 1_000_000 // len(row.format(0))))


def test_a_file_past_the_line_limit_is_judged_whole_in_bounded_memory(repo: GitRepo) -> None:
    """The gate streams the diff and holds no text past LINE_TEXT_MAX_BYTES per file: a 24 MB
    added file costs less Python memory than two thirds of its size, and the report says it was judged
    as a whole (every line counted, the AI bar applied to all of them)."""
    import tracemalloc

    from signoff.gate.check import GateOptions, check
    from signoff.git.diff import LINE_TEXT_MAX_BYTES
    from signoff.git.repo import Repo

    repo.commit("base\n", {"a.py": "a = 1\n"})
    big = _generated(24)
    assert len(big) > 4 * LINE_TEXT_MAX_BYTES
    repo.commit("generated" + CLAUDE, {"gen/table.py": big, "gen/small.py": "b = 2\n"})
    lines = big.count("\n")
    del big
    git = Repo.discover(repo.path)
    tracemalloc.start()
    try:
        result = check(git, GateOptions(base="HEAD~1", scan=False))
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    # the 5 MB of text kept before the limit is reached, parsed; never the whole file
    assert peak < 16_000_000, f"the gate held {peak / 1e6:.0f} MB for a 24 MB file"
    doc = result.to_json()
    files = {f["path"]: f for f in doc["changeset"]["files"]}
    assert files["gen/table.py"] == {
        "path": "gen/table.py",
        "added": lines,
        "ai_attributed_added": 0,
        "ai_assisted_unrecorded_added": lines,
        "binary": False,
        "deleted": False,
        "too_large": True,
    }
    assert files["gen/small.py"]["too_large"] is False
    assert doc["changeset"]["ai_assisted_unrecorded_lines"] == lines + 1
    (large,) = [f for f in doc["findings"] if f["rule"] == "change.too-large"]
    assert large["path"] == "gen/table.py" and large["start_line"] == 1
    assert large["end_line"] == lines
    assert f"adds {lines:,} lines" in large["message"]
    assert "the AI bar applies to all of its lines" in large["message"]


def test_a_long_line_is_read_in_bounded_pieces(repo: GitRepo) -> None:
    """One 6 MB line (a minified file) is one added line; its text is never held whole."""
    from signoff.git.diff import diff_added_lines
    from signoff.git.repo import Repo

    repo.commit("base\n", {"a.py": "a = 1\n"})
    repo.commit("minified\n", {"app.min.js": "x" * 6_000_000 + "\n", "b.js": "y\n"})
    files = {f.path: f for f in diff_added_lines(Repo.discover(repo.path), ["HEAD~1", "HEAD"])}
    minified = files["app.min.js"]
    assert minified.added_count == 1 and minified.too_large and not minified.added
    assert minified.runs == [(1, 1)]
    assert files["b.js"].added == {1: "y"} and not files["b.js"].too_large


def test_a_re_indented_line_keeps_its_writer_with_one_diff(repo: GitRepo) -> None:
    """A line the change only re-indented is blamed to the commit that wrote it; the `-w` diff
    runs only over files whose diff removes a line equal but for whitespace."""
    from signoff.git.repo import Repo
    from signoff.query.changeset import range_changeset

    body = "def f():\n    return 1\n"
    repo.commit("human base\n", {"m.py": body, "n.py": "x = 1\n"})
    base = repo.head()
    indented = "class C:\n" + "".join("    " + line + "\n" for line in body.splitlines())
    repo.commit("agent" + CLAUDE, {"m.py": indented, "n.py": "x = 1\ny = 2\n"})
    cs = range_changeset(Repo.discover(repo.path), base, use_index=False)
    by_line = {a.line: a for a in cs.lines["m.py"]}
    assert by_line[1].author == "ai-assisted-commit"  # `class C:` is new
    assert by_line[2].commit == base and by_line[3].commit == base  # only re-indented
    assert [a.line for a in cs.lines["n.py"]] == [2]
    files = {f.path: f for f in cs.files}
    assert files["m.py"].reindented == {2, 3} and not files["n.py"].reindented


def test_invisible_characters_are_escaped_in_json_and_kept_as_data(repo: GitRepo) -> None:
    """JSON is data: the decoded strings keep every character as committed; the JSON text
    writes the invisible ones as \\u escapes so a terminal or a diff cannot be fooled."""
    subject = "fix \u202etxt.exe\u200b and \U000e0041tag \x9b31m"
    repo.commit(subject + "\n", {"a\u2066b.py": "x = 1\n"})
    proc = run_signoff(repo, "explain", "HEAD", "--json")
    assert proc.returncode == 0, proc.stderr
    for raw in ("\u202e", "\u200b", "\U000e0041", "\x9b", "\u2066"):
        assert raw not in proc.stdout
    assert "\\u202e" in proc.stdout and "\\udb40\\udc41" in proc.stdout
    doc = json.loads(proc.stdout)
    assert doc["commits"][0]["subject"] == subject
    text = run_signoff(repo, "explain", "HEAD")
    assert "\u202e" not in text.stdout and "\\u202etxt.exe\\u200b" in text.stdout
    export = run_signoff(repo, "export")
    assert "\u202e" not in export.stdout
    assert json.loads(export.stdout.splitlines()[0])["subject"] == subject


def test_one_markup_escape_for_the_cli() -> None:
    """Every command escapes markup with `signoff.cli.output.escape` (rich's own is not
    imported beside it), so one function decides what reaches the terminal."""
    from pathlib import Path

    cli = Path(__file__).resolve().parent.parent / "src" / "signoff" / "cli"
    users = [p.name for p in cli.glob("*.py") if "from rich.markup import escape" in p.read_text()]
    assert users == []
