"""The server's append-only audit log, hash-chained so an edited or deleted row is detected.

Each entry's hash is SHA-256 over the previous entry's hash and the entry's own fields in a
canonical JSON form; the one `audit_head` row holds the last id, hash and the chain's length.
Appending locks that row (`FOR UPDATE` on PostgreSQL; SQLite transactions already hold the write
lock), so entries from many server processes form one line. `verify_chain` walks the rows in
order: a changed field breaks that row's hash, a deleted row breaks the next row's link (or the
head's length and last hash when it was the last).
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from signoff.store.db import now_iso
from signoff.store.models import AuditEntry, AuditHead

GENESIS = "0" * 64


def entry_hash(prev_hash: str, at: str, actor: str, action: str, subject: str, detail: Any) -> str:
    body = json.dumps(
        [prev_hash, at, actor, action, subject, detail],
        sort_keys=True,
        ensure_ascii=False,
        separators=(",", ":"),
    )
    return hashlib.sha256(body.encode("utf-8")).hexdigest()


def append(session: Session, actor: str, action: str, subject: str, detail: Any = None) -> int:
    """Record one write in the caller's transaction (so the write and its entry land together)."""
    head = session.execute(
        select(AuditHead).where(AuditHead.id == 1).with_for_update()
    ).scalar_one_or_none()
    if head is None:
        head = AuditHead(id=1, last_id=0, last_hash=GENESIS, length=0)
        session.add(head)
        session.flush()
    at = now_iso()
    detail = {} if detail is None else detail
    digest = entry_hash(head.last_hash, at, actor, action, subject, detail)
    entry = AuditEntry(
        at=at,
        actor=actor,
        action=action,
        subject=subject,
        detail=detail,
        prev_hash=head.last_hash,
        hash=digest,
    )
    session.add(entry)
    session.flush()
    head.last_id = entry.id
    head.last_hash = digest
    head.length += 1
    return entry.id


@dataclass
class ChainReport:
    """What `verify_chain` found: entries checked and every break, in order."""

    checked: int = 0
    problems: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.problems

    def to_json(self) -> dict[str, Any]:
        return {
            "checked": self.checked,
            "verdict": "ok" if self.ok else "failed",
            "problems": self.problems,
        }


def verify_chain(session: Session, batch: int = 5000) -> ChainReport:
    """Recompute the chain from the first entry; report every break."""
    report = ChainReport()
    prev = GENESIS
    last_id = 0
    while True:
        rows = (
            session.execute(
                select(AuditEntry)
                .where(AuditEntry.id > last_id)
                .order_by(AuditEntry.id)
                .limit(batch)
            )
            .scalars()
            .all()
        )
        if not rows:
            break
        for row in rows:
            report.checked += 1
            if row.prev_hash != prev:
                report.problems.append(
                    f"entry {row.id}: does not follow entry {last_id or 'start'} "
                    "(an entry before it was deleted or changed)"
                )
            want = entry_hash(row.prev_hash, row.at, row.actor, row.action, row.subject, row.detail)
            if want != row.hash:
                report.problems.append(f"entry {row.id}: its fields were changed after writing")
            prev, last_id = row.hash, row.id
    head = session.get(AuditHead, 1)
    if head is None:
        if report.checked:
            report.problems.append("the chain's head record is missing")
        return report
    if head.length != report.checked:
        report.problems.append(
            f"the log holds {report.checked} entries but {head.length} were written "
            "(entries were deleted)"
        )
    if head.last_hash != prev or head.last_id != last_id:
        report.problems.append(
            f"the last entry is {last_id or 'none'}, but the head records {head.last_id}: "
            "the end of the log was deleted or changed"
        )
    return report
