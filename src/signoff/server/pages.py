"""Server-rendered pages (Jinja2, autoescaped; no JavaScript): the organisation overview with its
charts, repositories, workflows, people, incidents, decay, and the box that answers the four
questions for a commit or a `repo:file:line`.

Pages need a read token like the API; the sign-in form keeps it in an HttpOnly, SameSite=Lax
cookie, and a token granted some repositories sees only those. Every figure comes from what
`signoff push` stored, measured by the audit's own functions (`server.dashboard`); user text
(subjects, names, paths, titles) is escaped by the template engine or by `audit.svg`, so markup
in a commit message stays text. Every table sorts on the server and downloads as CSV
(`server.tables`); the theme is the system's unless the viewer picks one (a cookie, set by a
form post, so it works without script).
"""

from __future__ import annotations

import urllib.parse
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Annotated, Any

from fastapi import Depends, FastAPI, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from jinja2 import Environment, FileSystemLoader, select_autoescape
from sqlalchemy import select

from signoff.audit import svg
from signoff.audit.period import Period, parse_period
from signoff.errors import SignoffError
from signoff.policy.rules import today_utc
from signoff.server import dashboard, figures
from signoff.server.tables import Column, Table
from signoff.store.ingest import repository
from signoff.store.models import CommitRecord
from signoff.store.tokens import Grant, authenticate

COOKIE = "signoff_token"
THEME_COOKIE = "signoff_theme"
THEMES = ("light", "dark")
PUSH_HINT = "signoff push --server URL"
_ENV = Environment(
    loader=FileSystemLoader(Path(__file__).with_name("templates")),
    autoescape=select_autoescape(["html"]),
)
NAV = (
    ("/", "Overview"),
    ("/repos", "Repositories"),
    ("/workflows", "Workflows"),
    ("/people", "People"),
    ("/incidents", "Incidents"),
    ("/decay", "Decay"),
    ("/ask", "Ask"),
)
HEADERS = {
    "Content-Security-Policy": "default-src 'none'; style-src 'unsafe-inline'; "
    "form-action 'self'; frame-ancestors 'none'",
    "X-Content-Type-Options": "nosniff",
}


# The audit's measures, labelled alike on every page (the two line measures never added).
TRACEABILITY = Column("traceability", "Traceability coverage", numeric=True, pct=True)
ATTRIBUTION = Column("attribution", "Attribution clarity", numeric=True, pct=True)
AI_LINES = Column("ai_lines", "AI-attributed lines", numeric=True)
UNRECORDED_LINES = Column(
    "unrecorded_lines", "Lines in AI-assisted commits without a line record", numeric=True
)


def _render(request: Request, template: str, status: int = 200, **context: Any) -> HTMLResponse:
    theme = request.cookies.get(THEME_COOKIE)
    here = request.url.path + (f"?{request.url.query}" if request.url.query else "")
    html = _ENV.get_template(template).render(
        theme=theme if theme in THEMES else None,
        nav=NAV,
        path=request.url.path,
        here=here,
        push_hint=PUSH_HINT,
        request_since=request.query_params.get("since", ""),
        request_until=request.query_params.get("until", ""),
        **context,
    )
    return HTMLResponse(html, status_code=status, headers=HEADERS)


def _page(request: Request, template: str, tables: list[Table], **context: Any) -> Response:
    """The page, or one of its tables as CSV (`?format=csv&table=ID`), sorted as asked."""
    params = dict(request.query_params)
    for t in tables:
        t.apply(params)
    if params.get("format") == "csv":
        wanted = [t for t in tables if t.id == params.get("table")]
        if not wanted:
            return _render(request, "ask.html", 404, q="", error="No such table on this page.")
        return Response(
            wanted[0].csv(),
            media_type="text/csv; charset=utf-8",
            headers={
                "Content-Disposition": f'attachment; filename="{wanted[0].id}.csv"',
                **HEADERS,
            },
        )
    return _render(request, template, tables={t.id: t for t in tables}, **context)


