"""How AI changes turned out: line durability, and reverts and fixes linked back to the change.

Durability: of the lines a commit added, how many still stand, unchanged, on the branch 30 and 90
days later (`git blame` of the branch as it stood then still names the commit). Three groups,
never added together: AI-attributed lines (a line record names them), lines of AI-assisted
commits without a line record, and human lines added to the same paths in the same period (the
baseline). A window that has not yet passed is left out, not counted as survived.

The baseline is split too: human lines (a declaration or line record says so) and lines of
unknown provenance, since unknown is not human.

Reverted: an AI-assisted commit that a later commit reverted (`This reverts commit <sha>`) or
fixed (a commit whose message says fix and that removed or changed lines the AI-assisted commit
added) within N days. Each is linked to the tool, model and session that wrote it, where the
provenance names them.
"""

from __future__ import annotations

import re
from bisect import bisect_left
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from signoff.git.blame import blame, line_runs
from signoff.git.diff import diff_added_lines
from signoff.git.history import branch_at, parent_or_empty_tree
from signoff.git.log import Commit, iter_commits, read_commit
from signoff.git.repo import GitError, Repo
from signoff.provenance.model import Provenance
from signoff.query.blame import AI_ASSISTED_COMMIT, AI_LINE_KINDS, line_author
from signoff.query.lookup import ProvenanceLookup

DAY = 86_400
WINDOWS = (30, 90)
REVERT_DAYS = 30
MAX_COMMITS = 500  # the most recent commits measured; the rest are counted as not measured
GROUPS = ("ai_attributed", "ai_assisted_unrecorded", "human", "unknown")
BASELINES = ("human", "unknown")
_REVERTS = re.compile(r"This reverts commit ([0-9a-f]{7,64})")
_FIX = re.compile(r"\b(?:fix|fixes|fixed|hotfix|bugfix)\b", re.IGNORECASE)


@dataclass(slots=True)
class Survival:
    """Lines added and, per window, how many were measurable and how many survived."""

    added: int = 0
    measured: dict[int, int] = field(default_factory=dict)
    survived: dict[int, int] = field(default_factory=dict)

    def add(self, other: Survival) -> None:
        self.added += other.added
        for w, n in other.measured.items():
            self.measured[w] = self.measured.get(w, 0) + n
        for w, n in other.survived.items():
            self.survived[w] = self.survived.get(w, 0) + n

    def to_json(self, windows: Iterable[int]) -> dict[str, Any]:
        out: dict[str, Any] = {"lines_added": self.added}
        for w in windows:
            num, den = self.survived.get(w, 0), self.measured.get(w, 0)
            out[f"{w}d"] = {
                "numerator": num,
                "denominator": den,
                "value": round(num / den, 4) if den else None,
            }
        return out


@dataclass(slots=True)
class Reverted:
    commit: str
    by: str
    kind: str  # revert or fix
    days: float
    tool: str | None
    model: str | None
    session: str | None

    def to_json(self) -> dict[str, Any]:
        return {
            "commit": self.commit,
            "by": self.by,
            "kind": self.kind,
            "days": round(self.days, 2),
            "tool": self.tool,
            "model": self.model,
            "session": self.session,
        }


