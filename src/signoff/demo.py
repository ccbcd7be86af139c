"""`make demo`: build a realistic repository in a temporary folder and run Signoff on it.

The history mixes what real teams have: commits from several coding agents (each leaving its
own convention), plain human commits with no marker, a declared human commit, automation, an
amend and a rebase (provenance notes follow both), a pull-request merge with review trailers,
a Git AI authorship note with line-level attribution, and a forge squash merge whose AI lines
are mapped back from the pull request's own commits.
"""

from __future__ import annotations

import json
import os
import shlex
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

MAYA = ("Maya Chen", "maya@payments.example")
SAM = ("Sam Patel", "sam@payments.example")
LEE = ("Lee Okafor", "lee@payments.example")


class DemoRepo:
    def __init__(self, path: Path, home: Path) -> None:
        self.path = path
        self.env = {k: v for k, v in os.environ.items() if not k.startswith("GIT_")}
        for key in ("CLAUDECODE", "SIGNOFF_AI", "CURSOR_AGENT", "GEMINI_CLI", "CODEX_SANDBOX"):
            self.env.pop(key, None)
        cfg = home / ".gitconfig"
        cfg.write_text(
            "[init]\n\tdefaultBranch = main\n[user]\n\tname = Maya Chen\n\temail = maya@payments.example\n"
        )
        self.env.update(
            {"HOME": str(home), "GIT_CONFIG_GLOBAL": str(cfg), "GIT_CONFIG_NOSYSTEM": "1"}
        )
        # recent history, so error budgets (rolling windows ending today) see the incident
        self.clock = int(time.time()) - 86_400 * 50

    def git(self, *args: str, env: dict[str, str] | None = None, input: str | None = None) -> str:
        proc = subprocess.run(
            ["git", *args],
            cwd=self.path,
            env={**self.env, **(env or {})},
            input=input,
            capture_output=True,
            text=True,
        )
        if proc.returncode != 0:
            raise SystemExit(f"demo: git {' '.join(args)} failed:\n{proc.stderr}")
        return proc.stdout

    def signoff(
        self, *args: str, env: dict[str, str] | None = None
    ) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [sys.executable, "-m", "signoff", *args],
            cwd=self.path,
            env={**self.env, **(env or {})},
            capture_output=True,
            text=True,
        )

    def write(self, rel: str, text: str) -> None:
        target = self.path / rel
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(text)

    def commit(
        self,
        message: str,
        files: dict[str, str],
        who: tuple[str, str] = MAYA,
        committer: tuple[str, str] | None = None,
        env: dict[str, str] | None = None,
        amend: bool = False,
    ) -> str:
        for rel, text in files.items():
            self.write(rel, text)
        self.git("add", "-A")
        self.clock += 86_400 * 3
        c = committer or who
        when = f"{self.clock} +0000"
        commit_env = {
            "GIT_AUTHOR_NAME": who[0],
            "GIT_AUTHOR_EMAIL": who[1],
            "GIT_COMMITTER_NAME": c[0],
            "GIT_COMMITTER_EMAIL": c[1],
            "GIT_AUTHOR_DATE": when,
            "GIT_COMMITTER_DATE": when,
            **(env or {}),
        }
        args = ["commit", "-q", "-F", "-"] + (["--amend"] if amend else [])
        self.git(*args, env=commit_env, input=message)
        return self.git("rev-parse", "HEAD").strip()


ALL_MET = (
    "{context: {met: true, evidence: knows the code}, authority: {met: true, evidence: can stop a "
    "release}, time: {met: true, evidence: review time budgeted}, incentive: {met: true, evidence: "
    "measured on escaped defects}, escalation: {met: true, evidence: knows the chain}}"
)
POLICY = """\
# signoff.yaml: who is accountable for what, decided before anything breaks (docs/policy.md)
schema: signoff/policy/v1
governance: {policy_owner: maya, workflow: policy}
people:
  - {id: maya, name: Maya Chen, emails: [maya@payments.example], handles: ["@maya"], roles: [security-reviewer]}
  - {id: sam, name: Sam Patel, emails: [sam@payments.example], handles: ["@sam"]}
  - {id: lee, name: Lee Okafor, emails: [lee@payments.example], handles: ["@lee"]}
teams:
  - {id: payments-team, name: Payments, members: [maya, sam, lee]}
ai_tools:
  - id: claude-code
    owner: maya
    failure_patterns: [values valid in staging copied into production config]
  - id: cursor
    owner: sam
    failure_patterns: [retries added without respecting the retry budget]
tiers:
  critical: {min_approvals: 2, reviewer_roles: [security-reviewer], require_accountable_approval: true, max_reviewable_lines: 200, min_review_minutes_per_100_ai_lines: 10, shallow_review: block, weakened_checks: block}
  high: {min_approvals: 1, reviewer_roles: [security-reviewer], max_reviewable_lines: 400, min_review_minutes_per_100_ai_lines: 5, shallow_review: block, weakened_checks: block}
  moderate: {min_approvals: 1}
  low: {min_approvals: 0}
workflows:
  - id: general
    description: Every AI-assisted change not governed by a more specific workflow.
    paths: ["*"]
    tier: low
    accountable: lee
    conditions: ALL_MET
    escalation: [{person: maya, respond_within: 1d}]
    incident_path: {paged: [lee], authority: revert the change}
    error_budget: {window_days: 30, max_ai_incidents: 3}
  - id: payments-code
    description: AI-assisted changes to the payments service code.
    paths: [/src/payments/]
    tier: high
    accountable: maya
    conditions: ALL_MET
    responsible: [claude-code, cursor, payments-team]
    escalation: [{person: lee, respond_within: 1h}]
    incident_path: {paged: [maya], authority: roll back and freeze payments deploys, customer_comms: lee}
    error_budget: {window_days: 30, max_ai_incidents: 1, max_impact_minutes: 60}
  - id: prod-config
    description: AI-assisted changes to production configuration.
    paths: [/config/]
    tier: critical
    accountable: sam
    conditions:
      context: {met: true, evidence: operates the service}
      authority: {met: true, evidence: owns the deploy pipeline}
      time: {met: false, evidence: on four review rotations; no time budgeted for config review}
      incentive: {met: true, evidence: measured on availability}
      escalation: {met: true, evidence: escalates to Maya}
    escalation: [{person: maya, respond_within: 15m}]
    incident_path: {paged: [sam], authority: revert the config}
    error_budget: {window_days: 30, max_ai_incidents: 1}
  - id: policy
    description: Changes to this registry and its exceptions.
    paths: [/signoff.yaml, /.signoff/]
    tier: low
    accountable: maya
    conditions: ALL_MET
    escalation: [{person: lee, respond_within: 1d}]
    incident_path: {paged: [maya], authority: revert}
    error_budget: {window_days: 90, max_ai_incidents: 1}
ai_boundary:
  - id: payments-crypto
    paths: [/src/payments/crypto/]
    reason: request signing is hand-written and reviewed by the security reviewer only
    exception_approvers: [maya]
""".replace("ALL_MET", ALL_MET)


