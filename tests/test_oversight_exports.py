"""Standard exports: CycloneDX 1.6 (validated with the CycloneDX library's own strict schema
validator) from `signoff export` and from the evidence pack, and one in-toto statement per pull
request with its oversight figures, signed with the audit key."""

from __future__ import annotations

import base64
import json
from datetime import timedelta
from pathlib import Path
from typing import Any

import jsonschema
import pytest
from cyclonedx.schema import SchemaVersion
from cyclonedx.validation.json import JsonStrictValidator

from signoff.audit.dsse import open_envelope
from signoff.audit.keys import generate_key, load_public_key
from signoff.audit.pack import AuditOptions, run_audit, write_pack
from signoff.audit.period import parse_period
from signoff.git import Repo
from tests.gitrepo import GitRepo, run_signoff
from tests.test_oversight_audit import CLAUDE, GRACE, POLICY, pull_request

SCHEMAS = Path(__file__).parent.parent / "docs" / "schemas"


def valid_cyclonedx(text: str) -> dict[str, Any]:
    problem = JsonStrictValidator(SchemaVersion.V1_6).validate_str(text)
    assert problem is None, problem
    doc: dict[str, Any] = json.loads(text)
    return doc


def props(doc: dict[str, Any]) -> dict[str, str]:
    return {p["name"]: p["value"] for p in doc["properties"]}


def test_export_writes_a_valid_cyclonedx_bom(repo: GitRepo) -> None:
    repo.commit("human\n\nAI-Assisted: none\n", {"a.py": "a = 1\n"})
    ai = repo.commit("ai" + CLAUDE, {"a.py": "a = 2\nb = 3\n"})
    done = run_signoff(repo, "export", "--format", "cyclonedx")
    assert done.returncode == 0, done.stderr
    doc = valid_cyclonedx(done.stdout)
    p = props(doc)
    assert p["cdx:ai:codegen:detected"] == "true"
    assert p["cdx:ai:codegen:tools"] == "claude-code"
    assert p["cdx:ai:codegen:models"] == "claude-opus-4-5"
    assert p["cdx:ai:oversight:dataSources"] == "git"
    assert (p["signoff:commits"], p["signoff:ai:commits"]) == ("2", "1")
    assert p["signoff:ai:assistedUnrecordedLines"] == "2"  # a commit-level marker: not "AI lines"
    assert p["signoff:ai:attributedLines"] == "0"
    component = doc["metadata"]["component"]
    assert component["version"] == ai
    assert [c["uid"] for c in component["pedigree"]["commits"]] == [ai]
    bad = run_signoff(repo, "export", "--format", "spdx")
    assert bad.returncode == 2 and "cyclonedx" in bad.stderr


@pytest.fixture
def pack(repo: GitRepo, tmp_path: Path) -> tuple[Path, Path]:
    gates, reviews, keys = tmp_path / "gates", tmp_path / "reviews", tmp_path / "keys"
    gates.mkdir()
    reviews.mkdir()
    repo.commit(
        "policy\n",
        {"signoff.yaml": POLICY, "payments/charge.py": "def charge(c):\n    return c\n"},
        date="2025-12-20T10:00:00+00:00",
    )
    rates = "".join(f"RATE_{i} = {i}\n" for i in range(600))
    pull_request(
        repo, 1, {"payments/rates.py": rates}, author=GRACE, message="Rates" + CLAUDE,
        when="2026-01-05T10:00:00+00:00", reviews=[("ada", timedelta(seconds=40))],
        pr_user={"login": "grace"}, gate_dir=gates, reviews_dir=reviews,
    )  # fmt: skip
    generate_key(keys)
    options = AuditOptions(
        parse_period("2026-01-01", "2026-01-31"),
        reviews=reviews,
        gate_evidence=gates,
        attest_key=keys / "signoff-attest.key",
    )
    out = tmp_path / "pack"
    write_pack(run_audit(Repo.discover(repo.path), options), out)
    return out, keys


def test_the_pack_carries_a_cyclonedx_bom_with_the_oversight_figures(
    pack: tuple[Path, Path],
) -> None:
    out, _ = pack
    doc = valid_cyclonedx((out / "bom.cdx.json").read_text())
    p = props(doc)
    assert p["cdx:ai:oversight:dataSources"] == "git,github-api"
    assert p["cdx:ai:oversight:ciWeakeningEvents"] == "0"  # the gate result was recorded
    assert p["signoff:oversight:shallowApproval"] == "1.0000"
    assert (
        p["signoff:oversight:shallowApproval:numerator"],
        p["signoff:oversight:shallowApproval:denominator"],
    ) == ("1", "1")
    manifest = json.loads((out / "manifest.json").read_text())
    assert "bom.cdx.json" in {f["path"] for f in manifest["files"]}


def test_one_signed_in_toto_statement_per_pull_request(pack: tuple[Path, Path]) -> None:
    out, keys = pack
    public = load_public_key(keys / "signoff-attest.pub")
    [envelope] = [
        json.loads(line) for line in (out / "oversight.intoto.jsonl").read_text().splitlines()
    ]
    check = open_envelope(envelope, public)
    assert check.signed, check.problem
    statement = json.loads(base64.b64decode(envelope["payload"]))
    schema = json.loads((SCHEMAS / "oversight-statement-v1.json").read_text())
    jsonschema.validate(statement, schema)
    predicate = statement["predicate"]
    assert predicate["pull_request"] == "#1"
    [depth] = predicate["forge_review"]["review_depth"]
    assert (depth["review_seconds"], depth["shallow"]) == (40.0, True)
    assert predicate["gate"]["weakened_checks"] == 0
    # altering the figures breaks the signature
    tampered = dict(
        envelope,
        payload=base64.b64encode(json.dumps(statement).replace("40.0", "4000.0").encode()).decode(),
    )
    assert not open_envelope(tampered, public).signed
