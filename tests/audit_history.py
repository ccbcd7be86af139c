"""A hand-built history whose audit figures are known in advance (see the table in each test)."""

from __future__ import annotations

from tests.gitrepo import GitRepo

CLAUDE = "Co-Authored-By: Claude Opus 4.5 <noreply@anthropic.com>"
ADA = "Ada Lovelace <ada@example.com>"
GRACE = "Grace Hopper <grace@example.com>"
BOB = ("Bob Builder", "bob@example.com")
GRACE_ID = ("Grace Hopper", "grace@example.com")
COPILOT = ("copilot-swe-agent[bot]", "198982749+Copilot@users.noreply.github.com")

POLICY = """\
schema: signoff/policy/v1
people:
  - id: ada
    name: Ada Lovelace
    emails: [ada@example.com]
    roles: [security-reviewer]
  - id: grace
    name: Grace Hopper
    emails: [grace@example.com]
  - id: bob
    name: Bob Builder
    emails: [bob@example.com]
    left: 2026-01-20
teams:
  - id: core
    members: [ada, grace]
tiers:
  critical:
    min_approvals: 2
    reviewer_roles: [security-reviewer]
workflows:
  - id: payments
    description: AI-assisted changes to payments.
    paths: [/payments/]
    tier: critical
    accountable: ada
  - id: docs
    description: AI-assisted changes to the docs.
    paths: [/docs/]
    tier: low
    accountable: {docs_accountable}
"""


def day(d: str, t: str = "10:00:00") -> str:
    return f"{d}T{t}+00:00"


def build(repo: GitRepo) -> dict[str, str]:
    """The history; returns the commit ids by name."""
    ids: dict[str, str] = {}
    c = repo.commit
    ids["v1"] = c(
        "policy: first registry\n",
        {"signoff.yaml": POLICY.format(docs_accountable="core"), "README": "x\n"},
        date=day("2025-12-01"),
    )
    ids["c1"] = c(
        f"pay: retry\n\n{CLAUDE}\nReviewed-by: {GRACE}\nApproved-by: {ADA}\n",
        {"payments/pay.py": "retry = 1\n"},
        author=BOB,
        date=day("2026-01-02"),
    )
    ids["c2"] = c(
        "pay: agent fix\n",
        {"payments/pay.py": "retry = 2\n"},
        author=COPILOT,
        date=day("2026-01-03"),
    )
    ids["c3"] = c(
        f"pay: refunds\n\nReviewed-by: {GRACE}\n",
        {"payments/refund.py": "refund = 1\n"},
        author=BOB,
        date=day("2026-01-04"),
    )
    note = '{"schema":"signoff/provenance/v1","commit":"%s","status":"human","tools":[]}\n'
    repo.git(
        "notes", "--ref=signoff", "add", "-F", "-", ids["c3"], input=(note % ids["c3"]).encode()
    )
    ids["c4"] = c(
        "app: start\n", {"src/app.py": "app = 1\n"}, author=GRACE_ID, date=day("2026-01-05")
    )
    repo.git("checkout", "-q", "-b", "feature")
    ids["side1"] = c(
        "pay: a\n\nReviewed-by: Hedy Lamarr <hedy@example.com>\n",
        {"payments/a.py": "a = 1\n"},
        author=("Grace Hopper (aider)", "grace@example.com"),
        committer=GRACE_ID,
        date=day("2026-01-05", "12:00:00"),
    )
    ids["side2"] = c(
        "pay: b\n",
        {"payments/b.py": "b = 1\n"},
        author=GRACE_ID,
        date=day("2026-01-05", "13:00:00"),
    )
    repo.git("checkout", "-q", "main")
    when = day("2026-01-06")
    repo.git(
        "merge",
        "-q",
        "--no-ff",
        "feature",
        "-m",
        f"Merge pull request #7 from org/feature\n\nApproved-by: {ADA}\n",
        env={"GIT_AUTHOR_DATE": when, "GIT_COMMITTER_DATE": when},
    )
    ids["c5"] = repo.head()
    ids["c6"] = c(
        f"docs: guide\n\n{CLAUDE}\n",
        {"docs/guide.md": "guide\n", "src/helper.py": "h = 1\n"},
        author=GRACE_ID,
        date=day("2026-01-07"),
    )
    ids["c7"] = c(
        f"policy: docs owned by grace\n\nApproved-by: {ADA}\n",
        {"signoff.yaml": POLICY.format(docs_accountable="grace")},
        author=GRACE_ID,
        date=day("2026-01-08"),
    )
    ids["c8"] = c(
        f"docs: more\n\n{CLAUDE}\n", {"docs/more.md": "more\n"}, author=BOB, date=day("2026-01-09")
    )
    ids["later"] = c(
        f"pay: later\n\n{CLAUDE}\n", {"payments/pay.py": "retry = 3\n"}, date=day("2026-02-02")
    )
    return ids
