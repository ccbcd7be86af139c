"""User text stays text in every rendering a person opens: the audit report, the markdown PR
comment (rendered the way a forge renders it) and SARIF's messages.

Markup and Markdown go in through a commit subject, an author's name and email, file paths, the
policy's free text (a person's name, a workflow's description, a boundary's reason, a tool's
failure patterns) and an incident title. Each rendering is opened in headless Chromium while a
local server counts requests: every injected link and image points at it, and each script
would set `data-pwned` on the page. Nothing may fetch, run, or become an element or a link;
the injected text must be shown. Workflow and other ids cannot carry markup (the policy
refuses them), which the last test keeps true.
"""

from __future__ import annotations

import http.server
import json
import re
import threading
from collections.abc import Iterator
from html.parser import HTMLParser
from pathlib import Path
from typing import Any, ClassVar

import pytest
from markdown_it import MarkdownIt

from tests.gitrepo import GitRepo, run_signoff
from tests.policy_fixtures import base, dump
from tests.test_audit_html import _browser, pytestmark  # noqa: F401 - chromium, same skip rule

PWN = "document.body.dataset.pwned=1"


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


def payloads(server: str) -> list[str]:
    """Markup a hostile contributor would try: links, images, autolinks, bare URLs, raw HTML,
    scripts, `javascript:` URLs and entities."""
    return [
        f"[docs]({server}/link)",
        f"![pixel]({server}/image.png)",
        f"<{server}/autolink>",
        f"{server}/bare",
        f'<img src="{server}/raw.png" onerror="{PWN}">',
        f"<script>{PWN};fetch('{server}/script')</script>",
        f"[js](javascript:{PWN})",
        f'<a href="javascript:{PWN}">click</a>',
        "&lt;b&gt;entity&#x3C;i&#x3E;&amp;",
    ]


def safe_path_payloads() -> list[str]:
    """Markup a file name can hold (no slash): the same kinds, pointing nowhere."""
    return [
        f'<img src=x onerror="{PWN}">',
        f"[js](javascript:{PWN})",
        f"<script>{PWN}</script>",
        "&amp;",
    ]


