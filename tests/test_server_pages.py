"""The pages in headless Chromium (Debian's package): sign in, overview, repository, the
four-questions box; user text with markup is shown as text."""

from __future__ import annotations

import html
from collections.abc import Iterator
from pathlib import Path

import pytest

from signoff.git.repo import Repo
from signoff.server.app import Settings
from signoff.server.client import Client
from signoff.server.push import push
from signoff.store.db import Store, make_engine, upgrade
from signoff.store.tokens import create_token
from tests.gitrepo import GitRepo
from tests.test_audit_html import _browser, pytestmark  # noqa: F401 - chromium, same skip rule
from tests.test_server import AI, serving

HOSTILE = '<script>alert("x")</script><img src=x onerror=alert(1)> & <b>bold</b>'


@pytest.fixture
def site(tmp_path: Path) -> Iterator[tuple[str, Store]]:
    url = f"sqlite:///{tmp_path / 'server.db'}"
    engine = make_engine(url)
    upgrade(engine)
    store = Store(engine)
    with serving(Settings(store)) as address:
        yield address, store
    store.close()


def test_pages_in_chromium(site: tuple[str, Store], repo: GitRepo, tmp_path: Path) -> None:
    address, store = site
    repo.commit("init", {"a.txt": "a\n"})
    sha = repo.commit(f"{HOSTILE}\n\n" + AI.split("\n\n", 1)[1], {"b.py": "b = 1\n"})
    with store.transaction() as s:
        ingest, _ = create_token(s, "ci", ["ingest"], None)
        reader, _ = create_token(s, "me", ["read"], None)
    push(Repo.discover(repo.path), Client(address, token=ingest), "org/a")
    profile = tmp_path / "profile"
    signin = tmp_path / "signin.html"
    signin.write_text(
        f'<form id="f" method="post" action="{address}/login">'
        f'<input name="token" value="{html.escape(reader)}"></form>'
        "<script>document.getElementById('f').submit()</script>"
    )
    # the sign-in form posts the token; the server sets its cookie and sends the browser on
    overview = _browser("--dump-dom", signin.as_uri(), profile=profile).stdout
    assert "org/a" in overview and "Sign in" not in overview, overview[-2000:]
    assert 'href="/repos/org/a"' in overview  # the link the next page is reached by
    page = _browser("--dump-dom", f"{address}/repos/org/a", profile=profile).stdout
    assert sha[:10] in page, page[-2000:]
    for dom in (page,):
        assert "<script>alert" not in dom and "<img" not in dom and "<b>bold" not in dom
        assert "&lt;script&gt;alert" in dom and "&lt;b&gt;bold&lt;/b&gt;" in dom
    answer = _browser("--dump-dom", f"{address}/ask?q=org/a:{sha[:12]}", profile=profile).stdout
    assert "claude-code" in answer and "Ada Lovelace" in answer
    assert "Was it AI-generated?" in answer
    signed_out = _browser("--dump-dom", f"{address}/", profile=tmp_path / "other").stdout
    assert "Sign in" in signed_out
