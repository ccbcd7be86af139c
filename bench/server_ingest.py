"""The organisation at scale, on SQLite and PostgreSQL in the same run: ingest, API, pages.

    .venv/bin/python bench/server_ingest.py --keep DIR           # 1,000 repos, 5,000,000 commits
    .venv/bin/python bench/server_ingest.py --reuse DIR          # measure again, no ingest
    .venv/bin/python bench/server_ingest.py --scale 0.02         # 20 repos, 100,000 commits
    .venv/bin/python bench/server_ingest.py --repos 200 --commits 400000 --pushers 2

Synthetic `signoff export` rows (a linear history per repository, a third AI-assisted, a fifth
of those with a line record of two files) are pushed over HTTP the way `signoff push` sends them
(JSON batches, one transaction each, the branch tip moved by the final batch) into a fresh
database on each engine, served by a real `signoff serve` process (its job worker off). The
batches are generated as JSON text while they are sent (never the whole organisation in memory),
by the same generator for both engines. Several pushers run at once, like an organisation's CI
jobs, while this process asks the API (explain, stats) a few times a second: its latency under
ingest. Then, against the loaded database:

- ingest rate per tenth of the records (does it slow as the database grows?);
- API: explain of a commit and stats of a repository, for repositories drawn at random;
- freshness: the time until the figures the pushes queued are computed (the `org.metrics`
  job, run by a `signoff worker`), then a push of one commit and the time until they count it;
- pages (after the figures are current, as a server whose worker keeps up shows them):
  every page route the application has (enumerated from its routes, so pages added
  later are measured too), path parameters filled with a real repository and commit;
- disk size of each database, peak memory of the server, the pushers and PostgreSQL.

`--keep DIR` keeps both databases in DIR (the SQLite file, and a PostgreSQL cluster stopped
cleanly) with what was generated; `--reuse DIR` starts them again and measures API, pages and
freshness without ingesting (each reuse pushes one more commit per freshness sample). Without
`--keep` the databases are throwaway (PostgreSQL started like the tests start it, as the
`postgres` user when run as root; fsync off, as in the tests).
"""

from __future__ import annotations

import argparse
import http.client
import itertools
import json
import multiprocessing
import os
import random
import re
import resource
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from tests.serverdb import Cluster, _free_port, _pg_bin

from signoff.server.client import Client, ServerError
from signoff.store.db import Store, make_engine, upgrade
from signoff.store.tokens import create_token
from signoff.store.wire import PUSH_SCHEMA

FULL_REPOS = 1000
FULL_COMMITS = 5_000_000
TOOLS = ("claude-code", "cursor", "codex", "gemini-cli")
PG_OPTS = "-c shared_buffers=512MB -c max_wal_size=4GB -c checkpoint_timeout=15min"


def sha_of(repo: int, i: int) -> str:
    return f"{repo:08x}{i:032x}"


def _range_hash(i: int, k: int) -> str:
    return f"{((i * 4 + k) * 2654435761) % 2**64:016x}"


def row(i: int, repo: int = 0) -> dict[str, Any]:
    """Commit `i` of repository `repo`, as `signoff export` describes it: the definition that
    `rows_json` writes quickly (checked against each other before every run)."""
    sha = sha_of(repo, i)
    ai = i % 3 == 0
    recorded = i % 15 == 0  # a fifth of the AI-assisted commits carry a line record
    tool = TOOLS[(repo + i) % len(TOOLS)]
    tool_ref = {"tool": tool, "model": "model-x", "session": None}
    day = f"2026-{1 + i % 12:02d}-{1 + i % 28:02d}T{i % 24:02d}:00:00+00:00"
    person = {"name": f"Dev {i % 40}", "email": f"dev{i % 40}@example.com"}
    first, second = f"src/m{i % 50}.py", f"src/m{(i + 7) % 50}.py"
    line_records: list[dict[str, Any]] = []
    if recorded:
        line_records = [
            {
                "source": "signoff",
                "files": {
                    first: [
                        {"start": 1, "end": 8, "author": "ai", "tool": tool_ref, "hash": _range_hash(i, 0)},
                        {"start": 9, "end": 10, "author": "human", "tool": None, "hash": _range_hash(i, 1)},
                    ],
                    second: [
                        {"start": 1, "end": 4, "author": "ai-modified", "tool": tool_ref, "hash": _range_hash(i, 2)},
                        {"start": 5, "end": 10, "author": "ai", "tool": tool_ref, "hash": _range_hash(i, 3)},
                    ],
                },
                "derivation": None,
                "confidence": "strong",
            }
        ]  # fmt: skip
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
            "tools": [tool_ref] if ai else [],
            "accepted_by": person if ai else None,
            "accepted_by_source": "trailer" if ai else None,
            "markers": [],
            "line_records": line_records,
            "problems": [],
        },
        "review": {"trailers": [], "merge": None},
        "files": [first, second] if recorded else [first],
        "lines": {
            "added": 20 if recorded else 10,
            "ai_attributed_lines": 14 if recorded else 0,
            "ai_assisted_unrecorded_lines": 10 if ai and not recorded else 0,
            "line_record": ["signoff"] if recorded else None,
        },
        "ownership": {"policy": False, "rev": None, "message": "no policy", "owners": []},
        "ownership_now": None,
    }


