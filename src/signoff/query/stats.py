"""`signoff stats`: AI share of commits and lines by tool, model, accepter and month.

Lines are two measures, never added together: AI-attributed lines (a line record says an AI
wrote them) and lines in AI-assisted commits without a line record (a commit-level marker says
an AI helped, not which lines). Capture coverage says how much of the AI-assisted work has a
line record at all.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

from signoff.git.repo import Repo
from signoff.provenance.capture import INCOMPLETE, LOST
from signoff.provenance.model import LINE_KINDS
from signoff.store.index import Index, Progress, open_index

# How many lost or incomplete commits `stats` lists (the newest first; counts cover them all).
GAP_LIMIT = 100


@dataclass(slots=True)
class Stats:
    revs: list[str]
    commits: int = 0
    merges: int = 0
    by_status: dict[str, int] = field(default_factory=dict)
    lines_added: int = 0
    ai_attributed_lines: int = 0
    unrecorded_ai_lines: int = 0
    recorded_commits: int = 0  # AI-assisted commits with a line record
    recorded_commit_lines: int = 0  # their added lines
    ai_commit_lines: int = 0  # added lines of all AI-assisted commits
    stats_missing: int = 0
    # why commits lack line counts, each reason once (counts over the whole index)
    missing_reasons: dict[str, int] = field(default_factory=dict)
    shallow_advice: str | None = None
    by_tool: list[dict[str, Any]] = field(default_factory=list)
    by_model: list[dict[str, Any]] = field(default_factory=list)
    by_accepter: list[dict[str, Any]] = field(default_factory=list)
    by_month: list[dict[str, Any]] = field(default_factory=list)
    shallow: bool = False
    # lines per kind (ai, ai-modified, human, unknown) that line records name, each line once
    line_kinds: dict[str, int] = field(default_factory=dict)
    # commits whose line record was lost (AI-assisted, none) or is incomplete, and why
    capture_gaps: list[dict[str, Any]] = field(default_factory=list)
    gap_counts: dict[str, int] = field(default_factory=dict)
    gap_reasons: dict[str, int] = field(default_factory=dict)  # each reason once, with commits
    gap_limit: int = GAP_LIMIT

    @property
    def ai_commits(self) -> int:
        return self.by_status.get("ai", 0) + self.by_status.get("mixed", 0)

    def to_json(self) -> dict[str, Any]:
        return {
            "revs": self.revs,
            "commits": self.commits,
            "merges_excluded": self.merges,
            "by_status": self.by_status,
            "ai_commits": self.ai_commits,
            "ai_commit_share": _share(self.ai_commits, self.commits),
            "lines_added": self.lines_added,
            "ai_attributed_lines": self.ai_attributed_lines,
            "ai_attributed_line_share": _share(self.ai_attributed_lines, self.lines_added),
            "ai_assisted_unrecorded_lines": self.unrecorded_ai_lines,
            "ai_assisted_unrecorded_line_share": _share(self.unrecorded_ai_lines, self.lines_added),
            "capture_coverage": self.coverage(),
            "line_kinds": self.line_kinds,
            "capture_gaps": self.gaps_json(),
            "commits_without_line_counts": self.stats_missing,
            "line_counts_missing_reasons": self.missing_reasons,
            "by_tool": self.by_tool,
            "by_model": self.by_model,
            "by_accepter": self.by_accepter,
            "by_month": self.by_month,
            "shallow": self.shallow,
            "shallow_advice": self.shallow_advice,
        }

    def coverage(self) -> dict[str, Any]:
        """Capture coverage: the share of AI-assisted commits, and of their added lines, that
        a line record covers (the rest is known only at commit level)."""
        return {
            "ai_commits": self.ai_commits,
            "ai_commits_with_line_record": self.recorded_commits,
            "commit_share": _share(self.recorded_commits, self.ai_commits),
            "ai_commit_lines": self.ai_commit_lines,
            "ai_commit_lines_with_line_record": self.recorded_commit_lines,
            "line_share": _share(self.recorded_commit_lines, self.ai_commit_lines),
        }

    def gaps_json(self) -> dict[str, Any]:
        """Lost and incomplete line records: counts, each reason once, and the newest commits."""
        return {
            "lost": self.gap_counts.get(LOST, 0),
            "incomplete": self.gap_counts.get(INCOMPLETE, 0),
            "reasons": self.gap_reasons,
            "commits": self.capture_gaps[: self.gap_limit],
            "commits_listed_limit": self.gap_limit,
        }


def _share(part: int, whole: int) -> float | None:
    return round(part / whole, 4) if whole else None


def stats(
    repo: Repo,
    revs: list[str] | None = None,
    *,
    progress: Progress | None = None,
    gap_limit: int = GAP_LIMIT,
) -> Stats:
    """Aggregate provenance over the commits `revs` names (default: HEAD's history).

    Merge commits are counted apart: they carry no authored lines of their own. Lines are added
    lines from `--numstat`. AI-attributed lines come from line records only (Git AI, Agent
    Trace, Signoff's own, or the `pr-commits` record mapped onto a squash commit); the added
    lines of an AI-assisted commit without a record are counted apart, never as AI lines.
    """
    revs = revs or ["HEAD"]
    report = Stats(revs=revs, shallow=bool(repo.shallow_boundary()), gap_limit=gap_limit)
    report.shallow_advice = repo.shallow_advice()
    if repo.head() is None:
        return report
    index, update = open_index(repo, progress=progress)
    with index:
        _select(repo, index, revs)
        _fill(index, report)
        _fill_kinds(index, report)
    if report.stats_missing:
        report.missing_reasons = dict(update.gaps.reasons)
        boundary = report.stats_missing - update.gaps.commits
        if report.shallow and boundary > 0:
            report.missing_reasons["shallow clone boundary: the parent is not in this clone"] = len(
                repo.shallow_boundary()
            )
    return report


def _select(repo: Repo, index: Index, revs: list[str]) -> None:
    """Fill the `sel` table with the commits `revs` names.

    The selection is kept between runs, keyed by the resolved revisions: asking again about the
    same HEAD costs nothing, and a HEAD that moved forward only adds the new commits.
    """
    conn = index.conn
    conn.execute("CREATE TABLE IF NOT EXISTS sel (sha TEXT PRIMARY KEY)")
    key = _resolved_key(repo, revs)
    row = conn.execute("SELECT value FROM meta WHERE key = 'sel'").fetchone()
    previous = json.loads(row[0]) if row else None
    if key is not None and previous == key:
        return
    walk = ["--end-of-options", *revs]
    conn.execute("BEGIN")
    if (
        previous
        and key is not None
        and len(key) == 1
        and len(previous) == 1
        and repo.succeeds("merge-base", "--is-ancestor", previous[0], key[0])
    ):
        walk = ["--end-of-options", key[0], f"^{previous[0]}"]
    else:
        conn.execute("DELETE FROM sel")
    conn.executemany(
        "INSERT OR IGNORE INTO sel VALUES (?)", ((sha,) for sha in _rev_list(repo, walk))
    )
    conn.execute("INSERT OR REPLACE INTO meta VALUES ('sel', ?)", (json.dumps(key),))
    conn.execute("COMMIT")


def _resolved_key(repo: Repo, revs: list[str]) -> list[str] | None:
    """The revisions as commit ids (None when they are not plain revisions, e.g. a range)."""
    shas = []
    for rev in revs:
        sha = repo.resolve(rev)
        if sha is None:
            return None  # a range or an option: branches may move, so never cached
        shas.append(sha)
    return shas


def _rev_list(repo: Repo, args: list[str]) -> list[str]:
    from signoff.errors import SignoffError
    from signoff.git.repo import GitError

    try:
        return repo.run("rev-list", *args, "--").decode().split()
    except GitError as exc:
        raise SignoffError(
            f"cannot list {' '.join(args[1:])}: {exc.message}",
            "give a revision range git log accepts",
        ) from exc


def _fill(index: Index, report: Stats) -> None:
    q = index.conn.execute
    base = "FROM commits c JOIN sel s ON s.sha = c.sha WHERE instr(c.parents, ' ') = 0"
    ai = "c.status IN ('ai', 'mixed')"
    lines = "COALESCE(SUM(c.ai_attributed_lines), 0), COALESCE(SUM(c.unrecorded_ai_lines), 0)"
    report.merges = q(
        "SELECT COUNT(*) FROM commits c JOIN sel s ON s.sha = c.sha WHERE instr(c.parents, ' ') > 0"
    ).fetchone()[0]
    rows = q(
        f"SELECT c.status, COUNT(*), COALESCE(SUM(c.added), 0), {lines} {base} GROUP BY 1"
    ).fetchall()
    report.by_status = {r[0]: r[1] for r in rows}
    report.commits = sum(r[1] for r in rows)
    report.lines_added = sum(r[2] for r in rows)
    report.ai_attributed_lines = sum(r[3] for r in rows)
    report.unrecorded_ai_lines = sum(r[4] for r in rows)
    covered = q(
        f"SELECT COALESCE(SUM(c.line_record), 0), COALESCE(SUM(c.added), 0), "
        f"COALESCE(SUM(CASE WHEN c.line_record = 1 THEN c.added END), 0) {base} AND {ai}"
    ).fetchone()
    report.recorded_commits, report.ai_commit_lines, report.recorded_commit_lines = covered
    report.stats_missing = q(
        f"SELECT COUNT(*) {base} AND (c.stats_missing = 1 OR c.boundary = 1)"
    ).fetchone()[0]
    tools = "FROM commit_tools t JOIN commits c ON c.sha = t.sha JOIN sel s ON s.sha = c.sha WHERE instr(c.parents, ' ') = 0"
    report.by_tool = [
        {
            "tool": r[0],
            "commits": r[1],
            "ai_attributed_lines": r[2],
            "ai_assisted_unrecorded_lines": r[3],
        }
        for r in q(
            f"SELECT t.tool, COUNT(DISTINCT c.sha), {lines} {tools} GROUP BY t.tool ORDER BY 2 DESC, 1"
        )
    ]
    report.by_model = [
        {
            "tool": r[0],
            "model": r[1],
            "commits": r[2],
            "ai_attributed_lines": r[3],
            "ai_assisted_unrecorded_lines": r[4],
        }
        for r in q(
            f"SELECT t.tool, t.model, COUNT(DISTINCT c.sha), {lines} {tools} "
            "AND t.model IS NOT NULL GROUP BY t.tool, t.model ORDER BY 3 DESC, 1, 2"
        )
    ]
    report.by_accepter = [
        {
            "name": r[0],
            "email": r[1],
            "ai_commits": r[2],
            "ai_attributed_lines": r[3],
            "ai_assisted_unrecorded_lines": r[4],
        }
        for r in q(
            f"SELECT COALESCE(accepted_name, ''), COALESCE(accepted_email, ''), COUNT(*), {lines} {base} "
            f"AND {ai} GROUP BY 1, 2 ORDER BY 3 DESC, 1"
        )
    ]
    report.by_month = [
        {
            "month": r[0],
            "commits": r[1],
            "ai_commits": r[2],
            "lines_added": r[3],
            "ai_attributed_lines": r[4],
            "ai_assisted_unrecorded_lines": r[5],
            "ai_commit_share": _share(r[2], r[1]),
        }
        for r in q(
            f"SELECT substr(author_date, 1, 7), COUNT(*), SUM({ai}), "
            f"COALESCE(SUM(added), 0), {lines} {base} GROUP BY 1 ORDER BY 1"
        )
    ]


def _no_kinds() -> dict[str, int]:
    return {kind: 0 for kind in LINE_KINDS}


def _kinds(rows: Any) -> dict[tuple[Any, ...], dict[str, int]]:
    """{group key: {kind: lines}} from (key..., kind, lines) rows, every kind present."""
    out: dict[tuple[Any, ...], dict[str, int]] = {}
    for *key, kind, lines in rows:
        group = out.setdefault(tuple(key), _no_kinds())
        group[kind] = group.get(kind, 0) + (lines or 0)
    return out


def _fill_kinds(index: Index, report: Stats) -> None:
    """Lines per kind from the line records (`line_kinds`), and the lost and incomplete ones.

    AI and AI-modified lines count for the tool and model the record names for them; human and
    unknown lines for every tool that assisted their commit (they have no tool of their own).
    """
    q = index.conn.execute
    joined = (
        "FROM line_kinds k JOIN commits c ON c.sha = k.sha JOIN sel s ON s.sha = c.sha "
        "WHERE instr(c.parents, ' ') = 0"
    )
    total = _kinds(q(f"SELECT k.kind, SUM(k.lines) {joined} GROUP BY 1"))
    report.line_kinds = total.get((), _no_kinds())
    ai_by = _kinds(
        q(
            f"SELECT k.tool, k.model, k.kind, SUM(k.lines) {joined} AND k.tool IS NOT NULL "
            "GROUP BY 1, 2, 3"
        )
    )

    def others(columns: list[str]) -> dict[tuple[Any, ...], dict[str, int]]:
        """Human and unknown lines per tool (or tool and model) that assisted the commit."""
        picked = ", ".join(f"t.{c}" for c in columns)
        return _kinds(
            q(
                f"SELECT {picked}, k.kind, SUM(k.lines) FROM line_kinds k "
                f"JOIN (SELECT DISTINCT sha, {', '.join(columns)} FROM commit_tools) t "
                "ON t.sha = k.sha JOIN commits c ON c.sha = k.sha JOIN sel s ON s.sha = c.sha "
                f"WHERE instr(c.parents, ' ') = 0 AND k.tool IS NULL GROUP BY {picked}, k.kind"
            )
        )

    by_tool_others, by_model_others = others(["tool"]), others(["tool", "model"])

    def for_tool(tool: str, model: str | None = None, *, by_model: bool = False) -> dict[str, int]:
        out = _no_kinds()
        for (t, m), kinds in ai_by.items():
            if t == tool and (not by_model or m == model):
                for kind, n in kinds.items():
                    out[kind] += n
        rest = by_model_others.get((tool, model)) if by_model else by_tool_others.get((tool,))
        for kind, n in (rest or {}).items():
            out[kind] += n
        return out

    for row in report.by_tool:
        row["line_kinds"] = for_tool(row["tool"])
    for row in report.by_model:
        row["line_kinds"] = for_tool(row["tool"], row["model"], by_model=True)
    ai = "c.status IN ('ai', 'mixed')"
    people = _kinds(
        q(
            "SELECT COALESCE(c.accepted_name, ''), COALESCE(c.accepted_email, ''), k.kind, "
            f"SUM(k.lines) {joined} AND {ai} GROUP BY 1, 2, 3"
        )
    )
    for row in report.by_accepter:
        row["line_kinds"] = people.get((row["name"], row["email"]), _no_kinds())
    months = _kinds(
        q(f"SELECT substr(c.author_date, 1, 7), k.kind, SUM(k.lines) {joined} GROUP BY 1, 2")
    )
    for row in report.by_month:
        row["line_kinds"] = months.get((row["month"],), _no_kinds())
    gaps = (
        "FROM capture_gaps g JOIN commits c ON c.sha = g.sha JOIN sel s ON s.sha = c.sha "
        "WHERE instr(c.parents, ' ') = 0"
    )
    report.gap_counts = dict(q(f"SELECT g.state, COUNT(*) {gaps} GROUP BY 1").fetchall())
    report.gap_reasons = dict(
        q(f"SELECT g.reason, COUNT(*) {gaps} GROUP BY 1 ORDER BY 2 DESC, 1").fetchall()
    )
    report.capture_gaps = [
        {"commit": r[0], "state": r[1], "reason": r[2], "subject": r[3], "author_date": r[4]}
        for r in q(
            f"SELECT c.sha, g.state, g.reason, c.subject, c.author_date {gaps} "
            "ORDER BY c.author_date DESC, c.sha LIMIT ?",
            (report.gap_limit,),
        )
    ]
