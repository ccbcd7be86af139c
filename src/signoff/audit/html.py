"""The evidence pack's HTML report: one self-contained file (inline CSS and SVG, no script,
nothing fetched), so it opens the same offline, in an archive, years later.

Headline figures carry `data-*` attributes with the exact numerator, denominator and value, so
a reader (or a test in a headless browser) can check the page against audit.json.
"""

from __future__ import annotations

from collections.abc import Sequence
from html import escape
from typing import Any

from signoff.audit.metrics import FORGE_ONLY
from signoff.audit.svg import budget_bars, grouped_bars, share_over_time

ROWS_SHOWN = 200
_CSS = """
body{font:14px/1.45 system-ui,-apple-system,Segoe UI,sans-serif;margin:2em auto;max-width:1100px;
color:#222;padding:0 1em}
h1{font-size:1.6em}h2{margin-top:2em;border-bottom:1px solid #ccc;padding-bottom:.2em}
table{border-collapse:collapse;margin:.5em 0;font-size:13px}
td,th{border:1px solid #ddd;padding:3px 6px;text-align:left;vertical-align:top}
th{background:#f4f4f4}.cards{display:flex;gap:1em;flex-wrap:wrap}
.card{border:1px solid #ccc;border-radius:6px;padding:.8em 1em;min-width:220px;flex:1}
.card .value{font-size:2em;font-weight:600}.card .ratio{color:#555}
.warn{background:#fff3cd;border:1px solid #e0c36a;padding:.6em 1em;border-radius:4px}
.ok{background:#e7f5ea;border:1px solid #8cc79b;padding:.6em 1em;border-radius:4px}
.controls{font-size:12px;color:#555}.mono{font-family:ui-monospace,monospace;font-size:12px}
"""


def _pct(value: object) -> str:
    return f"{100 * float(value):.1f}%" if isinstance(value, (int, float)) else "n/a"


def _e(value: object) -> str:
    return escape("" if value is None else str(value))


def _controls(report: dict[str, Any], section: str) -> str:
    entry = report["controls"]["sections"].get(section)
    if not entry:
        return ""
    return (
        f'<p class="controls" data-controls="{_e(section)}">Evidences: SOC 2 '
        f"{_e(', '.join(entry['soc2']))}; NIST SSDF {_e(', '.join(entry['ssdf']))} "
        f"({_e(entry['why'])})</p>"
    )


def _card(ratio: dict[str, Any]) -> str:
    key = ratio["key"]
    return (
        f'<div class="card" id="metric-{_e(key)}" data-metric="{_e(key)}" '
        f'data-numerator="{ratio["numerator"]}" data-denominator="{ratio["denominator"]}" '
        f'data-value="{_e(ratio["value"])}">'
        f"<div>{_e(ratio['title'])}</div>"
        f'<div class="value">{_pct(ratio["value"])}</div>'
        f'<div class="ratio">{ratio["numerator"]} of {ratio["denominator"]}</div></div>'
    )


def _decay_by_measure(parts: dict[str, dict[str, int]]) -> str:
    """Ownership decay in lines, AI-attributed and unrecorded apart (never added)."""
    words = {
        "ai_attributed": "AI-attributed lines (a line record's ai and ai-modified lines)",
        "ai_assisted_unrecorded": "lines of AI-assisted commits without a line record",
    }
    rows: list[list[object]] = [
        [
            words[key],
            f"{p['decayed_lines']} of {p['lines']}",
            f"{p['decayed_changes']} of {p['changes']}",
        ]
        for key, p in parts.items()
        if key in words
    ]
    return "<h3>Ownership decay by line measure</h3>" + _table(
        ["measure", "decayed lines", "decayed changes"], rows
    )


