"""The audit period: two dates (or timestamps) read as UTC, both ends inclusive.

A date-only `--until` means the whole of that day, which is what an auditor writing
"2026-01-01 to 2026-03-31" means.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta, timezone

from signoff.errors import SignoffError
from signoff.gitdate import git_timestamp


@dataclass(frozen=True, slots=True)
class Period:
    since: datetime
    until: datetime

    @property
    def since_ts(self) -> int:
        return int(self.since.timestamp())

    @property
    def until_ts(self) -> int:
        return int(self.until.timestamp())

    def contains(self, ts: int) -> bool:
        return self.since_ts <= ts <= self.until_ts

    def to_json(self) -> dict[str, str]:
        return {"since": _iso(self.since), "until": _iso(self.until)}


def _iso(value: datetime) -> str:
    return value.astimezone(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


def _parse(text: str, option: str, *, end_of_day: bool) -> datetime:
    raw = text.strip()
    try:
        if len(raw) == 10:
            day = datetime.fromisoformat(raw).replace(tzinfo=timezone.utc)
            return day + timedelta(days=1, seconds=-1) if end_of_day else day
        value = datetime.fromisoformat(raw.replace("Z", "+00:00"))
    except ValueError:
        raise SignoffError(
            f"{option} {text!r} is not a date",
            "write a date as YYYY-MM-DD, or a time as YYYY-MM-DDTHH:MM:SSZ",
        ) from None
    return value if value.tzinfo else value.replace(tzinfo=timezone.utc)


def parse_period(since: str, until: str) -> Period:
    start = _parse(since, "--since", end_of_day=False)
    end = _parse(until, "--until", end_of_day=True)
    if end < start:
        raise SignoffError(f"--until {until} is before --since {since}", "swap the two dates")
    return Period(start, end)


def commit_ts(iso: str) -> int:
    """Seconds since the epoch of a git ISO-8601 date (`%cI`)."""
    return git_timestamp(iso)
