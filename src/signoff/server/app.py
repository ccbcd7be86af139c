"""The web application (`signoff serve`): JSON API, forge webhooks and pages over the store.

Stateless: everything lives in the database, so several processes can serve one PostgreSQL.
Answers come from the library the CLI calls: stored commit records are `signoff export` rows,
the review bundle is parsed by the gate's own forge reader, and for a repository with a clone on
the server's disk, explain / owners / stats / budget call the same functions as the commands.
"""

from __future__ import annotations

import json
import re
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from typing import Annotated, Any

from fastapi import Depends, FastAPI, Header, HTTPException, Path, Query, Request
from fastapi.responses import JSONResponse, Response
from sqlalchemy import func, select
from sqlalchemy.orm import Session
from starlette.concurrency import run_in_threadpool
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.routing import BaseRoute, Match

from signoff import __version__
from signoff.errors import SignoffError
from signoff.provenance.model import AI_STATUSES
from signoff.store import auditlog
from signoff.store.db import Store
from signoff.store.ingest import RefMoved, apply_push, ref_updates, refs_of, repository
from signoff.store.models import BudgetState, CommitRecord, Incident, Repository
from signoff.store.tokens import Grant, authenticate

API = "/api/v1"


@dataclass
class Settings:
    store: Store
    webhook_secret: str | None = None
    run_jobs: bool = False  # a job worker thread in this process, for the app's lifetime


def _problem(status: int, message: str, hint: str | None = None) -> HTTPException:
    return HTTPException(status, {"message": message, "hint": hint})


def _session(request: Request) -> Iterator[Session]:
    """One transaction per request: committed when the answer is built, rolled back on error;
    read-only for GET (so on SQLite a read never waits for a push, nor holds one up).

    Scoped to the route function, so the commit happens before the answer is sent: a client
    that got 200 or 202 reads its own write, and a commit that fails is an error, not a
    success already sent (FastAPI's default runs a dependency's exit after the response)."""
    store = request.app.state.settings.store
    with store.read() if request.method in ("GET", "HEAD") else store.transaction() as s:
        yield s


Db = Annotated[Session, Depends(_session, scope="function")]


def _grant(request: Request, authorization: Annotated[str | None, Header()] = None) -> Grant:
    """The token's grant, read in a short read-only transaction of its own."""
    scheme, _, secret = (authorization or "").partition(" ")
    if scheme.lower() != "bearer" or not secret:
        raise _problem(401, "a token is required", "send Authorization: Bearer TOKEN")
    with request.app.state.settings.store.read() as s:
        found = authenticate(s, secret.strip())
    if found is None:
        raise _problem(401, "unknown or revoked token")
    return found


Auth = Annotated[Grant, Depends(_grant)]
RepoName = Annotated[
    str, Path(description="The repository, ORG/NAME as the forge names it", examples=["org/app"])
]
_COMMIT_ID = re.compile(r"^[0-9a-fA-F]{4,64}$")
CommitId = Annotated[str, Path(description="A commit id or its prefix", pattern=_COMMIT_ID.pattern)]
PullNumber = Annotated[
    int, Path(description="The pull or merge request's number", ge=1, le=2**31 - 1)
]
JobId = Annotated[int, Path(ge=1, le=2**63 - 1)]
_DAY = r"^[1-9][0-9]{3}-(0[1-9]|1[0-2])-(0[1-9]|[12][0-9]|3[01])(T([01][0-9]|2[0-3]):[0-5][0-9]:[0-5][0-9]Z)?$"
Day = Annotated[str, Query(description="YYYY-MM-DD (or YYYY-MM-DDTHH:MM:SSZ)", pattern=_DAY)]