def _definition_row(ratio: dict[str, Any]) -> str:
    if "definition" not in ratio:
        return ""
    d = ratio["definition"]
    return (
        f"<tr><td>{_e(ratio['title'])}</td><td>{_e(d['numerator'])}</td>"
        f"<td>{_e(d['denominator'])}</td><td>{ratio['numerator']} / {ratio['denominator']} = "
        f"{_pct(ratio['value'])}</td></tr>"
    )


def _table(headers: list[str], rows: list[list[object]], cls: str = "") -> str:
    head = "".join(f"<th>{_e(h)}</th>" for h in headers)
    body = "".join("<tr>" + "".join(f"<td>{_e(c)}</td>" for c in row) + "</tr>" for row in rows)
    return f'<table class="{cls}"><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>'


def _capture(lines: dict[str, Any] | None) -> str:
    """Capture coverage with numerator and denominator, and the lost and incomplete records."""
    if not lines:
        return ""
    cov = lines["capture_coverage"]
    gaps = lines.get("capture_gaps") or {"lost": 0, "incomplete": 0, "reasons": {}, "commits": []}
    out = [
        "<h2>Line capture</h2>",
        f"<p>AI-attributed lines (a line record says an AI wrote them): "
        f"{_e(lines['ai_attributed_lines'])}. Lines in AI-assisted commits without a line "
        f"record (an AI helped, which lines is not known): "
        f"{_e(lines['ai_assisted_unrecorded_lines'])}. The two are never added together.</p>",
        _table(
            ["capture coverage", "with a line record", "of", "share"],
            [
                [
                    "AI-assisted commits",
                    cov["ai_commits_with_line_record"],
                    cov["ai_commits"],
                    _pct(cov["commit_share"]),
                ],
                [
                    "their added lines",
                    cov["ai_commit_lines_with_line_record"],
                    cov["ai_commit_lines"],
                    _pct(cov["line_share"]),
                ],
            ],
        ),
        f"<p>AI-assisted commits without a line record: {_e(gaps['lost'])}; "
        f"incomplete (the recorder could not finish): {_e(gaps['incomplete'])}.</p>",
    ]
    if gaps["reasons"]:
        out.append(_table(["why", "commits"], [[r, n] for r, n in gaps["reasons"].items()]))
    if gaps["commits"]:
        out.append(
            _table(
                ["commit", "state", "why"],
                [[g["commit"][:12], g["state"], g["reason"]] for g in gaps["commits"][:20]],
            )
        )
    return "".join(out)


