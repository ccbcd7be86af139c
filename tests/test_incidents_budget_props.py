"""Properties of the budget arithmetic over arbitrary incident histories (no git needed)."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

from hypothesis import given, settings
from hypothesis import strategies as st

from signoff.incidents.budget import Spend, judge
from signoff.policy.model import ErrorBudget, Workflow

T0 = datetime(2026, 1, 1, tzinfo=timezone.utc)
FLOW = Workflow(id="w", description="w", paths=["*"], tier="high")

spends = st.lists(
    st.builds(
        Spend,
        incident=st.text("abc", min_size=1, max_size=3),
        started=st.integers(0, 200 * 24).map(lambda h: T0 + timedelta(hours=h)),
        minutes=st.integers(0, 300),
        label=st.sampled_from(["ai-connected", "ai-connected", "unknown"]),
    ),
    max_size=12,
)
budgets = st.builds(
    ErrorBudget,
    window_days=st.integers(1, 60),
    max_ai_incidents=st.one_of(st.none(), st.integers(0, 5)),
    max_impact_minutes=st.integers(0, 600),
)


@settings(max_examples=300, deadline=None)
@given(spends, budgets, st.integers(0, 220 * 24))
def test_recovery_is_the_first_moment_the_budget_is_not_spent(
    history: list[Spend], budget: ErrorBudget, hours: int
) -> None:
    now = T0 + timedelta(hours=hours)
    past = [s for s in history if s.started <= now]  # nothing new arrives after now
    status = judge(FLOW, budget, past, now)
    assert (status.state == "exhausted") == (status.used >= 1.0)
    assert all(s.label == "ai-connected" for s in status.consumed)
    if status.state != "exhausted":
        assert status.recovers_at is None
        return
    assert status.recovers_at is not None and status.recovers_at > now
    after = judge(FLOW, budget, past, status.recovers_at)
    before = judge(FLOW, budget, past, status.recovers_at - timedelta(seconds=1))
    assert after.state != "exhausted"
    assert before.state == "exhausted"


@settings(max_examples=200, deadline=None)
@given(spends, budgets, st.integers(0, 220 * 24))
def test_one_more_incident_never_improves_the_state(
    history: list[Spend], budget: ErrorBudget, hours: int
) -> None:
    now = T0 + timedelta(hours=hours)
    rank = {"ok": 0, "at-risk": 1, "exhausted": 2}
    base = judge(FLOW, budget, history, now)
    extra = Spend("new", now, 1, "ai-connected")
    more = judge(FLOW, budget, [*history, extra], now)
    assert rank[more.state] >= rank[base.state]
    assert more.incidents == base.incidents + 1
