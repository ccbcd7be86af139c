"""The server on both engines over real HTTP: tokens, push, webhooks, the audit log, check."""

from __future__ import annotations

import hashlib
import hmac
import json
import subprocess
import sys
import threading
import time
import urllib.parse
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
import uvicorn
from sqlalchemy import func, select, text

from signoff.errors import SignoffError
from signoff.git.repo import Repo
from signoff.server.app import Settings, create_app
from signoff.server.client import Client, ServerError
from signoff.server.push import push
from signoff.server.reviews import fetch_review
from signoff.store import auditlog
from signoff.store.db import Store
from signoff.store.models import CommitRecord, RefUpdate
from signoff.store.tokens import create_token
from tests.gitrepo import GitRepo, run_signoff
from tests.serverdb import _free_port

SECRET = "webhook-secret"
AI = "Add parser\n\nAI-Assisted: claude-code/claude-sonnet-4\nAccepted-by: Ada Lovelace <ada@example.com>\n"


@dataclass
class Running:
    url: str
    store: Store
    database_url: str

    def token(self, scopes: list[str], repos: list[str] | None = None) -> str:
        with self.store.transaction() as s:
            secret, _ = create_token(s, "test", scopes, repos)
        return secret

    def count(self, model: Any) -> int:
        with self.store.transaction() as s:
            return int(s.execute(select(func.count()).select_from(model)).scalar_one())


