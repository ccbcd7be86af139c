"""The dashboard in headless Chromium (Debian's package): sign in, every page loaded and its
links followed, both themes, sorting, CSV, the four-questions box, and user text with markup
(commit messages, author and person names, paths, incident titles) shown as text.

The figures are checked against the CLI: the overview's ratios must equal `signoff audit`'s on
the same history, because both come from `audit.metrics`.
"""

from __future__ import annotations

import csv
import html
import io
import json
import re
import shutil
import time
import urllib.parse
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import delete, select

from signoff.audit.pack import AuditOptions, run_audit
from signoff.audit.pack import summary as audit_summary
from signoff.audit.period import parse_period
from signoff.git.repo import Repo
from signoff.incidents.ops import link, open_incident
from signoff.server.app import Settings
from signoff.server.client import Client
from signoff.server.push import push
from signoff.server.tables import sort_rows
from signoff.server.work import HANDLERS
from signoff.store import jobs
from signoff.store.db import Store, make_engine, upgrade
from signoff.store.ingest import repository
from signoff.store.models import Job
from signoff.store.organisation import DECAY_JOB, METRICS_JOB, queue_decay
from signoff.store.tokens import create_token
from tests.gitrepo import GitRepo, run_signoff
from tests.policy_fixtures import base, dump
from tests.test_audit_html import _browser, pytestmark  # noqa: F401 - chromium, same skip rule
from tests.test_server import serving

HOSTILE = '<script>alert("x")</script><img src=x onerror=alert(1)> & <b>bold</b>'
HOSTILE_REPO = "org/<i>b</i> & c"
FORMULA = '=HYPERLINK("http://evil.example","x")'
AXE = Path(__file__).resolve().parent.parent / "tools" / "node_modules" / "axe-core" / "axe.min.js"
NOW = datetime.now(timezone.utc).replace(microsecond=0)


def _day(days_ago: int) -> str:
    return (NOW - timedelta(days=days_ago)).isoformat()


@dataclass
class Site:
    url: str
    store: Store
    reader: str
    ai: str  # an AI-assisted commit with a hostile subject
    profile: Path
    tmp: Path

    def get(self, path: str, cookies: dict[str, str] | None = None) -> tuple[int, str, str]:
        jar = {"signoff_token": self.reader, **(cookies or {})}
        req = urllib.request.Request(
            self.url + path, headers={"Cookie": "; ".join(f"{k}={v}" for k, v in jar.items())}
        )
        try:
            with urllib.request.urlopen(req, timeout=30) as resp:
                return resp.status, resp.headers.get("Content-Type", ""), resp.read().decode()
        except urllib.error.HTTPError as exc:
            return exc.code, exc.headers.get("Content-Type", ""), exc.read().decode()

    def dom(self, path: str, profile: Path | None = None) -> str:
        out = _browser("--dump-dom", self.url + path, profile=profile or self.profile).stdout
        assert "<main" in out, out[-1500:]
        return out

    def post_form(self, action: str, fields: dict[str, str]) -> str:
        """Submit a form in the browser (the way a person would), returning the next page."""
        page = self.tmp / f"form-{len(list(self.tmp.glob('form-*')))}.html"
        inputs = "".join(
            f'<input name="{html.escape(k)}" value="{html.escape(v)}">' for k, v in fields.items()
        )
        page.write_text(
            f'<form id="f" method="post" action="{self.url}{action}">{inputs}</form>'
            "<script>document.getElementById('f').submit()</script>"
        )
        return _browser("--dump-dom", page.as_uri(), profile=self.profile).stdout


