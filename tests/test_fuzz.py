"""Fuzz harness: every parser of input from outside, fed generated and mutated input.

Properties, for each target: it never raises anything but its own documented error (so the CLI
never shows a traceback), it finishes quickly (no backtracking regular expression, no quadratic
merge), and every problem it reports is one line of text with no Python repr in it (unless the
input itself held that text). Targets: Signoff notes, Git AI notes, Agent Trace records, commit
messages with trailers and marker look-alikes, `signoff.yaml`, incident records, forge review
JSON, CODEOWNERS.

CI runs a bounded number of examples per target (`SIGNOFF_FUZZ_EXAMPLES`, default 30). A long
local run with a fixed seed and a time budget: `make fuzz` (see docs/robustness.md). Its examples
run in rounds of `ROUND` (seed, seed + 1, ...: the same inputs every time); the time budget
(`SIGNOFF_FUZZ_SECONDS`) is shared out between the targets, and a target whose share is spent
starts no further round. `SIGNOFF_FUZZ_REPORT` names a file that gets a line per target: how
many examples ran, and whether the budget cut it short. A run that cannot finish says so
instead of being killed mid-way with nothing reported.
"""

from __future__ import annotations

import json
import os
import re
import time
from collections.abc import Callable, Iterable
from typing import Any

import pytest
from hypothesis import HealthCheck, example, given, seed, settings
from hypothesis import strategies as st

from signoff import jsonsafe
from signoff.errors import SignoffError
from signoff.git.log import Commit, Person, parse_trailers
from signoff.incidents.model import INCIDENT_SCHEMA, Incident
from signoff.incidents.store import parse_record
from signoff.policy import PolicyError
from signoff.policy.codeowners import parse_codeowners
from signoff.policy.findings import Finding
from signoff.policy.load import load_policy_text
from signoff.provenance.detect import detect
from signoff.provenance.foreign import parse_agent_trace, parse_gitai_note
from signoff.provenance.notes import parse_signoff_notes
from signoff.review.forge import parse_forge_documents
from tests.test_error_text import REPR