def build(root: Path) -> Path:
    """Create the demo repository under `root` and return its path."""
    home = root / "home"
    home.mkdir(parents=True, exist_ok=True)
    path = root / "payments-service"
    path.mkdir(parents=True)
    r = DemoRepo(path, home)
    r.git("init", "-q", "-b", "main")
    init = r.signoff("init")
    if init.returncode != 0:
        raise SystemExit(f"demo: signoff init failed:\n{init.stdout}{init.stderr}")

    r.commit(
        "Initial payments service\n",
        {
            "README.md": "# payments-service\n",
            "src/payments/charge.py": "def charge(amount_cents: int) -> int:\n    return amount_cents\n",
            "config/prod.yaml": "retry_budget_ms: 2000\ntimeout_ms: 800\n",
            "src/payments/crypto/sign.py": "import hmac\n\n\ndef sign(key: bytes, body: bytes) -> str:\n    return hmac.new(key, body, 'sha256').hexdigest()\n",
        },
    )
    r.commit(
        "Ownership registry: who is accountable for what\n\nAI-Assisted: none\n",
        {"signoff.yaml": POLICY},
    )
    # Claude Code, detected from the agent's shell environment by the installed hook.
    r.commit(
        "Add idempotency keys to charge()\n\n"
        "Generated with [Claude Code](https://claude.com/claude-code)\n\n"
        "Co-Authored-By: Claude Opus 4.5 <noreply@anthropic.com>\n",
        {
            "src/payments/charge.py": (
                "import hashlib\n\n\n"
                "def idempotency_key(customer: str, amount_cents: int) -> str:\n"
                "    return hashlib.sha256(f'{customer}:{amount_cents}'.encode()).hexdigest()\n\n\n"
                "def charge(amount_cents: int, customer: str = '') -> int:\n"
                "    key = idempotency_key(customer, amount_cents)\n"
                "    return amount_cents if key else 0\n"
            )
        },
        env={"CLAUDECODE": "1", "ANTHROPIC_MODEL": "claude-opus-4-5"},
    )
    # aider: the AI authored it, aider committed it.
    r.commit(
        "aider: tighten refund validation\n",
        {
            "src/payments/refund.py": "def refund(amount_cents: int) -> int:\n    if amount_cents <= 0:\n        raise ValueError('refund must be positive')\n    return -amount_cents\n"
        },
        who=(SAM[0] + " (aider)", SAM[1]),
    )
    # Automation is not AI.
    r.commit(
        "Bump requests from 2.31.0 to 2.32.3\n",
        {"requirements.txt": "requests==2.32.3\n"},
        who=("dependabot[bot]", "49699333+dependabot[bot]@users.noreply.github.com"),
        committer=("GitHub", "noreply@github.com"),
    )
    # A declared human change: positive evidence, so it is "human", not "unknown".
    r.commit(
        "Document the retry budget\n",
        {"docs/retries.md": "# Retries\n\nThe retry budget is 2 s; timeouts are 800 ms.\n"},
        who=LEE,
        env={"SIGNOFF_AI": "none"},
    )

    # A feature branch: Copilot's coding agent, then a Cursor commit that is amended.
    r.git("checkout", "-q", "-b", "feature/ledger")
    r.commit(
        "Add ledger export\n\nCo-authored-by: Sam Patel <sam@payments.example>\n",
        {
            "src/payments/ledger.py": "def export(rows: list[dict]) -> str:\n    return '\\n'.join(str(r) for r in rows)\n"
        },
        who=("copilot-swe-agent[bot]", "198982749+Copilot@users.noreply.github.com"),
        committer=("GitHub", "noreply@github.com"),
    )
    r.commit(
        "Stream ledger export\n",
        {
            "src/payments/ledger.py": "def export(rows: list[dict]) -> str:\n    out = []\n    for r in rows:\n        out.append(str(r))\n    return '\\n'.join(out)\n"
        },
        who=SAM,
        env={"SIGNOFF_AI": "cursor/gpt-5"},
    )
    r.commit(
        "Stream ledger export\n",
        {
            "src/payments/ledger.py": "def export(rows: list[dict]) -> str:\n    return '\\n'.join(str(r) for r in rows if r)\n"
        },
        who=SAM,
        env={"SIGNOFF_AI": "cursor/gpt-5"},
        amend=True,
    )
    # main moved on meanwhile: a plain commit with no marker (its provenance stays unknown).
    r.git("checkout", "-q", "main")
    r.commit(
        "Raise prod timeout\n",
        {"config/prod.yaml": "retry_budget_ms: 2000\ntimeout_ms: 1200\n"},
        who=SAM,
    )
    # rebase the feature branch: Signoff's notes follow the rewritten commits.
    r.git("checkout", "-q", "feature/ledger")
    r.git("rebase", "-q", "main", env={"GIT_COMMITTER_NAME": SAM[0], "GIT_COMMITTER_EMAIL": SAM[1]})
    r.git("checkout", "-q", "main")
    r.clock += 86_400
    r.git(
        "merge",
        "-q",
        "--no-ff",
        "feature/ledger",
        "-m",
        "Merge pull request #42 from payments/feature/ledger\n\nLedger export\n\n"
        "Reviewed-by: Maya Chen <maya@payments.example>\nApproved-by: Lee Okafor <lee@payments.example>",
        env={
            "GIT_COMMITTER_NAME": MAYA[0],
            "GIT_COMMITTER_EMAIL": MAYA[1],
            "GIT_AUTHOR_DATE": f"{r.clock} +0000",
            "GIT_COMMITTER_DATE": f"{r.clock} +0000",
        },
    )

    # A commit whose lines Git AI attributed: lines 1-5 by an agent, 8-10 typed by the human.
    sha = r.commit(
        "Add fraud score threshold\n",
        {
            "src/payments/fraud.py": "THRESHOLD = 0.82\n\n\ndef risky(score: float) -> bool:\n    return score >= THRESHOLD\n\n\n# reviewed by hand\ndef explain() -> str:\n    return f'threshold {THRESHOLD}'\n"
        },
        who=LEE,
    )
    r.git("notes", "--ref=ai", "add", "-F", "-", sha, input=_gitai_note(sha))
    return path


