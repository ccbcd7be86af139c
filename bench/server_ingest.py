"""The organisation at scale, on SQLite and PostgreSQL in the same run: ingest, API, pages.

    .venv/bin/python bench/server_ingest.py                      # 1,000 repos, 5,000,000 commits
    .venv/bin/python bench/server_ingest.py --scale 0.01         # 10 repos, 50,000 commits
    .venv/bin/python bench/server_ingest.py --repos 200 --commits 400000 --pushers 2

Synthetic `signoff export` rows (a linear history per repository, a third AI-assisted) are
pushed over HTTP the way `signoff push` sends them (JSON batches, one transaction each, the
branch tip moved by the final batch) into a fresh database on each engine, served by a real
`signoff serve` process (its job worker off). Several pushers run at once, like an
organisation's CI jobs. Then, against the loaded database:

- API: explain of a commit and stats of a repository, for repositories drawn at random;
- pages: every page route the application has (enumerated from its routes, so pages added
  later are measured too), path parameters filled with a real repository and commit.

Prints p50 / p95 of each, the load average while it ran, and a table for bench/RESULTS.md.
PostgreSQL is a throwaway cluster started like the tests start it (as the `postgres` user when
run as root).
"""

from __future__ import annotations

import argparse
import multiprocessing
import os
import random
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from tests.serverdb import Cluster, _free_port, _pg_bin

from signoff.server.client import Client
from signoff.store.db import Store, make_engine, upgrade
from signoff.store.tokens import create_token
from signoff.store.wire import PUSH_SCHEMA

FULL_REPOS = 1000
FULL_COMMITS = 5_000_000
TOOLS = ("claude-code", "cursor", "codex", "gemini-cli")


def sha_of(repo: int, i: int) -> str:
    return f"{repo:08x}{i:032x}"


def row(i: int, repo: int = 0) -> dict[str, Any]:
    """Commit `i` of repository `repo`, as `signoff export` describes it."""
    sha = sha_of(repo, i)
    ai = i % 3 == 0
    tool = TOOLS[(repo + i) % len(TOOLS)]
    day = f"2026-{1 + i % 12:02d}-{1 + i % 28:02d}T{i % 24:02d}:00:00+00:00"
    person = {"name": f"Dev {i % 40}", "email": f"dev{i % 40}@example.com"}
    return {
        "commit": sha,
        "subject": f"change {i} of repository {repo}",
        "author": person,
        "author_date": day,
        "committer": person,
        "commit_date": day,
        "parents": [sha_of(repo, i - 1)] if i else [],
        "provenance": {
            "commit": sha,
            "status": "ai" if ai else "human",
            "confidence": "strong" if ai else "weak",
            "reason": "trailer marker 'signoff.ai-assisted'" if ai else "no marker",
            "tools": [{"tool": tool, "model": "model-x", "session": None}] if ai else [],
            "accepted_by": person if ai else None,
            "accepted_by_source": "trailer" if ai else None,
            "markers": [],
            "line_records": [],
            "problems": [],
        },
        "review": {"trailers": [], "merge": None},
        "files": [f"src/m{i % 50}.py"],
        "lines": {
            "added": 10,
            "ai_attributed_lines": 0,
            "ai_assisted_unrecorded_lines": 10 if ai else 0,
            "line_record": None,
        },
        "ownership": {"policy": False, "rev": None, "message": "no policy", "owners": []},
        "ownership_now": None,
    }


def _push_repos(args: tuple[str, str, list[int], int, int]) -> int:
    """One pusher (a CI job per repository, one after the other): records sent."""
    url, token, repos, per_repo, batch = args
    client = Client(url, token=token, timeout=600)
    sent = 0
    for repo in repos:
        name = f"org/r{repo:04d}"
        path = f"/api/v1/repos/{name}/push"
        for start in range(0, per_repo, batch):
            commits = [row(i, repo) for i in range(start, min(per_repo, start + batch))]
            client.post(path, {"schema": PUSH_SCHEMA, "commits": commits, "final": False})
            sent += len(commits)
        final = {
            "schema": PUSH_SCHEMA,
            "commits": [],
            "final": True,
            "ref": "refs/heads/main",
            "old_tip": None,
            "new_tip": sha_of(repo, per_repo - 1),
        }
        client.post(path, final)
    return sent