@dataclass(slots=True)
class Outcomes:
    windows: tuple[int, ...]
    revert_days: int
    overall: dict[str, Survival] = field(default_factory=dict)
    by_tool: dict[str, dict[str, Survival]] = field(default_factory=dict)  # "tool/model" -> group
    ai_commits: dict[str, int] = field(default_factory=dict)  # "tool/model" -> commits
    reverted: list[Reverted] = field(default_factory=list)
    measured_commits: int = 0
    not_measured: int = 0  # commits beyond MAX_COMMITS, or whose objects are missing

    @property
    def ai_commit_count(self) -> int:
        return sum(self.ai_commits.values())

    def tool_figures(self, tool: str) -> dict[str, Any]:
        """One tool's outcome rates (all its models), for `signoff incident tools`."""
        groups = {g: Survival() for g in GROUPS}
        commits = 0
        for key, per_group in self.by_tool.items():
            if key.split("/", 1)[0] != tool:
                continue
            commits += self.ai_commits.get(key, 0)
            for g, s in per_group.items():
                groups[g].add(s)
        hits = [r for r in self.reverted if r.tool == tool]
        return {
            "durability": {g: groups[g].to_json(self.windows) for g in GROUPS},
            "ai_commits_measured": commits,
            "reverted_or_fixed": len(hits),
            "reverted_or_fixed_rate": round(len(hits) / commits, 4) if commits else None,
            "reverted_changes": [r.to_json() for r in hits],
        }

    def to_json(self) -> dict[str, Any]:
        count = self.ai_commit_count
        return {
            "windows_days": list(self.windows),
            "durability": {g: self.overall[g].to_json(self.windows) for g in GROUPS},
            "by_tool": {
                key: {
                    "ai_commits": self.ai_commits.get(key, 0),
                    **{g: s.to_json(self.windows) for g, s in groups.items()},
                }
                for key, groups in sorted(self.by_tool.items())
            },
            "reverted": {
                "numerator": len({r.commit for r in self.reverted}),
                "denominator": count,
                "value": round(len({r.commit for r in self.reverted}) / count, 4)
                if count
                else None,
                "within_days": self.revert_days,
                "definition": {
                    "numerator": "AI-assisted commits reverted (This reverts commit) or fixed "
                    "(a later commit whose message says fix removed or changed lines they "
                    f"added) within {self.revert_days} days",
                    "denominator": "AI-assisted commits measured",
                },
                "changes": [r.to_json() for r in self.reverted],
            },
            "measured_commits": self.measured_commits,
            "not_measured_commits": self.not_measured,
            "definition": "lines a commit added that `git blame` of the branch as it stood N "
            "days later still attributes to that commit; AI-attributed lines (line records), "
            "lines of AI-assisted commits without a line record, and, in the paths AI-assisted "
            "commits touched, human lines (positive evidence) and lines of unknown provenance "
            "are counted apart; windows not yet passed are left out",
        }


def _group(author: str) -> str | None:
    if author == AI_ASSISTED_COMMIT:
        return "ai_assisted_unrecorded"
    if author in AI_LINE_KINDS:
        return "ai_attributed"
    if author in BASELINES:
        return author  # human (positive evidence) and unknown are kept apart: unknown is not human
    return None  # automation: neither AI nor a baseline


def _tool_key(prov: Provenance) -> str:
    if not prov.tools:
        return "(no tool named)"
    t = prov.tools[0]
    return f"{t.tool}/{t.model}" if t.model else t.tool