def _history(git: GitRepo) -> str:
    """A policy whose people and paths carry markup, AI and human commits, an incident."""
    policy = base()
    policy["people"][1]["name"] = "Grace <i>Hopper</i>"  # accountable of `everything`
    policy["workflows"][0]["paths"] = ["/web/", "/README.md"]  # auth/ and misc/ are nobody's
    git.commit(
        "Add policy\n\nAI-Assisted: none\n",
        {"signoff.yaml": dump(policy), "README.md": "hello\n"},
        date=_day(20),
    )
    ai = git.commit(
        f"{HOSTILE}\n\nAI-Assisted: claude-code/opus\nAccepted-by: Grace Hopper <grace@example.com>\n",
        {"payments/config.py": "RETRIES = 3\n", "misc/<b>page</b>.py": "X = 1\n"},
        author=("Grace Hopper", "grace@example.com"),
        date=_day(10),
    )
    git.commit(
        f"{FORMULA}\n\nAI-Assisted: none\n",
        {"web/app.py": "def page():\n    return 'ok'\n"},
        author=("Hedy <u>Lamarr</u>", "hedy@example.com"),
        date=_day(9),
    )
    git.commit(
        "Tool change\n\nAI-Assisted: cursor\nAccepted-by: Ada Lovelace <ada@example.com>\n",
        {"auth/token.py": "T = 1\n"},
        author=("Ada Lovelace", "ada@example.com"),
        date=_day(8),
    )
    repo = Repo.discover(git.path)
    inc = open_incident(repo, f"Outage {HOSTILE}", "sev2", NOW - timedelta(days=5))
    link(repo, inc.id, [ai])
    git.git("add", "-A")
    git.commit("Record incident\n\nAI-Assisted: none\n", {}, date=_day(4))
    return ai


def _work(store: Store) -> int:
    """Run the queued jobs (the figures the pushes asked for), as a worker would."""
    ran = 0
    while jobs.run_one(store, HANDLERS, "test") is not None:
        ran += 1
    return ran


@contextmanager
def _site(url: str, repo: GitRepo, tmp_path: Path) -> Iterator[Site]:
    store = Store(make_engine(url))
    ai = _history(repo)
    with store.transaction() as s:
        ingest, _ = create_token(s, "ci", ["ingest"], None)
        reader, _ = create_token(s, "me", ["read"], None)
    with serving(Settings(store)) as address:
        push(Repo.discover(repo.path), Client(address, token=ingest), "org/a")
        push(Repo.discover(repo.path), Client(address, token=ingest), HOSTILE_REPO)
        _work(store)
        yield Site(address, store, reader, ai, tmp_path / "profile", tmp_path)
    store.close()


@pytest.fixture
def site(repo: GitRepo, tmp_path: Path) -> Iterator[Site]:
    """The pages on SQLite, signed in in the browser profile."""
    url = f"sqlite:///{tmp_path / 'server.db'}"
    engine = make_engine(url)
    upgrade(engine)
    engine.dispose()
    with _site(url, repo, tmp_path) as site:
        signin = site.post_form("/login", {"token": site.reader})
        assert "Organisation overview" in signin, signin[-2000:]
        yield site


@pytest.fixture
def site_on(database_url: str, repo: GitRepo, tmp_path: Path) -> Iterator[Site]:
    """The pages on each engine (SQLite and PostgreSQL), read over HTTP with the cookie."""
    with _site(database_url, repo, tmp_path) as site:
        yield site


class _Dom(HTMLParser):
    """Links, tables, landmarks and form controls of a page, for assertions."""

    def __init__(self) -> None:
        super().__init__()
        self.links: list[str] = []
        self.tags: list[tuple[str, dict[str, str]]] = []
        self.captions = 0
        self.tables = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = {k: v or "" for k, v in attrs}
        self.tags.append((tag, a))
        if tag == "a" and a.get("href"):
            self.links.append(a["href"])
        self.tables += tag == "table"
        self.captions += tag == "caption"


def _parse(dom: str) -> _Dom:
    p = _Dom()
    p.feed(dom)
    return p


def _inert(dom: str) -> None:
    """Markup from commits, names, paths and titles is text, never an element."""
    assert "<script>alert" not in dom and "<img src" not in dom
    assert "<b>bold" not in dom and "<b>page" not in dom and "<i>Hopper" not in dom
    assert "<u>Lamarr" not in dom and "<i>b</i>" not in dom


def _accessible(dom: str) -> None:
    """Landmarks, a skip link first, captions on every table, a label for every control."""
    p = _parse(dom)
    first_link = next(a for t, a in p.tags if t == "a")
    assert first_link.get("href") == "#main" and "skip" in first_link.get("class", "")
    assert any(t == "main" and a.get("id") == "main" for t, a in p.tags)
    assert any(t == "nav" and a.get("aria-label") for t, a in p.tags)
    assert any(t == "header" for t, _ in p.tags)
    assert p.tables == p.captions
    ids = {a["id"] for t, a in p.tags if "id" in a}
    labelled = {a.get("for") for t, a in p.tags if t == "label"}
    for tag, a in p.tags:
        if tag in ("input", "select") and a.get("type") != "hidden":
            assert a.get("id") in labelled and a.get("id") in ids, a
        if tag == "th":
            assert a.get("scope") == "col"
        assert int(a.get("tabindex") or 0) <= 0, a  # no custom tab order to get stuck in
        if tag == "svg":
            assert a.get("role") == "img" and a.get("aria-label"), a


