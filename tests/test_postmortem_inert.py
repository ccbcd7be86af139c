"""Markdown and HTML from commits, incidents and the policy stay text in the postmortem page.

The page is opened in headless Chromium while a local server counts requests: every link and
image in the injected text points at it, so one request would mean the page fetched something.
"""

from __future__ import annotations

from pathlib import Path

from signoff.incidents.ops import link, open_incident, resolve, update
from signoff.incidents.postmortem import postmortem_html
from signoff.incidents.store import get_incident
from signoff.incidents.trace import trace
from tests.gitrepo import GitRepo
from tests.incident_fixtures import AI_TRAILERS, at, build
from tests.policy_fixtures import base
from tests.test_audit_html import pytestmark  # noqa: F401 - chromium, same skip rule
from tests.test_inert_renderings import assert_inert, rendered, server  # noqa: F401 - fixture


def test_postmortem_page_renders_links_and_images_as_text(
    repo: GitRepo,
    tmp_path: Path,
    server: str,  # noqa: F811 - the imported fixture
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

    parsed = rendered(page, tmp_path)
    tags = {tag for tag, _ in parsed.tags}
    assert not tags & {"a", "img", "script", "iframe", "link", "object", "embed"}, tags
    shown = [
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
    ]
    assert_inert(parsed, server, shown)
