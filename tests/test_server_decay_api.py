"""`GET /api/v1/repos/NAME/decay` on both engines: the decay job's stored result, in the shape
`signoff decay --json` prints in the clone, with when, at which tip and how fresh it is."""

from __future__ import annotations

import json
from typing import Any

import jsonschema
import pytest

from signoff.git.repo import Repo
from signoff.schemas import schema_dir
from signoff.server.app import Settings
from signoff.server.client import Client, ServerError
from signoff.server.push import push
from signoff.store.db import Store
from signoff.store.tokens import create_token
from tests.gitrepo import GitRepo, run_signoff
from tests.test_server import _cli_json, serving
from tests.test_server_pages import _history, _work

DECAY = "/api/v1/repos/org/a/decay"


def _refused(client: Client, status: int, *words: str) -> None:
    with pytest.raises(ServerError) as err:
        client.get(DECAY)
    assert err.value.status == status
    text = f"{err.value.message} {err.value.hint}"
    assert all(w in text for w in words), text


def test_the_stored_decay_is_the_clis(store: Store, database_url: str, repo: GitRepo) -> None:
    _history(repo)
    with store.transaction() as s:
        ingest, _ = create_token(s, "ci", ["ingest"], None)
        reader, _ = create_token(s, "me", ["read"], ["org/a"])
        other, _ = create_token(s, "them", ["read"], ["org/b"])
    with serving(Settings(store)) as address:
        push(Repo.discover(repo.path), Client(address, token=ingest), "org/a")
        client = Client(address, token=reader)
        _refused(client, 409, "needs a clone", "signoff server repo add org/a --path")
        add = run_signoff(
            repo, "server", "repo", "add", "org/a", "--path", str(repo.path),
            "--database-url", database_url,
        )  # fmt: skip
        assert add.returncode == 0, add.stderr
        _refused(client, 409, "not computed yet", "queued or running")
        _refused(Client(address, token=other), 403, "org/a")
        assert _work(store) >= 1
        api = client.get(DECAY)
        local = _cli_json(repo, "decay")
        assert api["files"] and api["totals"]["decayed_ai_assisted_unrecorded_lines"] > 0
        for key in ("files", "total", "totals", "problems"):
            assert api[key] == local[key], key
        # how lines were traced: the same method (the blame cache's counts differ by run)
        for key in ("name", "blame", "scope"):
            assert api["method"][key] == local["method"][key], key
        tip = repo.git("rev-parse", "HEAD").strip()
        assert (api["repository"], api["tip"], api["stale"], api["pending"]) == (
            "org/a", tip, False, False,
        )  # fmt: skip
        schema = json.loads((schema_dir() / "decay-v2.json").read_text())
        jsonschema.validate({"schema": "signoff/decay/v2", **api}, schema)
        one: dict[str, Any] = client.get(DECAY, limit="1")
        assert one["files"] == api["files"][:1] and one["total"] == api["total"]
        # a push moves the tip: the answer says it is behind and the job is waiting
        repo.commit(
            "Add a rule\n\nAI-Assisted: claude-code/opus\nAccepted-by: Grace Hopper <grace@example.com>\n",
            {"payments/rules.py": "LIMIT = 5\n"},
            author=("Grace Hopper", "grace@example.com"),
        )
        push(Repo.discover(repo.path), Client(address, token=ingest), "org/a")
        behind = client.get(DECAY)
        assert behind["stale"] and behind["pending"] and behind["tip"] == tip
        _work(store)
        caught_up = client.get(DECAY)
        assert not caught_up["stale"] and caught_up["tip"] == repo.git("rev-parse", "HEAD").strip()
        assert caught_up["files"] == _cli_json(repo, "decay")["files"]
    store.close()
