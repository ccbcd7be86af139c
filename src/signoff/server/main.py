"""The application factory uvicorn imports in each worker process (settings from the
environment `signoff serve` set)."""

from __future__ import annotations

import os

from fastapi import FastAPI

from signoff.server.app import Settings, create_app
from signoff.store.db import open_store


def app() -> FastAPI:
    store = open_store(os.environ.get("SIGNOFF_DATABASE_URL"))
    jobs = os.environ.get("SIGNOFF_SERVE_JOBS", "1") != "0"
    return create_app(Settings(store, os.environ.get("SIGNOFF_WEBHOOK_SECRET"), run_jobs=jobs))