def _serve(database_url: str) -> tuple[str, subprocess.Popen[bytes]]:
    port = _free_port()
    proc = subprocess.Popen(
        [sys.executable, "-m", "signoff", "serve", "--port", str(port), "--no-jobs"],
        env={**os.environ, "SIGNOFF_DATABASE_URL": database_url},
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise SystemExit(
                f"signoff serve exited: {proc.stderr.read().decode() if proc.stderr else ''}"
            )
        try:
            with urllib.request.urlopen(url + "/healthz", timeout=2):
                return url, proc
        except OSError:
            time.sleep(0.2)
    raise SystemExit("signoff serve did not answer")


def page_routes() -> list[str]:
    """Every GET page route of the application (not the API, webhooks or API docs)."""
    from fastapi.routing import APIRoute

    from signoff.server.app import Settings, create_app

    engine = make_engine("sqlite://")
    app = create_app(Settings(Store(engine)))
    out = []
    for route in app.routes:
        path = getattr(route, "path", "")
        methods = getattr(route, "methods", None) or set()
        if "GET" not in methods or path.startswith(("/api/", "/webhooks", "/docs", "/redoc")):
            continue
        if path in ("/openapi.json", "/healthz", "/docs/oauth2-redirect"):
            continue
        if isinstance(route, APIRoute) and route.include_in_schema:
            continue  # a JSON route outside /api
        out.append(path)
    engine.dispose()
    return out


def _fill(path: str, repo: int, commit: int) -> str | None:
    """A page path with its parameters filled from the loaded data (None: cannot fill)."""
    values = {
        "name": f"org/r{repo:04d}",
        "repo": f"org/r{repo:04d}",
        "sha": sha_of(repo, commit),
        "commit": sha_of(repo, commit),
        "person": "dev1@example.com",
        "email": "dev1@example.com",
        "workflow": "default",
        "path": "src/m1.py",
    }

    def sub(m: re.Match[str]) -> str:
        key = m.group(1).split(":")[0]
        if key not in values:
            raise KeyError(key)
        return values[key]

    try:
        return re.sub(r"\{([^}]+)\}", sub, path)
    except KeyError:
        return None


def _timed(url: str, headers: dict[str, str]) -> tuple[float, int]:
    req = urllib.request.Request(url, headers=headers)
    t = time.perf_counter()
    try:
        with urllib.request.urlopen(req, timeout=120) as resp:
            resp.read()
            status = resp.status
    except urllib.error.HTTPError as exc:
        exc.read()
        status = exc.code
    return (time.perf_counter() - t) * 1000, status


def _quantiles(ms: list[float]) -> tuple[float, float]:
    return statistics.median(ms), statistics.quantiles(ms, n=20)[-1] if len(ms) > 1 else ms[0]


def _figures(database_url: str, url: str, token: str, per_repo: int) -> dict[str, Any]:
    """The figures job the pushes queued (every repository's figures, computed once), then
    one repository's after one more push to it; run by a worker in this process (the server
    runs none), before the pages are measured, as a server's worker would have."""
    from signoff.server.work import HANDLERS
    from signoff.store.jobs import run_one, status

    store = Store(make_engine(database_url))
    out: dict[str, Any] = {}
    try:
        for key in ("organisation", "one_repository"):
            if key == "one_repository":
                client = Client(url, token=token, timeout=600)
                commit = row(per_repo, 0)
                client.post(
                    "/api/v1/repos/org/r0000/push",
                    {
                        "schema": PUSH_SCHEMA,
                        "commits": [commit],
                        "final": True,
                        "ref": "refs/heads/main",
                        "old_tip": sha_of(0, per_repo - 1),
                        "new_tip": commit["commit"],
                    },
                )
            t = time.perf_counter()
            ran = []
            while (job := run_one(store, HANDLERS, "bench")) is not None:
                ran.append(job)
            seconds = time.perf_counter() - t
            with store.transaction() as s:
                results = [(status(s, j) or {}).get("result") or {} for j in ran]
            recomputed = sum(int((r.get("figures") or {}).get("recomputed", 0)) for r in results)
            out[key] = (seconds, {"jobs": len(ran), "recomputed": recomputed})
    finally:
        store.close()
    return out


def _jobs(database_url: str, url: str, token: str) -> dict[str, Any]:
    """The organisation's audit pack for March (a twelfth of the synthetic commits), run by a
    worker in this process (the server runs none)."""
    from signoff.server.work import HANDLERS
    from signoff.store.jobs import run_one

    client = Client(url, token=token, timeout=3600)
    store = Store(make_engine(database_url))
    out: dict[str, Any] = {}
    try:
        job = client.post("/api/v1/org/audit?since=2026-03-01&until=2026-03-31", {})["job"]
        t = time.perf_counter()
        assert run_one(store, HANDLERS, "bench") == job
        seconds = time.perf_counter() - t
        state = client.get(f"/api/v1/jobs/{job}")
        assert state["status"] == "done", state
        out["audit"] = (seconds, state["result"])
    finally:
        store.close()
    return out


def measure(
    database_url: str, repos: int, per_repo: int, args: argparse.Namespace
) -> dict[str, Any]:
    engine = make_engine(database_url)
    upgrade(engine)
    store = Store(engine)
    with store.transaction() as s:
        token, _ = create_token(s, "bench", ["admin"], None)
    store.close()
    url, proc = _serve(database_url)
    out: dict[str, Any] = {}
    try:
        shares: list[list[int]] = [
            list(range(repos))[k :: args.pushers] for k in range(args.pushers)
        ]
        load0 = os.getloadavg()[0]
        started = time.perf_counter()
        with multiprocessing.Pool(args.pushers) as pool:
            sent = sum(
                pool.map(
                    _push_repos, [(url, token, share, per_repo, args.batch) for share in shares]
                )
            )
        seconds = time.perf_counter() - started
        out["ingest"] = sent / seconds
        out["records"] = sent
        out["ingest_seconds"] = seconds
        out["load_ingest"] = (load0, os.getloadavg()[0])
        rng = random.Random(7)
        bearer = {"Authorization": f"Bearer {token}"}
        explain, stats = [], []
        for _ in range(args.requests):
            r, c = rng.randrange(repos), rng.randrange(per_repo)
            ms, status = _timed(
                f"{url}/api/v1/repos/org/r{r:04d}/explain?target={sha_of(r, c)}", bearer
            )
            assert status == 200, status
            explain.append(ms)
            ms, status = _timed(f"{url}/api/v1/repos/org/r{r:04d}/stats", bearer)
            assert status == 200, status
            stats.append(ms)
        out["explain"] = _quantiles(explain)
        out["stats"] = _quantiles(stats)
        out["figures"] = _figures(database_url, url, token, per_repo)
        cookie = {"Cookie": f"signoff_token={token}"}
        pages: dict[str, Any] = {}
        for route in page_routes():
            times, statuses = [], set()
            for _ in range(args.page_requests):
                path = _fill(route, rng.randrange(repos), rng.randrange(per_repo))
                if path is None:
                    break
                ms, status = _timed(url + path, cookie)
                times.append(ms)
                statuses.add(status)
            pages[route] = (_quantiles(times), sorted(statuses)) if times else None
        out["pages"] = pages
        out["jobs"] = _jobs(database_url, url, token) if args.jobs else None
        out["load_end"] = os.getloadavg()[0]
    finally:
        proc.terminate()
        proc.wait(30)
    return out


def main() -> None:
    ap = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    ap.add_argument("--scale", type=float, default=1.0, help="multiply repositories and commits")
    ap.add_argument("--repos", type=int, default=FULL_REPOS)
    ap.add_argument("--commits", type=int, default=FULL_COMMITS, help="in all, across repositories")
    ap.add_argument("--batch", type=int, default=1000, help="commit records per push request")
    ap.add_argument("--pushers", type=int, default=2, help="pushes running at once")
    ap.add_argument("--requests", type=int, default=200, help="API requests of each kind")
    ap.add_argument("--page-requests", type=int, default=40, help="requests per page route")
    ap.add_argument("--engines", default="sqlite,postgresql")
    ap.add_argument("--no-jobs", dest="jobs", action="store_false", help="skip the job timings")
    args = ap.parse_args()
    repos = max(1, round(args.repos * args.scale))
    per_repo = max(1, round(args.commits * args.scale) // repos)
    results: dict[str, dict[str, Any]] = {}
    engines = args.engines.split(",")
    if "sqlite" in engines:
        with tempfile.TemporaryDirectory() as tmp:
            results["SQLite"] = measure(f"sqlite:///{tmp}/bench.db", repos, per_repo, args)
            print("SQLite:", results["SQLite"], flush=True)  # kept if PostgreSQL fails
    bindir = _pg_bin()
    if "postgresql" in engines and bindir is not None:
        folder = Path(tempfile.mkdtemp(prefix="signoff-pg-bench-"))
        as_postgres = os.geteuid() == 0
        if as_postgres:
            shutil.chown(folder, "postgres", "postgres")
        cluster = Cluster(bindir, folder, as_postgres)
        try:
            cluster.start()
            results["PostgreSQL"] = measure(cluster.new_database(), repos, per_repo, args)
        finally:
            cluster.stop()
    print(
        f"{repos} repositories x {per_repo} commits = {repos * per_repo:,} records, batches of "
        f"{args.batch}, {args.pushers} pushers at once, over HTTP to one `signoff serve` process; "
        f"{os.cpu_count()} cores"
    )
    print(
        "| engine | ingest (records/s) | load avg (start, end of ingest) | explain p50 / p95 | stats p50 / p95 |"
    )
    print("| --- | ---: | --- | ---: | ---: |")
    for engine, r in results.items():
        print(
            f"| {engine} | {r['ingest']:,.0f} ({r['records']:,} in {r['ingest_seconds']:.0f} s) "
            f"| {r['load_ingest'][0]:.1f}, {r['load_ingest'][1]:.1f} "
            f"| {r['explain'][0]:.1f} / {r['explain'][1]:.1f} ms "
            f"| {r['stats'][0]:.1f} / {r['stats'][1]:.1f} ms |"
        )
    print()
    print("| page | " + " | ".join(f"{e} p50 / p95 (status)" for e in results) + " |")
    print("| --- |" + " ---: |" * len(results))
    routes = sorted({p for r in results.values() for p in r["pages"]})
    for route in routes:
        cells = []
        for r in results.values():
            got = r["pages"].get(route)
            if got is None:
                cells.append("not measured (unknown path parameter)")
            else:
                (p50, p95), statuses = got
                cells.append(f"{p50:.1f} / {p95:.1f} ms ({','.join(map(str, statuses))})")
        print(f"| `{route}` | " + " | ".join(cells) + " |")
    for engine, r in results.items():
        org, one = r["figures"]["organisation"], r["figures"]["one_repository"]
        print(
            f"\n{engine}: figures job after the pushes {org[0]:.1f} s ({org[1]['recomputed']} "
            f"repositories recomputed, {org[1]['jobs']} job); after one more push to one "
            f"repository {one[0]:.1f} s ({one[1]['recomputed']} recomputed)"
        )
        if r["jobs"]:
            a = r["jobs"]["audit"]
            print(
                f"{engine}: audit pack for March "
                f"({a[1]['changes']:,} changes, {a[1]['included']} repositories) {a[0]:.1f} s"
            )
    print(f"\nload average at the end: {os.getloadavg()[0]:.1f}")


if __name__ == "__main__":
    main()