def render_html(report: dict[str, Any], changes: Sequence[dict[str, Any]]) -> str:
    m = report["metrics"]
    head = m["headline"]
    comp = report["completeness"]
    period = report["period"]
    out: list[str] = [
        "<!DOCTYPE html><html lang='en'><head><meta charset='utf-8'>",
        "<meta name='viewport' content='width=device-width, initial-scale=1'>",
        f"<title>Signoff audit evidence {_e(period['since'])} to {_e(period['until'])}</title>",
        f"<style>{_CSS}</style></head><body>",
        "<h1>Audit evidence: AI-assisted change management</h1>",
        f"<p>Repository <span class='mono'>{_e(report['repository']['root'])}</span>, branch "
        f"<b>{_e(report['repository']['branch'])}</b> at "
        f"<span class='mono'>{_e(report['repository']['tip'])}</span>. Period "
        f"<b id='period-since'>{_e(period['since'])}</b> to "
        f"<b id='period-until'>{_e(period['until'])}</b>, both inclusive (UTC). Generated "
        f"{_e(report['generated_at'])} by Signoff {_e(report['generator']['version'])}.</p>",
    ]
    verdict = "ok" if comp["complete"] else "warn"
    out.append(
        f"<p class='{verdict}' id='completeness' data-population='{comp['population']}' "
        f"data-git-count='{comp['git_count']}' data-complete='{str(comp['complete']).lower()}'>"
        f"Population: <b>{comp['population']}</b> changes; git's own count for the period: "
        f"<b>{comp['git_count']}</b>. "
        + (
            "Complete."
            if comp["complete"]
            else f"INCOMPLETE: {len(comp['missing_from_population'])} missing, "
            f"{len(comp['not_counted_by_git'])} not counted by git."
        )
        + "</p>"
    )
    if report["limitations"]:
        out.append("<div class='warn'><b>What this pack does not show</b><ul>")
        out += [f"<li>{_e(x)}</li>" for x in report["limitations"]]
        out.append("</ul></div>")
    out.append("<h2>Headline metrics</h2><div class='cards'>")
    out += [
        _card(head[k]) for k in ("traceability_coverage", "attribution_clarity", "review_depth")
    ]
    out.append("</div>")
    out.append(
        _controls(report, "traceability_coverage") + _controls(report, "attribution_clarity")
    )
    out.append("<h3>Definitions</h3>")
    ratios = [*head.values(), m["ownership_coverage"], m["ownership_decay"]]
    out.append(
        "<table id='definitions'><thead><tr><th>metric</th><th>numerator</th><th>denominator</th>"
        "<th>result</th></tr></thead><tbody>"
        + "".join(_definition_row(r) for r in ratios)
        + "</tbody></table>"
    )
    if "unavailable" in m["ownership_decay"]:
        out.append(
            f"<p>Ownership decay: not measured: {_e(m['ownership_decay']['unavailable'])}.</p>"
        )
    elif "by_measure" in m["ownership_decay"]:
        out.append(_decay_by_measure(m["ownership_decay"]["by_measure"]))
    out.append("<h2>AI share over time</h2>")
    points = [(r["month"], r["changes"], r["ai_share"]) for r in m["ai_share_by_month"]]
    out.append(share_over_time(points, title="Share of changes that were AI-assisted, by month"))
    out.append(
        f"<p>{m['ai_changes']} of {m['changes']} changes were AI-assisted. By status: "
        + _e(", ".join(f"{k} {v}" for k, v in sorted(m["by_status"].items())))
        + ".</p>"
    )
    out.append(_capture(m.get("lines")))
    series = ["traceability coverage", "attribution clarity", "review bar met"]
    keys = ["traceability_coverage", "attribution_clarity", "review_bar_met"]
    for title, section in (("by tier", "by_tier"), ("by workflow", "by_workflow")):
        groups = [(name, [row[k] for k in keys]) for name, row in m[section].items()]
        out.append(f"<h2>Headline metrics {title}</h2>")
        out.append(grouped_bars(groups, series, title=f"Headline metrics {title}"))
        out.append(
            _table(
                [title.split()[-1], "changes", "AI-assisted", *series],
                [
                    [name, r["changes"], r["ai_changes"], *(_pct(r[k]) for k in keys)]
                    for name, r in m[section].items()
                ],
            )
        )
    out.append("<h2>Review depth per tier</h2>" + _controls(report, "review_depth"))
    rows = []
    for tier, r in m["review_depth_by_tier"].items():
        rows.append(
            [
                tier,
                r["changes"],
                r["median_approvals"],
                f"{r['required_approvals_met']['numerator']} / "
                f"{r['required_approvals_met']['denominator']} "
                f"({_pct(r['required_approvals_met']['value'])})",
                f"{r['required_roles']['numerator']} / {r['required_roles']['denominator']} "
                f"({_pct(r['required_roles']['value'])})",
                _forge_cell(r["approved_after_last_push"]),
                _forge_cell(r["time_to_approval"]),
                r["median_changed_lines_per_reviewer"],
            ]
        )
    out.append(
        _table(
            [
                "tier",
                "changes",
                "median approvals",
                "required approvals met",
                "required roles present",
                "approved after last push",
                "time to approval",
                "median changed lines per reviewer",
            ],
            rows,
        )
    )
    forge = report.get("forge_reviews")
    if forge is None:
        out.append(f"<p>Approved after the last push, and time to approval: {_e(FORGE_ONLY)}.</p>")
    else:
        out.append(
            f"<p id='forge-reviews' data-matched='{forge['matched']}'>Forge review records: "
            f"{forge['records']} given, matched to {forge['matched']} of the "
            f"{forge['changes_naming_a_pull_request']} changes that name a pull request.</p>"
        )
    gate = m["gate"]
    out.append("<h2>Gate verdicts on record</h2>" + _controls(report, "gate"))
    if not (report.get("gate_evidence") or {}).get("matched"):
        out.append(
            "<p class='warn' id='gate-recorded' data-numerator='0'>Not recorded: no "
            "`signoff check --record` note and no saved `signoff check --json` result "
            "(--gate-evidence) matched these changes.</p>"
        )
    else:
        rec, ok = gate["recorded"], gate["passed"]
        out.append(
            f"<p id='gate-recorded' data-numerator='{rec['numerator']}' "
            f"data-denominator='{rec['denominator']}'>{rec['numerator']} of {rec['denominator']} "
            f"changes have a gate verdict on record; {ok['numerator']} of them passed "
            f"({_pct(ok['value'])}).</p>"
        )
    if m.get("oversight"):
        out.append(_oversight(report, m["oversight"]))
    cov = m["ownership_coverage"]
    out.append("<h2>Ownership</h2>" + _controls(report, "ownership_coverage"))
    out.append(
        f"<p id='ownership-coverage' data-numerator='{cov['numerator']}' "
        f"data-denominator='{cov['denominator']}'>Ownership coverage: {cov['numerator']} of "
        f"{cov['denominator']} paths touched by AI-assisted changes were owned by a workflow "
        f"({_pct(cov['value'])}).</p>"
    )
    exc = m["exceptions"]
    out.append("<h2>Exceptions to the AI boundary</h2>" + _controls(report, "exceptions"))
    out.append(
        _table(
            [
                "exception",
                "boundary",
                "approver",
                "expires",
                "expired by period end",
                "changes using it",
            ],
            [
                [
                    r["id"],
                    r["boundary"],
                    r["approver"],
                    r["expires"],
                    r["expired"],
                    r["used_by_changes"],
                ]
                for r in exc["records"]
            ],
        )
        if exc["records"]
        else "<p>No exceptions were on record in any policy version in force.</p>"
    )
    out.append(
        f"<p>AI-assisted changes inside an AI boundary with no exception: "
        f"<b>{exc['ai_boundary_breaches']['changes']}</b>.</p>"
    )
    out.append(_incidents(report))
    out.append("<h2>Policy snapshots</h2>" + _controls(report, "policy_snapshots"))
    snaps = report["policy_snapshots"]
    out.append(
        _table(
            [
                "commit",
                "in force from",
                "changed in period",
                "author",
                "approved by",
                "sha256",
                "problem",
            ],
            [
                [
                    s["commit"][:12],
                    s["in_force_from"],
                    s["changed_in_period"],
                    f"{s['author']['name']} <{s['author']['email']}>",
                    ", ".join(p["name"] for p in s["approved_by"]) or "no approval recorded",
                    s["sha256"],
                    s["problem"] or "",
                ]
                for s in snaps
            ],
            "mono",
        )
        if snaps
        else "<p class='warn'>No signoff.yaml was in force at any time in the period: there was "
        "no written policy to measure against.</p>"
    )
    if report.get("sample"):
        s = report["sample"]
        out.append("<h2>Sample</h2>" + _controls(report, "sample"))
        out.append(
            f"<p>{len(s['changes'])} of {s['population']} changes, seed {s['seed']} "
            f"({_e(s['method'])}). Full decision chains are in sample.json.</p>"
        )
        out.append(
            _table(
                [
                    "change",
                    "AI",
                    "tools",
                    "accepted by",
                    "approved by",
                    "workflow",
                    "tier",
                    "gate (recorded, else re-evaluated now)",
                ],
                [
                    [
                        c["change"][:12],
                        c["generated_by"]["ai_status"],
                        ", ".join(t["tool"] for t in c["generated_by"]["tools"]),
                        ", ".join(p["name"] for p in c["accepted_by"]),
                        ", ".join(p["name"] for p in c["approved_by"]),
                        ", ".join(c["gated_by"]["workflows"]),
                        c["gated_by"]["tier"],
                        _gate_cell(c["gated_by"]),
                    ]
                    for c in s["changes"]
                ],
            )
        )
    if report.get("provenance_test"):
        t = report["provenance_test"]
        out.append("<h2>Provenance test</h2>" + _controls(report, "provenance_test"))
        out.append(
            f"<p id='provenance-test' data-answered='{t['answered']}' "
            f"data-seconds='{t['total_seconds']}'>Answered the four questions for "
            f"{t['answered']} recent changes in {t['total_seconds']} s (median "
            f"{t['median_seconds']} s per change).</p>"
        )
    out.append("<h2>Control mapping</h2>")
    out.append(
        _table(
            ["section", "SOC 2", "NIST SSDF", "what it evidences"],
            [
                [k, ", ".join(v["soc2"]), ", ".join(v["ssdf"]), v["why"]]
                for k, v in report["controls"]["sections"].items()
            ],
        )
    )
    out.append(f"<h2>Population (first {min(ROWS_SHOWN, len(changes))} of {len(changes)})</h2>")
    out.append("<p>Every change is in population.csv and population.json.</p>")
    out.append(
        _table(
            [
                "change",
                "committed",
                "author",
                "AI",
                "accepted by",
                "approvals",
                "workflows",
                "tier",
            ],
            [
                [
                    c["id"][:12],
                    c["committed_at"],
                    c["author"]["name"],
                    c["ai_status"],
                    ", ".join(p["name"] for p in c["accepted_by"]),
                    c["approvals"],
                    ", ".join(c["workflows"]),
                    c["tier"],
                ]
                for c in changes[:ROWS_SHOWN]
            ],
        )
    )
    out.append("</body></html>\n")
    return "".join(out)