class BadPeriod(SignoffError):
    """A page asked for a period that is not one: answered with the page's error, not JSON."""


def _period(request: Request) -> Period | None:
    """`?since=YYYY-MM-DD&until=YYYY-MM-DD` (either may be left out), as the audit reads them."""
    since = request.query_params.get("since", "").strip()
    until = request.query_params.get("until", "").strip()
    if not since and not until:
        return None
    try:
        start = date.fromisoformat(since) if since else date(1970, 1, 1)
        end = date.fromisoformat(until) if until else today_utc()
    except ValueError:
        raise BadPeriod(
            "the period's dates are not YYYY-MM-DD", "e.g. ?since=2026-01-01&until=2026-03-31"
        ) from None
    if end < start:
        raise BadPeriod(f"until {end} is before since {start}", "swap the two dates")
    return parse_period(start.isoformat(), end.isoformat())


def _safe_next(value: str) -> str:
    """Only a path on this site (never //host or a scheme) may be the place to go back to."""
    return value if value.startswith("/") and not value.startswith("//") else "/"


class SignInFirst(Exception):
    """A page was asked for without a cookie that can read: answered with the sign-in form."""


def _store(request: Request) -> Any:
    return request.app.state.settings.store


def signed_in(request: Request) -> Grant:
    """The viewer's grant from the sign-in cookie (a FastAPI dependency of every page route);
    without one that may read, the page redirects to the sign-in form."""
    secret = request.cookies.get(COOKIE)
    if secret:
        with _store(request).read() as s:
            grant = authenticate(s, secret)
        if grant is not None and grant.scopes & {"read", "admin"}:
            return grant
    raise SignInFirst


Reader = Annotated[Grant, Depends(signed_in)]


@dataclass(slots=True)
class Shown:
    """What an organisation-wide page shows: stored figures, their freshness, incidents."""

    repos: list[figures.Figures]
    fresh: figures.Freshness
    incidents: dict[int, int]


