"""What the commit hooks do with the capture working log.

They attribute the commit's added lines (`signoff.recording.attribute`), put the line record
into the commit's one `signoff/provenance/v1` document (status and tools kept consistent with it:
AI lines make the commit AI-assisted whatever else was declared), append `commit` records for
the committed files the log knows (the next replay starts there), prune old records now and
then, and on request write a Git AI-compatible note under `refs/notes/ai`.

The commit-msg hook does this for the staged tree, before the commit exists (the index is final
there), and hands the post-commit hook the note and the `commit` records with a placeholder for
the commit id (`hooks.commit_msg`); post-commit does it itself when commit-msg did not run or
prepared for another commit (`git commit --no-verify`, an amend).

Settings (git config): `signoff.captureBudget` (milliseconds, default 500), `signoff.captureKeepDays`
(default 14), `signoff.writeGitAiNotes` (default false). Standard library only: runs on commits.
"""

from __future__ import annotations

import os
import time

from signoff.recording import worklog
from signoff.recording.attribute import (
    AI,
    AI_MODIFIED,
    DEFAULT_BUDGET_MS,
    HUMAN,
    Attribution,
    attribute_commit,
)

TYPE_CHECKING = False  # typing.TYPE_CHECKING without importing typing
if TYPE_CHECKING:
    from collections.abc import Mapping

    from signoff.recording.agents import AgentUse, Decision
    from signoff.recording.hooks import Person

DEFAULT_KEEP_DAYS = 14.0
PRUNE_STAMP = "pruned"
PRUNE_EVERY = 86400.0  # prune at most once a day: it rewrites the whole log
GITAI_REF = "refs/notes/ai"
GITAI_SCHEMA = "authorship/3.0.0"


def number(value: str | None, default: float) -> float:
    try:
        found = float(value) if value else default
    except ValueError:
        return default
    return found if found >= 0 else default


def truthy(value: str | None) -> bool:
    return (value or "").strip().lower() in ("true", "yes", "on", "1")