EXAMPLES = int(os.environ.get("SIGNOFF_FUZZ_EXAMPLES", "30"))
FUZZ = settings(
    max_examples=EXAMPLES,
    deadline=None,
    database=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
SHA = "a" * 40
ROUND = 1000
BUDGET = float(os.environ.get("SIGNOFF_FUZZ_SECONDS", "0"))  # 0: no time budget
REPORT = os.environ.get("SIGNOFF_FUZZ_REPORT")
TARGETS: list[str] = []
# A parser that takes longer than this on one small input has a super-linear path.
SLOW = 5.0


def sentences(problems: Iterable[str], given: str | bytes) -> None:
    """Each problem is a non-empty line with no Python repr the input did not itself contain."""
    seen = given.decode("utf-8", "replace") if isinstance(given, bytes) else given
    for problem in problems:
        assert isinstance(problem, str) and problem.strip(), problem
        assert "\n" not in problem.strip(), problem
        quoted = re.sub(r"'.'", "", problem)  # one quoted character: "found '['"
        leaks = [m.group(0) for m in REPR.finditer(quoted) if m.group(0) not in seen]
        assert not leaks, f"{leaks} in {problem!r}"


def timed(started: float) -> None:
    assert time.perf_counter() - started < SLOW, "a parser took too long on a small input"


def fuzz(*strategies: Any) -> Callable[[Callable[..., None]], Callable[[], None]]:
    """`given(*strategies)` for EXAMPLES examples, in rounds of ROUND within the time budget.

    The first round uses the run's seed (`--hypothesis-seed`, random in CI); round k adds k.
    """

    def wrap(test: Callable[..., None]) -> Callable[[], None]:
        TARGETS.append(test.__name__)

        def run(request: pytest.FixtureRequest) -> None:
            started = time.monotonic()
            workers = int(os.environ.get("PYTEST_XDIST_WORKER_COUNT", "1"))
            share = BUDGET * workers / len(TARGETS)
            base = request.config.getoption("hypothesis_seed", None)
            done, k = 0, 0
            while done < EXAMPLES and not (BUDGET and time.monotonic() - started > share):
                n = min(ROUND, EXAMPLES - done)
                one = given(*strategies)(test)
                if k:
                    one = seed(int(base or 0) + k)(one)
                settings(FUZZ, max_examples=n)(one)()
                done, k = done + n, k + 1
            if REPORT:
                cut = f", cut short by the time budget ({share:.0f} s)" if done < EXAMPLES else ""
                with open(REPORT, "a", encoding="utf-8") as out:
                    out.write(f"{test.__name__}: {done} examples in "
                              f"{time.monotonic() - started:.0f} s{cut}\n")  # fmt: skip

        # pytest collects it by the target's name, asking for `request` alone (no `__wrapped__`)
        for name in ("__module__", "__name__", "__qualname__", "__doc__"):
            setattr(run, name, getattr(test, name))
        return run

    return wrap


# -- strategies -------------------------------------------------------------------------

JSON_VALUES = st.recursive(
    st.none()
    | st.booleans()
    | st.integers(min_value=-(10**30), max_value=10**30)
    | st.floats(allow_nan=False)
    | st.text(max_size=20),
    lambda inner: st.lists(inner, max_size=6) | st.dictionaries(st.text(max_size=10), inner),
    max_leaves=30,
)
NOISE = st.sampled_from(
    ["", "{", "}", "[", "]", ",", ":", '"', "\\", "\n", "\x00", "\x1e", "9" * 30, "é", "\u202e"]
)


def _mutate(text: str, cut: int, noise: list[str]) -> str:
    cut = min(cut, len(text))
    return text[:cut] + "".join(noise) + text[cut:]


def _json_like(keys: list[str]) -> st.SearchStrategy[str]:
    """JSON documents whose objects use the keys a reader looks for, then mutated."""
    key = st.sampled_from(keys) | st.text(max_size=8)
    leaf = JSON_VALUES
    doc = st.recursive(
        leaf,
        lambda inner: st.lists(inner, max_size=5) | st.dictionaries(key, inner, max_size=6),
        max_leaves=25,
    )
    return st.builds(
        _mutate,
        doc.map(lambda d: json.dumps(d, ensure_ascii=False)),
        st.integers(0, 400),
        st.lists(NOISE, max_size=3),
    )


NOTE_KEYS = [
    "schema",
    "status",
    "tools",
    "tool",
    "model",
    "session",
    "accepted_by",
    "name",
    "email",
    "files",
    "lines",
    "spans",
    "recorded_by",
    "detection",
    "source",
    "commit",
]
TRACE_KEYS = [
    "version",
    "id",
    "timestamp",
    "vcs",
    "revision",
    "files",
    "path",
    "conversations",
    "contributor",
    "type",
    "model_id",
    "ranges",
    "start_line",
    "end_line",
    "url",
]
FORGE_KEYS = [
    "number",
    "iid",
    "head",
    "sha",
    "user",
    "login",
    "state",
    "submitted_at",
    "commit_id",
    "reviews",
    "commits",
    "pull",
    "pull_request",
    "merge_request",
    "approvals",
    "approved_by",
    "author",
    "email",
    "action",
    "sender",
    "repository",
]


# -- targets ----------------------------------------------------------------------------


@fuzz(_json_like(NOTE_KEYS) | st.binary(max_size=300))
def test_signoff_notes(blob: str | bytes) -> None:
    data = blob.encode() if isinstance(blob, str) else blob
    started = time.perf_counter()
    reading = parse_signoff_notes([data], SHA)
    timed(started)
    sentences(reading.problems, data)


GITAI_LINES = st.sampled_from(
    [
        "src/a.py",
        "  abc123 1-3,5",
        "  abc 7",
        "---",
        "\t1-2",
        "  x 9999999999999999999999-1",
        "  s 5-3",
        "",
        "a b c",
        "  s ,,,",
    ]
)


@fuzz(
    st.lists(GITAI_LINES, max_size=8),
    _json_like(
        [
            "schema_version",
            "base_commit_sha",
            "prompts",
            "agent_id",
            "tool",
            "model",
            "human_author",
            "messages",
        ]
    ),
)
def test_gitai_notes(lines: list[str], metadata: str) -> None:
    blob = ("\n".join(lines) + "\n---\n" + metadata).encode()
    started = time.perf_counter()
    reading = parse_gitai_note(blob, SHA)
    timed(started)
    sentences(reading.problems, blob)


@fuzz(_json_like(TRACE_KEYS) | st.binary(max_size=300))
def test_agent_trace_records(blob: str | bytes) -> None:
    data = blob.encode() if isinstance(blob, str) else blob
    started = time.perf_counter()
    reading = parse_agent_trace(data, SHA)
    timed(started)
    sentences(reading.problems, data)


TRAILER_KEYS = st.sampled_from(
    [
        "Co-Authored-By",
        "co-authored-by",
        "AI-Assisted",
        "Ai\u200b-Assisted",
        "ΑI-Assisted",
        "Accepted-by",
        "Assisted-by",
        "Generated-by",
        "Approved-by",
        "Signed-off-by",
        "Agent-Signature",
        "Executed-By",
        "Copilot-Session",
        "X-Custom",
    ]
)
TRAILER_VALUES = st.sampled_from(
    [
        "Claude Opus 4.5 <noreply@anthropic.com>",
        "none",
        "cursor/claude-sonnet-4",
        "",
        " " * 5000,
        "a" * 300,
        "Copilot <175728472+Copilot@users.noreply.github.com>",
        "Dev <dev@example.com>",
        "<>",
        "aider (openai/gpt-4o) <aider@aider.chat>",
        "\u202e\x1b[31m",
    ]
) | st.text(max_size=40)


# Author and committer names: ordinary, decorated, and blank runs long enough that a
# super-linear regex over a name takes seconds (one did: aider's `\s*(aider)` suffix).
NAMES = st.sampled_from(
    ["Dev", "Dev (aider)", "Dev + Claude", "Bot [bot]", "X" + " " * 60_000 + "x", "\t" * 60_000]
) | st.text(max_size=30)


@fuzz(
    st.text(max_size=200),
    st.lists(st.tuples(TRAILER_KEYS, TRAILER_VALUES), max_size=30),
    st.sampled_from(["", "```\n", "Generated with [Claude Code](https://claude.ai)\n", "\x00"]),
    NAMES,
    NAMES,
)
def test_commit_messages_trailers_and_markers(
    body: str, trailers: list[tuple[str, str]], extra: str, author: str, committer: str
) -> None:
    block = "\n".join(f"{k}: {v}" for k, v in trailers)
    message = f"subject\n\n{body}\n{extra}\n{block}\n"
    commit = Commit(
        SHA,
        (),
        Person(author, "dev@example.com"),
        "1700000000 +0000",
        Person(committer, "dev@example.com"),
        "1700000000 +0000",
        message,
        parse_trailers(block.encode()),
    )
    started = time.perf_counter()
    prov = detect(commit)
    timed(started)
    assert prov.status in {"ai", "mixed", "human", "unknown", "automation"}
    sentences(prov.problems, message)


POLICY_FRAGMENTS = st.sampled_from(
    [
        "schema: signoff/policy/v1\n",
        "people:\n",
        "  - {id: ada, name: Ada, emails: [a@x]}\n",
        "workflows:\n",
        "  - id: app\n    description: d\n    paths: [/src/]\n    tier: high\n"
        "    accountable: ada\n",
        "tiers:\n  high: {scanners: [bandit]}\n",
        "ai_boundary:\n",
        "  - {id: b, paths: ['/**/**/**/**/**/x'], reason: r}\n",
        "x: " + "9" * 60 + "\n",
        "&a [*a, *a]\n",
        "- \n",
        "  \t",
        ": :\n",
        "{\n",
        "'\n",
        "\x00",
        "é\n",
        "<<: *a\n",
        "people: 7\n",
        "teams: {a: [b]}\n",
    ]
)


@fuzz(st.lists(POLICY_FRAGMENTS, max_size=10) | st.text(max_size=200).map(lambda t: [t]))
def test_policy_yaml(parts: list[str]) -> None:
    text = "".join(parts)
    started = time.perf_counter()
    try:
        load_policy_text(text)
    except PolicyError as exc:
        assert exc.findings
        sentences([f.message for f in exc.findings] + [f.fix for f in exc.findings], text)
    timed(started)


INCIDENT_FRAGMENTS = st.sampled_from(
    [
        "schema: signoff/incident/v1\n",
        "id: INC-0001\n",
        "title: t\n",
        "severity: sev1\n",
        "started: 2026-01-01T00:00:00Z\n",
        "suspects:\n  - target: x\n",
        "impact_minutes: " + "9" * 50 + "\n",
        "timeline:\n  - at: nope\n",
        "[",
        "{",
        "&a x\n",
        "*b\n",
        "\x00",
        "title: [1, 2]\n",
        "categories: [confg]\n",
        "status: done\n",
    ]
)


@fuzz(st.lists(INCIDENT_FRAGMENTS, max_size=10))
def test_incident_records(parts: list[str]) -> None:
    text = "".join(parts)
    problems: list[Finding] = []
    started = time.perf_counter()
    record = parse_record(Incident, INCIDENT_SCHEMA, "INC-0001.yaml", text, problems)
    timed(started)
    assert (record is None) == bool(problems)
    sentences([p.message for p in problems] + [p.fix for p in problems], text)


@fuzz(_json_like(FORGE_KEYS))
@example('{"\\n": null}')  # found by a long run: a key with a newline split the message
def test_forge_review_json(text: str) -> None:
    started = time.perf_counter()
    try:
        doc: Any = jsonsafe.loads(text)
    except jsonsafe.JsonProblem as exc:
        sentences([jsonsafe.problem_text(exc)], text)
        return
    try:
        parse_forge_documents([("reviews.json", doc)])
    except SignoffError as exc:
        sentences([exc.message, exc.hint or "hint"], text)
    timed(started)


CODEOWNERS_LINES = st.sampled_from(
    [
        "* @org/team",
        "/src/ @ada dev@example.com",
        "[Section] @a",
        "^[Optional][2] @b",
        "docs/** @c",
        "# comment",
        "!negated @d",
        "path\\ with\\ space @e",
        "x",
        "*" * 60 + " @f",
        "a @",
        "@",
        "\x00",
        "é @g",
    ]
)


@fuzz(st.lists(CODEOWNERS_LINES | st.text(max_size=30), max_size=12))
def test_codeowners(lines: list[str]) -> None:
    text = "\n".join(lines)
    started = time.perf_counter()
    _entries, skipped = parse_codeowners(text)
    timed(started)
    sentences([why for _line, why in skipped], text)