def _gitai_note(sha: str) -> str:
    """A Git AI authorship log: lines 1-5 from an agent session, 8-10 typed by the human."""
    metadata = {
        "schema_version": "authorship/3.0.0",
        "git_ai_version": "1.4.5",
        "base_commit_sha": sha,
        "prompts": {},
        "sessions": {
            "s_1a2b3c4d5e6f70": {
                "agent_id": {"tool": "cursor", "id": "demo-session-7", "model": "claude-4-sonnet"},
                "human_author": "Lee Okafor <lee@payments.example>",
            }
        },
        "humans": {"h_0f1e2d3c4b5a69": {"author": "Lee Okafor <lee@payments.example>"}},
    }
    return (
        "src/payments/fraud.py\n"
        "  s_1a2b3c4d5e6f70::t_00000000000001 1-5\n"
        "  h_0f1e2d3c4b5a69 8-10\n"
        "---\n" + json.dumps(metadata, indent=2) + "\n"
    )


GEMINI = (
    "Co-authored-by: gemini-code-assist[bot] "
    "<176961590+gemini-code-assist[bot]@users.noreply.github.com>"
)
PAYOUT = (
    "def batch(payouts: list[int], size: int = 50) -> list[list[int]]:\n"
    "    out = []\n"
    "    for i in range(0, len(payouts), size):\n"
    "        out.append(payouts[i : i + size])\n"
    "    return out\n\n\n"
    "def total(batch: list[int]) -> int:\n"
    "    return sum(batch)\n"
)
PAYOUT_TEST = (
    "from payments.payout import batch, total\n\n\n"
    "def test_batch() -> None:\n"
    "    assert batch([1, 2, 3], 2) == [[1, 2], [3]]\n"
    "    assert total([1, 2]) == 3\n"
)