def _oversight(report: dict[str, Any], o: dict[str, Any]) -> str:
    """Independent approvals, shallow approval rates (per tier, team, tool), weakened checks."""
    out = ["<h2 id='oversight'>Human oversight</h2>" + _controls(report, "independent_approval")]
    cards = [o["independent_approval"], o["shallow_approval"], o["weakened_checks"]]
    out.append("<div class='cards'>" + "".join(_card(r) for r in cards) + "</div>")
    out.append(_controls(report, "shallow_approval") + _controls(report, "weakened_checks"))
    rows = [_definition_row(r) for r in cards]
    out.append(
        "<table><thead><tr><th>metric</th><th>numerator</th><th>denominator</th><th>value</th>"
        "</tr></thead><tbody>" + "".join(rows) + "</tbody></table>"
    )
    aside = o["approvals_set_aside"]["by_reason"]
    if aside:
        out.append(
            "<p id='approvals-set-aside'>Approvals set aside (did not count): "
            + _e(", ".join(f"{k}: {v}" for k, v in aside.items()))
            + ".</p>"
        )
    for by, title in (("tier", "tier"), ("team", "approver's team"), ("tool", "tool")):
        groups = o[f"shallow_approval_by_{by}"]
        if groups:
            out.append(f"<h3>Shallow approvals per {_e(title)}</h3>")
            out.append(
                _table(
                    [title, "shallow", "judged approvals", "rate"],
                    [
                        [name, r["numerator"], r["denominator"], _pct(r["value"])]
                        for name, r in groups.items()
                    ],
                    cls=f"shallow-by-{by}",
                )
            )
    kinds = o["weakened_checks"]["by_kind"]
    if kinds:
        out.append(
            "<p id='weakened-by-kind'>Check-weakening edits by kind: "
            + _e(", ".join(f"{k}: {v}" for k, v in kinds.items()))
            + ".</p>"
        )
    outcomes = o.get("outcomes")
    if outcomes:
        out.append(_outcomes(report, outcomes))
    return "".join(out)