class _Dom(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.tags: list[tuple[str, dict[str, str]]] = []
        self.text: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append((tag, {k: v or "" for k, v in attrs}))

    def handle_data(self, data: str) -> None:
        self.text.append(data)


def rendered(page: Path, tmp_path: Path) -> _Dom:
    dom = _browser("--dump-dom", page.resolve().as_uri(), profile=tmp_path / "profile")
    assert dom.returncode == 0, dom.stderr[-2000:]
    parsed = _Dom()
    parsed.feed(dom.stdout)
    return parsed


def assert_inert(dom: _Dom, server: str, shown: list[str]) -> None:
    assert _Counter.hits == []  # nothing was fetched
    for tag, attrs in dom.tags:
        assert "data-pwned" not in attrs, (tag, attrs)  # nothing ran
        for value in attrs.values():
            assert server not in value and "javascript:" not in value.lower(), (tag, attrs)
        assert tag not in ("script", "iframe", "object", "embed", "img", "form"), (tag, attrs)
    text = "".join(dom.text)
    for piece in shown:
        assert piece in text, piece


def markdown_page(markdown: str, path: Path) -> Path:
    """The comment as a forge shows it: GitHub-flavoured (tables, autolinks of bare URLs and
    addresses) with raw HTML passed through, which is stricter than any forge."""
    md = MarkdownIt("gfm-like", {"html": True})
    path.write_text(f"<!doctype html><html><body>{md.render(markdown)}</body></html>")
    return path


@pytest.fixture
def hostile(repo: GitRepo, server: str) -> dict[str, Any]:
    """A policy, a base commit, and a pull request whose AI-assisted commit carries every
    payload in every place a user can write one."""
    p = payloads(server)
    policy = base()
    policy["people"][0]["name"] = "Ada " + p[0] + " " + p[8]  # ada: accountable for payments
    policy["workflows"][1]["description"] = " ".join(p)
    policy["ai_boundary"][0]["reason"] = " ".join(p)
    policy["ai_tools"][0]["failure_patterns"] = p
    repo.commit(
        "Add policy\n\nAI-Assisted: none\n",
        {"signoff.yaml": dump(policy), "README.md": "x\n"},
        date="2026-01-02T10:00:00+00:00",
    )
    main = repo.git("branch", "--show-current").strip()
    repo.git("checkout", "-q", "-b", "feature")
    files = {f"payments/{name}.py": f"v{i} = {i}\n" for i, name in enumerate(safe_path_payloads())}
    files |= {f"auth/{name}.py": f"w{i} = {i}\n" for i, name in enumerate(safe_path_payloads())}
    author = (f"Eve {p[0]} {p[1]} {p[3]} {p[6]} {p[8]}", "eve+[x](javascript:alert(1))@evil.test")
    sha = repo.commit(
        " ".join(p) + "\n\nCo-Authored-By: Claude Opus 4.5 <noreply@anthropic.com>\n",
        files,
        author=author,
        date="2026-01-03T10:00:00+00:00",
    )
    return {"main": main, "sha": sha, "payloads": p, "files": files, "author": author}


def test_the_markdown_pr_comment_renders_user_text_as_text(
    repo: GitRepo, tmp_path: Path, server: str, hostile: dict[str, Any]
) -> None:
    out = tmp_path / "comment.md"
    done = run_signoff(
        repo, "check", "--base", hostile["main"], "--no-scan", "--markdown", str(out)
    )
    assert done.returncode in (0, 1), done.stderr
    comment = out.read_text()
    assert "auth/" in comment and "invents" not in comment  # the fixture's pattern replaced
    dom = rendered(markdown_page(comment, tmp_path / "comment.html"), tmp_path)
    paths = [path for path in hostile["files"] if path.startswith("auth/")]
    assert_inert(dom, server, [*hostile["payloads"], *paths])


def test_sarif_messages_render_as_text(
    repo: GitRepo, tmp_path: Path, server: str, hostile: dict[str, Any]
) -> None:
    """A SARIF viewer may render a message's text as Markdown (`[text](target)` is SARIF's
    own embedded-link syntax): rendered so, every message stays text."""
    sarif = tmp_path / "check.sarif"
    done = run_signoff(repo, "check", "--base", hostile["main"], "--no-scan", "--sarif", str(sarif))
    assert done.returncode in (0, 1), done.stderr
    log = json.loads(sarif.read_text())
    run = log["runs"][0]
    assert any("auth/" in r["message"]["text"] for r in run["results"])
    for r in run["results"]:  # plain text: no bracket a SARIF viewer could read as a link
        assert not re.search(r"(?<!\\)[\[\]]", r["message"]["text"].replace("\\\\", "")), r
    # as a viewer that renders Markdown: its `markdown` where given, else its text
    messages = [r["message"].get("markdown") or r["message"]["text"] for r in run["results"]]
    body = "\n\n".join(messages)
    dom = rendered(markdown_page(body, tmp_path / "sarif.html"), tmp_path)
    assert_inert(dom, server, [p for p in hostile["files"] if p.startswith("auth/")])


def test_the_audit_report_renders_user_text_as_text(
    repo: GitRepo, tmp_path: Path, server: str, hostile: dict[str, Any]
) -> None:
    p = hostile["payloads"]
    repo.git("checkout", "-q", hostile["main"])
    when = "2026-01-04T09:00:00+00:00"
    repo.git(
        "merge", "-q", "--no-ff", "-m", " ".join(p), "feature",
        env={"GIT_AUTHOR_DATE": when, "GIT_COMMITTER_DATE": when},
    )  # fmt: skip
    opened = run_signoff(
        repo, "incident", "open", " ".join(p), "--started", "2026-01-04T10:00:00+00:00"
    )
    assert opened.returncode == 0, opened.stderr
    repo.commit("Record incident\n\nAI-Assisted: none\n", date="2026-01-05T10:00:00+00:00")
    pack = tmp_path / "pack"
    audit = ("audit", "--since", "2026-01-01", "--until", "2026-01-31", "--out", str(pack))
    done = run_signoff(repo, *audit)
    assert done.returncode == 0, done.stderr
    dom = rendered(pack / "report.html", tmp_path)
    # the report names authors and accepters (not subjects or incident titles): as text
    assert_inert(dom, server, [f"Eve {p[0]} {p[1]} {p[3]} {p[6]}"])


def test_ids_cannot_carry_markup(repo: GitRepo) -> None:
    for field, value in (("workflows", "pay<script>"), ("people", "[x](javascript:1)")):
        policy = base()
        policy[field][0]["id"] = value
        repo.commit("policy\n", {"signoff.yaml": dump(policy)})
        done = run_signoff(repo, "policy", "check")
        assert done.returncode == 2 and "Traceback" not in done.stderr, done.stderr