def create_app(settings: Settings) -> FastAPI:
    """The application over `settings.store` (whose schema the caller has checked)."""

    @asynccontextmanager
    async def lifespan(_app: FastAPI) -> AsyncIterator[None]:
        if not settings.run_jobs:
            yield
            return
        from signoff.server.work import background_worker

        with background_worker(settings.store):
            yield

    app = FastAPI(
        lifespan=lifespan,
        title="Signoff",
        version=__version__,
        description="Provenance, review evidence and ownership of AI-assisted code across an "
        "organisation's repositories.",
    )
    app.state.settings = settings

    def allow(g: Grant, scope: str, name: str | None) -> None:
        if not g.allows(scope, name):
            what = f"repository {name}" if name else "the whole organisation"
            raise _problem(403, f"this token may not {scope} {what}")

    def repo_row(s: Session, name: str) -> Repository:
        row = repository(s, name, create=False)
        if row is None:
            raise _problem(404, f"no repository {name} on this server", "push it first")
        return row

    @app.exception_handler(StarletteHTTPException)
    def _http_error(request: Request, exc: StarletteHTTPException) -> Response:
        """Every error in one shape, {"detail": {"message", "hint"}}: also the router's own
        (an unknown path, a wrong method), whose detail is only a phrase."""
        detail: Any = exc.detail
        if not isinstance(detail, dict):
            detail = {"message": str(detail), "hint": None}
        headers = dict(exc.headers or {})
        if exc.status_code == 405:  # the router names one route's methods; a path has several
            headers["Allow"] = ", ".join(
                sorted(
                    {
                        m
                        for r in request.app.routes
                        if isinstance(r, BaseRoute) and r.matches(request.scope)[0] != Match.NONE
                        for m in getattr(r, "methods", None) or ()
                    }
                )
            )
        return JSONResponse({"detail": detail}, status_code=exc.status_code, headers=headers)

    @app.exception_handler(SignoffError)
    def _signoff_error(_request: Request, exc: SignoffError) -> JSONResponse:
        status = 409 if isinstance(exc, RefMoved) else 400
        return JSONResponse(
            {"detail": {"message": exc.message, "hint": exc.hint}}, status_code=status
        )

    @app.get("/healthz", include_in_schema=False)
    def healthz() -> dict[str, str]:
        return {"status": "ok", "version": __version__}

    @app.get(f"{API}/repos", summary="Repositories this token may read")
    def list_repos(s: Db, g: Auth) -> dict[str, Any]:
        if not g.scopes & {"read", "admin"}:
            raise _problem(403, "this token may not read")
        rows = s.execute(select(Repository).order_by(Repository.name)).scalars()
        return {
            "repositories": [
                {"name": r.name, "created_at": r.created_at}
                for r in rows
                if g.repositories is None or r.name in g.repositories
            ]
        }

    @app.get(
        f"{API}/repos/{{name:path}}/refs",
        summary="Branch tips as last pushed, and the newest moves (rewrites marked)",
    )
    def get_refs(name: RepoName, s: Db, g: Auth) -> dict[str, Any]:
        if not (g.allows("ingest", name) or g.allows("read", name)):
            allow(g, "read", name)
        return {"repository": name, "refs": refs_of(s, name), "updates": ref_updates(s, name)}

    @app.post(f"{API}/repos/{{name:path}}/push", summary="Store one batch of `signoff push`")
    async def post_push(name: RepoName, g: Auth, request: Request) -> dict[str, Any]:
        allow(g, "ingest", name)
        # parsed with json, not validated field by field: a batch is thousands of records and
        # apply_push checks what it stores
        raw = await request.body()
        try:
            body = json.loads(raw, parse_constant=_not_json)
        except ValueError as exc:
            why = str(exc) if isinstance(exc, NotJSONError) else "the body is not JSON"
            raise _problem(400, why, "send a signoff/push/v1 document") from None
        if not isinstance(body, dict):
            raise _problem(400, "the body is not a JSON object", "send a signoff/push/v1 document")

        def write() -> dict[str, Any]:
            # one transaction, committed before the answer: the whole batch and its audit entry
            with settings.store.transaction() as s:
                return apply_push(s, g.actor, name, body).to_json()

        return await run_in_threadpool(write)

    @app.get(
        f"{API}/repos/{{name:path}}/pulls/{{number}}/review",
        summary="Stored review evidence of a pull request, in the forge's REST shape",
    )
    def get_review(name: RepoName, number: PullNumber, s: Db, g: Auth) -> dict[str, Any]:
        from signoff.server.webhooks import review_bundle

        allow(g, "read", name)
        bundle = review_bundle(s, repo_row(s, name).id, number)
        if bundle is None:
            raise _problem(
                404,
                f"no pull request {number} of {name} on this server",
                "configure the forge's webhook to send pull request and review events",
            )
        return bundle

    @app.get(f"{API}/repos/{{name:path}}/commits/{{sha}}", summary="A commit's stored record")
    def get_commit(name: RepoName, sha: CommitId, s: Db, g: Auth) -> dict[str, Any]:
        allow(g, "read", name)
        return {"commits": _stored_commits(s, repo_row(s, name).id, sha)}

    @app.get(
        f"{API}/repos/{{name:path}}/explain",
        summary="Explain a commit, range or file:line (as `signoff explain --json`)",
    )
    def get_explain(
        name: RepoName, s: Db, g: Auth, target: Annotated[str, Query(min_length=1)]
    ) -> dict[str, Any]:
        allow(g, "read", name)
        row = repo_row(s, name)
        if row.path:
            from signoff.git.repo import Repo
            from signoff.query.explain import explain

            return explain(Repo.discover(row.path), target).to_json()
        if not _COMMIT_ID.match(target):
            raise _problem(
                409,
                f"{name} has no clone on this server: files, lines, ranges and branch names "
                "need one",
                "ask for a commit id, or run `signoff server repo add NAME --path CLONE`",
            )
        return stored_explanation(target, _stored_commits(s, row.id, target))

    @app.get(f"{API}/repos/{{name:path}}/owners", summary="Owners of paths (as `signoff owners`)")
    def get_owners(
        name: RepoName, s: Db, g: Auth, path: Annotated[list[str], Query(min_length=1)]
    ) -> dict[str, Any]:
        allow(g, "read", name)
        row = repo_row(s, name)
        if not row.path:
            raise _problem(409, f"{name} has no clone on this server: owners need its policy")
        from signoff.git.repo import Repo
        from signoff.policy import load_policy, owners_for
        from signoff.policy.rules import today_utc

        when = today_utc()
        policy = load_policy(Repo.discover(row.path))
        answers = owners_for(policy, path, today=when)
        return {
            "as_of": when.isoformat(),
            "policy": {"file": policy.file, "rev": policy.rev},
            "paths": [a.to_json() for a in answers],
        }

    @app.get(f"{API}/repos/{{name:path}}/stats", summary="AI share and line measures")
    def get_stats(name: RepoName, s: Db, g: Auth) -> dict[str, Any]:
        allow(g, "read", name)
        row = repo_row(s, name)
        if row.path:
            from signoff.git.repo import Repo
            from signoff.query.stats import stats

            return stats(Repo.discover(row.path)).to_json()
        return stored_stats(s, row.id)

    @app.get(
        f"{API}/repos/{{name:path}}/decay",
        summary="Ownership decay as the decay job last computed it (as `signoff decay --json`)",
    )
    def get_decay(
        name: RepoName,
        s: Db,
        g: Auth,
        limit: Annotated[int, Query(ge=0, le=100_000, description="files listed")] = 50,
    ) -> dict[str, Any]:
        from signoff.server import decayed

        allow(g, "read", name)
        row = repo_row(s, name)
        if not row.path:
            raise _problem(
                409,
                f"decay of {name} needs a clone on the server (it reads blame)",
                f"signoff server repo add {name} --path CLONE",
            )
        doc = decayed.stored(s, [name]).get(name)
        fresh = decayed.freshness(s, [row], {name: doc} if doc else {}, queue=False)
        if doc is None or doc.get("error"):
            why = f"failed: {doc['error']}" if doc else "is not computed yet"
            raise _problem(
                409,
                f"the decay of {name} {why}",
                "the org.decay job computes it after a push or `signoff server repo add`"
                + (" (queued or running now): ask again shortly" if fresh.pending else ""),
            )
        return {
            **decayed.answer(doc, limit),
            "stale": name in fresh.stale,
            "pending": fresh.pending,
        }

    @app.get(f"{API}/repos/{{name:path}}/budget", summary="Error budgets as last pushed")
    def get_budget(name: RepoName, s: Db, g: Auth) -> dict[str, Any]:
        allow(g, "read", name)
        row = repo_row(s, name)
        state = s.execute(
            select(BudgetState)
            .where(BudgetState.repo_id == row.id)
            .order_by(BudgetState.id.desc())
            .limit(1)
        ).scalar_one_or_none()
        if state is None:
            return {"workflows": [], "as_of": None}
        return {**state.record, "as_of": state.pushed_at, "commit": state.sha}

    @app.get(f"{API}/repos/{{name:path}}/incidents", summary="Incident records as last pushed")
    def get_incidents(name: RepoName, s: Db, g: Auth) -> dict[str, Any]:
        allow(g, "read", name)
        row = repo_row(s, name)
        rows = s.execute(
            select(Incident).where(Incident.repo_id == row.id).order_by(Incident.incident_id)
        ).scalars()
        return {"incidents": [_incident_json(r.record) for r in rows]}

    @app.get(
        f"{API}/repos/{{name:path}}/audit-summary",
        summary="Audit summary for a period (as `signoff audit --json`)",
    )
    def get_audit_summary(
        name: RepoName,
        s: Db,
        g: Auth,
        since: Day,
        until: Day,
    ) -> dict[str, Any]:
        allow(g, "read", name)
        row = repo_row(s, name)
        if not row.path:
            raise _problem(409, f"{name} has no clone on this server: the audit reads its history")
        from signoff.audit.pack import AuditOptions, run_audit, summary
        from signoff.audit.period import parse_period
        from signoff.git.repo import Repo

        result = run_audit(Repo.discover(row.path), AuditOptions(parse_period(since, until)))
        return summary(result.report)

    @app.get(f"{API}/org/metrics", summary="The organisation's figures as a job last computed")
    def get_org_metrics(s: Db, g: Auth) -> dict[str, Any]:
        from signoff.store.organisation import latest_snapshot

        allow(g, "read", None)
        doc = latest_snapshot(s)
        if doc is None:
            raise _problem(
                404,
                "the organisation's figures have not been computed yet",
                f"POST {API}/org/metrics (admin) queues the job",
            )
        return doc

    @app.post(f"{API}/org/metrics", status_code=202, summary="Queue a recomputation")
    def post_org_metrics(s: Db, g: Auth) -> dict[str, Any]:
        from signoff.store.organisation import queue_recompute

        allow(g, "admin", None)
        return {"job": queue_recompute(s, g.actor)}

    @app.post(
        f"{API}/org/audit",
        status_code=202,
        summary="Queue the organisation's audit pack (as `signoff audit --server`)",
    )
    def post_org_audit(
        s: Db,
        g: Auth,
        since: Day,
        until: Day,
        branch: Annotated[str | None, Query(description="branch (default: last pushed)")] = None,
    ) -> dict[str, Any]:
        from signoff.audit.period import parse_period
        from signoff.server.work import AUDIT
        from signoff.store.jobs import enqueue

        allow(g, "read", None)
        parse_period(since, until)  # a bad date is refused now, not by the job
        payload = {"since": since, "until": until, "branch": branch}
        return {"job": enqueue(s, AUDIT, payload, requested_by=g.actor)}

    @app.get(f"{API}/jobs/{{job_id}}", summary="A queued job's state and result")
    def get_job(job_id: JobId, s: Db, g: Auth) -> dict[str, Any]:
        from signoff.store.jobs import status

        allow(g, "read", None)
        found = status(s, job_id)
        if found is None:
            raise _problem(404, f"no job {job_id}")
        return found

    @app.get(
        f"{API}/jobs/{{job_id}}/artifact",
        summary="The file a job built (an audit pack, gzipped tar)",
        response_class=Response,
    )
    def get_job_artifact(job_id: JobId, s: Db, g: Auth) -> Response:
        from signoff.store.jobs import artifact, status

        allow(g, "read", None)
        found = status(s, job_id)
        if found is None or found["status"] != "done":
            raise _problem(404, f"job {job_id} has built nothing yet", "wait until it is done")
        data = artifact(s, job_id)
        if data is None:
            raise _problem(404, f"job {job_id} builds no file")
        return Response(
            data,
            media_type="application/gzip",
            headers={"Content-Disposition": f'attachment; filename="signoff-job-{job_id}.tar.gz"'},
        )

    @app.get(f"{API}/audit/verify", summary="Check the server's hash-chained audit log")
    def get_audit_verify(s: Db, g: Auth) -> dict[str, Any]:
        allow(g, "admin", None)
        return auditlog.verify_chain(s).to_json()

    from signoff.server.hooks import add_webhooks

    add_webhooks(app, settings)
    from signoff.server.pages import add_pages

    add_pages(app)
    from signoff.server.openapi import install

    install(app)
    return app


