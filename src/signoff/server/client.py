"""Talking to a Signoff server from the CLI (`push`, `check --server`, `verify --server`).

Standard library only (urllib): the commands that use it run in CI jobs, where one less
dependency is one less thing to install. Failures become `SignoffError`s that say what the
server answered and what to do.
"""

from __future__ import annotations

import json
import os
import urllib.error
import urllib.parse
import urllib.request
from typing import Any

from signoff.errors import SignoffError

TOKEN_ENV = "SIGNOFF_TOKEN"


class ServerError(SignoffError):
    def __init__(self, message: str, hint: str | None = None, status: int = 0) -> None:
        super().__init__(message, hint)
        self.status = status


class Client:
    """A server's base URL and the token the requests carry."""

    def __init__(self, url: str, token: str | None = None, timeout: float = 60) -> None:
        parsed = urllib.parse.urlsplit(url)
        if parsed.scheme not in ("http", "https") or not parsed.netloc:
            raise SignoffError(
                f"{url!r} is not a server address", "give --server http(s)://HOST[:PORT]"
            )
        self.base = url.rstrip("/")
        self.token = token if token is not None else os.environ.get(TOKEN_ENV)
        self.timeout = timeout

    def require_token(self) -> None:
        if not self.token:
            raise SignoffError(
                f"no token for {self.base}",
                f"set {TOKEN_ENV} to a token from `signoff server token create`",
            )

    def get(self, route: str, **params: str) -> Any:
        query = f"?{urllib.parse.urlencode(params)}" if params else ""
        return self._send("GET", route + query, None)

    def post(self, path: str, body: Any) -> Any:
        return self._send("POST", path, json.dumps(body, ensure_ascii=False).encode("utf-8"))

    def download(self, route: str) -> bytes:
        """A file the server built (e.g. an audit pack), as bytes."""
        return self._send("GET", route, None, raw=True)  # type: ignore[no-any-return]

    def _send(self, method: str, path: str, data: bytes | None, *, raw: bool = False) -> Any:
        headers = {"Accept": "*/*" if raw else "application/json"}
        if data is not None:
            headers["Content-Type"] = "application/json"
        if self.token:
            headers["Authorization"] = f"Bearer {self.token}"
        request = urllib.request.Request(
            self.base + path, data=data, method=method, headers=headers
        )
        try:
            with urllib.request.urlopen(request, timeout=self.timeout) as response:
                body = response.read()
                return body if raw else json.loads(body.decode("utf-8") or "null")
        except urllib.error.HTTPError as exc:
            raise _answer_error(self.base, exc) from None
        except (urllib.error.URLError, OSError) as exc:
            reason = getattr(exc, "reason", exc)
            raise ServerError(
                f"cannot reach {self.base}: {reason}",
                "check the address and that `signoff serve` is running there",
            ) from None


def _answer_error(base: str, exc: urllib.error.HTTPError) -> ServerError:
    try:
        body = json.loads(exc.read().decode("utf-8"))
    except (ValueError, OSError):
        body = {}
    detail = body.get("detail") if isinstance(body, dict) else None
    message = detail.get("message") if isinstance(detail, dict) else detail
    hint = detail.get("hint") if isinstance(detail, dict) else None
    if exc.code == 401:
        hint = hint or f"set {TOKEN_ENV} to a live token"
    elif exc.code == 403:
        hint = hint or "ask an admin for a token with that scope and repository"
    return ServerError(f"{base} answered {exc.code}: {message or exc.reason}", hint, exc.code)