def rows_json(repo: int, start: int, stop: int) -> str:
    """`row(i, repo)` for i in [start, stop) as JSON text, written straight from templates
    (about a tenth of the time of building the dicts and json.dumps)."""
    out = []
    for i in range(start, stop):
        sha = f"{repo:08x}{i:032x}"
        ai = i % 3 == 0
        recorded = i % 15 == 0
        tool = TOOLS[(repo + i) % 4]
        tool_ref = f'{{"tool":"{tool}","model":"model-x","session":null}}'
        day = f"2026-{1 + i % 12:02d}-{1 + i % 28:02d}T{i % 24:02d}:00:00+00:00"
        p = i % 40
        person = f'{{"name":"Dev {p}","email":"dev{p}@example.com"}}'
        first, second = f"src/m{i % 50}.py", f"src/m{(i + 7) % 50}.py"
        parents = f'["{repo:08x}{i - 1:032x}"]' if i else "[]"
        if recorded:
            records = (
                f'[{{"source":"signoff","files":{{"{first}":['
                f'{{"start":1,"end":8,"author":"ai","tool":{tool_ref},"hash":"{_range_hash(i, 0)}"}},'
                f'{{"start":9,"end":10,"author":"human","tool":null,"hash":"{_range_hash(i, 1)}"}}],'
                f'"{second}":['
                f'{{"start":1,"end":4,"author":"ai-modified","tool":{tool_ref},"hash":"{_range_hash(i, 2)}"}},'
                f'{{"start":5,"end":10,"author":"ai","tool":{tool_ref},"hash":"{_range_hash(i, 3)}"}}]}},'
                f'"derivation":null,"confidence":"strong"}}]'
            )
            files = f'["{first}","{second}"]'
            lines = '{"added":20,"ai_attributed_lines":14,"ai_assisted_unrecorded_lines":0,"line_record":["signoff"]}'
        else:
            records = "[]"
            files = f'["{first}"]'
            lines = (
                f'{{"added":10,"ai_attributed_lines":0,'
                f'"ai_assisted_unrecorded_lines":{10 if ai else 0},"line_record":null}}'
            )
        if ai:
            prov = (
                f'"status":"ai","confidence":"strong","reason":"trailer marker \'signoff.ai-assisted\'",'
                f'"tools":[{tool_ref}],"accepted_by":{person},"accepted_by_source":"trailer"'
            )
        else:
            prov = (
                '"status":"human","confidence":"weak","reason":"no marker",'
                '"tools":[],"accepted_by":null,"accepted_by_source":null'
            )
        out.append(
            f'{{"commit":"{sha}","subject":"change {i} of repository {repo}",'
            f'"author":{person},"author_date":"{day}","committer":{person},"commit_date":"{day}",'
            f'"parents":{parents},"provenance":{{"commit":"{sha}",{prov},"markers":[],'
            f'"line_records":{records},"problems":[]}},"review":{{"trailers":[],"merge":null}},'
            f'"files":{files},"lines":{lines},"ownership":{{"policy":false,"rev":null,'
            f'"message":"no policy","owners":[]}},"ownership_now":null}}'
        )  # fmt: skip
    return ",".join(out)


def check_generator() -> None:
    """The fast writer says exactly what `row` says, for every kind of commit."""
    for repo in (0, 7):
        fast = json.loads(f"[{rows_json(repo, 0, 31)}]")
        assert fast == [row(i, repo) for i in range(31)], "rows_json differs from row"


