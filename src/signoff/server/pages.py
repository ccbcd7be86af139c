"""Server-rendered pages (Jinja2, autoescaped; no JavaScript): overview, repository, and the
box that answers the four questions for a commit.

Pages need a read token like the API; the sign-in form keeps it in an HttpOnly, SameSite=Lax
cookie. Every value shown comes from the stored `signoff export` rows, and user text (subjects,
names) is escaped by the template engine, so markup in a commit message stays text.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

from fastapi import FastAPI, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from jinja2 import Environment, FileSystemLoader, select_autoescape
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from signoff.provenance.model import AI_STATUSES
from signoff.store.ingest import repository
from signoff.store.models import CommitRecord, Incident, Repository
from signoff.store.tokens import Grant, authenticate

COOKIE = "signoff_token"
_ENV = Environment(
    loader=FileSystemLoader(Path(__file__).with_name("templates")),
    autoescape=select_autoescape(["html"]),
)


def _render(template: str, status: int = 200, **context: Any) -> HTMLResponse:
    html = _ENV.get_template(template).render(**context)
    return HTMLResponse(
        html,
        status_code=status,
        headers={
            "Content-Security-Policy": "default-src 'none'; style-src 'unsafe-inline'; "
            "form-action 'self'",
            "X-Content-Type-Options": "nosniff",
        },
    )


def add_pages(app: FastAPI) -> None:
    def store_of(request: Request) -> Any:
        return request.app.state.settings.store

    def viewer(request: Request) -> Grant | None:
        secret = request.cookies.get(COOKIE)
        if not secret:
            return None
        with store_of(request).transaction() as s:
            grant = authenticate(s, secret)
        return grant if grant is not None and grant.scopes & {"read", "admin"} else None

    def login_first() -> Response:
        return RedirectResponse("/login", status_code=303)

    @app.get("/login", include_in_schema=False)
    def login_page() -> HTMLResponse:
        return _render("login.html")

    @app.post("/login", include_in_schema=False)
    def login(request: Request, token: Annotated[str, Form()]) -> Response:
        with store_of(request).transaction() as s:
            grant = authenticate(s, token.strip())
        if grant is None or not grant.scopes & {"read", "admin"}:
            return _render(
                "login.html", 401, error="That token is unknown, revoked or cannot read."
            )
        resp = RedirectResponse("/", status_code=303)
        # Lax: sent on top-level navigation to the pages (GET only; every write is an API call
        # with a bearer token, so the cookie can never cause one)
        resp.set_cookie(COOKIE, token.strip(), httponly=True, samesite="lax", max_age=8 * 3600)
        return resp

    @app.get("/", include_in_schema=False)
    def overview(request: Request) -> Response:
        g = viewer(request)
        if g is None:
            return login_first()
        with store_of(request).transaction() as s:
            repos = [r for r in _overview(s) if g.allows("read", r["name"])]
        return _render("overview.html", repos=repos)

    @app.get("/repos/{name:path}", include_in_schema=False)
    def repo_page(name: str, request: Request) -> Response:
        g = viewer(request)
        if g is None:
            return login_first()
        if not g.allows("read", name):
            return _render("ask.html", 403, q="", error=f"This token may not read {name}.")
        with store_of(request).transaction() as s:
            row = repository(s, name, create=False)
            if row is None:
                return _render("ask.html", 404, q="", error=f"No repository {name} here.")
            records = s.execute(
                select(CommitRecord.record)
                .where(CommitRecord.repo_id == row.id)
                .order_by(CommitRecord.committed_at.desc())
                .limit(200)
            ).scalars()
            commits = [_summary(r) for r in records]
        return _render("repo.html", name=name, commits=commits)

    @app.get("/ask", include_in_schema=False)
    def ask(request: Request, q: str = "") -> Response:
        g = viewer(request)
        if g is None:
            return login_first()
        if not q:
            return _render("ask.html", q="")
        name, _, sha = q.rpartition(":")
        sha = sha.strip().lower()
        if not name or not 4 <= len(sha) <= 64 or any(c not in "0123456789abcdef" for c in sha):
            return _render("ask.html", 400, q=q, error="Ask as ORG/NAME:SHA.")
        if not g.allows("read", name):
            return _render("ask.html", 403, q=q, error=f"This token may not read {name}.")
        with store_of(request).transaction() as s:
            row = repository(s, name, create=False)
            found = (
                s.execute(
                    select(CommitRecord.record)
                    .where(CommitRecord.repo_id == row.id, CommitRecord.sha.startswith(sha))
                    .limit(2)
                )
                .scalars()
                .all()
                if row is not None
                else []
            )
        if len(found) != 1:
            error = "No such pushed commit." if not found else "That prefix names several commits."
            return _render("ask.html", 404, q=q, error=error)
        return _render("ask.html", q=q, answer=_summary(found[0]))


def _summary(record: dict[str, Any]) -> dict[str, Any]:
    prov = record.get("provenance") or {}
    accepted = prov.get("accepted_by") or {}
    owners = (record.get("ownership") or {}).get("owners") or []
    names = sorted({str(o.get("accountable")) for o in owners if o.get("accountable")})
    return {
        "sha": record.get("commit", ""),
        "subject": record.get("subject", ""),
        "status": prov.get("status", "unknown"),
        "reason": prov.get("reason", ""),
        "tools": prov.get("tools") or [],
        "accepted_by": " ".join(
            x
            for x in (
                accepted.get("name"),
                f"<{accepted['email']}>" if accepted.get("email") else None,
            )
            if x
        ),
        "accountable": ", ".join(names),
    }


def _overview(s: Session) -> list[dict[str, Any]]:
    rows = s.execute(
        select(
            Repository.name,
            func.count(CommitRecord.id),
            func.sum(CommitRecord.ai_lines),
            func.sum(CommitRecord.unrecorded_lines),
        )
        .outerjoin(CommitRecord, CommitRecord.repo_id == Repository.id)
        .group_by(Repository.name)
        .order_by(Repository.name)
    ).all()
    by_status: dict[str, dict[str, int]] = {}
    for name, status, count in s.execute(
        select(Repository.name, CommitRecord.ai_status, func.count())
        .join(CommitRecord, CommitRecord.repo_id == Repository.id)
        .group_by(Repository.name, CommitRecord.ai_status)
    ).all():
        by_status.setdefault(name, {})[status] = count
    incidents = dict(
        s.execute(
            select(Repository.name, func.count(Incident.id))
            .join(Incident, Incident.repo_id == Repository.id)
            .group_by(Repository.name)
        ).all()
    )
    out = []
    for name, commits, ai_lines, unrecorded in rows:
        statuses = by_status.get(name, {})
        out.append(
            {
                "name": name,
                "commits": commits,
                "ai_commits": sum(v for k, v in statuses.items() if k in AI_STATUSES),
                "unknown": statuses.get("unknown", 0),
                "ai_lines": int(ai_lines or 0),
                "unrecorded_lines": int(unrecorded or 0),
                "incidents": incidents.get(name, 0),
            }
        )
    return out
