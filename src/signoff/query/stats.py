"""`signoff stats`: AI share of commits and lines by tool, model, accepter and month."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

from signoff.git.repo import Repo
from signoff.store.index import Index, Progress, open_index


@dataclass(slots=True)
class Stats:
    revs: list[str]
    commits: int = 0
    merges: int = 0
    by_status: dict[str, int] = field(default_factory=dict)
    lines_added: int = 0
    ai_lines: int = 0
    stats_missing: int = 0
    # why commits lack line counts, each reason once (counts over the whole index)
    missing_reasons: dict[str, int] = field(default_factory=dict)
    shallow_advice: str | None = None
    by_tool: list[dict[str, Any]] = field(default_factory=list)
    by_model: list[dict[str, Any]] = field(default_factory=list)
    by_accepter: list[dict[str, Any]] = field(default_factory=list)
    by_month: list[dict[str, Any]] = field(default_factory=list)
    shallow: bool = False

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
            "ai_lines": self.ai_lines,
            "ai_line_share": _share(self.ai_lines, self.lines_added),
            "commits_without_line_counts": self.stats_missing,
            "line_counts_missing_reasons": self.missing_reasons,
            "by_tool": self.by_tool,
            "by_model": self.by_model,
            "by_accepter": self.by_accepter,
            "by_month": self.by_month,
            "shallow": self.shallow,
            "shallow_advice": self.shallow_advice,
        }


def _share(part: int, whole: int) -> float | None:
    return round(part / whole, 4) if whole else None


def stats(repo: Repo, revs: list[str] | None = None, *, progress: Progress | None = None) -> Stats:
    """Aggregate provenance over the commits `revs` names (default: HEAD's history).

    Merge commits are counted apart: they carry no authored lines of their own. Lines are added
    lines from `--numstat`; an AI commit's added lines are all AI-assisted, a mixed commit
    contributes the AI lines its line-level record names.
    """
    revs = revs or ["HEAD"]
    report = Stats(revs=revs, shallow=bool(repo.shallow_boundary()))
    report.shallow_advice = repo.shallow_advice()
    if repo.head() is None:
        return report
    index, update = open_index(repo, progress=progress)
    with index:
        _select(repo, index, revs)
        _fill(index, report)
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
    report.merges = q(
        "SELECT COUNT(*) FROM commits c JOIN sel s ON s.sha = c.sha WHERE instr(c.parents, ' ') > 0"
    ).fetchone()[0]
    rows = q(
        f"SELECT status, COUNT(*), COALESCE(SUM(added), 0), COALESCE(SUM(ai_lines), 0) {base} GROUP BY status"
    ).fetchall()
    report.by_status = {r[0]: r[1] for r in rows}
    report.commits = sum(r[1] for r in rows)
    report.lines_added = sum(r[2] for r in rows)
    report.ai_lines = sum(r[3] for r in rows)
    report.stats_missing = q(
        f"SELECT COUNT(*) {base} AND (c.stats_missing = 1 OR c.boundary = 1)"
    ).fetchone()[0]
    tools = "FROM commit_tools t JOIN commits c ON c.sha = t.sha JOIN sel s ON s.sha = c.sha WHERE instr(c.parents, ' ') = 0"
    report.by_tool = [
        {"tool": r[0], "commits": r[1], "ai_lines": r[2]}
        for r in q(
            f"SELECT t.tool, COUNT(DISTINCT c.sha), COALESCE(SUM(c.ai_lines), 0) {tools} GROUP BY t.tool ORDER BY 2 DESC, 1"
        )
    ]
    report.by_model = [
        {"tool": r[0], "model": r[1], "commits": r[2], "ai_lines": r[3]}
        for r in q(
            f"SELECT t.tool, t.model, COUNT(DISTINCT c.sha), COALESCE(SUM(c.ai_lines), 0) {tools} "
            "AND t.model IS NOT NULL GROUP BY t.tool, t.model ORDER BY 3 DESC, 1, 2"
        )
    ]
    report.by_accepter = [
        {"name": r[0], "email": r[1], "ai_commits": r[2], "ai_lines": r[3]}
        for r in q(
            f"SELECT COALESCE(accepted_name, ''), COALESCE(accepted_email, ''), COUNT(*), COALESCE(SUM(ai_lines), 0) {base} "
            "AND status IN ('ai', 'mixed') GROUP BY 1, 2 ORDER BY 3 DESC, 1"
        )
    ]
    report.by_month = [
        {
            "month": r[0],
            "commits": r[1],
            "ai_commits": r[2],
            "lines_added": r[3],
            "ai_lines": r[4],
            "ai_commit_share": _share(r[2], r[1]),
        }
        for r in q(
            "SELECT substr(author_date, 1, 7), COUNT(*), SUM(status IN ('ai', 'mixed')), "
            f"COALESCE(SUM(added), 0), COALESCE(SUM(ai_lines), 0) {base} GROUP BY 1 ORDER BY 1"
        )
    ]