def add_pages(app: FastAPI) -> None:
    store_of = _store

    @app.exception_handler(SignInFirst)
    def _sign_in_first(request: Request, exc: SignInFirst) -> Response:
        return RedirectResponse("/login", status_code=303)

    @app.exception_handler(BadPeriod)
    def _bad_period(request: Request, exc: BadPeriod) -> HTMLResponse:
        return _render(request, "ask.html", 400, q="", error=f"{exc.message} ({exc.hint}).")

    @app.get("/login", include_in_schema=False)
    def login_page(request: Request) -> HTMLResponse:
        return _render(request, "login.html")

    @app.post("/login", include_in_schema=False)
    def login(request: Request, token: Annotated[str, Form()]) -> Response:
        with store_of(request).read() as s:
            grant = authenticate(s, token.strip())
        if grant is None or not grant.scopes & {"read", "admin"}:
            return _render(
                request, "login.html", 401, error="That token is unknown, revoked or cannot read."
            )
        resp = RedirectResponse("/", status_code=303)
        # Lax: sent on top-level navigation to the pages (GET only; every write is an API call
        # with a bearer token, so the cookie can never cause one)
        resp.set_cookie(COOKIE, token.strip(), httponly=True, samesite="lax", max_age=8 * 3600)
        return resp

    @app.post("/theme", include_in_schema=False)
    def set_theme(theme: Annotated[str, Form()], next: Annotated[str, Form()] = "/") -> Response:
        resp = RedirectResponse(_safe_next(next), status_code=303)
        if theme in THEMES:
            resp.set_cookie(THEME_COOKIE, theme, samesite="lax", max_age=365 * 86400)
        else:
            resp.delete_cookie(THEME_COOKIE)
        return resp

    def readable(request: Request, g: Grant) -> list[Any]:
        """The repositories the viewer may read (rows, detached: names and clones)."""
        with store_of(request).read() as s:
            repos = dashboard.repositories(s, g.repositories)
            s.expunge_all()
            return repos

    def figures_for(
        request: Request, allowed: Iterable[str] | None, sections: tuple[str, ...] = ()
    ) -> Shown:
        """The stored figures of the readable repositories over the asked period, how fresh
        they are (queueing the figures job when some are missing or behind), and incidents."""
        period = _period(request)
        with store_of(request).read() as s:
            repos = dashboard.repositories(s, allowed)
            figs = figures.read(s, repos, period, sections)
            fresh = figures.freshness(s, repos, figs, queue=False)
            incidents = dashboard.incident_counts(s, [r.id for r in repos])
        return Shown(figs, figures.queue_if_behind(store_of(request), fresh), incidents)

    @app.get("/", include_in_schema=False)
    def overview(request: Request, g: Reader) -> Response:
        shown = figures_for(request, g.repositories, ("series",))
        data = dashboard.overview(shown.repos, shown.incidents)
        return _page(
            request,
            "overview.html",
            overview_tables(data),
            charts=charts(data),
            fresh=shown.fresh,
            **data,
        )

    @app.get("/repos", include_in_schema=False)
    def repos_page(request: Request, g: Reader) -> Response:
        shown = figures_for(request, g.repositories)
        data = dashboard.overview(shown.repos, shown.incidents)
        return _page(request, "repos.html", [repos_table(data["repos"])], fresh=shown.fresh)

    @app.get("/repos/{name:path}", include_in_schema=False)
    def repo_page(name: str, request: Request, g: Reader) -> Response:
        if not g.allows("read", name):
            return _render(request, "ask.html", 403, q="", error=f"This token may not read {name}.")
        with store_of(request).read() as s:
            row = repository(s, name, create=False)
            if row is None:
                return _render(request, "ask.html", 404, q="", error=f"No repository {name} here.")
            records = s.execute(
                select(CommitRecord.record)
                .where(CommitRecord.repo_id == row.id)
                .order_by(CommitRecord.committed_at.desc())
                .limit(500 if request.query_params.get("format") == "csv" else 100)
            ).scalars()
            repos = dashboard.repositories(s, [name])
            figs = figures.read(s, repos, _period(request), ("series",))
            fresh = figures.freshness(s, repos, figs, queue=False)
            incidents = dashboard.incident_counts(s, [row.id])
            data = dashboard.overview(figs, incidents)
            commits = [
                {
                    **_summary(r),
                    "href": "/ask?" + urllib.parse.urlencode({"q": f"{name}:{r['commit']}"}),
                }
                for r in records
            ]
        fresh = figures.queue_if_behind(store_of(request), fresh)
        table = Table(
            "commits",
            "Latest pushed commits (100 here; the CSV has the latest 500)",
            [
                Column("short", "Commit", link="href"),
                Column("date", "Committed"),
                Column("subject", "Subject"),
                Column("status", "AI"),
                Column("tool_names", "Tools"),
                Column("accepted_by", "Accepted by"),
                Column("accountable", "Accountable"),
            ],
            commits,
            empty=f"Nothing pushed for {name} yet: run `{PUSH_HINT}` in its CI.",
        )
        return _page(
            request,
            "repo.html",
            [table, *overview_tables(data)],
            name=name,
            charts=charts(data),
            fresh=fresh,
            **data,
        )

    @app.get("/workflows", include_in_schema=False)
    def workflows_page(request: Request, g: Reader) -> Response:
        shown = figures_for(request, g.repositories, ("detail",))
        wfs = dashboard.workflows(shown.repos)
        burn = [
            (f"{w['repo']}: {w['workflow']}", float(w["budget_used"]), str(w["budget_state"]))
            for w in wfs
            if w["budget_used"] is not None
        ]
        chart = svg.budget_bars(burn, title="Error budget used per workflow (1.0 = spent)")
        table = Table(
            "workflows",
            "Workflows of each pushed policy, their accountable and their budget",
            [
                Column("repo", "Repository"),
                Column("workflow", "Workflow"),
                Column("tier", "Tier"),
                Column("paths", "Paths"),
                Column("accountable", "Accountable"),
                Column("ai_changes", "AI-assisted changes", numeric=True),
                TRACEABILITY,
                ATTRIBUTION,
                AI_LINES,
                UNRECORDED_LINES,
                Column("budget_state", "Budget"),
                Column("budget_used", "Budget used", numeric=True, pct=True),
                Column("burn_rate", "Burn rate", numeric=True),
                Column("budget_incidents", "AI incidents in window", numeric=True),
            ],
            wfs,
            empty=f"No policy pushed yet: `{PUSH_HINT}` sends signoff.yaml and the budget report.",
        )
        missing = [f.name for f in shown.repos if not f.meta.get("has_policy")]
        return _page(
            request,
            "workflows.html",
            [table],
            chart=chart,
            no_policy=missing,
            fresh=shown.fresh,
            nothing=not shown.repos,
        )

    @app.get("/people", include_in_schema=False)
    def people_page(request: Request, g: Reader) -> Response:
        shown = figures_for(request, g.repositories, ("detail", "unowned"))
        owners = Table(
            "owners",
            "Named accountables and what they own",
            [
                Column("person", "Accountable"),
                Column("workflows", "Workflows (repository:workflow)"),
                Column("paths", "Paths they answer for"),
                Column("repos", "Repositories", numeric=True),
                Column("ai_changes", "AI-assisted changes", numeric=True),
                AI_LINES,
                UNRECORDED_LINES,
            ],
            dashboard.people(dashboard.workflows(shown.repos)),
            empty=f"No workflow names one current person, or no policy was pushed ({PUSH_HINT}).",
        )
        # its default order needs only the first rows (a merge of sorted lists); sorting by
        # another column or the CSV reads them all
        everything = request.query_params.get("format") == "csv" or request.query_params.get(
            "sort", ""
        ).startswith("unowned.")
        unowned, total = dashboard.unowned_paths(shown.repos, None if everything else 200)
        orphans = Table(
            "unowned",
            "Paths AI-assisted changes touched with no named owner",
            [
                Column("repo", "Repository"),
                Column("path", "Path"),
                Column("ai_changes", "AI-assisted changes", numeric=True),
                Column("reason", "Why no one"),
                Column("last", "Last change"),
            ],
            unowned,
            empty="Every path an AI-assisted change touched has a named owner.",
            shown=200,  # a large organisation has thousands: sort, or download them all
            total=total,
        )
        return _page(
            request,
            "people.html",
            [owners, orphans],
            fresh=shown.fresh,
            nothing=not shown.repos,
        )

    @app.get("/incidents", include_in_schema=False)
    def incidents_page(request: Request, g: Reader) -> Response:
        with store_of(request).read() as s:
            incidents = dashboard.incident_rows(s, dashboard.repositories(s, g.repositories))
        table = Table(
            "incidents",
            "Incidents as last pushed",
            [
                Column("repo", "Repository"),
                Column("id", "Incident", link="href"),
                Column("title", "Title"),
                Column("severity", "Severity"),
                Column("status", "Status"),
                Column("started", "Started"),
                Column("impact_minutes", "Impact (min)", numeric=True),
                Column("suspects", "Suspect commits", numeric=True),
                Column("actions_open", "Open actions", numeric=True),
            ],
            incidents,
            empty="No incident pushed. Record them with `signoff incident open`, commit them, "
            f"and `{PUSH_HINT}` sends them.",
        )
        return _page(request, "incidents.html", [table])

    @app.get("/incidents/{name:path}/{incident_id}", include_in_schema=False)
    def incident_page(name: str, incident_id: str, request: Request, g: Reader) -> Response:
        if not g.allows("read", name):
            return _render(request, "ask.html", 403, q="", error=f"This token may not read {name}.")
        with store_of(request).read() as s:
            row = repository(s, name, create=False)
            incidents = dashboard.repo_incidents(s, row.id) if row is not None else []
            found = [i for i in incidents if i.get("id") == incident_id]
            if not found or row is None:
                return _render(
                    request, "ask.html", 404, q="", error=f"No incident {incident_id} of {name}."
                )
            chain = dashboard.decision_chain(s, row.id, found[0])
            clone = row.path
        steps = [{**c, "summary": _summary(c["record"]) if c["record"] else None} for c in chain]
        traced, problem = _traced(clone, found[0]) if clone else (None, None)
        return _render(
            request,
            "incident.html",
            name=name,
            incident=found[0],
            chain=steps,
            clone=bool(clone),
            traced=traced,
            problem=problem,
        )

    @app.get("/decay", include_in_schema=False)
    def decay_page(request: Request, g: Reader) -> Response:
        from signoff.server import decayed

        rows: list[dict[str, Any]] = []
        problems: list[str] = []
        with store_of(request).transaction() as s:
            repos = dashboard.repositories(s, g.repositories)
            docs = decayed.stored(s, [r.name for r in repos if r.path])
            fresh = decayed.freshness(s, repos, docs)
            no_clone = [r.name for r in repos if not r.path]
        for name, doc in sorted(docs.items()):
            if doc.get("error"):
                problems.append(f"{name}: {doc['error']}")
            problems += [f"{name}: {p}" for p in doc["problems"]]
            rows += [{"repo": name, **f} for f in doc["files"]]
        for r in rows:
            r["reasons"] = "; ".join(sorted(r["reasons"]))
            r["accepters"] = ", ".join(r["accepters"])
        table = Table(
            "decay",
            "AI-written lines at the tip that no current person has attested to",
            [
                Column("repo", "Repository"),
                Column("path", "Path"),
                Column("workflow", "Workflow"),
                Column("tier", "Tier"),
                Column("decayed_ai_attributed_lines", "Decayed AI-attributed lines", numeric=True),
                Column(
                    "decayed_ai_assisted_unrecorded_lines",
                    "Decayed lines of AI-assisted commits without a line record",
                    numeric=True,
                ),
                Column("reasons", "Why"),
                Column("accepters", "Accepted by"),
            ],
            rows,
            empty="No decayed AI-written lines in the repositories with a clone on this server.",
        )
        return _page(
            request,
            "decay.html",
            [table],
            no_clone=no_clone,
            problems=problems,
            nothing=not repos,
            decay_fresh=fresh,
        )

    @app.get("/ask", include_in_schema=False)
    def ask(request: Request, g: Reader, q: str = "") -> Response:
        if not q:
            return _render(request, "ask.html", q="")
        name, _, target = q.strip().partition(":")
        if name and not target.strip():
            return _render(request, "ask.html", q=q)  # a repository chosen, the rest to type
        if not name:
            return _render(
                request, "ask.html", 400, q=q, error="Ask as ORG/NAME:SHA or ORG/NAME:FILE:LINE."
            )
        if not g.allows("read", name):
            return _render(request, "ask.html", 403, q=q, error=f"This token may not read {name}.")
        sha = target.strip().lower()
        with store_of(request).read() as s:
            row = repository(s, name, create=False)
            if row is None:
                return _render(
                    request,
                    "ask.html",
                    404,
                    q=q,
                    error=f"No repository {name} here: push it with `{PUSH_HINT}`.",
                )
            is_sha = 4 <= len(sha) <= 64 and all(c in "0123456789abcdef" for c in sha)
            found = (
                s.execute(
                    select(CommitRecord.record)
                    .where(CommitRecord.repo_id == row.id, CommitRecord.sha.startswith(sha))
                    .limit(2)
                )
                .scalars()
                .all()
                if is_sha
                else []
            )
            clone = row.path
        if is_sha:
            if len(found) != 1:
                error = (
                    f"No such pushed commit in {name}."
                    if not found
                    else "That prefix names several commits."
                )
                return _render(request, "ask.html", 404, q=q, error=error)
            return _render(request, "ask.html", q=q, answer=_summary(found[0]))
        if ":" not in target:
            return _render(
                request, "ask.html", 400, q=q, error="Ask as ORG/NAME:SHA or ORG/NAME:FILE:LINE."
            )
        if not clone:
            return _render(
                request,
                "ask.html",
                409,
                q=q,
                error=f"{name} has no clone on this server: a file:line question reads its "
                f"blame. Ask for a commit, or run `signoff server repo add {name} --path CLONE`.",
            )
        from signoff.git.repo import Repo
        from signoff.query.explain import explain

        try:
            doc = explain(Repo.discover(clone), target).to_json()
        except SignoffError as exc:
            return _render(request, "ask.html", 400, q=q, error=exc.message)
        commits = {c["commit"]: _summary(c) for c in doc.get("commits") or []}
        lines = [
            {
                "line": ln.get("line"),
                "content": ln.get("content"),
                "kind": ln.get("line_kind") or ln.get("author"),
                "commit": commits.get(ln.get("commit") or ""),
                "sha": ln.get("commit"),
            }
            for ln in doc.get("lines") or []
        ]
        return _render(request, "ask.html", q=q, name=name, lines=lines)


