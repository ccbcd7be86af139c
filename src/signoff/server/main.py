"""The application factory uvicorn imports in each worker process (settings from the
environment `signoff serve` set)."""

from __future__ import annotations

import os

from fastapi import FastAPI

from signoff.server.app import Settings, create_app
from signoff.store.db import open_store


def app() -> FastAPI:
    store = open_store(os.environ.get("SIGNOFF_DATABASE_URL"))
    return create_app(Settings(store, os.environ.get("SIGNOFF_WEBHOOK_SECRET")))