def test_every_page_loads_links_and_shows_markup_inert(site: Site) -> None:
    overview = site.dom("/")
    for word in ("AI share over time by tool", "Traceability coverage", "Review depth by tier"):
        assert word in overview
    nav = [h for h in _parse(overview).links if h.startswith("/") and "format=csv" not in h]
    assert {"/", "/repos", "/workflows", "/people", "/incidents", "/decay", "/ask"} <= set(nav)
    seen: set[str] = set()
    sorted_pages: set[str] = set()
    browsed: set[str] = set()
    queue = [h for h in nav if not h.startswith("/docs")]
    # follow every link the pages offer (pages, repository, incident, ask answers) and one
    # sorting link per page
    while queue:
        href = queue.pop(0).split("#")[0]
        if href in seen or href.startswith("/docs") or "format=csv" in href:
            continue
        if "sort=" in href or href.startswith("/ask?"):
            # one sorting link per page, and one answer per repository
            kind = href.split("?")[0] if "sort=" in href else href.split(":")[0]
            if kind in sorted_pages:
                continue
            sorted_pages.add(kind)
        seen.add(href)
        # each kind of page (route, sorted or not) in Chromium once, the rest as served
        route = href.split("?")[0].split("/")[1:3]
        kind = f"{route[0]}:{len(route)}:{'sort=' in href}"
        if kind in browsed:
            status, _, dom = site.get(href)
            assert status == 200, href
        else:
            browsed.add(kind)
            dom = site.dom(href)
        assert "Sign in" not in dom and "Internal Server Error" not in dom, href
        _inert(dom)
        _accessible(dom)
        queue += [site_path(href, html.unescape(h)) for h in _parse(dom).links]
        queue = [h for h in queue if h.startswith("/")]
    assert any(h.startswith("/repos/org/a") for h in seen)
    assert "/repos/" + urllib.parse.quote(HOSTILE_REPO, safe="/") in seen
    assert "org/&lt;i&gt;b&lt;/i&gt; &amp; c" in site.dom("/repos")
    assert any(h.startswith("/incidents/org/a/INC-") for h in seen)
    assert any(h.startswith("/ask?q=") for h in seen)
    assert any("sort=" in h for h in seen)
    assert len(seen) < 40, sorted(seen)  # the walk stays bounded
    incident = site.dom(next(h for h in seen if h.startswith("/incidents/org/a/INC-")))
    assert "&lt;script&gt;alert" in incident and "Decision chain" in incident
    chain = incident.split("Decision chain")[1][:1500]
    assert "claude-code" in chain and "Grace &lt;i&gt;Hopper" in chain, chain
    workflows = site.dom("/workflows")
    assert "Grace &lt;i&gt;Hopper&lt;/i&gt;" in workflows and "everything" in workflows
    people = site.dom("/people")
    owners = people.split('id="t-owners"')[1].split('id="t-unowned"')[0]
    assert "Ada Lovelace" in owners and "org/a: /payments/" in owners
    unowned = people.split('id="t-unowned"')[1]
    assert "misc/&lt;b&gt;page&lt;/b&gt;.py" in unowned and "auth/token.py" in unowned
    assert "payments/config.py" not in unowned  # owned by `payments`, accountable ada
    signed_out = _browser("--dump-dom", f"{site.url}/", profile=site.tmp / "other").stdout
    assert "Sign in" in signed_out


def _rows(dom: str, table_id: str) -> list[list[str]]:
    """The text of each body row's cells of one table, in page order."""
    body = dom.split(f'id="{table_id}"')[1].split("<tbody>")[1].split("</tbody>")[0]
    return [
        [re.sub(r"<[^>]+>", "", cell) for cell in re.findall(r"<td[^>]*>(.*?)</td>", row, re.S)]
        for row in re.findall(r"<tr>(.*?)</tr>", body, re.S)
    ]


def _incident_id(site: Site) -> str:
    _, _, body = site.get("/incidents?format=csv&table=incidents")
    (row,) = list(csv.DictReader(io.StringIO(body)))[:1]
    return row["Incident"]