def push_documents(repo: int, per_repo: int, batch: int) -> Any:
    """One repository's push, batch by batch, as request bodies (generated as they are sent)."""
    for start in range(0, per_repo, batch):
        stop = min(per_repo, start + batch)
        body = (
            f'{{"schema":"{PUSH_SCHEMA}","commits":[{rows_json(repo, start, stop)}],"final":false}}'
        )
        yield stop - start, body.encode()
    final = {
        "schema": PUSH_SCHEMA,
        "commits": [],
        "final": True,
        "ref": "refs/heads/main",
        "old_tip": None,
        "new_tip": sha_of(repo, per_repo - 1),
    }
    yield 0, json.dumps(final).encode()


def _post(conn: http.client.HTTPConnection, path: str, body: bytes, token: str) -> Any:
    headers = {"Content-Type": "application/json", "Authorization": f"Bearer {token}"}
    for attempt in range(3):
        try:
            conn.request("POST", path, body, headers)
            resp = conn.getresponse()
            answer = resp.read()
            break
        except (ConnectionError, http.client.HTTPException):
            conn.close()  # the server closed the kept-alive connection: open another
            if attempt == 2:
                raise
    if resp.status != 200:
        raise SystemExit(f"push {path}: {resp.status} {answer[:300]!r}")
    return json.loads(answer)


def _pusher(
    url: str,
    token: str,
    repos: list[int],
    per_repo: int,
    batch: int,
    counter: Any,
    finished: Any,
    results: Any,
) -> None:
    """One pusher (a CI job per repository, one after the other), on one kept-alive connection."""
    host, port = url.removeprefix("http://").split(":")
    conn = http.client.HTTPConnection(host, int(port), timeout=600)
    stored = 0
    for repo in repos:
        path = f"/api/v1/repos/org/r{repo:04d}/push"
        for n, body in push_documents(repo, per_repo, batch):
            stored += int(_post(conn, path, body, token)["commits"])
            if n:
                with counter.get_lock():
                    counter.value += n
        finished[repo] = 1
    conn.close()
    results.put((stored, resource.getrusage(resource.RUSAGE_SELF).ru_maxrss))


def _serve(database_url: str, workers: int = 1) -> tuple[str, subprocess.Popen[bytes]]:
    port = _free_port()
    more = ["--workers", str(workers)] if workers > 1 else []
    proc = subprocess.Popen(
        [sys.executable, "-m", "signoff", "serve", "--port", str(port), "--no-jobs", *more],
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
        with urllib.request.urlopen(req, timeout=600) as resp:
            resp.read()
            status = resp.status
    except urllib.error.HTTPError as exc:
        exc.read()
        status = exc.code
    return (time.perf_counter() - t) * 1000, status


def _quantiles(ms: list[float]) -> tuple[float, float, int]:
    if not ms:
        return (float("nan"), float("nan"), 0)
    p95 = statistics.quantiles(ms, n=20)[-1] if len(ms) > 1 else ms[0]
    return statistics.median(ms), p95, len(ms)


def _peak_kib(pid: int) -> int:
    """A process's peak resident memory (VmHWM), KiB; 0 when it is gone."""
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1])
    except OSError:
        pass
    return 0


def _children(pid: int) -> list[int]:
    out = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if int(fields[1]) == pid:
            out.append(int(stat.parent.name))
    return out