def squash_demo(r: DemoRepo, root: Path) -> None:
    """A pull request squash-merged by the forge: one accepted Gemini Code Assist suggestion
    among human commits. The commit-level marker speaks for the whole PR; once the PR's own
    commits are fetched (refs/pull/57/head), its AI lines are mapped back from them."""
    print("\n== A squash-merged pull request: whose lines are AI lines? ==")
    clock = r.clock
    r.git("checkout", "-q", "-b", "feature/payouts")
    r.commit("Add payout batching\n", {"src/payments/payout.py": PAYOUT}, who=SAM)
    suggested = PAYOUT.replace("    return sum(batch)\n", "    return sum(batch, start=0)\n")
    r.commit(
        f"Update src/payments/payout.py\n\n{GEMINI}\n",
        {"src/payments/payout.py": suggested},
        who=SAM,
    )
    r.commit("Test payout batching\n", {"tests/test_payout.py": PAYOUT_TEST}, who=SAM)
    r.git("checkout", "-q", "main")
    r.git("merge", "-q", "--squash", "feature/payouts")
    squash = r.commit(
        "Batch payouts (#57)\n\n* Add payout batching\n\n* Update src/payments/payout.py\n\n"
        f"* Test payout batching\n\n---------\n\n{GEMINI}\n",
        {},
        who=SAM,
        committer=("GitHub", "noreply@github.com"),
    )
    forge = root / "forge.git"
    r.git("clone", "-q", "--bare", str(r.path), str(forge))
    r.git("--git-dir", str(forge), "update-ref", "refs/pull/57/head", "refs/heads/feature/payouts")
    r.git("branch", "-q", "-D", "feature/payouts")
    r.clock = clock + 86_400 * 3
    print("\n-- the commit level alone: the marker says an AI helped, not which lines")
    _show(r, "explain", squash[:10])
    print("-- the forge keeps the PR's commits: fetch them, and map their provenance by content")
    print(f"$ git fetch {forge.name} 'refs/pull/*/head:refs/pull/*/head'")
    r.git("fetch", "-q", str(forge), "refs/pull/*/head:refs/pull/*/head")
    _show(r, "index")
    _show(r, "explain", squash[:10])
    _show(r, "blame", "src/payments/payout.py")


REFUNDS_V1 = """\
def refund(charge, amount):
    if amount <= 0:
        raise ValueError("refund amount must be positive")
    if amount > charge.captured:
        raise ValueError("cannot refund more than was captured")
    return charge.gateway.refund(charge.id, amount)
"""
REFUNDS_V2 = (
    REFUNDS_V1
    + """\


def partial_refunds(charge):
    return [r for r in charge.refunds if r.amount < charge.captured]
"""
)


def capture_demo(r: DemoRepo) -> None:
    """A Claude Code session recorded edit by edit through its hook payloads (PreToolUse and
    PostToolUse JSON on standard input), then committed by a human who changed one of the
    agent's lines and typed one of their own: blame tells the three kinds apart."""
    print("\n== Line capture: the lines an agent wrote, kept apart from the human's ==")
    rel = "src/payments/refunds.py"
    session = "7f3c2a90-demo"
    anchor = "    return charge.gateway.refund(charge.id, amount)\n"
    edits = (
        ("Write", {"content": REFUNDS_V1}, REFUNDS_V1),
        (
            "Edit",
            {"old_string": anchor, "new_string": REFUNDS_V2[REFUNDS_V2.index(anchor) :]},
            REFUNDS_V2,
        ),
    )
    for number, (tool, tool_input, content) in enumerate(edits):
        for event in ("PreToolUse", "PostToolUse"):
            if event == "PostToolUse":
                r.write(rel, content)
            payload: dict[str, Any] = {
                "session_id": session,
                "transcript_path": str(r.path / ".claude" / f"{session}.jsonl"),
                "cwd": str(r.path),
                "hook_event_name": event,
                "tool_name": tool,
                "tool_input": {"file_path": str(r.path / rel), **tool_input},
                "tool_use_id": f"toolu_demo_{number}",
            }
            if event == "PostToolUse":
                payload["tool_response"] = {"filePath": str(r.path / rel), "success": True}
            _checkpoint(r, payload)
    print(f"Claude Code wrote {rel} in two edits (session {session}); each edit sent a")
    print("PreToolUse and a PostToolUse payload to the capture hook.")
    text = (r.path / rel).read_text()
    text = text.replace("charge.captured:\n", "charge.captured - charge.refunded:\n", 1)
    text = text.replace(
        "    return charge.gateway",
        '    log.info("refund %s", charge.id)\n    return charge.gateway',
    )
    r.write(rel, text)
    print("Maya then changed the agent's over-refund check and added a log line by hand,")
    print("and committed from her own terminal (no agent in the environment):")
    print("$ git commit -m 'Add refunds'")
    r.commit("Add refunds\n", {}, who=MAYA)
    _show(r, "blame", rel)
    note = r.git("notes", "--ref=signoff", "show", "HEAD").splitlines()[0]
    doc: dict[str, Any] = json.loads(note)
    print("\nThe commit's note (refs/notes/signoff), its line ranges:")
    if not doc.get("line_record", {}).get("complete", True):
        print(f"  (incomplete: {doc['line_record'].get('reason')})")
    for span in doc.get("files", {}).get(rel, []):
        used = doc["tools"][span["tool"]] if span["tool"] is not None else None
        who = f"{used['tool']}, session {used['session']}" if used else ""
        print(f"  lines {span['start']:>2}-{span['end']:<2} {span['author']:<12} {who}")


def _checkpoint(r: DemoRepo, payload: dict[str, Any]) -> None:
    """Hand one hook payload to `signoff checkpoint --agent claude-code`; where that command is
    not installed, record what it would from the payload with the working-log API."""
    import importlib.util

    if importlib.util.find_spec("signoff.recording.checkpoint") is not None:
        proc = subprocess.run(
            [sys.executable, "-m", "signoff", "checkpoint", "--agent", "claude-code"],
            cwd=r.path,
            env=r.env,
            input=json.dumps(payload),
            capture_output=True,
            text=True,
        )
        if proc.returncode != 0:
            raise SystemExit(f"demo: signoff checkpoint failed:\n{proc.stderr}")
        return
    from signoff.recording import worklog

    rel = os.path.relpath(payload["tool_input"]["file_path"], r.path)
    blob = r.git("hash-object", "-w", rel).strip() if (r.path / rel).exists() else None
    event = "pre" if payload["hook_event_name"] == "PreToolUse" else "post"
    record = worklog.make_record(
        event,
        rel,
        blob,
        agent="claude-code",
        session=payload["session_id"],
        tool_call=payload["tool_use_id"],
    )
    worklog.append(str(r.path / ".git"), [record])