def _stored_commits(s: Session, repo_id: int, sha: str) -> list[Any]:
    if not 4 <= len(sha) <= 64 or any(c not in "0123456789abcdef" for c in sha.lower()):
        raise _problem(400, f"{sha!r} is not a commit id", "give 4 to 64 hex digits")
    sha = sha.lower()
    query = select(CommitRecord.record).where(CommitRecord.repo_id == repo_id)
    if len(sha) in (40, 64):
        query = query.where(CommitRecord.sha == sha)  # the unique (repo_id, sha) index
    else:  # a prefix as a range, which the same index serves under any collation's LIKE rules
        query = query.where(CommitRecord.sha >= sha, CommitRecord.sha < sha + "g")
    rows = s.execute(query.limit(2)).scalars().all()
    if not rows:
        raise _problem(404, f"no pushed commit {sha}", "push the repository (`signoff push`)")
    if len(rows) > 1:
        raise _problem(400, f"{sha} names more than one commit", "give more digits")
    return list(rows)


def _incident_json(record: Any) -> Any:
    """A pushed incident record as `signoff incident show --json` gives it (the file's fields
    with their defaults); a record the model refuses is returned as pushed."""
    from pydantic import ValidationError

    from signoff.incidents.model import Incident as IncidentRecord

    try:
        parsed = IncidentRecord.model_validate(record)
    except ValidationError:
        return record
    return parsed.model_dump(mode="json", by_alias=True, exclude_none=True)