class CommitLines:
    """The working log's part in one commit's hooks.

    `sha` is the commit, or a placeholder with `tree` the staged tree of the commit about to
    be made on `parent`. `config` is `signoff.git.hooks.read_settings()` when the caller read
    it already.
    """

    def __init__(
        self,
        gitdir: str,
        sha: str,
        parent: str | None,
        cwd: str,
        env: Mapping[str, str],
        *,
        tree: str | None = None,
        config: dict[str, str] | None = None,
    ) -> None:
        self.gitdir = gitdir
        self.sha = sha
        self.parent = parent
        self.tree = tree
        self.cwd = cwd
        self.env = env
        self.settings: dict[str, str] = config if config is not None else {}
        self.config_read = config is not None
        self.result: Attribution | None = None
        self.error: str | None = None

    def attribute(self, started: float) -> None:
        """Replay the working log for this commit within the time budget; never raises."""
        try:
            if not self.config_read:
                from signoff.git.hooks import read_settings

                self.settings = read_settings(self.cwd, self.env)
                self.config_read = True
            budget = number(self.settings.get("signoff.capturebudget"), DEFAULT_BUDGET_MS)
            self.result = attribute_commit(
                self.sha,
                self.parent,
                cwd=self.cwd,
                env=self.env,
                gitdir=self.gitdir,
                budget_ms=budget,
                started=started,
                tree=self.tree,
            )
        except Exception as exc:  # the commit stands; the loss is recorded, never silent
            self.error = f"{type(exc).__name__}: {exc}"
            worklog.write_error(self.gitdir, f"attribution of {self.sha[:12]} failed: {self.error}")

    def has_lines(self) -> bool:
        """Is there a line record (or a lost one) for the note to carry?"""
        if self.error is not None:
            return True
        return self.result is not None and (bool(self.result.files) or not self.result.complete)

    def note(
        self, *, decision: Decision | None = None, person: Person | None = None
    ) -> bytes | None:
        """The commit's document with the line record, built from `decision` (None: no
        declaration, the line record alone decides). None when it cannot be built: the error is
        kept, and the note is written without lines."""
        try:
            return self._note(decision, person)
        except Exception as exc:
            self.error = f"{type(exc).__name__}: {exc}"
            worklog.write_error(self.gitdir, f"the line note of {self.sha[:12]}: {self.error}")
            return None

    def _note(self, decision: Decision | None, person: Person | None) -> bytes:
        from signoff.provenance.notes import build_note
        from signoff.recording.agents import AgentUse

        result = self.result or Attribution()
        if self.error is not None:
            result.complete = False
            result.gaps.append(f"attribution failed: {self.error}")
        declared: list[AgentUse] = []
        status = "unknown"
        detection: dict[str, str] | None = None
        if decision is not None:
            status = decision.status
            declared = list(decision.tools)
            detection = {"source": decision.source, "evidence": decision.evidence}
        counts = result.kind_counts()
        ai_lines = counts[AI] + counts[AI_MODIFIED]
        recorded = [AgentUse(*key) for key in result.tools]
        if ai_lines:
            status = "mixed" if counts[HUMAN] else "ai"
            if detection is None:
                detection = {"source": "capture", "evidence": _evidence(result, recorded)}
        # the recorded tools first (the ranges' indexes), then declared tools no range names
        named = {u.tool for u in recorded}
        tools = recorded + [u for u in declared if u.tool not in named]
        return build_note(
            status=status,
            tools=tools,
            accepted_by=person,
            recorded_by="hook",
            detection=detection,
            files=result.note_files(),  # type: ignore[arg-type]
            commit=self.sha,
            line_record=result.line_record(),
        )

    def commit_records(self) -> list[worklog.Record]:
        """The `commit` records of the committed files the working log knows."""
        if self.result is None:
            return []
        return [
            worklog.make_record("commit", path, blob, commit=self.sha, source="commit")
            for path, blob in self.result.tracked
        ]

    def summary(self) -> dict[str, object]:
        """What the attribution found, for the hook's report."""
        report: dict[str, object] = {}
        if self.error is not None:
            report["capture_error"] = self.error
        result = self.result
        if result is not None:
            report["line_record"] = {
                "files": len(result.files),
                "kinds": result.kind_counts(),
                "complete": result.complete,
                "elapsed_ms": round(result.elapsed_ms, 1),
            }
        return report

    def prune(self) -> int | None:
        """Prune the working log if it is due (`prune_if_due`)."""
        keep_days = number(self.settings.get("signoff.capturekeepdays"), DEFAULT_KEEP_DAYS)
        return prune_if_due(self.gitdir, keep_days)

    def finish(self) -> dict[str, object]:
        """After the note: `commit` records, pruning, the Git AI note; what was done."""
        report = self.summary()
        result = self.result
        if result is None:
            return report
        records = self.commit_records()
        if records:
            worklog.append(self.gitdir, records)
        pruned = self.prune()
        if pruned is not None:
            report["pruned"] = pruned
        if truthy(self.settings.get("signoff.writegitainotes")):
            report["git_ai_note"] = write_gitai_note(self.sha, result, self.cwd, self.env)
        return report


def _evidence(result: Attribution, tools: list[AgentUse]) -> str:
    counts = result.kind_counts()
    ai = counts[AI] + counts[AI_MODIFIED]
    who = ", ".join(u.label() for u in tools) or "an agent"
    return f"capture working log: {ai} added line{'s' if ai != 1 else ''} by {who}"


# -- pruning ------------------------------------------------------------------------------------


def prune_if_due(gitdir: str, keep_days: float, *, now: float | None = None) -> int | None:
    """Drop records older than `keep_days` that a later `commit` record of their path used,
    at most once a day; returns how many were dropped, or None when it was not due."""
    now = time.time() if now is None else now
    stamp = os.path.join(worklog.capture_dir(gitdir), PRUNE_STAMP)
    try:
        if now - os.stat(stamp).st_mtime < PRUNE_EVERY:
            return None
    except FileNotFoundError:
        pass
    dropped = prune(gitdir, keep_days, now=now)
    with open(stamp, "w", encoding="utf-8") as fh:
        fh.write(f"{now}\n")
    return dropped


def prune(gitdir: str, keep_days: float, *, now: float | None = None) -> int:
    """Drop every record older than `keep_days` that was used: a later `commit` record of the
    same path exists (a replay starts at it or later). Records not yet used are kept however
    old (a stash or a branch left for a month still finds its lines)."""
    now = time.time() if now is None else now
    cutoff = now - keep_days * 86400
    records, _ = worklog.read(gitdir)
    last_commit: dict[str, float] = {}
    for r in records:
        if r["event"] == "commit":
            at = float(r["at"])  # type: ignore[arg-type]
            path = str(r["path"])
            last_commit[path] = max(at, last_commit.get(path, at))

    def keep(record: worklog.Record) -> bool:
        at = float(record["at"])  # type: ignore[arg-type]
        used = at < last_commit.get(str(record["path"]), at)
        return at >= cutoff or not used

    return worklog.prune(gitdir, keep)