def site_path(current: str, href: str) -> str:
    """A link as a path on the site (query-only links keep the current page's path)."""
    if href.startswith("?"):
        return current.split("?")[0] + href
    return href


@pytest.mark.parametrize("days", [400, 9])
def test_overview_figures_equal_the_cli_audit(site_on: Site, repo: GitRepo, days: int) -> None:
    """The overview's traceability coverage, attribution clarity and line measures are the
    audit's, over all history and over a period (`?since=&until=`)."""
    since, until = (NOW - timedelta(days=days)).date().isoformat(), NOW.date().isoformat()
    period = parse_period(since, until)
    summary = audit_summary(run_audit(Repo.discover(repo.path), AuditOptions(period)).report)
    query = f"since={since}&until={until}&format=csv"
    site = site_on
    status, ctype, body = site.get(f"/?{query}&table=clarity")
    assert status == 200 and ctype.startswith("text/csv")
    rows = {r["Repository"]: r for r in csv.DictReader(io.StringIO(body))}
    row = rows["org/a"]
    head = summary["headline"]
    assert int(row["Changes"]) == summary["completeness"]["population"]
    for column, key in (
        ("Traceability coverage", "traceability_coverage"),
        ("Attribution clarity", "attribution_clarity"),
    ):
        value = head[key]["value"]
        assert (float(row[column]) if row[column] else None) == value, column
    status, _, body = site.get(f"/?{query}&table=capture")
    cap = {r["Repository"]: r for r in csv.DictReader(io.StringIO(body))}["org/a"]
    lines = summary["lines"]
    assert int(cap["AI-attributed lines (line record)"]) == lines["ai_attributed_lines"]
    assert (
        int(cap["Lines in AI-assisted commits without a line record"])
        == lines["ai_assisted_unrecorded_lines"]
    )


def test_a_bad_period_is_refused_plainly(site: Site) -> None:
    status, ctype, body = site.get("/?since=2026-13-01")
    assert status == 400 and ctype.startswith("text/html") and "YYYY-MM-DD" in body
    status, _, body = site.get("/workflows?since=2026-03-01&until=2026-01-01")
    assert status == 400 and "before since" in body


def test_sorting_links_and_csv_export(site: Site) -> None:
    dom = site.dom("/repos/org/a?sort=commits.subject&dir=desc")
    assert 'aria-sort="descending"' in dom
    subjects = [html.unescape(r[2]) for r in _rows(dom, "t-commits")]
    # the rendered rows are in the order the server sorted them in
    assert subjects and subjects == sorted(subjects, key=str.casefold, reverse=True), subjects
    asc = site.dom("/repos/org/a?sort=commits.subject&dir=asc")
    assert 'aria-sort="ascending"' in asc
    csv_links = [h for h in _parse(dom).links if "format=csv" in h and "table=commits" in h]
    assert csv_links, "every table offers its CSV"
    status, ctype, body = site.get("/repos/org/a" + html.unescape(csv_links[0]))
    assert status == 200 and ctype.startswith("text/csv")
    rows = list(csv.reader(io.StringIO(body)))
    header, data = rows[0], rows[1:]
    subject = header.index("Subject")
    # the same rows in the same order as the page (the formula cell carries its quote)
    shown = [("'" + x) if x.startswith("=") else x for x in subjects]
    assert [r[subject] for r in data] == shown
    # a subject that starts a formula stays text, as in the audit's CSV
    assert "'" + FORMULA in [r[subject] for r in data]
    assert not any(cell.startswith(("=", "+", "@")) for r in data for cell in r)
    status, _, _ = site.get("/repos/org/a?format=csv&table=nope")
    assert status == 404


def test_sort_rows_keeps_blanks_last_and_numbers_numeric() -> None:
    rows = [{"n": 10}, {"n": None}, {"n": 9}, {"n": ""}, {"n": 100}]
    assert [r["n"] for r in sort_rows(rows, "n", False)] == [9, 10, 100, None, ""]
    assert [r["n"] for r in sort_rows(rows, "n", True)] == [100, 10, 9, None, ""]