def _outcomes(report: dict[str, Any], outcomes: dict[str, Any]) -> str:
    out = ["<h3 id='outcomes'>Outcomes of AI-attributed lines</h3>" + _controls(report, "outcomes")]
    rows = []
    for group, entry in outcomes.get("durability", {}).items():
        for window in outcomes.get("windows_days", []):
            r = entry.get(f"{window}d")
            if r:
                rows.append(
                    [f"{window} days", group, r["numerator"], r["denominator"], _pct(r["value"])]
                )
    if rows:
        out.append(_table(["window", "lines", "survived", "measured", "rate"], rows, "durability"))
    reverted = outcomes.get("reverted")
    if reverted:
        out.append(
            f"<p id='reverted' data-numerator='{reverted['numerator']}' data-denominator="
            f"'{reverted['denominator']}'>AI-assisted commits reverted or fixed within "
            f"{_e(reverted.get('within_days'))} days: {reverted['numerator']} of "
            f"{reverted['denominator']} ({_pct(reverted['value'])}).</p>"
        )
    return "".join(out)


def _gate_cell(gated_by: dict[str, Any]) -> str:
    recorded = gated_by.get("gate_recorded")
    if recorded:
        return f"{recorded['result']} (recorded)"
    return _regated(gated_by.get("gate_re_evaluated")) + " (re-evaluated)"