# -- cherry-pick --------------------------------------------------------------------------------


def carry_cherry_pick(
    gitdir: str, source: str, sha: str, cwd: str, env: Mapping[str, str]
) -> dict[str, object]:
    """Map the picked commit's line record onto the new commit by content and write it as this
    commit's own document (`derived.method: cherry-pick`, `signoff.recording.carry`). A line
    whose content changed on the way (a resolved conflict) gets no range: nothing is invented."""
    from signoff.recording.carry import map_record
    from signoff.recording.hooks import append_note

    result = map_record([source], sha, method="cherry-pick", cwd=cwd, env=env)
    if result.note is not None:
        append_note(sha, result.note, cwd, env)
    return {"lines_carried": result.carried}


# -- Git AI -------------------------------------------------------------------------------------


def gitai_note(sha: str, result: Attribution, human_author: str | None = None) -> bytes | None:
    """A Git AI authorship log (schema authorship/3.0.0) of the record's `ai` lines.

    Git AI counts a line an AI wrote and a human then changed as overridden, not as the AI's:
    `ai-modified` lines are left out of the attestation and counted in `overriden_lines`.
    None when no line is the AI's.
    """
    import hashlib

    from signoff.provenance.notes import compact_json

    keys: dict[tuple[str, str | None, str | None], str] = {}
    body: list[str] = []
    stats: dict[str, dict[str, int]] = {}
    for path, spans in sorted(result.files.items()):
        per_key: dict[str, list[str]] = {}
        for start, end, kind, tool, _ in spans:
            if tool is None:
                continue
            key = keys.get(tool)
            if key is None:
                # Git AI's own key: SHA-256 of "tool:session id" (generate_short_hash)
                seed = f"{_gitai_tool(tool[0])}:{tool[2] or tool[1] or ''}".encode()
                key = keys[tool] = hashlib.sha256(seed).hexdigest()[:16]
                stats[key] = {"accepted": 0, "overridden": 0}
            if kind == AI:
                per_key.setdefault(key, []).append(f"{start}-{end}" if end > start else str(start))
                stats[key]["accepted"] += end - start + 1
            else:
                stats[key]["overridden"] += end - start + 1
        if per_key:
            body.append(f'"{path}"' if any(c in path for c in " \t\n") else path)
            body += [f"  {key} {','.join(parts)}" for key, parts in per_key.items()]
    if not body:
        return None
    from signoff import __version__

    prompts: dict[str, object] = {
        key: {
            "agent_id": {"tool": _gitai_tool(tool[0]), "id": tool[2] or "", "model": tool[1] or ""},
            "human_author": human_author,
            "messages": [],
            "total_additions": stats[key]["accepted"] + stats[key]["overridden"],
            "total_deletions": 0,
            "accepted_lines": stats[key]["accepted"],
            "overriden_lines": stats[key]["overridden"],
        }
        for tool, key in keys.items()
    }
    metadata = {
        "schema_version": GITAI_SCHEMA,
        "git_ai_version": f"signoff:{__version__}",
        "base_commit_sha": sha,
        "prompts": prompts,
    }
    return ("\n".join(body) + "\n---\n" + compact_json(metadata) + "\n").encode("utf-8", "replace")


# Signoff's tool names back to the names Git AI writes in `agent_id.tool`.
_GITAI_TOOLS = {"claude-code": "claude", "gemini-cli": "gemini", "copilot": "github-copilot"}


def _gitai_tool(name: str) -> str:
    return _GITAI_TOOLS.get(name, name)


def write_gitai_note(sha: str, result: Attribution, cwd: str, env: Mapping[str, str]) -> str:
    """Add the Git AI note on `sha` unless one is there (Git AI's own is never replaced)."""
    from signoff.recording.hooks import add_note, committer

    person = committer(cwd, env)
    note = gitai_note(sha, result, str(person) if person else None)
    if note is None:
        return "no ai lines"
    return "written" if add_note(sha, note, cwd, env, ref=GITAI_REF) else "a Git AI note exists"
