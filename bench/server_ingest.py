"""Server ingest and API latency on SQLite and PostgreSQL in the same run.

    .venv/bin/python bench/server_ingest.py [--records 50000] [--batch 1000]

Synthetic `signoff export` rows are pushed over HTTP (the path `signoff push` takes: JSON body,
one transaction per batch) into a fresh database on each engine; then commit lookups and stats
are timed through the API. PostgreSQL is a throwaway cluster started like the tests start it
(as the `postgres` user when run as root). Prints a table for bench/RESULTS.md.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import threading
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import uvicorn
from tests.serverdb import Cluster, _free_port, _pg_bin

from signoff.server.app import Settings, create_app
from signoff.server.client import Client
from signoff.store.db import Store, make_engine, upgrade
from signoff.store.tokens import create_token


def row(i: int) -> dict[str, Any]:
    sha = f"{i:040x}"
    ai = i % 3 == 0
    return {
        "commit": sha,
        "subject": f"change {i}",
        "author": {"name": "Ada", "email": "ada@example.com"},
        "author_date": "2026-01-01T00:00:00+00:00",
        "committer": {"name": "Ada", "email": "ada@example.com"},
        "commit_date": f"2026-01-{1 + i % 28:02d}T00:00:00+00:00",
        "parents": [f"{i - 1:040x}"] if i else [],
        "provenance": {
            "commit": sha,
            "status": "ai" if ai else "human",
            "confidence": "high",
            "reason": "AI-Assisted trailer" if ai else "no marker",
            "tools": [{"tool": "claude-code", "model": "claude-sonnet-4", "session": None}]
            if ai
            else [],
            "accepted_by": {"name": "Ada", "email": "ada@example.com"} if ai else None,
            "accepted_by_source": "trailer" if ai else None,
            "markers": [],
            "line_records": [],
            "problems": [],
        },
        "review": {"trailers": [], "merge": None},
        "files": [f"src/m{i % 50}.py"],
        "lines": {
            "added": 10,
            "ai_attributed_lines": None,
            "ai_assisted_unrecorded_lines": 10 if ai else None,
            "line_record": None,
        },
        "ownership": {"policy": False, "rev": None, "message": "no policy", "owners": []},
        "ownership_now": None,
    }


def serve(store: Store) -> tuple[str, uvicorn.Server, threading.Thread]:
    port = _free_port()
    srv = uvicorn.Server(
        uvicorn.Config(create_app(Settings(store)), host="127.0.0.1", port=port, log_level="error")
    )
    thread = threading.Thread(target=srv.run, daemon=True)
    thread.start()
    while not srv.started:
        time.sleep(0.02)
    return f"http://127.0.0.1:{port}", srv, thread


def measure(url: str, records: int, batch: int) -> dict[str, float]:
    engine = make_engine(url)
    upgrade(engine)
    store = Store(engine)
    with store.transaction() as s:
        token, _ = create_token(s, "bench", ["ingest", "read"], None)
    base, srv, thread = serve(store)
    client = Client(base, token=token)
    started = time.perf_counter()
    for start in range(0, records, batch):
        body = {
            "schema": "signoff/push/v1",
            "commits": [row(i) for i in range(start, min(records, start + batch))],
            "final": False,
        }
        client.post("/api/v1/repos/org/bench/push", body)
    ingest = records / (time.perf_counter() - started)
    lookups = []
    for i in range(0, records, max(1, records // 300)):
        t = time.perf_counter()
        client.get(f"/api/v1/repos/org/bench/commits/{i:040x}")
        lookups.append((time.perf_counter() - t) * 1000)
    stats = []
    for _ in range(30):
        t = time.perf_counter()
        client.get("/api/v1/repos/org/bench/stats")
        stats.append((time.perf_counter() - t) * 1000)
    srv.should_exit = True
    thread.join(10)
    store.close()
    q = statistics.quantiles
    return {
        "ingest": ingest,
        "lookup_p50": statistics.median(lookups),
        "lookup_p95": q(lookups, n=20)[-1],
        "stats_p50": statistics.median(stats),
        "stats_p95": q(stats, n=20)[-1],
    }


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--records", type=int, default=50_000)
    ap.add_argument("--batch", type=int, default=1000)
    args = ap.parse_args()
    results: dict[str, dict[str, float]] = {}
    with tempfile.TemporaryDirectory() as tmp:
        results["SQLite"] = measure(f"sqlite:///{tmp}/bench.db", args.records, args.batch)
    bindir = _pg_bin()
    if bindir is not None:
        folder = Path(tempfile.mkdtemp(prefix="signoff-pg-bench-"))
        as_postgres = os.geteuid() == 0
        if as_postgres:
            import shutil

            shutil.chown(folder, "postgres", "postgres")
        cluster = Cluster(bindir, folder, as_postgres)
        try:
            cluster.start()
            results["PostgreSQL"] = measure(cluster.new_database(), args.records, args.batch)
        finally:
            cluster.stop()
    print(f"{args.records} records, batches of {args.batch}, over HTTP on one machine")
    print("| engine | ingest (records/s) | commit lookup p50 / p95 | stats p50 / p95 |")
    print("| --- | ---: | ---: | ---: |")
    for engine, r in results.items():
        print(
            f"| {engine} | {r['ingest']:,.0f} | {r['lookup_p50']:.1f} / {r['lookup_p95']:.1f} ms "
            f"| {r['stats_p50']:.1f} / {r['stats_p95']:.1f} ms |"
        )


if __name__ == "__main__":
    main()