def _traced(clone: str, record: dict[str, Any]) -> tuple[dict[str, Any] | None, str | None]:
    """`signoff incident postmortem --json` for the pushed record, traced in the server's clone:
    the control that let the change through, every gap, and the actions with their owner."""
    from pydantic import ValidationError

    from signoff.git.repo import Repo
    from signoff.incidents.model import Incident
    from signoff.incidents.postmortem import postmortem_json
    from signoff.incidents.trace import trace

    try:
        incident = Incident.model_validate(record)
        return postmortem_json(trace(Repo.discover(clone), incident)), None
    except ValidationError:
        return None, "the pushed incident record does not validate, so it cannot be traced"
    except SignoffError as exc:
        return None, f"tracing in the clone failed: {exc.message}"


def _summary(record: dict[str, Any]) -> dict[str, Any]:
    prov = record.get("provenance") or {}
    accepted = prov.get("accepted_by") or {}
    owners = (record.get("ownership") or {}).get("owners") or []
    names = sorted({str(o.get("accountable")) for o in owners if o.get("accountable")})
    tools = prov.get("tools") or []
    sha = str(record.get("commit", ""))
    review = record.get("review") or {}
    return {
        "sha": sha,
        "short": sha[:10],
        "date": str(record.get("commit_date") or "")[:10],
        "subject": record.get("subject", ""),
        "status": prov.get("status", "unknown"),
        "reason": prov.get("reason", ""),
        "tools": tools,
        "tool_names": ", ".join(
            dict.fromkeys(str(t.get("tool")) for t in tools if isinstance(t, dict))
        ),
        "accepted_by": _person(accepted),
        # where the accepter came from (trailer, note, committer, co-author, author), as explain says
        "accepted_by_source": prov.get("accepted_by_source"),
        "accountable": ", ".join(names),
        "reviews": [
            f"{t.get('kind')}: {(t.get('person') or {}).get('name') or ''}"
            for t in review.get("trailers") or []
        ],
        "merge": _merged(review.get("merge")),
        "workflows": ", ".join(str(o.get("workflow")) for o in owners if o.get("workflow")),
    }