def test_both_themes_without_javascript(site: Site) -> None:
    page = site.dom("/workflows")
    assert "data-theme" not in page.split(">", 2)[1]  # the system's choice by default
    assert "prefers-color-scheme: dark" in page
    dark = site.post_form("/theme", {"theme": "dark", "next": "/workflows"})
    assert '<html lang="en" data-theme="dark">' in dark and "Workflows" in dark
    assert '<option value="dark" selected="">' in dark
    light = site.post_form("/theme", {"theme": "light", "next": "//evil.example/"})
    assert '<html lang="en" data-theme="light">' in light and "Organisation overview" in light
    auto = site.post_form("/theme", {"theme": "auto", "next": "/people"})
    assert "data-theme" not in auto.split(">", 2)[1] and "AI-assisted paths" in auto


def test_four_questions_box(site: Site) -> None:
    answer = site.dom("/ask?" + urllib.parse.urlencode({"q": f"org/a:{site.ai[:12]}"}))
    assert "Was it AI-generated?" in answer and "claude-code" in answer
    assert "Grace &lt;i&gt;Hopper" in answer and "&lt;script&gt;alert" in answer
    _inert(answer)
    line = site.dom("/ask?" + urllib.parse.urlencode({"q": "org/a:payments/config.py:1"}))
    assert "no clone on this server" in line and "signoff server repo add org/a" in line
    incident = site.dom(f"/incidents/org/a/{_incident_id(site)}")
    assert "add a clone with" in incident and "Decision chain" in incident
    missing = site.dom("/ask?q=org/zzz:abcdef")
    assert "No repository org/zzz here" in missing and "signoff push" in missing


def test_ask_says_how_it_was_merged_and_where_the_accepter_came_from(
    store: Store, repo: GitRepo, tmp_path: Path
) -> None:
    """The box words the merge and the accepter's source as `signoff explain` does, from the
    pushed record: an AI commit accepted by its author, brought in by a pull request's merge."""
    repo.commit("Add policy\n\nAI-Assisted: none\n", {"signoff.yaml": dump(base())})
    main = repo.git("rev-parse", "--abbrev-ref", "HEAD").strip()
    repo.git("checkout", "-q", "-b", "feature")
    ai = repo.commit(
        "Retry <b>payments</b>\n\nAI-Assisted: claude-code/opus\n",
        {"payments/retry.py": "N = 2\n"},
        author=("Ada Lovelace", "ada@example.com"),
    )
    repo.git("checkout", "-q", main)
    repo.git("merge", "-q", "--no-ff", "-m", "Merge pull request #7 from org/feature", "feature")
    ran = run_signoff(repo, "explain", ai, "--json")
    assert ran.returncode == 0, ran.stderr
    (cli,) = (
        json.loads(ran.stdout)["commits"] if "commits" in ran.stdout else [json.loads(ran.stdout)]
    )
    source = cli["provenance"]["accepted_by_source"]
    merge = cli["review"]["merge"]
    assert source in ("author", "committer") and merge["pull_request"] == "#7"
    text = run_signoff(repo, "explain", ai).stdout
    assert f"({source})" in text and "pull request #7 in" in text
    with store.transaction() as s:
        ingest, _ = create_token(s, "ci", ["ingest"], None)
        reader, _ = create_token(s, "me", ["read"], None)
    with serving(Settings(store)) as address:
        push(Repo.discover(repo.path), Client(address, token=ingest), "org/a")
        site = Site(address, store, reader, "", tmp_path / "p", tmp_path)
        status, _, body = site.get("/ask?" + urllib.parse.urlencode({"q": f"org/a:{ai[:12]}"}))
    assert status == 200
    assert f'Ada Lovelace &lt;ada@example.com&gt; <span class="muted">({source})</span>' in body
    by = f"{merge['merged_by']['name']} &lt;{merge['merged_by']['email']}&gt;"
    assert (
        f"merged: pull request #7 in {merge['commit'][:10]} by {by} at {merge['merged_at']}" in body
    )
    assert "<b>payments" not in body
    store.close()


