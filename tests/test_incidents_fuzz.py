"""Whatever lands in an incident file, reading it answers or names the problem: never a crash."""

from __future__ import annotations

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from signoff.incidents.model import INCIDENT_SCHEMA, Incident
from signoff.incidents.store import parse_record
from signoff.policy.findings import Finding

VALID = (
    "schema: signoff/incident/v1\nid: INC-0001\ntitle: t\nseverity: sev1\n"
    "started: 2026-01-01T00:00:00Z\n"
)
FRAGMENTS = st.sampled_from(
    [
        "",
        "\n",
        ":",
        "- ",
        "  ",
        "\t",
        "[",
        "]",
        "{",
        "}",
        "&a",
        "*a",
        "!!str ",
        "<<: ",
        "suspects:",
        "  - target: x",
        "    commits: [abc]",
        "impact_minutes: -1",
        "resolved: 2025-01-01T00:00:00Z",
        "status: resolved",
        "categories: [confg]",
        "id: INC-0001",
        "started: nope",
        "timeline:",
        "  - at: 2026",
        "actions: {}",
        "\x00",
        "é",
    ]
)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(FRAGMENTS, max_size=12), st.integers(0, len(VALID)))
def test_any_edit_of_a_record_is_read_or_reported(parts: list[str], cut: int) -> None:
    text = VALID[:cut] + "".join(parts) + VALID[cut:]
    problems: list[Finding] = []
    record = parse_record(
        Incident, INCIDENT_SCHEMA, ".signoff/incidents/INC-0001.yaml", text, problems
    )
    assert (record is None) == bool(problems)
    for f in problems:
        assert f.file == ".signoff/incidents/INC-0001.yaml" and f.fix and f.message


@settings(max_examples=200, deadline=None)
@given(st.binary(max_size=400))
def test_arbitrary_bytes_are_reported_not_raised(blob: bytes) -> None:
    problems: list[Finding] = []
    record = parse_record(Incident, INCIDENT_SCHEMA, "x.yaml", blob, problems)
    assert record is None and problems