def measure_outcomes(
    repo: Repo,
    tip: str = "HEAD",
    *,
    since: int | None = None,
    until: int | None = None,
    windows: tuple[int, ...] = WINDOWS,
    revert_days: int = REVERT_DAYS,
    max_commits: int = MAX_COMMITS,
) -> Outcomes:
    """Durability and reverts of the commits on `tip` committed in [since, until]."""
    out = Outcomes(windows, revert_days, {g: Survival() for g in GROUPS})
    head_sha = repo.resolve(tip)
    if head_sha is None:
        return out
    # dates are filtered here, not by git: `--since` stops at the first older commit, and a
    # history's dates need not be in order
    commits = [
        c
        for c in iter_commits(repo, [head_sha])
        if not c.is_merge
        and (since is None or c.commit_time >= since)
        and (until is None or c.commit_time <= until)
    ]
    out.not_measured = max(len(commits) - max_commits, 0)
    commits = commits[:max_commits]
    # the latest moment the history shows: a window ending later has not yet passed
    now = max([read_commit(repo, head_sha).commit_time, *(c.commit_time for c in commits)])
    with ProvenanceLookup(repo) as lookup:
        provs = lookup.many(c.sha for c in commits)
        blames = _Blames(repo, head_sha)
        ai_paths: set[str] = set()
        tool_paths: dict[str, set[str]] = {}
        human_by_path: dict[str, Survival] = {}
        rows: list[tuple[Commit, Provenance, list[tuple[str, list[tuple[int, str]]]]]] = []
        for c in reversed(commits):  # oldest first
            prov = provs[c.sha]
            try:
                before = parent_or_empty_tree(repo, c.sha, bool(c.parents))
                files = diff_added_lines(repo, [before, c.sha])
            except GitError:
                out.not_measured += 1
                continue
            per_file = []
            for f in files:
                if f.binary or not f.added:
                    continue
                kinds = [(n, line_author(prov, f.path, n)[0]) for n in sorted(f.added)]
                per_file.append((f.path, kinds))
                if prov.ai_assisted:
                    ai_paths.add(f.path)
            rows.append((c, prov, per_file))
        for c, prov, per_file in rows:
            key = _tool_key(prov) if prov.ai_assisted else None
            if key is not None:
                out.ai_commits[key] = out.ai_commits.get(key, 0) + 1
                tool_paths.setdefault(key, set()).update(p for p, _ in per_file)
            measured = False
            for path, kinds in per_file:
                if key is None and path not in ai_paths:
                    continue  # the human baseline is the paths AI-assisted commits touched
                groups: dict[str, list[int]] = {}
                for n, author in kinds:
                    g = _group(author)
                    if g is not None:
                        groups.setdefault(g, []).append(n)
                if not groups:
                    continue
                measured = True
                for g, lines in groups.items():
                    s = _survival(blames, c, path, lines, windows, now)
                    out.overall[g].add(s)
                    if g in BASELINES:
                        human_by_path.setdefault(f"{g}\0{path}", Survival()).add(s)
                    elif key is not None:
                        tool_groups = out.by_tool.setdefault(key, {x: Survival() for x in GROUPS})
                        tool_groups[g].add(s)
            out.measured_commits += int(measured)
        ai_rows = [row for row in rows if row[1].ai_assisted]
        out.reverted = _reverts_and_fixes(repo, head_sha, ai_rows, revert_days)
        _tool_baselines(out, tool_paths, human_by_path)
    return out


class _Blames:
    """One `git blame` per (path, revision), shared by every commit and line group asking:
    which (commit, original line) pairs stand in `path` at that revision."""

    def __init__(self, repo: Repo, tip: str) -> None:
        self.repo = repo
        self.tip = tip
        self.at: dict[int, str | None] = {}
        self.alive: dict[tuple[str, str], set[tuple[str, int]]] = {}

    def branch_at(self, moment: int) -> str | None:
        if moment not in self.at:
            self.at[moment] = branch_at(self.repo, self.tip, moment)
        return self.at[moment]

    def standing(self, path: str, rev: str) -> set[tuple[str, int]]:
        key = (path, rev)
        if key not in self.alive:
            try:
                blamed, _ = blame(self.repo, path, rev=rev)
            except GitError:
                blamed = []  # the file is gone: none of its lines stand
            self.alive[key] = {(b.commit, b.orig_line) for b in blamed if b.orig_path == path}
        return self.alive[key]


def _survival(
    blames: _Blames, c: Commit, path: str, lines: list[int], windows: Iterable[int], now: int
) -> Survival:
    s = Survival(added=len(lines))
    for w in windows:
        moment = c.commit_time + w * DAY
        if moment > now:
            continue  # not yet measurable
        at = blames.branch_at(moment)
        if at is None:
            continue
        s.measured[w] = len(lines)
        standing = blames.standing(path, at)
        s.survived[w] = sum(1 for n in lines if (c.sha, n) in standing)
    return s