def _person(person: dict[str, Any] | None) -> str:
    """`Name <email>`, as git and `signoff explain` write a person."""
    p = person or {}
    return " ".join(x for x in (p.get("name"), f"<{p['email']}>" if p.get("email") else None) if x)


def _merged(merge: dict[str, Any] | None) -> str | None:
    """How the commit reached the branch, worded as `signoff explain` words it."""
    if not merge:
        return None
    how = f"pull request {merge['pull_request']}" if merge.get("pull_request") else "merge"
    return (
        f"{how} in {str(merge.get('commit') or '')[:10]} by {_person(merge.get('merged_by'))} "
        f"at {merge.get('merged_at')}"
    )


def _pct(value: float | None) -> str:
    return "n/a" if value is None else f"{100 * value:.0f}%"


def repos_table(repos: list[dict[str, Any]]) -> Table:
    return Table(
        "repos",
        "Repositories: the audit's figures over their pushed history",
        [
            Column("name", "Repository", link="href"),
            Column("commits", "Commits pushed", numeric=True),
            Column("changes", "Changes on the branch", numeric=True),
            Column("ai_changes", "AI-assisted changes", numeric=True),
            Column("unknown", "Undetermined changes", numeric=True),
            TRACEABILITY,
            ATTRIBUTION,
            AI_LINES,
            UNRECORDED_LINES,
            Column("capture_line_share", "Capture coverage (lines)", numeric=True),
            Column("incidents", "Incidents", numeric=True),
            Column("policy", "Policy"),
        ],
        repos,
        empty=f"Nothing pushed yet: run `{PUSH_HINT}` in a repository (its CI job).",
    )