def test_answers_that_need_a_clone(site: Site, repo: GitRepo) -> None:
    from signoff.store.models import Repository

    with site.store.transaction() as s:
        row = s.query(Repository).filter_by(name="org/a").one()
        row.path = str(repo.path)
    line = site.dom("/ask?" + urllib.parse.urlencode({"q": "org/a:payments/config.py:1"}))
    assert "Line 1" in line and "RETRIES = 3" in line and "claude-code" in line
    decay = site.dom("/decay")
    assert "No decay computed yet for org/a" in decay and "payments/config.py" not in decay
    assert "The decay job is queued now" in decay
    assert _work(site.store) == 1
    decay = site.dom("/decay")
    assert (
        "payments/config.py" in decay and "Without one: org/&lt;i&gt;b&lt;/i&gt; &amp; c." in decay
    )
    assert "org/a: decay computed" in decay and "Up to date with every push" in decay
    incidents = site.dom("/incidents")
    (href,) = {h for h in _parse(incidents).links if h.startswith("/incidents/org/a/INC-")}
    incident = site.dom(href)
    assert "Traced in the clone on this server" in incident and "decisive control" in incident
    _inert(incident)


def test_pages_say_what_to_push_when_nothing_is(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'empty.db'}"
    engine = make_engine(url)
    upgrade(engine)
    store = Store(engine)
    with store.transaction() as s:
        reader, _ = create_token(s, "me", ["read"], None)
    with serving(Settings(store)) as address:
        site = Site(address, store, reader, "", tmp_path / "p", tmp_path)
        for path in ("/", "/repos", "/workflows", "/people", "/incidents", "/decay"):
            status, _, body = site.get(path)
            assert status == 200 and "signoff push --server URL" in body, path
    store.close()


@pytest.mark.skipif(not AXE.exists(), reason="axe-core is installed by `make tools`")
@pytest.mark.parametrize("theme", ["light", "dark"])
def test_axe_finds_no_violations(site: Site, theme: str) -> None:
    """axe-core (WCAG 2 A/AA and best practices, colour contrast included) on every page,
    run in Chromium over the page's rendered DOM."""
    found: dict[str, object] = {}
    shutil.copy(AXE, site.tmp / "axe.min.js")
    pages = ["/", "/repos", "/repos/org/a", "/workflows", "/people", "/incidents", "/decay"]
    pages += [f"/incidents/org/a/{_incident_id(site)}", f"/ask?q=org/a:{site.ai[:12]}"]
    for path in pages:
        # the page as served (no script runs in it, so this is the DOM the browser builds)
        status, _, dom = site.get(path, {"signoff_theme": theme})
        assert status == 200 and f'data-theme="{theme}"' in dom
        page = site.tmp / f"axe-{theme}-{len(found)}-{pages.index(path)}.html"
        probe = (
            '<script src="axe.min.js"></script><script>axe.run(document, {runOnly: '
            '["wcag2a", "wcag2aa", "best-practice"]}).then(r => { const p = '
            'document.createElement("pre"); p.id = "axe-result"; p.textContent = '
            "JSON.stringify(r.violations.map(v => ({id: v.id, nodes: v.nodes.map(n => "
            "n.target.join(' '))}))); document.body.appendChild(p); });</script>"
        )
        page.write_text(dom.replace("</body>", probe + "</body>"))
        out = _browser(
            "--allow-file-access-from-files",
            "--virtual-time-budget=20000",
            "--dump-dom",
            page.as_uri(),
            profile=site.tmp / "axe-profile",
        ).stdout
        match = re.search(r'<pre id="axe-result">(.*?)</pre>', out, re.S)
        assert match, f"axe did not finish on {path}"
        violations = json.loads(html.unescape(match.group(1)))
        if violations:
            found[path] = violations
    assert not found, found


def test_dashboard_reads_the_same_on_both_engines(
    store: Store, repo: GitRepo, database_url: str
) -> None:
    """The page queries (new functions in server.dashboard) on SQLite and PostgreSQL: the
    incident's decision chain and the workflows' accountables read back from pushed rows."""
    from signoff.server import dashboard, figures

    ai = _history(repo)
    with store.transaction() as s:
        ingest, _ = create_token(s, "ci", ["ingest"], None)
    with serving(Settings(store)) as address:
        push(Repo.discover(repo.path), Client(address, token=ingest), "org/a")
    _work(store)
    with store.transaction() as s:
        (view,) = dashboard.views(s, None)
        assert [c.id for c in view.changes][:1] == [repo.git("rev-parse", "HEAD").strip()]
        repos = dashboard.repositories(s, None)
        figs = figures.read(s, repos, sections=("detail", "unowned"))
        wfs = {w["workflow"]: w for w in dashboard.workflows(figs)}
        assert wfs["everything"]["accountable"].startswith("Grace <i>Hopper</i>")
        assert wfs["payments"]["ai_changes"] == 1
        (incident,) = view.incidents
        (row,) = repos
        (step,) = dashboard.decision_chain(s, row.id, incident)
        assert step["sha"] == ai and step["record"]["subject"] == HOSTILE
    paths = {r["path"] for r in dashboard.unowned_paths(figs)[0]}
    assert paths == {"misc/<b>page</b>.py", "auth/token.py"}