Row = tuple[Commit, Provenance, list[tuple[str, list[tuple[int, str]]]]]


def _reverts_and_fixes(repo: Repo, tip: str, rows: list[Row], days: int) -> list[Reverted]:
    """Per AI-assisted commit (oldest first), the first later commit on `tip` that descends
    from it and, within `days`, reverts it or fixes lines it wrote.

    One walk of the history, parents before children: each commit carries a bit set of the
    AI-assisted commits it descends from (by ancestry, not by date: dates in a history need not
    be in order), so only commits whose message reverts or says fix are looked at, each against
    the commits it descends from whose window it falls in.
    """
    if not rows:
        return []
    order = sorted(range(len(rows)), key=lambda i: rows[i][0].commit_time)
    times = [rows[i][0].commit_time for i in order]  # bit n: the n-th earliest AI commit
    bit_of = {rows[i][0].sha: 1 << n for n, i in enumerate(order)}
    reach: dict[str, int] = {}  # only commits that descend from one (or are one)
    candidates: dict[int, list[tuple[int, int, str, str]]] = {}
    walk = iter_commits(repo, [tip], extra=["--topo-order", "--reverse"])
    for seq, d in enumerate(walk):
        bits = 0
        for parent in d.parents:
            bits |= reach.get(parent, 0)
        if bits and not d.is_merge and (_REVERTS.search(d.message) or _FIX.search(d.subject)):
            window = bits >> (low := bisect_left(times, d.commit_time - days * DAY))
            while window:
                lowest = window & -window
                n = low + lowest.bit_length() - 1
                candidates.setdefault(n, []).append((d.commit_time, seq, d.sha, d.message))
                window ^= lowest
        own = bits | bit_of.get(d.sha, 0)
        if own:
            reach[d.sha] = own
    found: list[Reverted] = []
    by_sha = {rows[i][0].sha: n for n, i in enumerate(order)}
    for c, prov, per_file in rows:
        tool = prov.tools[0] if prov.tools else None
        paths = {p for p, _ in per_file}
        for when, _, sha, message in sorted(candidates.get(by_sha[c.sha], ())):
            elapsed = (when - c.commit_time) / DAY
            if any(c.sha.startswith(ref) for ref in _REVERTS.findall(message)):
                found.append(Reverted(c.sha, sha, "revert", elapsed, *_named(tool)))
                break
            if _FIX.search(message.split("\n", 1)[0]) and _touches_lines_of(
                repo, sha, c.sha, paths
            ):
                found.append(Reverted(c.sha, sha, "fix", elapsed, *_named(tool)))
                break
    return found


def _named(tool: Any) -> tuple[str | None, str | None, str | None]:
    if tool is None:
        return None, None, None
    return tool.tool, tool.model, tool.session


def _touches_lines_of(repo: Repo, fix: str, target: str, paths: set[str]) -> bool:
    """Whether `fix` removed or changed a line `target` wrote (blame of its parent says so)."""
    try:
        files = diff_added_lines(repo, [f"{fix}^!"], removed=True)
    except GitError:
        return False
    for f in files:
        old = f.old_path or f.path
        if old not in paths or not f.removed:
            continue
        ranges = line_runs(sorted(f.removed))
        try:
            blamed, _ = blame(repo, old, rev=f"{fix}^", ranges=ranges)
        except GitError:
            continue
        if any(b.commit == target for b in blamed):
            return True
    return False


def _tool_baselines(
    out: Outcomes, tool_paths: dict[str, set[str]], human: dict[str, Survival]
) -> None:
    """Each tool's human baseline: the human lines measured in the paths that tool touched."""
    for key, paths in tool_paths.items():
        groups = out.by_tool.setdefault(key, {g: Survival() for g in GROUPS})
        for g in BASELINES:
            baseline = Survival()
            for path in paths:
                found = human.get(f"{g}\0{path}")
                if found is not None:
                    baseline.add(found)
            groups[g] = baseline