def overview_tables(data: dict[str, Any]) -> list[Table]:
    share = data["share"]
    share_cols = [
        Column("month", "Month"),
        Column("changes", "Changes", numeric=True),
        Column("ai_changes", "AI-assisted changes", numeric=True),
        Column("ai_share", "AI share", numeric=True, pct=True),
    ] + [Column(f"tool:{t}", f"Share with {t}", numeric=True, pct=True) for t in share["tools"]]
    return [
        Table("share", "AI share by month and tool", share_cols, share["rows"]),
        Table(
            "clarity",
            "Traceability coverage and attribution clarity by repository",
            [
                Column("name", "Repository", link="href"),
                Column("changes", "Changes", numeric=True),
                TRACEABILITY,
                Column("ai_changes", "AI-assisted changes", numeric=True),
                ATTRIBUTION,
            ],
            data["repos"],
        ),
        Table(
            "review",
            "Review depth by tier",
            [
                Column("tier", "Tier"),
                Column("changes", "Changes", numeric=True),
                Column("median_approvals", "Median approvals", numeric=True),
                Column("approvals_met", "Required approvals met", numeric=True, pct=True),
                Column("approvals_met_of", "Met / required"),
                Column("roles_met", "Required roles met", numeric=True, pct=True),
                Column("roles_met_of", "Roles met / required"),
            ],
            data["review"],
        ),
        Table(
            "capture",
            "Capture coverage by repository (the two line measures, never added)",
            [
                Column("name", "Repository", link="href"),
                Column("ai_lines", "AI-attributed lines (line record)", numeric=True),
                UNRECORDED_LINES,
                Column(
                    "capture_commit_share", "AI commits with a line record", numeric=True, pct=True
                ),
                Column(
                    "capture_line_share",
                    "Lines of AI commits under a line record",
                    numeric=True,
                    pct=True,
                ),
            ],
            data["repos"],
        ),
    ]