class Engine:
    """One engine's database for the bench: throwaway, or kept in a folder for `--reuse`."""

    def __init__(self, kind: str, keep: Path | None) -> None:
        self.kind = kind
        self.keep = keep
        self.cluster: Cluster | None = None
        self.tmp: Path | None = None
        self.postmaster = 0

    def start(self) -> str:
        """The database URL (the folder and, for PostgreSQL, the cluster made or started)."""
        if self.kind == "sqlite":
            if self.keep is None:
                self.tmp = Path(tempfile.mkdtemp(prefix="signoff-bench-"))
                return f"sqlite:///{self.tmp / 'bench.db'}"
            (self.keep / "sqlite").mkdir(parents=True, exist_ok=True)
            return f"sqlite:///{self.keep / 'sqlite' / 'bench.db'}"
        bindir = _pg_bin()
        if bindir is None:
            raise SystemExit("PostgreSQL's initdb not found (Debian: apt-get install postgresql)")
        folder = (
            self.keep / "postgresql" if self.keep else Path(tempfile.mkdtemp(prefix="signoff-pg-"))
        )
        folder.mkdir(parents=True, exist_ok=True)
        as_postgres = os.geteuid() == 0
        if as_postgres:
            shutil.chown(folder, "postgres", "postgres")
        self.cluster = cluster = Cluster(bindir, folder, as_postgres)
        fresh = not (cluster.data / "PG_VERSION").exists()
        if fresh:
            proc = cluster._run(
                "initdb", "-A", "trust", "-U", "postgres", "-E", "UTF8", str(cluster.data)
            )
            if proc.returncode != 0:
                raise SystemExit(proc.stderr.decode(errors="replace")[-500:])
        opts = f"-p {cluster.port} -k {folder} -c listen_addresses=127.0.0.1 -c max_connections=200 {PG_OPTS}"
        if self.keep is None:
            opts += " -c fsync=off -c synchronous_commit=off -c full_page_writes=off"
        else:  # kept: survives a crash of this run, but commits need not wait for the disk
            opts += " -c synchronous_commit=off"
        proc = cluster._run(
            "pg_ctl", "-D", str(cluster.data), "-o", opts, "-l", str(folder / "log"), "-w", "start"
        )
        if proc.returncode != 0:
            raise SystemExit(
                proc.stderr.decode(errors="replace")[-300:] + (folder / "log").read_text()[-500:]
            )
        self.postmaster = int((cluster.data / "postmaster.pid").read_text().split()[0])
        if fresh:
            cluster.execute("CREATE DATABASE bench")
        return cluster.url("bench")  # fmt: skip

    def size(self, url: str) -> int:
        """Bytes on disk: the SQLite file with its WAL, or the PostgreSQL database."""
        if self.kind == "sqlite":
            path = Path(url.removeprefix("sqlite:///"))
            return sum(p.stat().st_size for p in path.parent.glob(path.name + "*"))
        import psycopg

        with psycopg.connect(url) as conn:
            got = conn.execute("SELECT pg_database_size(current_database())").fetchone()
        return int(got[0]) if got else 0

    def server_peak_kib(self) -> tuple[int, int]:
        """PostgreSQL's largest process and the sum over its processes (peak RSS, KiB; shared
        buffers are counted in each process that touched them)."""
        if not self.postmaster:
            return 0, 0
        peaks = [_peak_kib(p) for p in [self.postmaster, *_children(self.postmaster)]]
        return max(peaks), sum(peaks)

    def stop(self) -> None:
        if self.cluster is not None:
            if self.keep is None:
                self.cluster.stop()
            else:
                self.cluster._run(
                    "pg_ctl", "-D", str(self.cluster.data), "-m", "fast", "-w", "stop"
                )
        if self.tmp is not None:
            shutil.rmtree(self.tmp, ignore_errors=True)


def _api_pair(
    url: str, bearer: dict[str, str], rng: random.Random, repos: list[int], per_repo: int
) -> tuple[float, float]:
    r, c = rng.choice(repos), rng.randrange(per_repo)
    ms_e, status = _timed(f"{url}/api/v1/repos/org/r{r:04d}/explain?target={sha_of(r, c)}", bearer)
    if status != 200:
        raise SystemExit(f"explain of org/r{r:04d} answered {status}")
    ms_s, status = _timed(f"{url}/api/v1/repos/org/r{r:04d}/stats", bearer)
    if status != 200:
        raise SystemExit(f"stats of org/r{r:04d} answered {status}")
    return ms_e, ms_s  # fmt: skip


