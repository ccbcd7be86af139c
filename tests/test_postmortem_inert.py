"""Markdown and HTML from commits, incidents and the policy stay text in the postmortem page.

The page is opened in headless Chromium while a local server counts requests: every link and
image in the injected text points at it, so one request would mean the page fetched something.
"""

from __future__ import annotations

import http.server
import threading
from collections.abc import Iterator
from html.parser import HTMLParser
from pathlib import Path
from typing import ClassVar

import pytest

from signoff.incidents.ops import link, open_incident, resolve, update
from signoff.incidents.postmortem import postmortem_html
from signoff.incidents.store import get_incident
from signoff.incidents.trace import trace
from tests.gitrepo import GitRepo
from tests.incident_fixtures import AI_TRAILERS, at, build
from tests.policy_fixtures import base
from tests.test_audit_html import _browser, pytestmark  # noqa: F401 - chromium, same skip rule


class _Counter(http.server.BaseHTTPRequestHandler):
    hits: ClassVar[list[str]] = []

    def do_GET(self) -> None:
        _Counter.hits.append(self.path)
        self.send_response(200)
        self.end_headers()

    def log_message(self, *args: object) -> None:
        pass


@pytest.fixture
def server() -> Iterator[str]:
    _Counter.hits = []
    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _Counter)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{httpd.server_address[1]}"
    httpd.shutdown()


class _Elements(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.tags: list[tuple[str, dict[str, str]]] = []
        self.text: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append((tag, {k: v or "" for k, v in attrs}))

    def handle_data(self, data: str) -> None:
        self.text.append(data)


def test_postmortem_page_renders_links_and_images_as_text(
    repo: GitRepo, tmp_path: Path, server: str
) -> None:
    policy = base()
    policy["people"][0]["name"] = f"Ada ![badge]({server}/policy.png)"  # ada: accountable
    w = build(repo, policy)
    subject = f"Retry [docs]({server}/subject) ![pixel]({server}/subject.png) <{server}/auto>"
    culprit = repo.commit(
        subject + AI_TRAILERS,
        {"payments/config.py": "RETRIES = 4\n"},
        date="2026-01-04T12:00:00+00:00",
    )
    inc = open_incident(
        w.repo, f"Outage [status]({server}/title)", "sev1", at("2026-01-05T14:00:00")
    )
    link(w.repo, inc.id, [culprit])
    update(
        w.repo,
        inc.id,
        {
            "summary": f"See ![graph]({server}/summary.png) and [runbook][r]\n\n[r]: {server}/ref"
            f'\n\n<img src="{server}/raw.png"> <a href="{server}/raw">raw</a>'
            "\n\n<script>document.body.dataset.pwned=1</script>"
            ' <img src=x onerror="document.body.dataset.pwned=2">'
            " [click](javascript:document.body.dataset.pwned=3) &lt;b&gt;"
        },
        action=(f"Check [the dashboard]({server}/action)", "ada", "2026-02-15"),
    )
    resolve(w.repo, inc.id, at("2026-01-05T15:30:00"))
    t = trace(w.repo, get_incident(w.repo, inc.id), now=at("2026-02-01T00:00:00"), use_index=False)
    page = tmp_path / "postmortem.html"
    page.write_text(postmortem_html(t), encoding="utf-8")

    dom = _browser("--dump-dom", page.resolve().as_uri(), profile=tmp_path / "profile")
    assert dom.returncode == 0, dom.stderr[-2000:]
    assert _Counter.hits == []  # nothing left the page
    parsed = _Elements()
    parsed.feed(dom.stdout)
    tags = {tag for tag, _ in parsed.tags}
    assert not tags & {"a", "img", "script", "iframe", "link", "object", "embed"}, tags
    assert not any(server in value for _, attrs in parsed.tags for value in attrs.values())
    assert "pwned" not in "".join(v for _, attrs in parsed.tags for v in attrs)  # no script ran
    shown = "".join(parsed.text)
    for text in (
        f"[docs]({server}/subject)",
        f"![pixel]({server}/subject.png)",
        f"<{server}/auto>",
        f"[status]({server}/title)",
        f"![graph]({server}/summary.png)",
        f"[r]: {server}/ref",
        f'<img src="{server}/raw.png">',
        f"[the dashboard]({server}/action)",
        f"![badge]({server}/policy.png)",
        "<script>document.body.dataset.pwned=1</script>",
        "[click](javascript:document.body.dataset.pwned=3)",
    ):
        assert text in shown, text