def charts(data: dict[str, Any]) -> dict[str, str]:
    """The overview's charts as inline SVG (`audit.svg`, which escapes every label)."""
    share = data["share"]
    series = ["All AI-assisted", *share["shown"]]
    by_month = [
        (r["month"], [r["ai_share"], *(r.get(f"tool:{t}") for t in share["shown"])])
        for r in share["rows"]
    ]
    repos = data["repos"]
    return {
        "share": svg.grouped_bars(by_month, series, title="AI share of changes by month and tool"),
        "clarity": svg.grouped_bars(
            [(r["name"], [r["traceability"], r["attribution"]]) for r in repos],
            ["Traceability coverage", "Attribution clarity"],
            title="Traceability coverage and attribution clarity by repository",
        ),
        "review": svg.grouped_bars(
            [
                (r["tier"], [r["approvals_met"], r["roles_met"]])
                for r in data["review"]
                if r["changes"]
            ],
            ["Required approvals met", "Required reviewer roles met"],
            title="Review depth by tier",
        ),
        "capture": svg.count_bars(
            [(r["name"], [r["ai_lines"], r["unrecorded_lines"]]) for r in repos],
            [
                "AI-attributed lines (line record)",
                "Lines in AI-assisted commits without a line record",
            ],
            title="The two line measures by repository",
        ),
    }