def ingest(
    url: str,
    token: str,
    repos: int,
    per_repo: int,
    args: argparse.Namespace,
    todo: list[int] | None = None,
) -> dict[str, Any]:
    """Push every repository (or those in `todo`) through `args.pushers` processes; meanwhile
    sample the API on repositories already pushed."""
    ctx = multiprocessing.get_context("fork")
    counter = ctx.Value("q", 0)
    finished = ctx.Array("b", repos)
    for r in set(range(repos)) - set(range(repos) if todo is None else todo):
        finished[r] = 1
    todo = list(range(repos)) if todo is None else todo
    results = ctx.Queue()
    shares = [todo[k :: args.pushers] for k in range(args.pushers)]
    procs = [
        ctx.Process(
            target=_pusher,
            args=(url, token, share, per_repo, args.batch, counter, finished, results),
        )
        for share in shares
    ]
    bearer = {"Authorization": f"Bearer {token}"}
    rng = random.Random(11)
    explain: list[float] = []
    stats: list[float] = []
    samples: list[tuple[float, int, float]] = []  # (seconds, records sent, load average)
    started = time.perf_counter()
    for p in procs:
        p.start()
    last = 0.0
    while any(p.is_alive() for p in procs):
        now = time.perf_counter() - started
        if now - last >= 5 or not samples:
            samples.append((now, counter.value, os.getloadavg()[0]))
            last = now
        done = [r for r in range(repos) if finished[r]]
        if done and args.api_during_ingest:
            e, s = _api_pair(url, bearer, rng, done, per_repo)
            explain.append(e)
            stats.append(s)
        time.sleep(0.5)
    for p in procs:
        p.join()
        if p.exitcode != 0:
            raise SystemExit(f"a pusher failed (exit {p.exitcode})")
    seconds = time.perf_counter() - started
    samples.append((seconds, counter.value, os.getloadavg()[0]))
    got = [results.get() for _ in procs]
    total = len(todo) * per_repo
    stored = sum(g[0] for g in got)
    if stored != total and len(todo) == repos:
        raise SystemExit(f"{stored:,} stored of {total:,} sent")
    tenths = []
    for k in range(1, 11):
        lo, hi = total * (k - 1) / 10, total * k / 10
        tenths.append((hi - lo) / max(_when(samples, hi) - _when(samples, lo), 1e-9))
    return {
        "records": stored,
        "sent": total,
        "seconds": seconds,
        "rate": stored / seconds,
        "tenths": tenths,
        "load": [s[2] for s in samples],
        "explain": _quantiles(explain),
        "stats": _quantiles(stats),
        "pusher_peak_kib": max(g[1] for g in got),
    }


def _when(samples: list[tuple[float, int, float]], records: float) -> float:
    """The time at which `records` had been sent (interpolated between samples)."""
    for (t0, n0, _), (t1, n1, _) in itertools.pairwise(samples):
        if n1 >= records:
            return t0 + (t1 - t0) * ((records - n0) / (n1 - n0) if n1 > n0 else 1.0)
    return samples[-1][0]


def api(
    url: str, token: str, repos: int, per_repo: int, args: argparse.Namespace
) -> dict[str, Any]:
    """API latency against the loaded database, nothing else running."""
    rng = random.Random(7)
    bearer = {"Authorization": f"Bearer {token}"}
    explain, stats = [], []
    for _ in range(args.requests):
        e, s = _api_pair(url, bearer, rng, list(range(repos)), per_repo)
        explain.append(e)
        stats.append(s)
    return {"explain": _quantiles(explain), "stats": _quantiles(stats)}


def pages(
    url: str, token: str, repos: int, per_repo: int, args: argparse.Namespace
) -> dict[str, Any]:
    """Every page route's latency (after the figures the pushes queued were computed, as a
    server's worker computes them), nothing else running."""
    rng = random.Random(9)
    cookie = {"Cookie": f"signoff_token={token}"}
    timed: dict[str, Any] = {}
    for route in page_routes():
        times: list[float] = []
        statuses: set[int] = set()
        began = time.perf_counter()
        for n in range(args.page_requests):
            path = _fill(route, rng.randrange(repos), rng.randrange(per_repo))
            if path is None:
                break
            ms, status = _timed(url + path, cookie)
            times.append(ms)
            statuses.add(status)
            if n >= 4 and time.perf_counter() - began > args.page_seconds:
                break  # a slow page: enough samples to say so
        timed[route] = (_quantiles(times), sorted(statuses)) if times else None
        print(f"  {route}: {timed[route]}", flush=True)
    return {"pages": timed}