def gate_demo(r: DemoRepo, report: Path) -> None:
    """A pull request that fails the gate for three reasons, then passes once each is fixed."""
    print("\n== The gate: a pull request against main ==")
    r.git("checkout", "-q", "-b", "feature/refund-export")
    claude = {"CLAUDECODE": "1", "ANTHROPIC_MODEL": "claude-opus-4-5"}
    r.commit(
        "Export refunds and sign the export\n",
        {
            "src/payments/refund.py": REFUND + "\n\ndef export(cmd: str) -> int:\n"
            "    return subprocess.call(cmd, shell=True)\n",
            "src/payments/crypto/sign.py": SIGN
            + "\n\ndef sign_export(key: bytes, body: bytes) -> str:\n"
            "    return sign(key, body)\n",
        },
        who=SAM,
        env=claude,
    )
    _check(r, report, "1. an AI-assisted change: crypto boundary, shell=True, no review", keep=True)
    r.commit(
        "Keep request signing hand-written\n",
        {"src/payments/crypto/sign.py": SIGN},
        who=SAM,
        env={"SIGNOFF_AI": "none"},
    )
    _check(r, report, "2. fixed: the crypto change is reverted by hand")
    head = r.commit(
        "Run the export without a shell\n",
        {
            "src/payments/refund.py": REFUND + "\n\ndef export(cmd: str) -> int:\n"
            "    return subprocess.call(shlex.split(cmd))\n",
        },
        who=SAM,
        env=claude,
    )
    _check(r, report, "3. fixed: no shell=True")
    reviews = _approval(report, "pull-reviews.json", head, r)
    _check(
        r, report, "4. fixed: Maya (security-reviewer) approves the current head", reviews=reviews
    )


REFUND = (
    "import shlex\nimport subprocess\n\n\ndef refund(amount_cents: int) -> int:\n"
    "    if amount_cents <= 0:\n        raise ValueError('refund must be positive')\n"
    "    return -amount_cents\n"
)
SIGN = (
    "import hmac\n\n\ndef sign(key: bytes, body: bytes) -> str:\n"
    "    return hmac.new(key, body, 'sha256').hexdigest()\n"
)


def _check(
    r: DemoRepo,
    report: Path,
    title: str,
    *,
    keep: bool = False,
    reviews: Path | None = None,
    notes: bool = False,
) -> None:
    args = ["check", "--base", "main"]
    if reviews:
        args += ["--reviews", str(reviews)]
    if keep:
        args += [
            "--sarif",
            str(report / "check.sarif"),
            "--markdown",
            str(report / "check-comment.md"),
        ]
    print(f"\n-- {title}")
    print(f"$ signoff {' '.join(shlex.quote(a) for a in args)}")
    proc = r.signoff(*args)
    lines = (proc.stdout + proc.stderr).rstrip().splitlines()
    shown = [
        ln for ln in lines if not ln.lstrip().startswith("fix:") and (notes or "[note]" not in ln)
    ]
    print("\n".join(shown))
    print(f"(exit code {proc.returncode})")


def incident_demo(r: DemoRepo, report: Path) -> None:
    """An AI-connected incident: trace, blameless postmortem, and a budget that blocks."""
    print("\n== Incidents: who owns this at 2 a.m.? ==")
    r.git("checkout", "-q", "main")
    claude = _sha_of(r, "Add idempotency keys")
    _show(
        r,
        "incident",
        "open",
        "Duplicate charges when the card network retries",
        "--id",
        "INC-0001",
        "--severity",
        "sev2",
        "--impact-minutes",
        "45",
        "--path",
        "src/payments/charge.py",
        "-c",
        "concurrency",
    )
    _show(
        r, "incident", "link", "INC-0001", claude[:10], "--note", "idempotency key ignores retries"
    )
    r.commit("Record INC-0001\n", {}, who=MAYA, env={"SIGNOFF_AI": "none"})
    _show(r, "incident", "trace", "INC-0001")
    pm = r.signoff(
        "postmortem",
        "INC-0001",
        "--format",
        "html",
        "--output",
        str(report / "postmortem-INC-0001.html"),
    )
    _show(r, "postmortem", "INC-0001")
    if pm.returncode != 0:
        print(pm.stdout + pm.stderr)
    _show(r, "budget")
    print("\n-- the next AI-assisted change to payments-code, while its budget is spent")
    r.git("checkout", "-q", "-b", "feature/charge-retries")
    head = r.commit(
        "Retry card network timeouts\n",
        {"src/payments/retry.py": "RETRIES = 3\n"},
        who=SAM,
        env={"SIGNOFF_AI": "claude-code/claude-opus-4-5"},
    )
    reviews = _approval(report, "retry-reviews.json", head, r)
    _check(r, report, "an ordinary AI-assisted change: blocked by the budget", reviews=reviews)
    r.git("reset", "-q", "--soft", "main")  # rework the branch into a declared fix
    head = r.commit(
        "Make the idempotency key stable across retries\n\nFixes-Incident: INC-0001\n",
        {"src/payments/retry.py": "RETRIES = 3\nKEY_SCOPE = 'request'\n"},
        who=SAM,
        env={"SIGNOFF_AI": "claude-code/claude-opus-4-5"},
    )
    reviews = _approval(report, "fix-reviews.json", head, r)
    _check(r, report, "a declared fix (Fixes-Incident: INC-0001): allowed through", reviews=reviews)
    r.git("checkout", "-q", "main")


