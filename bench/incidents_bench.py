"""How long the incident commands take on a generated history with many incidents.

`python bench/incidents_bench.py [COMMITS] [INCIDENTS]`: a synthetic repository (bench/generate.py),
a policy with budgets on four workflows, INCIDENTS records each linking 1-3 random commits (some
as file:line), then wall time of: index build, `incident list` (labels for all), `budget`, one
`trace` + postmortem, the gate's budget rule on a one-commit change, and `decay`.
"""

from __future__ import annotations

import random
import subprocess
import sys
import time
from datetime import datetime, timedelta, timezone
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent / "src"))
sys.path.insert(0, str(HERE))

from generate import generate  # noqa: E402

POLICY = """schema: signoff/policy/v1
governance: {policy_owner: ada, workflow: everything}
people:
  - {id: ada, name: Ada Lovelace, emails: [dev1@example.com]}
  - {id: grace, name: Grace Hopper, emails: [dev2@example.com]}
workflows:
"""


def _workflow(i: int) -> str:
    return (
        f"  - id: wf{i}\n    description: modules ending in {i}\n"
        f"    paths: ['/src/module_*{i}.py']\n    tier: high\n    accountable: ada\n"
        "    error_budget: {window_days: 30, max_ai_incidents: 5, max_impact_minutes: 600}\n"
        "    escalation: [{person: grace, respond_within: 1h}]\n"
    )


def timed(label: str, fn: object) -> object:
    start = time.perf_counter()
    result = fn()  # type: ignore[operator]
    print(f"{label:<44} {time.perf_counter() - start:8.2f} s")
    return result


def main(commits: int, incidents: int) -> None:
    from signoff.gate.check import GateOptions, check
    from signoff.git.repo import Repo
    from signoff.incidents.budget import budget_report
    from signoff.incidents.classify import connect_all
    from signoff.incidents.decay import decay
    from signoff.incidents.postmortem import postmortem_markdown
    from signoff.incidents.store import get_incident, load_incidents
    from signoff.incidents.trace import trace
    from signoff.store.index import open_index

    path = generate(HERE / "work" / f"incidents-{commits}", commits)
    tip = subprocess.run(
        ["git", "rev-list", "-1", f"--grep=^Change {commits}:", "HEAD"],
        cwd=path,
        capture_output=True,
        text=True,
        check=True,
    ).stdout.strip()
    subprocess.run(
        ["git", "reset", "-q", "--hard", tip], cwd=path, check=True
    )  # same data each run
    (path / "signoff.yaml").write_text(POLICY + "".join(_workflow(i) for i in range(10)))
    folder = path / ".signoff" / "incidents"
    subprocess.run(["rm", "-rf", str(folder)], check=True)
    folder.mkdir(parents=True)
    shas = subprocess.run(
        ["git", "rev-list", "HEAD"], cwd=path, capture_output=True, text=True, check=True
    ).stdout.split()
    rng = random.Random(11)
    now = datetime(2026, 6, 1, tzinfo=timezone.utc)
    for n in range(1, incidents + 1):
        started = now - timedelta(hours=rng.randint(1, 24 * 120))
        linked = rng.sample(shas, rng.randint(1, 3))
        suspects = "".join(f"  - target: {s}\n    commits: [{s}]\n" for s in linked)
        (folder / f"INC-{n:04d}.yaml").write_text(
            f"schema: signoff/incident/v1\nid: INC-{n:04d}\ntitle: incident {n}\n"
            f"severity: sev{rng.randint(1, 4)}\nstarted: {started.isoformat()}\n"
            f"impact_minutes: {rng.randint(1, 120)}\ncategories: [config]\nsuspects:\n{suspects}"
        )
    subprocess.run(["git", "add", "-A"], cwd=path, check=True)
    subprocess.run(["git", "commit", "-qm", "policy and incidents"], cwd=path, check=True)
    repo = Repo.discover(path)
    print(f"{commits} commits, {incidents} incidents")

    def index() -> None:
        idx, _ = open_index(repo)
        idx.close()

    timed("index build or update (existing code)", index)
    records = timed("load + validate all incident files", lambda: load_incidents(repo))
    timed("labels for all (incident list)", lambda: connect_all(repo, records))  # type: ignore[arg-type]
    timed("budget (10 workflows, 30-day windows)", lambda: budget_report(repo, now))
    t = timed("trace INC-0001", lambda: trace(repo, get_incident(repo, "INC-0001"), now=now))
    timed("postmortem markdown from the trace", lambda: postmortem_markdown(t))  # type: ignore[arg-type]
    spent = [s.workflow for s in budget_report(repo, now) if s.state == "exhausted"]
    target = f"module_{spent[0][2:]}.py" if spent else "module_2.py"
    print(f"   exhausted: {', '.join(spent) or 'none'}; changing src/{target}")
    (path / "src" / target).write_text("changed = 1\n")
    subprocess.run(["git", "checkout", "-qb", "change"], cwd=path, check=True)
    subprocess.run(
        ["git", "commit", "-qam", "AI change\n\nAI-Assisted: claude-code"], cwd=path, check=True
    )
    result = timed(
        "gate: signoff check --no-scan (all rules)",
        lambda: check(repo, GateOptions(base="main", head="change", scan=False, today=now.date())),
    )
    print("   budget findings:", [f.rule for f in result.findings if f.rule.startswith("budget")])  # type: ignore[attr-defined]
    import signoff.gate.budget as rule

    real = rule.budget_findings
    rule.budget_findings = lambda *a, **k: []  # type: ignore[assignment]
    timed(
        "  the same without the budget rule",
        lambda: check(repo, GateOptions(base="main", head="change", scan=False, today=now.date())),
    )
    rule.budget_findings = real
    timed(
        "  again with it (warm index)",
        lambda: check(repo, GateOptions(base="main", head="change", scan=False, today=now.date())),
    )
    subprocess.run(["git", "checkout", "-q", "main"], cwd=path, check=True)
    subprocess.run(["git", "branch", "-qD", "change"], cwd=path, check=True)
    rows = timed("decay (blame every AI-touched file)", lambda: decay(repo))
    print(f"   decayed files: {len(rows)}")  # type: ignore[arg-type]


if __name__ == "__main__":
    main(
        int(sys.argv[1]) if len(sys.argv) > 1 else 5000,
        int(sys.argv[2]) if len(sys.argv) > 2 else 200,
    )