def _regated(entry: dict[str, Any] | None) -> str:
    if not entry or entry.get("verdict") is None:
        return "not recorded"
    blocking = ", ".join(entry.get("blocking") or [])
    return f"{entry['verdict']}" + (f" ({blocking})" if blocking else "")


def _forge_cell(entry: dict[str, Any]) -> str:
    if "unavailable" in entry:
        return "not measurable from git"
    if "numerator" in entry:
        return f"{entry['numerator']} / {entry['denominator']} ({_pct(entry['value'])})"
    value = entry.get("value")
    return "n/a" if value is None else f"{value} h (median of {entry['measured_changes']})"


def _incidents(report: dict[str, Any]) -> str:
    inc = report["incidents"]
    head = "<h2>Incidents and error budgets</h2>" + _controls(report, "incidents")
    if not inc["available"]:
        return (
            head
            + f"<p class='warn' id='incidents-unavailable'>Not available: {_e(inc['reason'])}</p>"
        )
    parts = [head]
    items = inc["incidents"]
    parts.append(
        _table(
            ["incident", "severity", "started", "impact (min)", "AI connection", "commits"],
            [
                [
                    i["id"],
                    i["severity"],
                    i["started"],
                    i["impact_minutes"],
                    i["ai_connection"],
                    ", ".join(c[:10] for c in i["commits"]),
                ]
                for i in items
            ],
        )
        if items
        else "<p>No incidents were recorded in the period.</p>"
    )
    budgets = inc["budgets"]
    if budgets is None:
        parts.append(
            f"<p class='warn'>Error budgets: not available: {_e(inc.get('budgets_reason'))}</p>"
        )
    elif budgets:
        parts.append(
            budget_bars(
                [(b["workflow"], float(b["used"]), str(b["state"])) for b in budgets],
                title="Error budget used per workflow, at the end of the period",
            )
        )
        parts.append(
            _table(
                ["workflow", "tier", "state", "used", "incidents", "impact minutes"],
                [
                    [
                        b["workflow"],
                        b["tier"],
                        b["state"],
                        _pct(b["used"]),
                        b["consumed"]["incidents"],
                        b["consumed"]["impact_minutes"],
                    ]
                    for b in budgets
                ],
            )
        )
    else:
        parts.append("<p>No workflow declares an error budget.</p>")
    return "".join(parts)