def _approval(report: Path, name: str, head: str, r: DemoRepo | None = None) -> Path:
    path = report / name
    when = "2026-02-10T10:00:00Z"
    if r is not None:  # two hours after the head was committed: time to read it
        committed = int(r.git("log", "-1", "--format=%ct", head).strip())
        when = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(committed + 7200))
    path.write_text(
        json.dumps(
            {
                "pull": {
                    "number": 44,
                    "title": "change",
                    "state": "open",
                    "user": {"login": "sam"},
                    "head": {"sha": head, "ref": "feature"},
                    "base": {"ref": "main"},
                },
                "reviews": [
                    {
                        "id": 1,
                        "user": {"login": "maya"},
                        "state": "APPROVED",
                        "commit_id": head,
                        "submitted_at": when,
                    }
                ],
            }
        )
    )
    return path


COPILOT = ("copilot-swe-agent[bot]", "198982749+Copilot@users.noreply.github.com")
REFUND_TEST = (
    "from payments.refund import refund\n\n\n"
    "def test_refund_is_negative() -> None:\n    assert refund(5) == -5\n\n\n"
    "def test_refund_rejects_zero() -> None:\n    try:\n        refund(0)\n"
    "    except ValueError:\n        return\n    raise AssertionError\n"
)


def oversight_demo(r: DemoRepo, report: Path) -> None:
    """Was the approval real? Three merged pull requests the gate flags, and how AI lines fared."""
    print("\n== Oversight: independent approvals, rubber stamps, weakened checks ==")
    r.git("checkout", "-q", "main")
    clock = r.clock
    r.clock = int(time.time()) - 86_400 * 48  # old enough for a 30-day durability window
    forge, gates = report / "forge-reviews", report / "gate-results"
    forge.mkdir()
    gates.mkdir()
    r.commit(
        "Test refunds\n\nAI-Assisted: none\n",
        {"src/payments/test_refund.py": REFUND_TEST},
        who=MAYA,
    )
    claude = {"CLAUDECODE": "1", "ANTHROPIC_MODEL": "claude-opus-4-5"}
    _pull(
        r, report, 61, "1. an agent's pull request, approved only by the human who asked for it",
        {"src/payments/rounding.py": "def to_cents(amount: float) -> int:\n    return round(amount * 100)\n"},
        who=COPILOT, message="Round amounts to the cent\n\nCo-authored-by: Sam Patel <sam@payments.example>\n",
        pr_user={"login": "Copilot", "type": "Bot"}, assignees=["sam"],
        reviews=[("sam", 3600), ("gemini-code-assist[bot]", 60)],
    )  # fmt: skip
    rates = "".join(f"FEE_{i} = {i * 3}\n" for i in range(600))
    _pull(
        r, report, 62, "2. 600 AI lines approved 40 seconds after the last push",
        {"src/payments/fees.py": rates}, who=SAM, message="Add the fee table\n", env=claude,
        pr_user={"login": "sam"}, reviews=[("maya", 40)],
    )  # fmt: skip
    skipped = REFUND_TEST.replace(
        "def test_refund_rejects_zero",
        "@pytest.mark.skip(reason='flaky')\ndef test_refund_rejects_zero",
    ).replace("def test_refund_is_negative() -> None:\n    assert refund(5) == -5\n\n\n", "")
    _pull(
        r, report, 63, "3. a pull request that deletes a test and adds a skip",
        {"src/payments/test_refund.py": "import pytest\n" + skipped}, who=SAM,
        message="Make the refund tests pass\n", env=claude, pr_user={"login": "sam"},
        reviews=[("maya", 3 * 3600)],
    )  # fmt: skip
    # outcomes: AI lines (a Git AI line record) rewritten within a week, and a revert
    sha = r.commit(
        "Add payout limits\n",
        {"src/payments/limits.py": "".join(f"LIMIT_{i} = {i * 100}\n" for i in range(5))},
        who=LEE,
    )
    r.git("notes", "--ref=ai", "add", "-F", "-", sha, input=_limits_note(sha))
    r.commit(
        "Rework payout limits by hand\n\nAI-Assisted: none\n",
        {"src/payments/limits.py": "LIMIT_0 = 0\nLIMIT_1 = 100\nMAX_PAYOUT = 10_000\n"},
        who=LEE,
    )
    retries = r.commit(
        "Retry payouts on timeout\n",
        {"src/payments/payout_retry.py": "RETRIES = 5\n"},
        who=SAM,
        env=claude,
    )
    r.clock += 86_400
    r.git(
        "revert", "--no-edit", retries,
        env={"GIT_AUTHOR_DATE": f"{r.clock} +0000", "GIT_COMMITTER_DATE": f"{r.clock} +0000"},
    )  # fmt: skip
    r.commit("Payout notes\n\nAI-Assisted: none\n", {"docs/payouts.md": "limits\n"}, who=MAYA)
    r.clock = clock


