"""The webhook routes: check the signature, drop repeats, hand the event to `webhooks`."""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any

from fastapi import FastAPI, HTTPException, Request
from starlette.concurrency import run_in_threadpool

from signoff.server import webhooks

if TYPE_CHECKING:
    from signoff.server.app import Settings

MAX_BODY = 25 * 1024 * 1024  # GitHub caps payloads at 25 MB


def add_webhooks(app: FastAPI, settings: Settings) -> None:
    store = settings.store

    def secret() -> str:
        if not settings.webhook_secret:
            raise HTTPException(
                503,
                {
                    "message": "webhooks are not configured on this server",
                    "hint": "start `signoff serve` with SIGNOFF_WEBHOOK_SECRET set",
                },
            )
        return settings.webhook_secret

    async def body_of(request: Request) -> bytes:
        raw = await request.body()
        if len(raw) > MAX_BODY:
            raise HTTPException(413, {"message": "payload too large"})
        return raw

    def store_event(forge: str, delivery: str, raw: bytes, event: str) -> dict[str, Any]:
        try:
            payload = json.loads(raw)
        except ValueError:
            raise HTTPException(400, {"message": "the payload is not JSON"}) from None
        if not isinstance(payload, dict):
            raise HTTPException(400, {"message": "the payload is not a JSON object"})
        with store.transaction() as s:
            if not webhooks.first_delivery(s, forge, delivery, raw, event, "received"):
                return {"outcome": "duplicate: already received"}
            handler = webhooks.handle_github if forge == "github" else webhooks.handle_gitlab
            return {"outcome": handler(s, event, payload)}

    @app.post(
        "/webhooks/github", summary="GitHub webhook (pull_request, pull_request_review, push)"
    )
    async def github(request: Request) -> dict[str, Any]:
        key = secret()
        raw = await body_of(request)
        if not webhooks.github_signature_ok(key, raw, request.headers.get("x-hub-signature-256")):
            raise HTTPException(401, {"message": "bad or missing X-Hub-Signature-256"})
        delivery = request.headers.get("x-github-delivery") or ""
        event = request.headers.get("x-github-event") or ""
        if not delivery:
            raise HTTPException(400, {"message": "no X-GitHub-Delivery header"})
        return await run_in_threadpool(store_event, "github", delivery, raw, event)

    @app.post("/webhooks/gitlab", summary="GitLab webhook (merge request events, approvals)")
    async def gitlab(request: Request) -> dict[str, Any]:
        key = secret()
        if not webhooks.gitlab_token_ok(key, request.headers.get("x-gitlab-token")):
            raise HTTPException(401, {"message": "bad or missing X-Gitlab-Token"})
        raw = await body_of(request)
        delivery = (
            request.headers.get("x-gitlab-event-uuid")
            or request.headers.get("idempotency-key")
            or ""
        )
        if not delivery:
            raise HTTPException(400, {"message": "no X-Gitlab-Event-UUID header"})
        event = request.headers.get("x-gitlab-event") or ""
        return await run_in_threadpool(store_event, "gitlab", delivery, raw, event)
