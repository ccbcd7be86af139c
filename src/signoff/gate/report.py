"""Renderings of a gate result: text for people, SARIF for code scanning, markdown for a PR comment.

The markdown comment carries the verdict and a differentiated review checklist generated for
this change: its AI-attributed lines and the lines of AI-assisted commits without a line
record (apart), its tier, the security patterns AI tools get wrong, and the
tool owners' known failure patterns from the registry.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from signoff.gate.check import CheckResult
from signoff.gate.findings import GATE_RULES, GateFinding
from signoff.layout import POLICY_FILE
from signoff.provenance.model import AI_STATUSES
from signoff.query.blame import AI_ASSISTED_COMMIT, AI_ATTRIBUTED
from signoff.query.changeset import AddedLine, ChangeSet
from signoff.report import markdown as md
from signoff.report.sarif import (
    HOMEPAGE,
    RuleDescriptor,
    SarifFinding,
    pascal,
    sarif_log,
    scan_result,
    scan_rule,
)

LEVEL = {"block": "error", "warn": "warning", "note": "note"}
# First line of the PR comment: CI finds and updates its own comment by it, never another's.
COMMENT_MARKER = "<!-- signoff:check -->"
ICON = {"block": "⛔", "warn": "⚠️", "note": "ℹ️"}

# The patterns AI-generated code most often gets wrong, by what a reviewer should look for.
SECURITY_CHECKLIST = (
    ("Injection", "SQL, shell and template inputs are parameterised, never concatenated"),
    ("Credential handling", "no secrets in code or logs; credentials come from the secret store"),
    ("Timing attacks", "secrets and tokens are compared in constant time"),
    (
        "Retry and timeout budgets",
        "retries are bounded, back off, and fit inside the caller's timeout",
    ),
    ("Error handling", "errors are not swallowed; failures fail closed and are observable"),
)


def sarif(result: CheckResult, *, category: str = "signoff") -> dict[str, Any]:
    """SARIF 2.1.0: one rule per gate rule and per scanner rule, exceptions as suppressions.

    A scanner finding is reported under its scanner's rule (`bandit/B602`), with that rule's
    help, severity and `security` tag, so code scanning shows it as a security alert that can be
    dismissed per rule; the gate's own rules carry their fix as help text.
    """
    rules = [gate_rule(rule) for rule in GATE_RULES]
    findings = []
    for f in result.findings:
        suppression = f"approved exception {f.exception}" if f.exception else None
        if f.scan is not None:
            rules.append(scan_rule(f.scan))
            findings.append(scan_result(f.scan, LEVEL[f.severity], suppression))
            continue
        findings.append(
            SarifFinding(
                rule_id=f.rule,
                level=LEVEL[f.severity],
                message=f.message + (f" Fix: {f.fix}" if f.fix else ""),
                path=f.path or (result.policy_file or POLICY_FILE),
                start_line=f.start_line,
                end_line=f.end_line,
                fingerprint=f.fingerprint,
                suppression=suppression,
            )
        )
    notes = [
        f"scanner {name} did not run: {status.get('error') or 'not installed'}"
        for name, status in ((result.scan or {}).get("scanners") or {}).items()
        if isinstance(status, dict)
        and not (status.get("available") and status.get("ran") and not status.get("error"))
    ]
    return sarif_log(findings, rules, category=category, notifications=notes)


def gate_rule(rule: str) -> RuleDescriptor:
    """The descriptor of one gate rule, from the catalogue `docs/gate.md` documents."""
    severity, title, fix = GATE_RULES[rule]
    return RuleDescriptor(
        id=rule,
        name=pascal(rule),
        short_description=title,
        full_description=f"{title}. Signoff's gate rule {rule}; see docs/gate.md.",
        help_text=fix,
        help_markdown=f"**{title}**\n\n{fix}",
        help_uri=f"{HOMEPAGE}/docs/gate#{rule.replace('.', '')}",
        level=LEVEL[severity],
        tags=("signoff", rule.split(".")[0]),
    )


# GitLab code quality severities (info, minor, major, critical, blocker) by gate severity.
CODE_QUALITY_SEVERITY = {"block": "blocker", "warn": "major", "note": "info"}


def codequality(result: CheckResult) -> list[dict[str, Any]]:
    """GitLab's code quality report (a Code Climate issue list), shown in the merge request.

    Every finding needs a path and a line there: one about the change as a whole points at
    the policy file's first line.
    """
    out = []
    for f in result.findings:
        severity = "info" if f.exception else CODE_QUALITY_SEVERITY[f.severity]
        check = f.scan.qualified_rule if f.scan is not None else f.rule
        out.append(
            {
                "type": "issue",
                "check_name": check,
                "description": f"{f.message}"
                + (f" (approved exception {f.exception})" if f.exception else ""),
                "categories": ["Security"] if f.scan is not None else ["Style"],
                "severity": severity,
                "fingerprint": f.scan.fingerprint
                if f.scan and f.scan.fingerprint
                else f.fingerprint,
                "location": {
                    "path": f.path or (result.policy_file or POLICY_FILE),
                    "lines": {"begin": f.start_line or 1, "end": f.end_line or f.start_line or 1},
                },
            }
        )
    return out


def _hunks(rows: Sequence[AddedLine]) -> list[tuple[int, int, str]]:
    out: list[tuple[int, int, str]] = []
    for row in sorted(rows, key=lambda r: r.line):
        tool = (
            row.tool.tool + (f"/{row.tool.model}" if row.tool and row.tool.model else "")
            if row.tool
            else "AI"
        )
        if out and out[-1][1] == row.line - 1 and out[-1][2] == tool:
            out[-1] = (out[-1][0], row.line, tool)
        else:
            out.append((row.line, row.line, tool))
    return out


def markdown(result: CheckResult) -> str:
    """A pull-request comment: verdict, findings, and the review checklist for this change."""
    cs = result.changeset
    blocking = [f for f in result.findings if f.blocks]
    head = "### ⛔ Signoff: blocked" if blocking else "### ✅ Signoff: pass"
    lines = [COMMENT_MARKER, head, ""]
    lines.append(
        f"{md.text(_what(cs))}; policy "
        f"{md.code(result.policy_file or 'none')} at {md.code((result.policy_rev or 'work tree')[:12])}."
    )
    lines.append("")
    if result.findings:
        lines += ["| | rule | where | what | fix |", "| --- | --- | --- | --- | --- |"]
        for f in result.findings:
            where = (
                md.code(f.path, in_table=True) + (f":{f.start_line}" if f.start_line else "")
                if f.path
                else ""
            )
            sev = (
                "✔️ exception " + md.code(f.exception, in_table=True)
                if f.exception
                else ICON[f.severity]
            )
            fix = md.text(f.fix) if f.fix else _cell(GATE_RULES[f.rule][2])  # ours: as written
            lines.append(f"| {sev} | `{f.rule}` | {where} | {md.text(f.message)} | {fix} |")
        lines.append("")
    if result.exceptions_used:
        lines.append(
            "**Approved exceptions used:** "
            + ", ".join(
                f"{md.code(e['exception'])} ({md.text(e['boundary'])} on {md.code(e['path'])})"
                for e in result.exceptions_used
            )
        )
        lines.append("")
    lines += _checklist(result)
    return "\n".join(lines) + "\n"


def _cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


def _weakened_checklist(result: CheckResult) -> list[str]:
    """A box per check-weakening edit: each needs a human who owns the checks to agree."""
    found = (result.oversight or {}).get("weakened_checks") or []
    if not found:
        return []
    out = [
        "Checks this change weakens (each needs the agreement of whoever owns those checks):",
        "",
    ]
    for w in found:
        where = md.code(w["path"]) + (f":{w['line']}" if w["line"] else "")
        detail = f": {md.code(w['text'])}" if w["text"] else ""
        out.append(f"- [ ] **{w['title']}** in {where}{detail} ({w['how_known']})")
    return [*out, ""]


def _checklist(result: CheckResult) -> list[str]:
    cs = result.changeset
    ai_files = [f.path for f in cs.files if cs.has_ai_lines(f.path)]
    if not ai_files:
        weakened = _weakened_checklist(result)
        if weakened:
            return ["#### Review checklist (AI-assisted commits)", "", *weakened]
        return ["No AI-assisted lines in this change: the standard review applies."]
    tiers = [o.tier for o in result.owners if o.tier and o.path in ai_files]
    top = max(tiers, key=_rank, default="moderate")
    out = [f"#### Review checklist (AI-assisted, {top} tier)", ""]
    attributed = [p for p in ai_files if cs.ai_counts(p)[0]]
    unrecorded = [p for p in ai_files if cs.ai_counts(p)[1]]
    if attributed:
        out += [
            "Review these AI-attributed lines (a line record says an AI wrote them) line by line; "
            "the author accepted them, you are the second pair of eyes:",
            "",
        ]
        out += _line_checklist(cs, attributed, AI_ATTRIBUTED)
    if unrecorded:
        rows = [
            a for p in unrecorded for a in cs.lines.get(p, ()) if a.author == AI_ASSISTED_COMMIT
        ]
        bare = sorted(
            {(a.commit or "staged")[:10] for a in rows if a.kind != "unknown"}
            | {
                (c or "staged")[:10]
                for p in unrecorded
                if p in cs.large
                for c in cs.large[p].commits
                if c is None or cs.provenance[c].ai_assisted
            }
        )
        partial = sorted({(a.commit or "staged")[:10] for a in rows if a.kind == "unknown"})
        why = []
        if bare:
            why.append(f"AI-assisted commit(s) {', '.join(bare)} carry no line record")
        if partial:
            why.append(
                f"the line records of AI-assisted commit(s) {', '.join(partial)} leave some "
                "lines unknown"
            )
        out += [
            f"{'; '.join(why) or 'AI-assisted commits carry no line record'}: an AI helped, "
            "which of these lines it wrote is not known, "
            "so review them all:",
            "",
        ]
        out += _line_checklist(cs, unrecorded, AI_ASSISTED_COMMIT)
    totals = cs.line_totals()
    out.append(
        f"Scanners scanned {totals['ai_attributed_lines']} AI-attributed lines and "
        f"{totals['ai_assisted_unrecorded_lines']} lines of AI-assisted commits without a line "
        + (
            "record (or that their record leaves unknown)."
            if any(a.kind == "unknown" for p in ai_files for a in cs.lines.get(p, ()))
            else "record."
        )
    )
    out += ["", *_weakened_checklist(result)]
    out += ["Security patterns AI tools get wrong:", ""]
    out += [f"- [ ] **{name}**: {what}" for name, what in SECURITY_CHECKLIST]
    for tool, info in result.tools_owners.items():
        patterns = info.get("failure_patterns") or []
        if patterns:
            out += [
                "",
                f"Known failure patterns of {md.code(tool)} "
                f"(tracked by {md.text(str(info.get('owner') or 'nobody'))}):",
                "",
            ]
            out += [f"- [ ] {md.text(str(p))}" for p in patterns]
    return out


def _spans(rows: list[AddedLine]) -> str:
    return ", ".join(
        f"{a}-{b} ({tool})" if a != b else f"{a} ({tool})" for a, b, tool in _hunks(rows)
    )


def _line_checklist(cs: ChangeSet, paths: list[str], author: str) -> list[str]:
    """A box to tick per file, naming its lines by `author`; then a blank line."""
    out = []
    for path in paths:
        big = cs.large.get(path)
        if big is not None:
            out.append(
                f"- [ ] {md.code(path)}: the whole file ({big.kinds.get(author, 0):,} lines, too large to "
                "list line by line)"
            )
            continue
        rows = [a for a in cs.lines.get(path, ()) if a.author == author]
        out.append(f"- [ ] {md.code(path)}: lines {md.text(_spans(rows))}")
    return [*out, ""]


def _what(cs: ChangeSet) -> str:
    """What was judged: the commits of a range, or the staged change and who is committing it."""
    staged = cs.staged
    if staged is None:
        return f"{len(cs.commits)} commit(s), {cs.ai_assisted} AI-assisted"
    if staged.status in AI_STATUSES:
        tool = staged.tool.tool if staged.tool else "an AI tool"
        return f"staged change, AI-assisted ({tool}; {staged.reason})"
    return f"staged change, {staged.status} ({staged.reason})"


def _rank(tier: str) -> int:
    return {"low": 0, "moderate": 1, "high": 2, "critical": 3}.get(tier, 1)


def text(result: CheckResult) -> list[str]:
    """Plain lines for a terminal (the CLI adds colour when it is one)."""
    cs = result.changeset
    out = [
        f"signoff check: {result.verdict.upper()} — {_what(cs)}, {len(cs.files)} file(s); policy "
        f"{result.policy_file or 'none'} at {(result.policy_rev or 'work tree')[:12]}"
    ]
    for f in result.findings:
        out.append(_finding_line(f))
    if not result.findings:
        out.append("  no findings")
    return out


def _finding_line(f: GateFinding) -> str:
    where = ""
    if f.path:
        where = f" {f.path}" + (f":{f.start_line}" if f.start_line else "")
    status = f"exception {f.exception}" if f.exception else f.severity
    fix = f.fix or GATE_RULES[f.rule][2]
    return f"  [{status}] {f.rule}{where}: {f.message}\n      fix: {fix}"