@contextmanager
def serving(settings: Settings, wrap: Any = None) -> Iterator[str]:
    """`create_app` (inside `wrap`, an ASGI middleware, if given) served by uvicorn on a free
    port in this process; yields its address."""
    port = _free_port()
    app = create_app(settings) if wrap is None else wrap(create_app(settings))
    config = uvicorn.Config(app, host="127.0.0.1", port=port, log_level="error")
    srv = uvicorn.Server(config)
    thread = threading.Thread(target=srv.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 20
    while not srv.started:
        assert time.monotonic() < deadline, "the server did not start"
        time.sleep(0.02)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        srv.should_exit = True
        thread.join(10)


def test_a_write_is_committed_before_its_answer_is_sent(store: Store, database_url: str) -> None:
    """A 202 for a queued job means the job is stored: a client that asks for it at once
    finds it, and a commit that failed could not have been answered as a success."""
    from sqlalchemy import event
    from sqlalchemy.orm import Session as OrmSession

    commits: list[int] = []
    at_answer: list[int] = []
    finished = threading.Event()

    def counted(session: Any) -> None:
        commits.append(1)

    def wrap(app: Any) -> Any:
        async def watched(scope: Any, receive: Any, send: Any) -> None:
            async def sending(message: Any) -> None:
                if message["type"] == "http.response.start" and scope.get("method") == "POST":
                    at_answer.append(len(commits))
                await send(message)

            await app(scope, receive, sending)
            if scope["type"] == "http" and scope.get("method") == "POST":
                finished.set()

        return watched

    event.listen(OrmSession, "after_commit", counted)
    try:
        with serving(Settings(store, SECRET), wrap) as url:
            token = Running(url, store, database_url).token(["read"])
            query = urllib.parse.urlencode({"since": "2026-01-01", "until": "2026-01-31"})
            request = urllib.request.Request(
                f"{url}/api/v1/org/audit?{query}",
                method="POST",
                headers={"Authorization": f"Bearer {token}"},
            )
            with urllib.request.urlopen(request, timeout=30) as answer:
                assert answer.status == 202
                job = json.loads(answer.read())["job"]
            assert finished.wait(30)
    finally:
        event.remove(OrmSession, "after_commit", counted)
    assert at_answer and len(commits) == at_answer[0], "committed after the answer was sent"
    with store.transaction() as s:
        from signoff.store.jobs import status

        assert status(s, job) is not None


def _cli_json(repo: GitRepo, *args: str) -> Any:
    """A command's `--json` document without its schema name (what the API's answer holds)."""
    ran = run_signoff(repo, *args, "--json")
    assert ran.returncode == 0, ran.stderr
    doc = json.loads(ran.stdout)
    doc.pop("schema")
    return doc


@pytest.fixture
def server(store: Store, database_url: str) -> Iterator[Running]:
    with serving(Settings(store, SECRET)) as url:
        yield Running(url, store, database_url)


def _history(repo: GitRepo, n: int = 3) -> list[str]:
    shas = [repo.commit("init", {"README.md": "hello\n"})]
    for i in range(n - 1):
        message = AI if i % 2 == 0 else f"Human change {i}"
        shas.append(repo.commit(message, {f"src/m{i}.py": f"x = {i}\n" * (i + 1)}))
    return shas


def _post(url: str, body: bytes, headers: dict[str, str]) -> tuple[int, Any]:
    req = urllib.request.Request(url, data=body, method="POST", headers=headers)
    try:
        with urllib.request.urlopen(req) as resp:
            return resp.status, json.loads(resp.read())
    except urllib.error.HTTPError as exc:
        return exc.code, json.loads(exc.read() or b"null")


# --- tokens ------------------------------------------------------------------------------


def test_requests_without_a_good_token_are_refused(server: Running) -> None:
    with pytest.raises(ServerError) as err:
        Client(server.url, token="").get("/api/v1/repos")
    assert err.value.status == 401
    with pytest.raises(ServerError) as err:
        Client(server.url, token="signoff_nope").get("/api/v1/repos")
    assert err.value.status == 401


def test_a_token_for_one_repository_cannot_touch_another(server: Running, repo: GitRepo) -> None:
    _history(repo)
    token = server.token(["ingest", "read"], ["org/a"])
    client = Client(server.url, token=token)
    push(Repo.discover(repo.path), client, "org/a")
    with pytest.raises(ServerError) as err:
        push(Repo.discover(repo.path), client, "org/b")
    assert err.value.status == 403 and "org/b" in err.value.message
    with pytest.raises(ServerError) as err:
        client.get("/api/v1/repos/org/b/stats")
    assert err.value.status == 403
    assert client.get("/api/v1/repos/org/a/stats")["commits"] == 3
    reader = Client(server.url, token=server.token(["read"], ["org/a"]))
    with pytest.raises(ServerError) as err:  # read scope cannot ingest
        push(Repo.discover(repo.path), reader, "org/a")
    assert err.value.status == 403
    with pytest.raises(ServerError) as err:  # not admin: no audit verification
        client.get("/api/v1/audit/verify")
    assert err.value.status == 403


# --- push --------------------------------------------------------------------------------


def test_push_is_incremental_and_idempotent(server: Running, repo: GitRepo) -> None:
    shas = _history(repo, 4)
    client = Client(server.url, token=server.token(["ingest", "read"]))
    r = Repo.discover(repo.path)
    first = push(r, client, "org/a", batch_size=2)
    assert first.sent == 4 and first.batches == 2 and first.stored["commits"] == 4
    again = push(r, client, "org/a")
    assert again.sent == 0 and again.stored.get("commits", 0) == 0
    assert server.count(CommitRecord) == 4
    new = repo.commit(AI, {"src/new.py": "y = 1\n"})
    third = push(r, client, "org/a")
    assert third.sent == 1 and third.stored["commits"] == 1
    record = client.get(f"/api/v1/repos/org/a/commits/{new[:10]}")["commits"][0]
    assert record["commit"] == new
    assert record["provenance"]["status"] != "human"
    assert record["provenance"]["tools"][0]["tool"] == "claude-code"
    stats = client.get("/api/v1/repos/org/a/stats")
    assert stats["commits"] == 5
    assert (
        client.get(f"/api/v1/repos/org/a/explain?target={shas[0]}")["commits"][0]["commit"]
        == shas[0]
    )
    with pytest.raises(ServerError) as err:  # no clone on the server: file:line cannot answer
        client.get("/api/v1/repos/org/a/explain?target=README.md:1")
    assert err.value.status == 409
    with server.store.transaction() as s:
        assert auditlog.verify_chain(s).ok
        pushes = s.execute(text("SELECT count(*) FROM audit_log WHERE action = 'push'")).scalar()
    # one entry per request that stored something: 2 + 1 (ref moved), none for the repeat, 1 + 1
    assert pushes == 5


def test_rewritten_branch_is_recorded(server: Running, repo: GitRepo) -> None:
    _history(repo, 3)
    client = Client(server.url, token=server.token(["ingest"]))
    r = Repo.discover(repo.path)
    push(r, client, "org/a")
    repo.git("reset", "-q", "--hard", "HEAD~1")
    repo.commit("Rewritten", {"other.txt": "z\n"})
    result = push(r, client, "org/a")
    assert result.rewritten
    assert result.sent == 1  # only what the old tip cannot reach: the rest is stored
    with server.store.transaction() as s:
        updates = s.execute(select(RefUpdate).order_by(RefUpdate.id)).scalars().all()
    assert [u.rewritten for u in updates] == [False, True]
    shown = Client(server.url, token=server.token(["read"])).get("/api/v1/repos/org/a/refs")
    assert [u["rewritten"] for u in shown["updates"]] == [True, False]  # newest first
    assert shown["updates"][0]["new_tip"] == shown["refs"]["refs/heads/main"]
    assert server.count(CommitRecord) == 4  # the old tip's record stays


def test_an_interrupted_push_leaves_nothing_half_written(server: Running, repo: GitRepo) -> None:
    _history(repo, 3)
    token = server.token(["ingest"])
    client = Client(server.url, token=token)
    r = Repo.discover(repo.path)
    from signoff.query.export import export_rows

    rows = list(export_rows(r))
    rows[-1] = {**rows[-1], "commit": None}  # the batch's last record is broken
    with pytest.raises(ServerError) as err:
        client.post(
            "/api/v1/repos/org/a/push",
            {"schema": "signoff/push/v1", "commits": rows, "final": False},
        )
    assert err.value.status == 400
    assert server.count(CommitRecord) == 0  # the good records of that batch were not kept
    push(r, client, "org/a")
    assert server.count(CommitRecord) == 3


def test_a_push_with_nan_or_infinity_is_refused_not_stored(server: Running, repo: GitRepo) -> None:
    """Python's json reads `NaN` and `Infinity`, which are not JSON: PostgreSQL refuses them
    (a traceback, 500) and SQLite stores them, where its JSON functions later fail on the row
    (migration 0004's fill stopped on it). The push says which and stores nothing."""
    _history(repo, 2)
    from signoff.query.export import export_rows

    rows = list(export_rows(Repo.discover(repo.path)))
    for bad in ("NaN", "Infinity", "-Infinity"):
        stored = [{**rows[0], "lines": {**rows[0]["lines"], "added": float(bad)}}, *rows[1:]]
        body = json.dumps({"schema": "signoff/push/v1", "commits": stored, "final": True})
        assert bad in body
        status, answer = _post(
            f"{server.url}/api/v1/repos/org/a/push",
            body.encode(),
            {
                "Authorization": f"Bearer {server.token(['ingest'])}",
                "Content-Type": "application/json",
            },
        )
        assert status == 400, answer
        assert bad in json.dumps(answer)
    assert server.count(CommitRecord) == 0


def test_two_processes_pushing_the_same_repository(server: Running, repo: GitRepo) -> None:
    _history(repo, 30)
    token = server.token(["ingest"])
    env = {"SIGNOFF_TOKEN": token}
    args = [
        sys.executable, "-m", "signoff", "push", "--server", server.url,
        "--repository", "org/a", "--batch-size", "7",
    ]  # fmt: skip
    procs = [
        subprocess.Popen(
            args,
            cwd=repo.path,
            env={**repo.env, **env},
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for _ in range(2)
    ]
    outs = [p.communicate(timeout=300) for p in procs]
    for p, (_out, err) in zip(procs, outs, strict=True):
        assert p.returncode in (0, 2), err
        if p.returncode == 2:  # lost the race for the ref: told to push again
            assert "push` again" in err
    assert server.count(CommitRecord) == 30
    again = run_signoff(repo, "push", "--server", server.url, "--repository", "org/a", env=env)
    assert again.returncode == 0, again.stderr
    assert "30" not in again.stdout.split("sent")[0].split(":")[-1]
    assert server.count(CommitRecord) == 30
    with server.store.transaction() as s:
        assert auditlog.verify_chain(s).ok
        moves = s.execute(select(RefUpdate)).scalars().all()
    assert len(moves) == 1


# --- webhooks and the gate ------------------------------------------------------------------


def _github(server: Running, event: str, payload: dict[str, Any], delivery: str, **kw: str) -> Any:
    body = json.dumps(payload).encode()
    sig = kw.get("sig") or "sha256=" + hmac.new(SECRET.encode(), body, hashlib.sha256).hexdigest()
    return _post(
        f"{server.url}/webhooks/github",
        body,
        {
            "X-GitHub-Event": event,
            "X-GitHub-Delivery": delivery,
            "X-Hub-Signature-256": sig,
            "Content-Type": "application/json",
        },
    )


def _pull(head: str, author: str = "ada") -> dict[str, Any]:
    return {
        "number": 7,
        "title": "Add parser",
        "state": "open",
        "user": {"login": author, "type": "User"},
        "head": {"sha": head, "ref": "feature"},
        "base": {"sha": "0" * 40, "ref": "main", "repo": {"full_name": "org/a"}},
    }


def test_github_webhooks_signed_once_and_read_by_the_gate(server: Running) -> None:
    head = "a" * 40
    repo_obj = {"full_name": "org/a"}
    opened = {"action": "opened", "pull_request": _pull(head), "repository": repo_obj, "sender": {"login": "ada"}}  # fmt: skip
    assert _github(server, "pull_request", opened, "d1")[1]["outcome"] == "stored"
    status, body = _github(server, "pull_request", opened, "d1")
    assert status == 200 and body["outcome"].startswith("duplicate")
    status, body = _github(server, "pull_request", opened, "d1-replayed")  # same body, new id
    assert body["outcome"].startswith("duplicate")
    assert _github(server, "pull_request", opened, "d2", sig="sha256=" + "0" * 64)[0] == 401
    assert _github(server, "pull_request", {**opened, "x": 1}, "d3", sig="sha1=abc")[0] == 401
    review = {
        "id": 99, "state": "approved", "commit_id": head,
        "submitted_at": "2026-01-02T00:00:00Z", "user": {"login": "grace", "type": "User"},
    }  # fmt: skip
    reviewed = {**opened, "action": "submitted", "review": review}
    assert _github(server, "pull_request_review", reviewed, "d4")[1]["outcome"] == "stored"
    assert _github(server, "check_run", {"repository": repo_obj}, "d5")[1]["outcome"].startswith(
        "ignored"
    )
    pushed = {"ref": "refs/heads/main", "before": "b" * 40, "after": "c" * 40, "forced": True, "repository": repo_obj}  # fmt: skip
    assert _github(server, "push", pushed, "d6")[1]["outcome"] == "stored"
    client = Client(server.url, token=server.token(["read"], ["org/a"]))
    bundle = client.get("/api/v1/repos/org/a/pulls/7/review")
    from signoff.review.forge import parse_forge_documents

    parsed = parse_forge_documents([("server", bundle)])
    assert parsed.head_sha == head
    assert [a.reviewer.login for a in parsed.current_approvals()] == ["grace"]
    with server.store.transaction() as s:
        report = auditlog.verify_chain(s)
    assert report.ok and report.checked == 4  # opened, reviewed, push, the token: one per write


def test_gitlab_merge_request_approvals(server: Running) -> None:
    def send(payload: dict[str, Any], uuid: str, token: str = SECRET) -> Any:
        return _post(
            f"{server.url}/webhooks/gitlab",
            json.dumps(payload).encode(),
            {"X-Gitlab-Token": token, "X-Gitlab-Event-UUID": uuid, "X-Gitlab-Event": "Merge Request Hook"},
        )  # fmt: skip

    head = "d" * 40
    base = {
        "object_kind": "merge_request",
        "project": {"path_with_namespace": "grp/svc"},
        "object_attributes": {
            "iid": 3,
            "action": "open",
            "last_commit": {"id": head},
            "title": "T",
            "source_branch": "f",
            "target_branch": "main",
            "updated_at": "2026-01-02T00:00:00Z",
        },
        "user": {"username": "ada", "name": "Ada"},
    }
    assert send(base, "u1")[1]["outcome"] == "stored"
    assert send(base, "u2", token="wrong")[0] == 401
    approved = {**base, "object_attributes": {**base["object_attributes"], "action": "approved"}, "user": {"username": "grace", "name": "Grace"}}  # fmt: skip
    assert send(approved, "u3")[1]["outcome"] == "stored"
    assert send(approved, "u3")[1]["outcome"].startswith("duplicate")
    client = Client(server.url, token=server.token(["read"]))
    from signoff.review.forge import parse_forge_documents

    parsed = parse_forge_documents([("server", client.get("/api/v1/repos/grp/svc/pulls/3/review"))])
    assert parsed.forge == "gitlab" and parsed.head_sha == head
    assert [a.reviewer.login for a in parsed.approvals] == ["grace"]
    assert parsed.author is not None and parsed.author.login == "ada"
    unapproved = {**approved, "object_attributes": {**approved["object_attributes"], "action": "unapproved", "updated_at": "2026-01-03T00:00:00Z"}}  # fmt: skip
    assert send(unapproved, "u4")[1]["outcome"] == "stored"
    parsed = parse_forge_documents([("server", client.get("/api/v1/repos/grp/svc/pulls/3/review"))])
    assert parsed.approvals == []


def test_webhooks_need_a_configured_secret(store: Store) -> None:
    with serving(Settings(store, None)) as url:
        status, body = _post(f"{url}/webhooks/github", b"{}", {"X-GitHub-Event": "push"})
    assert status == 503 and "SIGNOFF_WEBHOOK_SECRET" in body["detail"]["hint"]


# --- the audit log through the CLI --------------------------------------------------------


def test_verify_server_detects_an_edited_row(server: Running, repo: GitRepo) -> None:
    _history(repo, 2)
    push(Repo.discover(repo.path), Client(server.url, token=server.token(["ingest"])), "org/a")
    admin = server.token(["admin"])
    ok = run_signoff(repo, "verify", "--server", server.url, env={"SIGNOFF_TOKEN": admin})
    assert ok.returncode == 0, ok.stderr
    with server.store.engine.begin() as conn:
        conn.execute(text("UPDATE audit_log SET actor = 'someone else' WHERE action = 'push'"))
    bad = run_signoff(repo, "verify", "--server", server.url, env={"SIGNOFF_TOKEN": admin})
    assert bad.returncode == 1 and "changed after writing" in bad.stdout, bad.stdout
    direct = run_signoff(repo, "verify", "--database-url", server.database_url)
    assert direct.returncode == 1 and "changed after writing" in direct.stdout


def test_check_reads_approvals_from_the_server(server: Running, repo: GitRepo) -> None:
    repo.commit("init", {"README.md": "x\n"})
    repo.git("checkout", "-q", "-b", "feature")
    head = repo.commit(AI, {"src/a.py": "a = 1\n"})
    pull = _pull(head, author="ada")
    _github(server, "pull_request", {"action": "opened", "pull_request": pull, "repository": {"full_name": "org/a"}, "sender": {"login": "ada"}}, "c1")  # fmt: skip
    token = server.token(["read"], ["org/a"])
    client = Client(server.url, token=token)
    assert fetch_review(client, "org/a", 7).approvals == []
    review = {"id": 5, "state": "APPROVED", "commit_id": head, "submitted_at": "2026-01-02T00:00:00Z", "user": {"login": "grace", "type": "User"}}  # fmt: skip
    _github(server, "pull_request_review", {"action": "submitted", "pull_request": pull, "review": review, "repository": {"full_name": "org/a"}, "sender": {"login": "grace"}}, "c2")  # fmt: skip
    fetched = fetch_review(client, "org/a", 7)
    assert [(a.reviewer.login, fetched.freshness(a)) for a in fetched.approvals] == [
        ("grace", "current")
    ]
    args = ["check", "--base", "main", "--no-scan", "--server", server.url]
    args += ["--repository", "org/a", "--pull", "7"]
    ran = run_signoff(repo, *args, env={"SIGNOFF_TOKEN": token})
    assert ran.returncode in (0, 1), ran.stderr
    missing = run_signoff(repo, *args[:-1], "8", env={"SIGNOFF_TOKEN": token})
    assert missing.returncode == 2 and "no pull request 8" in missing.stderr
    other = run_signoff(repo, *args[:-4], "--repository", "org/b", "--pull", "7", env={"SIGNOFF_TOKEN": token})  # fmt: skip
    assert other.returncode == 2 and "403" in other.stderr
    both = run_signoff(repo, *args, "--reviews", "r.json", env={"SIGNOFF_TOKEN": token})
    assert both.returncode == 2 and "give one of them" in both.stderr


def test_push_without_token_says_how(repo: GitRepo) -> None:
    repo.commit("init", {"a": "b"})
    with pytest.raises(SignoffError) as err:
        push(Repo.discover(repo.path), Client("http://127.0.0.1:9", token=""), "org/a")
    assert err.value.hint is not None and "SIGNOFF_TOKEN" in err.value.hint


def test_serve_refuses_an_old_schema(tmp_path: Path, repo: GitRepo) -> None:
    url = f"sqlite:///{tmp_path / 'old.db'}"
    out = run_signoff(repo, "serve", "--database-url", url, "--port", "1")
    assert out.returncode == 2
    assert "signoff db upgrade" in out.stderr
    up = run_signoff(repo, "db", "upgrade", "--database-url", url)
    assert up.returncode == 0 and "none -> " in up.stdout


# --- pages ---------------------------------------------------------------------------------


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args: Any, **kwargs: Any) -> None:
        return None


def _page(url: str, cookie: str | None) -> tuple[int, str]:
    req = urllib.request.Request(url, headers={"Cookie": cookie} if cookie else {})
    opener = urllib.request.build_opener(_NoRedirect)
    try:
        with opener.open(req) as resp:
            return resp.status, resp.read().decode()
    except urllib.error.HTTPError as exc:
        return exc.code, exc.read().decode()


def test_pages_need_a_token_and_show_user_text_inert(server: Running, repo: GitRepo) -> None:
    repo.commit("init", {"a.txt": "a\n"})
    hostile = '<script>alert("x")</script><img src=x onerror=alert(1)>'
    sha = repo.commit(f"{hostile}\n\n" + AI.split("\n\n", 1)[1], {"b.py": "b = 1\n"})
    push(Repo.discover(repo.path), Client(server.url, token=server.token(["ingest"])), "org/a")
    assert _page(server.url + "/", None)[0] == 303  # to the sign-in form
    token = server.token(["read"], ["org/a"])
    opener = urllib.request.build_opener(_NoRedirect)
    form = urllib.parse.urlencode({"token": token}).encode()
    try:
        opener.open(urllib.request.Request(server.url + "/login", data=form))
        raise AssertionError("sign-in did not redirect")
    except urllib.error.HTTPError as exc:
        assert exc.code == 303
        cookie = exc.headers["Set-Cookie"].split(";")[0]
    status, html = _page(server.url + "/", cookie)
    assert status == 200 and "org/a" in html
    status, html = _page(server.url + "/repos/org/a", cookie)
    assert status == 200 and sha[:10] in html
    assert "<script>" not in html and "&lt;script&gt;" in html
    status, html = _page(server.url + f"/ask?q=org/a:{sha[:12]}", cookie)
    assert status == 200 and "claude-code" in html and "Ada Lovelace" in html
    assert "<img" not in html and "&lt;img" in html
    assert _page(server.url + f"/ask?q=org/b:{sha[:12]}", cookie)[0] == 403


def test_json_documents_match_their_schemas(server: Running, repo: GitRepo) -> None:
    import jsonschema

    schemas = Path(__file__).resolve().parent.parent / "docs" / "schemas"
    _history(repo, 2)
    env = {"SIGNOFF_TOKEN": server.token(["admin"])}
    docs = {
        "push": run_signoff(
            repo, "push", "--server", server.url, "--repository", "org/a", "--json", env=env
        ),
        "server-verify": run_signoff(repo, "verify", "--server", server.url, "--json", env=env),
        "server-tokens": run_signoff(
            repo, "server", "token", "list", "--database-url", server.database_url, "--json"
        ),
    }
    for name, ran in docs.items():
        assert ran.returncode == 0, ran.stderr
        doc = json.loads(ran.stdout)
        jsonschema.validate(doc, json.loads((schemas / f"{name}-v1.json").read_text()))
    assert json.loads(docs["push"].stdout)["stored"]["commits"] == 2
    assert json.loads(docs["server-tokens"].stdout)["tokens"][0]["scopes"] == ["admin"]


def test_with_a_clone_the_api_answers_what_the_cli_answers(server: Running, repo: GitRepo) -> None:
    from tests.policy_fixtures import base, dump

    repo.commit("init", {"signoff.yaml": dump(base()), "src/app.py": "a = 1\n"})
    sha = repo.commit(AI, {"src/app.py": "a = 1\nb = 2\n"})
    add = run_signoff(
        repo, "server", "repo", "add", "org/c", "--path", str(repo.path),
        "--database-url", server.database_url,
    )  # fmt: skip
    assert add.returncode == 0, add.stderr
    client = Client(server.url, token=server.token(["read"], ["org/c"]))

    def cli(*args: str) -> Any:
        return _cli_json(repo, *args)

    for target in (sha, "src/app.py:2"):
        api = client.get("/api/v1/repos/org/c/explain", target=target)
        assert api == cli("explain", target)
    assert client.get("/api/v1/repos/org/c/stats") == cli("stats")
    owners = client.get("/api/v1/repos/org/c/owners", path="src/app.py")
    expected = cli("owners", "src/app.py")
    assert owners["paths"] == [
        {k: v for k, v in p.items() if k != "then"} for p in expected["paths"]
    ]
    summary = client.get(
        "/api/v1/repos/org/c/audit-summary", since="2025-01-01", until="2027-01-01"
    )
    expected = cli("audit", "--since", "2025-01-01", "--until", "2027-01-01")
    expected.pop("pack")
    assert summary["headline"] == expected["headline"]
    assert summary["completeness"] == expected["completeness"]


def test_without_a_clone_the_api_answers_what_the_cli_answers(
    server: Running, repo: GitRepo
) -> None:
    """The pushed records alone: every commit's explain document equals the CLI's (provenance,
    tools, accepter, review trailers, the merge or pull request that brought it in, the two
    line measures apart, ownership); stats agree on what pushed records can count."""
    from tests.test_line_measures import gitai_note

    repo.commit("Initial\n", {"calc.py": "X = 1\n"})
    repo.git("checkout", "-q", "-b", "feat")
    noted = repo.commit("Add total\n", {"calc.py": "X = 1\ndef total(xs):\n    return sum(xs)\n"})
    repo.git("notes", "--ref=ai", "add", "-F", "-", noted, input=gitai_note(noted, "2-3").encode())
    side = repo.commit(AI, {"src/p.py": "a = 1\nb = 2\n"})
    repo.git("checkout", "-q", "main")
    repo.git("merge", "-q", "--no-ff", "feat", "-m", "Merge pull request #7 from org/feat")
    squash = repo.commit(f"{AI.splitlines()[0]} (#12)\n{AI[10:]}", {"src/q.py": "c = 3\n"})
    direct = repo.commit("Human fix\n\nReviewed-by: Grace <grace@example.com>\n", {"b.txt": "b\n"})
    pushed = push(
        Repo.discover(repo.path), Client(server.url, token=server.token(["admin"])), "org/n"
    )
    assert pushed.stored["commits"] == 6
    client = Client(server.url, token=server.token(["read"], ["org/n"]))

    def cli(*args: str) -> Any:
        return _cli_json(repo, *args)

    merges = {}
    for sha in repo.git("rev-list", "HEAD").split():
        api = client.get("/api/v1/repos/org/n/explain", target=sha)
        assert api.pop("source") == "pushed records"
        assert api == cli("explain", sha), sha
        merges[sha] = api["commits"][0]["review"]["merge"]
    assert merges[side]["pull_request"] == merges[noted]["pull_request"] == "#7"
    assert merges[squash]["pull_request"] == "#12" and merges[direct] is None
    assert (
        client.get("/api/v1/repos/org/n/commits/" + noted)["commits"][0]["lines"][
            "ai_attributed_lines"
        ]
        == 2
    )
    stored, local = client.get("/api/v1/repos/org/n/stats"), cli("stats")
    for measure in ("ai_attributed_lines", "ai_assisted_unrecorded_lines"):
        assert stored[measure] == local[measure]
    # commits are counted as the CLI counts them: the merge apart, by status, the AI share
    for count in ("commits", "merges_excluded", "by_status", "ai_commits", "ai_commit_share"):
        assert stored[count] == local[count], count
    assert local["merges_excluded"] == 1 and stored["merge_unknown"] == 0
    assert local["ai_attributed_lines"] == 2 and local["ai_assisted_unrecorded_lines"] > 0


def test_pushed_budget_and_incidents_are_the_clis(server: Running, repo: GitRepo) -> None:
    """Budget and incidents as last pushed equal `signoff budget --json` (apart from the time
    it was computed) and each `incident show --json`'s record."""
    from tests.incident_fixtures import build

    world = build(repo)
    opened = run_signoff(repo, "incident", "open", "Payments time out", "-s", "sev2",
                         "--started", "2026-01-05T10:00:00Z")  # fmt: skip
    assert opened.returncode == 0, opened.stderr
    (path,) = (repo.path / ".signoff" / "incidents").iterdir()
    linked = run_signoff(repo, "incident", "link", path.stem, world.ai_commit)
    assert linked.returncode == 0, linked.stderr
    repo.commit("Record the incident", {})
    push(world.repo, Client(server.url, token=server.token(["ingest"])), "org/b")
    client = Client(server.url, token=server.token(["read"], ["org/b"]))

    def cli(*args: str) -> Any:
        ran = run_signoff(repo, *args, "--json")
        assert ran.returncode == 0, ran.stderr
        return json.loads(ran.stdout)

    def timeless(doc: dict[str, Any]) -> list[dict[str, Any]]:
        drop = {"as_of", "window_start", "recovers_at"}
        return [{k: v for k, v in w.items() if k not in drop} for w in doc["workflows"]]

    stored = client.get("/api/v1/repos/org/b/budget")
    assert stored["workflows"] and timeless(stored) == timeless(cli("budget"))
    assert stored["commit"] == repo.head()
    (record,) = client.get("/api/v1/repos/org/b/incidents")["incidents"]
    assert record == cli("incident", "show", path.stem)["incident"]
