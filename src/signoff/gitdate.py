"""Dates as git prints them (`%aI`, `%cI`), read without trusting them.

A commit object can say anything: an offset of `+99999` (git prints `+999:99`), a negative or
20-digit timestamp, no parsable identity at all (git then prints the placeholder itself). None of
that may crash a report over a whole history: such a date is read as what can be read of it (an
impossible offset as UTC) or, when nothing can, as the Unix epoch. No Signoff imports.
"""

from __future__ import annotations

import re
from datetime import datetime, timedelta, timezone

EPOCH = datetime(1970, 1, 1, tzinfo=timezone.utc)
_ISO = re.compile(
    r"(?P<stamp>\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2})(?:(?P<z>Z)|(?P<sign>[+-])(?P<h>\d+):(?P<m>\d+))?"
)


def parse_git_date(text: str) -> datetime:
    """An aware datetime for a git ISO-8601 date; never raises."""
    try:
        value = datetime.fromisoformat(text)
    except (ValueError, TypeError):
        value = None
    if value is not None:
        return value if value.tzinfo else value.replace(tzinfo=timezone.utc)
    match = _ISO.match(text or "")
    if not match:
        return EPOCH
    try:
        stamp = datetime.fromisoformat(match["stamp"])
    except ValueError:
        return EPOCH
    tz = timezone.utc
    if match["sign"]:
        minutes = int(match["h"][:4]) * 60 + int(match["m"][:4])
        if minutes < 24 * 60:  # an impossible offset is read as UTC
            delta = timedelta(minutes=minutes)
            tz = timezone(-delta if match["sign"] == "-" else delta)
    return stamp.replace(tzinfo=tz)


def git_timestamp(text: str) -> int:
    """Seconds since the epoch for a git ISO-8601 date; never raises."""
    try:
        return int(parse_git_date(text).timestamp())
    except (OverflowError, OSError, ValueError):
        return 0