def test_pages_say_how_fresh_their_figures_are(store: Store, repo: GitRepo, tmp_path: Path) -> None:
    """A page names when its figures were computed; before the job ran it says there are none
    yet and that the job is queued; after a newer push it says pushes are being processed; once
    the worker ran, it is up to date again."""
    _history(repo)
    with store.transaction() as s:
        ingest, _ = create_token(s, "ci", ["ingest"], None)
        reader, _ = create_token(s, "me", ["read"], None)
    with serving(Settings(store)) as address:
        site = Site(address, store, reader, "", tmp_path / "p", tmp_path)
        push(Repo.discover(repo.path), Client(address, token=ingest), "org/a")
        for path in ("/", "/repos", "/workflows", "/people", "/repos/org/a"):
            status, _, body = site.get(path)
            assert status == 200, path
            assert "No figures yet for 1 pushed repository (org/a)" in body, path
            assert "still being processed" in body, path
        with store.transaction() as s:
            waiting = s.execute(
                select(Job.id).where(Job.kind == METRICS_JOB, Job.status == "queued")
            ).all()
        assert len(waiting) == 1  # the push queued it; the pages did not queue another
        assert _work(store) == 1
        status, _, body = site.get("/")
        assert "Figures computed" in body and "Up to date with every push" in body
        assert "No figures yet" not in body
        # the job's row was lost (say a worker ran the figures and the queue was emptied): a
        # newer push makes the figures behind, and the page queues the job itself
        repo.commit("More\n\nAI-Assisted: none\n", {"more.py": "x = 1\n"})
        push(Repo.discover(repo.path), Client(address, token=ingest), "org/a")
        with store.transaction() as s:
            s.execute(delete(Job))
        status, _, body = site.get("/")
        assert "Pushed since their figures were computed: org/a" in body
        assert "the figures job is queued now" in body
        assert _work(store) == 1
        status, _, body = site.get("/?format=csv&table=clarity")
        (row,) = csv.DictReader(io.StringIO(body))
        assert int(row["Changes"]) == int(repo.git("rev-list", "--count", "--first-parent", "HEAD"))
        assert "Up to date" in site.get("/")[2]
    store.close()


