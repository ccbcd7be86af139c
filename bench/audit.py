"""Benchmark: a full `signoff audit` of the 100,000-commit repository, on a warm index.

The repository is bench/generate.py's, with one change: a `signoff.yaml` is added to its first
commit (rewritten once with fast-export/fast-import and cached), so every change is judged
against a policy and workflow, tier and accountable resolution is part of what is measured.

Run alone with `.venv/bin/python bench/audit.py`; `bench/run.py` calls `run()` and adds the
rows it returns to its table.
"""

from __future__ import annotations

import json
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import IO, Any

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
sys.path.insert(0, str(HERE.parent / "src"))

from generate import HUMANS, fresh_repo, generate  # noqa: E402

TARGET_SECONDS = 10.0


def bench_policy() -> str:
    people = "\n".join(
        f"  - {{id: dev{i}, name: {name}, emails: [{email}]"
        + (", roles: [security-reviewer]" if i <= 3 else "")
        + "}"
        for i, (name, email) in enumerate(HUMANS, start=1)
    )
    return f"""\
schema: signoff/policy/v1
people:
{people}
tiers:
  critical: {{min_approvals: 2, reviewer_roles: [security-reviewer]}}
  high: {{min_approvals: 1}}
workflows:
  - id: everything
    description: Every AI-assisted change not governed below.
    paths: ["*"]
    tier: low
    accountable: dev1
  - id: core
    description: AI-assisted changes to the core modules.
    paths: ["/src/module_1*.py"]
    tier: high
    accountable: dev2
  - id: payments
    description: AI-assisted changes to the payment modules.
    paths: ["/src/module_7.py", "/src/module_77.py", "/src/module_177.py"]
    tier: critical
    accountable: dev3
ai_boundary:
  - id: secrets
    paths: ["/src/module_0.py"]
    reason: Key handling stays human-written.
    exception_approvers: [dev3]
"""


def _data_blocks(stream: IO[bytes]) -> Iterator[tuple[bytes, bytes | None]]:
    """(line, payload) pairs of a fast-export stream; payload is set after a `data N` line."""
    while True:
        line = stream.readline()
        if not line:
            return
        if line.startswith(b"data ") and not line.startswith(b"data <<"):
            size = int(line[5:].strip())
            yield line, stream.read(size)
        else:
            yield line, None


def with_policy(source: Path, commits: int) -> Path:
    """A copy of `source` whose first commit also adds signoff.yaml (built once, cached)."""
    target = HERE / "work" / f"audit-{commits}"
    want = (source / ".generated").read_text() + ":policy-v1"
    if not fresh_repo(target, want):
        return target
    export = subprocess.Popen(
        ["git", "fast-export", "--reencode=yes", "main"], cwd=source, stdout=subprocess.PIPE
    )
    load = subprocess.Popen(["git", "fast-import", "--quiet"], cwd=target, stdin=subprocess.PIPE)
    assert export.stdout is not None and load.stdin is not None
    policy = bench_policy().encode()
    first_commit = True
    in_commit = False
    for line, payload in _data_blocks(export.stdout):
        load.stdin.write(line)
        if payload is not None:
            load.stdin.write(payload)
            if in_commit and first_commit:  # right after the first commit's message
                load.stdin.write(b"M 100644 inline signoff.yaml\n")
                load.stdin.write(b"data %d\n" % len(policy) + policy + b"\n")
                first_commit = False
            in_commit = False
        elif line.startswith(b"commit "):
            in_commit = True
    load.stdin.close()
    if export.wait() != 0 or load.wait() != 0:
        raise SystemExit("rewriting the bench repository failed")
    subprocess.run(["git", "reset", "-q", "--hard", "main"], cwd=target, check=True)
    (target / ".generated").write_text(want)
    return target


def _median(fn: Callable[[], object], runs: int) -> tuple[float, object]:
    samples = []
    result: object = None
    for _ in range(runs):
        start = time.perf_counter()
        result = fn()
        samples.append(time.perf_counter() - start)
    return statistics.median(samples), result


def run(commits: int = 100_000, runs: int = 3) -> dict[str, Any]:
    """Median seconds of a full audit (library and CLI), with git's own walk as the baseline."""
    from signoff.audit.pack import AuditOptions, run_audit, write_pack
    from signoff.audit.period import parse_period
    from signoff.git.repo import Repo
    from signoff.store.index import update_index

    repo_path = with_policy(generate(HERE / "work" / f"repo-{commits}", commits), commits)
    repo = Repo.discover(repo_path)
    update_index(repo)  # warm index: the audit reads it, it does not build it
    period = parse_period("2000-01-01", "2099-12-31")
    options = AuditOptions(period, sample=25, seed=1, provenance_test=10)
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp) / "pack"

        def library() -> object:
            return write_pack(run_audit(repo, options), out)

        lib_seconds, _ = _median(library, runs)
        audit = json.loads((out / "audit.json").read_text())

        def cli() -> object:
            return subprocess.run(
                [
                    sys.executable,
                    "-m",
                    "signoff",
                    "audit",
                    "--since",
                    "2000-01-01",
                    "--until",
                    "2099-12-31",
                    "--sample",
                    "25",
                    "--provenance-test",
                    "10",
                    "--out",
                    str(out),
                ],
                cwd=repo_path,
                check=True,
                capture_output=True,
            )

        cli_seconds, _ = _median(cli, runs)
        pack_bytes = sum(p.stat().st_size for p in out.iterdir())
    git_seconds, _ = _median(
        lambda: subprocess.run(
            ["git", "log", "--format=%H%x00%(trailers:only,unfold)", "main"],
            cwd=repo_path,
            check=True,
            capture_output=True,
        ),
        runs,
    )
    changes = audit["completeness"]["population"]
    note = (
        f"{changes} changes, complete={audit['completeness']['complete']}, "
        f"{len(audit['policy_snapshots'])} policy version(s), pack {pack_bytes / 1e6:.0f} MB, "
        f"provenance test {audit['provenance_test']['total_seconds']} s for 10 changes"
    )
    baseline = "git log (ids + trailers) over the branch"

    def row(what: str, seconds: float) -> dict[str, Any]:
        return {
            "what": what,
            "seconds": round(seconds, 4),
            "baseline": baseline,
            "baseline_seconds": round(git_seconds, 4),
            "ratio": round(seconds / git_seconds, 2) if git_seconds else None,
            "target": f"< {TARGET_SECONDS:.0f} s",
            "note": note,
        }

    return {
        "commits": commits,
        "runs": runs,
        "library_seconds": round(lib_seconds, 3),
        "cli_seconds": round(cli_seconds, 3),
        "git_seconds": round(git_seconds, 3),
        "changes": changes,
        "complete": audit["completeness"]["complete"],
        "pack_bytes": pack_bytes,
        "met_target": cli_seconds < TARGET_SECONDS,
        "rows": [
            row("audit, full pack (warm index, library call)", lib_seconds),
            row("audit, full pack (warm index, CLI)", cli_seconds),
        ],
    }


if __name__ == "__main__":
    import argparse

    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--commits", type=int, default=100_000)
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    print(json.dumps(run(args.commits, args.runs), indent=2))