def _pull(
    r: DemoRepo,
    report: Path,
    number: int,
    title: str,
    files: dict[str, str],
    *,
    who: tuple[str, str],
    message: str,
    pr_user: dict[str, str],
    reviews: list[tuple[str, int]],
    env: dict[str, str] | None = None,
    assignees: list[str] | None = None,
) -> None:
    """A pull request: its branch, the forge's review record, the gate's verdict (shown and
    kept as CI would), then merged into main as the forge would."""
    branch = f"pr-{number}"
    r.git("checkout", "-q", "-b", branch, "main")
    head = r.commit(message, files, who=who, env=env)
    committed = int(r.git("log", "-1", "--format=%ct", head).strip())
    bundle = {
        "pull": {
            "number": number,
            "title": title,
            "state": "open",
            "user": pr_user,
            "assignees": [{"login": a} for a in assignees or []],
            "head": {"sha": head, "ref": branch},
            "base": {"ref": "main"},
            "comments": 0,
            "review_comments": 0,
        },
        "reviews": [
            {
                "id": i,
                "user": {"login": login, "type": "Bot" if login.endswith("[bot]") else "User"},
                "state": "APPROVED",
                "commit_id": head,
                "submitted_at": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(committed + delay)),
            }
            for i, (login, delay) in enumerate(reviews, 1)
        ],
        "commits": [
            {
                "sha": head,
                "commit": {
                    "author": {"name": who[0], "email": who[1], "date": _iso(committed)},
                    "committer": {"name": who[0], "email": who[1], "date": _iso(committed)},
                },
            }
        ],
    }
    saved = report / "forge-reviews" / f"pr-{number}.json"
    saved.write_text(json.dumps(bundle, indent=2))
    _check(r, report, title, reviews=saved, notes=True)
    result = r.signoff("check", "--base", "main", "--reviews", str(saved), "--json")
    (report / "gate-results" / f"check-{number}.json").write_text(result.stdout)
    r.git("checkout", "-q", "main")
    r.clock += 3600 * 6
    r.git(
        "merge", "-q", "--no-ff", "-m", f"Merge pull request #{number} from payments/{branch}",
        branch, env={"GIT_AUTHOR_DATE": f"{r.clock} +0000", "GIT_COMMITTER_DATE": f"{r.clock} +0000"},
    )  # fmt: skip
    r.git("branch", "-q", "-D", branch)


def _iso(ts: int) -> str:
    return time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(ts))


def _limits_note(sha: str) -> str:
    """A Git AI authorship log: all five lines from an agent session."""
    metadata = {
        "schema_version": "authorship/3.0.0",
        "git_ai_version": "1.4.5",
        "base_commit_sha": sha,
        "prompts": {},
        "sessions": {
            "s_9a8b7c6d5e4f30": {
                "agent_id": {"tool": "cursor", "id": "demo-session-9", "model": "claude-4-sonnet"},
                "human_author": "Lee Okafor <lee@payments.example>",
            }
        },
        "humans": {},
    }
    return (
        "src/payments/limits.py\n"
        "  s_9a8b7c6d5e4f30::t_00000000000002 1-5\n"
        "---\n" + json.dumps(metadata, indent=2) + "\n"
    )


def audit_demo(r: DemoRepo, report: Path) -> None:
    print("\n== Audit: evidence in seconds ==")
    since = time.strftime("%Y-%m-%d", time.gmtime(time.time() - 86_400 * 60))
    until = time.strftime("%Y-%m-%d", time.gmtime())
    print("\n-- per AI tool: incidents, and how its lines fared (durability, reverts and fixes)")
    _show(r, "incident", "tools", "--outcome-commits", "60")
    args = ["audit", "--since", since, "--until", until, "--out", str(report / "audit")]
    forge, gates = report / "forge-reviews", report / "gate-results"
    if forge.is_dir():
        args += ["--reviews", str(forge), "--gate-evidence", str(gates), "--outcomes"]
    _show(r, *args)


def _show(r: DemoRepo, *args: str) -> str:
    print(f"\n$ signoff {' '.join(shlex.quote(a) for a in args)}")
    proc = r.signoff(*args)
    text = proc.stdout + proc.stderr
    print(text.rstrip())
    return text


def _sha_of(r: DemoRepo, subject: str) -> str:
    return r.git("log", "--format=%H", "--fixed-strings", f"--grep={subject}", "-n1").strip()


STATE = Path(".demo")  # beside the Makefile: the running demo server's pid file and address


def _free_port(preferred: int = 8000) -> int:
    import socket

    for port in (preferred, 0):
        with socket.socket() as sock:
            try:
                sock.bind(("127.0.0.1", port))
            except OSError:
                continue
            return int(sock.getsockname()[1])
    raise SystemExit("demo: no free port for the server")


def stop_server(quiet: bool = False) -> None:
    """`make demo-stop`: stop the server the last `make demo` left running (by its pid)."""
    import signal

    pid_file = STATE / "server.pid"
    if not pid_file.exists():
        if not quiet:
            print("No demo server is running (no .demo/server.pid).")
        return
    pid = int(pid_file.read_text().split()[0])
    try:
        os.killpg(pid, signal.SIGTERM)  # its own session: uvicorn and nothing else
        if not quiet:
            print(f"Stopped the demo server (pid {pid}).")
    except ProcessLookupError:
        if not quiet:
            print(f"The demo server (pid {pid}) had already stopped.")
    for name in ("server.pid", "address", "token"):
        (STATE / name).unlink(missing_ok=True)