def freshness(database_url: str, url: str, token: str, samples: int) -> dict[str, Any]:
    """Seconds from a push's answer to the organisation's figures counting it, with a
    `signoff worker` running (first it drains what the ingest queued: that time too)."""
    client = Client(url, token=token, timeout=600)
    worker = subprocess.Popen(
        [sys.executable, "-m", "signoff", "worker", "--poll", "0.2"],
        env={**os.environ, "SIGNOFF_DATABASE_URL": database_url},
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    name = "org/r0000"

    def counted() -> int:
        try:
            doc = client.get("/api/v1/org/metrics")
        except ServerError:  # not computed yet
            return -1
        return next((int(r["commits"]) for r in doc["repositories"] if r["name"] == name), -1)

    def wait_for(predicate: Any) -> float:
        t = time.perf_counter()
        while not predicate():
            time.sleep(0.1)
            if time.perf_counter() - t > 3600:
                raise SystemExit("the figures did not catch up within an hour")
        return time.perf_counter() - t

    out: dict[str, Any] = {"after": []}
    try:
        # the job the pushes queued (queued here too: a kept database from before stored
        # figures has none waiting, and a job finds the repositories already current quickly)
        client.post("/api/v1/org/metrics", {})
        out["drain"] = wait_for(lambda: _queued(database_url) == 0 and counted() >= 0)
        out["drain_recomputed"] = _recomputed(database_url)
        for _ in range(samples):
            tip = client.get(f"/api/v1/repos/{name}/refs")["refs"]["refs/heads/main"]
            before = counted()
            n = int(tip[8:], 16) + 1
            commit = row(n, 0)
            commit["parents"] = [tip]
            client.post(
                f"/api/v1/repos/{name}/push",
                {"schema": PUSH_SCHEMA, "commits": [commit], "final": False},
            )
            client.post(
                f"/api/v1/repos/{name}/push",
                {
                    "schema": PUSH_SCHEMA,
                    "commits": [],
                    "final": True,
                    "ref": "refs/heads/main",
                    "old_tip": tip,
                    "new_tip": commit["commit"],
                },
            )
            out["after"].append(wait_for(lambda before=before: counted() > before))
            out["after_recomputed"] = _recomputed(database_url)
        out["worker_peak_kib"] = _peak_kib(worker.pid)
    finally:
        worker.terminate()
        worker.wait(60)
    return out  # fmt: skip


def _unfinished(database_url: str, repos: int, per_repo: int) -> list[int]:
    """Repositories whose branch tip is not their last commit (an interrupted ingest)."""
    from sqlalchemy import select

    from signoff.store.models import Ref, Repository

    store = Store(make_engine(database_url))
    try:
        with store.read() as s:
            tips = dict(
                s.execute(
                    select(Repository.name, Ref.tip).join(Ref, Ref.repo_id == Repository.id)
                ).all()
            )
    finally:
        store.close()
    return [r for r in range(repos) if tips.get(f"org/r{r:04d}") != sha_of(r, per_repo - 1)]


def _queued(database_url: str) -> int:
    """Jobs queued or running (a failed one stops the bench: its figures would never come)."""
    from sqlalchemy import select

    from signoff.store.models import Job

    store = Store(make_engine(database_url))
    try:
        with store.read() as s:
            rows = s.execute(select(Job.status, Job.error).where(Job.status != "done")).all()
    finally:
        store.close()
    failed = [error for status, error in rows if status == "failed"]
    if failed:
        raise SystemExit(f"a job failed: {failed[-1]}")
    return len(rows)


def _recomputed(database_url: str) -> int | None:
    """How many repositories' figures the newest finished figures job recomputed (None: the
    job does not say)."""
    from sqlalchemy import select

    from signoff.store.models import Job
    from signoff.store.organisation import METRICS_JOB

    store = Store(make_engine(database_url))
    try:
        with store.read() as s:
            result = s.execute(
                select(Job.result)
                .where(Job.kind == METRICS_JOB, Job.status == "done")
                .order_by(Job.id.desc())
                .limit(1)
            ).scalar_one_or_none()
    finally:
        store.close()
    figures = (result or {}).get("figures") if isinstance(result, dict) else None
    return int(figures.get("recomputed", 0)) if isinstance(figures, dict) else None


def audit_pack(database_url: str, url: str, token: str) -> tuple[float, dict[str, Any]]:
    """The organisation's audit pack for March (a twelfth of the synthetic commits), run by a
    worker in this process (the server runs none)."""
    from signoff.server.work import HANDLERS
    from signoff.store.jobs import run_one

    client = Client(url, token=token, timeout=3600)
    store = Store(make_engine(database_url))
    try:
        job = client.post("/api/v1/org/audit?since=2026-03-01&until=2026-03-31", {})["job"]
        t = time.perf_counter()
        while (ran := run_one(store, HANDLERS, "bench")) is not None and ran != job:
            pass
        seconds = time.perf_counter() - t
        state = client.get(f"/api/v1/jobs/{job}")
        assert state["status"] == "done", state
        return seconds, state["result"]
    finally:
        store.close()


def measure(kind: str, repos: int, per_repo: int, args: argparse.Namespace) -> dict[str, Any]:
    keep = Path(args.reuse or args.keep).resolve() if (args.reuse or args.keep) else None
    engine = Engine(kind, keep)
    out: dict[str, Any] = {}
    try:
        database_url = engine.start()
        db = make_engine(database_url)
        upgrade(db)  # a kept database from an older Signoff is brought to this schema
        store = Store(db)
        with store.transaction() as s:
            token, _ = create_token(s, "bench", ["admin"], None)
        store.close()
        url, proc = _serve(database_url, args.server_workers if kind == "postgresql" else 1)
        try:
            if not args.reuse:
                out["ingest"] = ingest(url, token, repos, per_repo, args)
            elif args.resume:
                todo = _unfinished(database_url, repos, per_repo)
                print(f"{kind}: {len(todo)} repositories to push again", flush=True)
                out["ingest"] = ingest(url, token, repos, per_repo, args, todo)
                print(f"{kind} ingest: {out['ingest']}", flush=True)
            out["load_reads"] = os.getloadavg()[0]
            out.update(api(url, token, repos, per_repo, args))
            if args.freshness:
                out["freshness"] = freshness(database_url, url, token, args.freshness)
            out.update(pages(url, token, repos, per_repo, args))
            # the server's largest process (with --server-workers, uvicorn's workers)
            out["server_peak_kib"] = max(_peak_kib(p) for p in [proc.pid, *_children(proc.pid)])
            if args.audit_pack:
                out["audit"] = audit_pack(database_url, url, token)
            out["bytes"] = engine.size(database_url)
            out["db_peak_kib"] = engine.server_peak_kib()
            out["load_end"] = os.getloadavg()[0]
        finally:
            proc.terminate()
            proc.wait(60)
    finally:
        engine.stop()
    return out


def _count(recomputed: int | None) -> str:
    return "" if recomputed is None else f", {recomputed:,} repositories' figures recomputed"


def _mib(kib: int) -> str:
    return f"{kib / 1024:,.0f} MiB"


def report(
    results: dict[str, dict[str, Any]], repos: int, per_repo: int, args: argparse.Namespace
) -> None:
    print(
        f"\n{repos:,} repositories x {per_repo:,} commits = {repos * per_repo:,} records, batches of "
        f"{args.batch}, {args.pushers} pushers at once, over HTTP to `signoff serve` "
        f"({args.server_workers} process(es) on PostgreSQL, 1 on SQLite); "
        f"{os.cpu_count()} cores; bench process peak {_mib(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss)}"
    )
    names = list(results)
    if any("ingest" in r for r in results.values()):
        print(
            "\n| engine | ingest (records/s, whole run) | by tenth of the records | load avg (min-max) | explain / stats p50, p95 during ingest | pusher peak |"
        )
        print("| --- | ---: | --- | --- | --- | ---: |")
        for e, r in results.items():
            i = r["ingest"]
            print(
                f"| {e} | {i['rate']:,.0f} ({i['records']:,} in {i['seconds']:,.0f} s) "
                f"| {' '.join(f'{t:,.0f}' for t in i['tenths'])} "
                f"| {min(i['load']):.1f}-{max(i['load']):.1f} "
                + (
                    f"| {i['explain'][0]:.1f}, {i['explain'][1]:.1f} / {i['stats'][0]:.1f}, {i['stats'][1]:.1f} ms ({i['explain'][2]} each) "
                    if i["explain"][2]
                    else "| not sampled "
                )
                + f"| {_mib(i['pusher_peak_kib'])} |"
            )
    print(
        "\n| engine | database on disk | server peak | PostgreSQL peak (largest, sum) | explain p50 / p95 | stats p50 / p95 | load avg (reads, end) |"
    )
    print("| --- | ---: | ---: | ---: | ---: | ---: | --- |")
    for e, r in results.items():
        pg = r["db_peak_kib"]
        print(
            f"| {e} | {r['bytes'] / 2**30:.2f} GiB | {_mib(r['server_peak_kib'])} "
            f"| {f'{_mib(pg[0])}, {_mib(pg[1])}' if pg[0] else '-'} "
            f"| {r['explain'][0]:.1f} / {r['explain'][1]:.1f} ms | {r['stats'][0]:.1f} / {r['stats'][1]:.1f} ms "
            f"| {r['load_reads']:.1f}, {r['load_end']:.1f} |"
        )
    print("\n| page | " + " | ".join(f"{e} p50 / p95 (n, status)" for e in names) + " |")
    print("| --- |" + " ---: |" * len(names))
    for route in sorted({p for r in results.values() for p in r["pages"]}):
        cells = []
        for r in results.values():
            got = r["pages"].get(route)
            if got is None:
                cells.append("not measured (unknown path parameter)")
            else:
                (p50, p95, n), statuses = got
                cells.append(f"{p50:,.1f} / {p95:,.1f} ms ({n}, {','.join(map(str, statuses))})")
        print(f"| `{route}` | " + " | ".join(cells) + " |")
    for e, r in results.items():
        if "freshness" in r:
            f = r["freshness"]
            print(
                f"\n{e}: the figures the ingest queued (every repository) were current "
                f"{f['drain']:.1f} s after it{_count(f['drain_recomputed'])}; then one more push to one repository to figures current: "
                f"{statistics.median(f['after']):.1f} s median ({', '.join(f'{s:.1f}' for s in f['after'])} s"
                f"{_count(f.get('after_recomputed'))}; a `signoff worker` polling every 0.2 s, peak {_mib(f['worker_peak_kib'])})"
            )
        if "audit" in r:
            seconds, result = r["audit"]
            print(
                f"{e}: audit pack for March ({result['changes']:,} changes, {result['included']} repositories) {seconds:.1f} s"
            )
    print(f"\nload average at the end: {os.getloadavg()[0]:.1f}")  # fmt: skip


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
    ap.add_argument(
        "--page-seconds",
        type=float,
        default=60,
        help="at most this long per page route (at least 5 requests)",
    )
    ap.add_argument("--no-api-during-ingest", dest="api_during_ingest", action="store_false")
    ap.add_argument(
        "--freshness",
        type=int,
        default=3,
        help="pushes timed until the figures count them (0: none)",
    )
    ap.add_argument(
        "--audit-pack",
        action="store_true",
        help="also time the organisation's audit pack for March",
    )
    ap.add_argument("--engines", default="sqlite,postgresql")
    ap.add_argument(
        "--server-workers",
        type=int,
        default=1,
        help="`signoff serve --workers` on PostgreSQL (SQLite serves from one process)",
    )
    where = ap.add_mutually_exclusive_group()
    where.add_argument("--keep", metavar="DIR", help="keep the databases in DIR (a new folder)")
    where.add_argument(
        "--reuse", metavar="DIR", help="measure the databases kept in DIR again, without ingest"
    )
    ap.add_argument(
        "--resume",
        action="store_true",
        help="with --reuse: first push the repositories an interrupted ingest left unfinished",
    )
    args = ap.parse_args()
    # stopped by a signal (even started in the background), the servers and the cluster stop
    signal.signal(signal.SIGINT, signal.default_int_handler)
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
    check_generator()
    repos = max(1, round(args.repos * args.scale))
    per_repo = max(1, round(args.commits * args.scale) // repos)
    engines = args.engines.split(",")
    if args.reuse:
        meta = json.loads((Path(args.reuse) / "bench.json").read_text())
        repos, per_repo = meta["repos"], meta["per_repo"]
        engines = [e for e in engines if e in meta["engines"]]
    elif args.keep:
        keep = Path(args.keep)
        if keep.exists() and any(keep.iterdir()):
            raise SystemExit(f"{keep} is not empty: give a new folder, or --reuse {keep}")
        keep.mkdir(parents=True, exist_ok=True)
        (keep / "bench.json").write_text(
            json.dumps({"repos": repos, "per_repo": per_repo, "engines": engines})
        )
    results: dict[str, dict[str, Any]] = {}
    for kind in engines:
        label = {"sqlite": "SQLite", "postgresql": "PostgreSQL"}[kind]
        results[label] = measure(kind, repos, per_repo, args)
        print(f"{label}: {results[label]}", flush=True)  # kept if the next engine fails
    report(results, repos, per_repo, args)  # fmt: skip


if __name__ == "__main__":
    main()