def test_decay_page_reads_what_the_decay_job_stored(
    store: Store, repo: GitRepo, tmp_path: Path, database_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """With a clone registered, the page never blames: it shows what the decay job stored, when
    and at which tip, says when there is none yet or a push is newer, and the job catches up."""
    from signoff.incidents import decay as decay_module

    calls: list[str] = []
    real = decay_module.decay

    def slow_decay(repo: Repo, **kwargs: Any) -> Any:
        calls.append(str(repo.root))
        time.sleep(1)  # a large clone's blame: a page that waited on it would show it
        return real(repo, **kwargs)

    monkeypatch.setattr(decay_module, "decay", slow_decay)
    _history(repo)
    with store.transaction() as s:
        ingest, _ = create_token(s, "ci", ["ingest"], None)
        reader, _ = create_token(s, "me", ["read"], None)
    with serving(Settings(store)) as address:
        site = Site(address, store, reader, "", tmp_path / "p", tmp_path)
        push(Repo.discover(repo.path), Client(address, token=ingest), "org/a")
        add = run_signoff(
            repo, "server", "repo", "add", "org/a", "--path", str(repo.path),
            "--database-url", database_url,
        )  # fmt: skip
        assert add.returncode == 0, add.stderr
        status, _, body = site.get("/decay")
        assert status == 200 and calls == []
        assert "No decay computed yet for org/a" in body and "payments/config.py" not in body
        assert "The decay job is queued or running" in body  # `repo add` queued it
        with store.transaction() as s:
            kinds = s.execute(select(Job.kind).where(Job.status == "queued")).scalars().all()
        assert sorted(kinds) == [DECAY_JOB, METRICS_JOB]  # the page did not queue another
        assert _work(store) == 2 and calls == [str(repo.path)]
        status, _, body = site.get("/decay")
        tip = repo.git("rev-parse", "HEAD").strip()
        assert "payments/config.py" in body and f"at tip <code>{tip[:12]}</code>" in body
        assert "Up to date with every push" in body and len(calls) == 1
        # a push moves the tip: the push queues the decay job, the page says it is behind
        repo.commit(
            "Add a rule\n\nAI-Assisted: claude-code/opus\nAccepted-by: Grace Hopper <grace@example.com>\n",
            {"payments/rules.py": "LIMIT = 5\n"},
            author=("Grace Hopper", "grace@example.com"),
        )
        push(Repo.discover(repo.path), Client(address, token=ingest), "org/a")
        status, _, body = site.get("/decay")
        assert "Pushed since their decay was computed: org/a" in body and len(calls) == 1
        assert "payments/rules.py" not in body and "queued or running" in body
        _work(store)
        status, _, body = site.get("/decay")
        tip = repo.git("rev-parse", "HEAD").strip()
        assert len(calls) == 2 and "payments/rules.py" in body
        assert f"at tip <code>{tip[:12]}</code>" in body and "Up to date" in body
        # the job again with no new tip the same day: the stored files are kept, no blame
        with store.transaction() as s:
            queue_decay(s, "test")
        assert _work(store) == 1 and len(calls) == 2
        # a clone that is gone: the job stores why, the page says it and keeps the others
        with store.transaction() as s:
            gone = repository(s, "org/gone", create=True)
            assert gone is not None
            gone.path = str(tmp_path / "gone")
            queue_decay(s, "test")
        assert _work(store) == 1
        status, _, body = site.get("/decay")
        assert status == 200 and "org/gone: " in body and "payments/rules.py" in body
    store.close()


def test_a_grant_sees_the_merged_figures_of_its_repositories_only(
    store: Store, repo: GitRepo, tmp_path: Path
) -> None:
    """The overview merges the stored figures of the repositories the token may read: two
    repositories pushed, a token granted one sees its figures alone, an unrestricted token
    the sum (numerators and denominators added, not ratios averaged)."""
    _history(repo)
    with store.transaction() as s:
        ingest, _ = create_token(s, "ci", ["ingest"], None)
        everyone, _ = create_token(s, "all", ["read"], None)
        one, _ = create_token(s, "one", ["read"], ["org/b"])
    with serving(Settings(store)) as address:
        push(Repo.discover(repo.path), Client(address, token=ingest), "org/a")
        repo.commit(
            "Second\n\nAI-Assisted: codex\n", {"x.py": "x = 2\n"}, date=_day(2)
        )  # org/b: one more change, AI-assisted with no accepter
        push(Repo.discover(repo.path), Client(address, token=ingest), "org/b")
        _work(store)
        whole = Site(address, store, everyone, "", tmp_path / "p1", tmp_path)
        part = Site(address, store, one, "", tmp_path / "p2", tmp_path)

        def clarity(site: Site) -> dict[str, dict[str, str]]:
            status, _, body = site.get("/?format=csv&table=clarity")
            assert status == 200
            return {r["Repository"]: r for r in csv.DictReader(io.StringIO(body))}

        both, only = clarity(whole), clarity(part)
        assert set(both) == {"org/a", "org/b"} and set(only) == {"org/b"}
        assert int(both["org/b"]["Changes"]) == int(both["org/a"]["Changes"]) + 1
        assert only["org/b"] == both["org/b"]
        cards = part.get("/")[2]
        n_b = int(both["org/b"]["Changes"])
        assert f"<li>Changes<strong>{n_b}</strong>" in cards
        total = int(both["org/a"]["Changes"]) + n_b
        assert f"<li>Changes<strong>{total}</strong>" in whole.get("/")[2]
        # the merged ratio is the added numerators over the added denominators
        merged = re.search(r"(\d+) of (\d+) AI-assisted changes", whole.get("/")[2])
        per = [re.search(r"(\d+) of (\d+) AI-assisted changes", whole.get(f"/repos/{n}")[2])
               for n in ("org/a", "org/b")]  # fmt: skip
        assert merged and all(per)
        assert [int(x) for x in merged.groups()] == [
            sum(int(m.group(i)) for m in per if m) for i in (1, 2)
        ]
        assert part.get("/repos/org/a")[0] == 403
    store.close()