def server_demo(r: DemoRepo, root: Path) -> str:
    """Start `signoff serve` on a SQLite file in the background, push the demo repository to
    it, build the organisation's audit pack through a job; returns the address."""
    import urllib.request

    print("\n== The organisation's server: push from CI, ask across repositories ==")
    stop_server(quiet=True)
    db = f"sqlite:///{root / 'server.db'}"
    env = {"SIGNOFF_DATABASE_URL": db}
    print(f"\n$ signoff db upgrade --database-url {db}")
    upgraded = r.signoff("db", "upgrade", env=env)
    print((upgraded.stdout + upgraded.stderr).rstrip())
    made = r.signoff("server", "token", "create", "--name", "demo", "--scope", "admin", env=env)
    if made.returncode != 0:
        raise SystemExit(f"demo: token create failed:\n{made.stderr}")
    token = made.stdout.strip()
    port = _free_port()
    url = f"http://127.0.0.1:{port}"
    log = root / "server.log"
    with open(log, "wb") as out:
        proc = subprocess.Popen(
            [sys.executable, "-m", "signoff", "serve", "--port", str(port)],
            cwd=r.path,
            env={**r.env, **env},
            stdout=out,
            stderr=out,
            stdin=subprocess.DEVNULL,
            start_new_session=True,  # outlives `make demo`; `make demo-stop` ends it
        )
    STATE.mkdir(exist_ok=True)
    (STATE / "server.pid").write_text(f"{proc.pid}\n")
    (STATE / "address").write_text(url + "\n")
    deadline = time.monotonic() + 60
    while True:
        try:
            with urllib.request.urlopen(url + "/healthz", timeout=2):
                break
        except OSError:
            if proc.poll() is not None or time.monotonic() > deadline:
                stop_server(quiet=True)
                raise SystemExit(f"demo: the server did not start; see {log}") from None
            time.sleep(0.2)
    print(f"$ signoff serve --port {port}   (in the background, log {log})")
    client_env = {"SIGNOFF_TOKEN": token}
    print(f"\n$ signoff push --server {url} --repository demo/payments")
    pushed = r.signoff("push", "--server", url, "--repository", "demo/payments", env=client_env)
    print((pushed.stdout + pushed.stderr).rstrip())
    since = time.strftime("%Y-%m-%d", time.gmtime(time.time() - 86_400 * 60))
    until = time.strftime("%Y-%m-%d", time.gmtime())
    pack = root / "report" / "organisation-audit"
    args = ["audit", "--server", url, "--since", since, "--until", until, "--out", str(pack)]
    print(f"\n$ signoff {' '.join(shlex.quote(a) for a in args)}")
    audited = r.signoff(*args, env=client_env)
    print((audited.stdout + audited.stderr).rstrip())
    (STATE / "token").write_text(token + "\n")
    return url


def main() -> None:
    if sys.argv[1:] == ["--stop"]:
        stop_server()
        return
    root = Path(tempfile.mkdtemp(prefix="signoff-demo-"))
    print(f"Building a demo repository under {root} ...")
    path = build(root)
    r = DemoRepo(path, root / "home")
    report = root / "report"
    report.mkdir()
    print(r.git("log", "--oneline", "--graph", "--decorate=no").rstrip())
    print("\n== Ownership: one named accountable human per workflow ==")
    _show(r, "policy", "check")
    _show(r, "owners", "src/payments/charge.py", "config/prod.yaml")
    print("\n== Provenance: what was AI-assisted, by what, accepted by whom ==")
    _show(r, "stats")
    claude = _sha_of(r, "Add idempotency keys")
    _show(r, "explain", claude[:10])
    _show(r, "explain", "src/payments/fraud.py:1-2")
    _show(r, "blame", "src/payments/fraud.py")
    squash_demo(r, root)
    _show(r, "stats")
    gate_demo(r, report)
    oversight_demo(r, report)
    incident_demo(r, report)
    audit_demo(r, report)
    capture_demo(r)
    for name, args in {
        "stats.json": ["stats", "--json"],
        "explain.json": ["explain", claude, "--json"],
        "blame-fraud.json": ["blame", "src/payments/fraud.py", "--json"],
        "policy-check.json": ["policy", "check", "--json"],
    }.items():
        (report / name).write_text(r.signoff(*args).stdout)
    url = server_demo(r, root)
    print(f"\nDemo repository: {path}")
    print(f"Report:          {report}")
    print(f"  audit pack:    {report / 'audit' / 'report.html'} (open it in a browser)")
    print(f"  postmortem:    {report / 'postmortem-INC-0001.html'}")
    print("  also:          check.sarif, check-comment.md and the JSON answers")
    print(f"  oversight:     {report / 'audit' / 'bom.cdx.json'} (CycloneDX), ")
    print("                 oversight.statements.jsonl (in-toto, one per pull request)")
    print(f"Explore it:      .venv/bin/signoff explain HEAD~3 --repo {shlex.quote(str(path))}")
    print(f"\nServer:          {url}  (running in the background; `make demo-stop` stops it)")
    print(f"  sign in with the token in {STATE / 'token'} (admin; shown once, kept for the demo)")
    print(f"  API:           {url}/docs")
    print(f"  org audit:     {report / 'organisation-audit' / 'repositories.json'}")


if __name__ == "__main__":
    main()