def stored_explanation(target: str, commits: list[dict[str, Any]]) -> dict[str, Any]:
    """`signoff explain --json SHA`'s document over the pushed record: the same commit object
    (provenance, review, line measures, ownership then and now as of the push) and summary;
    no blame lines, which need the clone."""
    from signoff.query.explain import summarise

    return {
        "target": {"kind": "commit", "text": target, "path": None, "start": None, "end": None},
        "summary": summarise(commits),
        "lines": [],
        "commits": commits,
        "shallow_boundary": [],
        "not_in_clone": [],
        "source": "pushed records",
    }


class NotJSONError(ValueError):
    """A constant Python's json reads but JSON has not (`NaN`, `Infinity`)."""


def _not_json(constant: str) -> None:
    """Refuse `NaN` and `Infinity`: PostgreSQL cannot store them, and SQLite's JSON functions
    fail on a row that holds them (a migration reading the records stopped there)."""
    raise NotJSONError(f"the body holds {constant}, which is not JSON")


def stored_stats(s: Session, repo_id: int) -> dict[str, Any]:
    """Counts over the pushed records as `signoff stats` counts them: merge commits apart
    (`merges_excluded`), the two line measures kept apart. A record that did not list its
    parents is counted as a commit and named in `merge_unknown`."""
    # one grouped query, answered from the (repo_id, ai_status, is_merge, ai_lines,
    # unrecorded_lines) index without reading the records
    by_status: dict[str, int] = {}
    ai_lines = unrecorded = merges = unknown = 0
    for status, is_merge, count, ai, unrec in s.execute(
        select(
            CommitRecord.ai_status,
            CommitRecord.is_merge,
            func.count(),
            func.sum(CommitRecord.ai_lines),
            func.sum(CommitRecord.unrecorded_lines),
        )
        .where(CommitRecord.repo_id == repo_id)
        .group_by(CommitRecord.ai_status, CommitRecord.is_merge)
    ).all():
        if is_merge:
            merges += int(count)
            continue
        if is_merge is None:
            unknown += int(count)
        by_status[status] = by_status.get(status, 0) + int(count)
        ai_lines += int(ai or 0)
        unrecorded += int(unrec or 0)
    commits = sum(by_status.values())
    ai_commits = sum(by_status.get(k, 0) for k in AI_STATUSES)
    return {
        "source": "pushed records",
        "commits": commits,
        "merges_excluded": merges,
        "merge_unknown": unknown,
        "by_status": by_status,
        "ai_commits": ai_commits,
        "ai_commit_share": round(ai_commits / commits, 4) if commits else None,
        "ai_attributed_lines": ai_lines,
        "ai_assisted_unrecorded_lines": unrecorded,
    }
