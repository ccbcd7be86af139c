"""Attestations: in-toto layout, DSSE signatures, and tamper detection against a real repository."""

from __future__ import annotations

import base64
import hashlib
import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import jsonschema
import pytest

from signoff.audit.attest import attest
from signoff.audit.dsse import pae
from signoff.audit.keys import generate_key, load_private_key, load_public_key
from signoff.audit.statement import PREDICATE_TYPE, STATEMENT_SCHEMA, statement_problems
from signoff.audit.verify import read_envelopes, verify
from signoff.errors import SignoffError
from signoff.git.repo import Repo
from tests.gitrepo import GitRepo

CLAUDE = "\n\nCo-Authored-By: Claude Opus 4.5 <noreply@anthropic.com>\n"
NOTE = '{"schema":"signoff/provenance/v1","commit":"%s","status":"%s","tools":[]}\n'


def _note(repo: GitRepo, sha: str, status: str) -> None:
    repo.git(
        "notes", "--ref=signoff", "add", "-f", "-F", "-", sha, input=(NOTE % (sha, status)).encode()
    )


@pytest.fixture
def signed(repo: GitRepo, tmp_path: Path) -> tuple[GitRepo, list[dict[str, Any]], Path, list[str]]:
    base = repo.commit("base\n", {"app.py": "a = 1\n"})
    ai = repo.commit(
        "ai change\n\nReviewed-by: Grace <grace@example.com>\n"
        "Co-Authored-By: Claude Opus 4.5 <noreply@anthropic.com>\n",
        {"app.py": "a = 2\n"},
    )
    human = repo.commit("human change\n", {"app.py": "a = 3\n"})
    _note(repo, human, "human")
    keys = generate_key(tmp_path / "keys")
    envelopes = attest(Repo.discover(repo.path), [f"{base}..HEAD"], load_private_key(keys.private))
    return repo, envelopes, keys.public, [ai, human]


def _statement(envelope: dict[str, Any]) -> dict[str, Any]:
    doc: dict[str, Any] = json.loads(base64.b64decode(envelope["payload"]))
    return doc


def _verify(repo: GitRepo, envelopes: list[dict[str, Any]], public: Path) -> list[Any]:
    return verify(Repo.discover(repo.path), list(enumerate(envelopes, 1)), load_public_key(public))


SCHEMAS = Path(__file__).resolve().parent.parent / "docs" / "schemas"


def _schema(name: str) -> dict[str, Any]:
    doc: dict[str, Any] = json.loads((SCHEMAS / f"{name}-v1.json").read_text())
    return doc


def test_the_documented_statement_schema_is_the_one_in_the_code() -> None:
    documented = _schema("provenance-statement")
    assert {k: v for k, v in documented.items() if k not in ("$id", "title")} == STATEMENT_SCHEMA


def test_one_statement_per_change_with_a_valid_in_toto_layout(signed: Any) -> None:
    repo, envelopes, _, shas = signed
    assert len(envelopes) == 2
    for envelope, sha in zip(envelopes, shas, strict=True):
        assert envelope["payloadType"] == "application/vnd.in-toto+json"
        doc = _statement(envelope)
        jsonschema.validate(doc, STATEMENT_SCHEMA)
        assert statement_problems(doc) == []
        assert doc["predicateType"] == PREDICATE_TYPE
        digest = doc["subject"][0]["digest"]
        raw = subprocess.run(
            ["git", "cat-file", "commit", sha], cwd=repo.path, capture_output=True, check=True
        ).stdout
        assert digest == {"gitCommit": sha, "sha256": hashlib.sha256(raw).hexdigest()}
    ai, human = (_statement(e)["predicate"] for e in envelopes)
    assert ai["provenance"]["status"] == "ai"
    assert ai["provenance"]["tools"][0]["tool"] == "claude-code"
    assert ai["review"][0]["person"]["email"] == "grace@example.com"
    assert human["provenance"]["status"] == "human"
    assert [n["ref"] for n in human["evidence"]["notes"]] == ["refs/notes/signoff"]


def test_signature_is_over_the_dsse_pae(signed: Any) -> None:
    _, envelopes, public, _ = signed
    envelope = envelopes[0]
    payload = base64.b64decode(envelope["payload"])
    sig = base64.b64decode(envelope["signatures"][0]["sig"])
    load_public_key(public).verify(sig, pae(envelope["payloadType"], payload))
    assert pae("t", b"ab") == b"DSSEv1 1 t 2 ab"


def test_untouched_attestations_verify(signed: Any) -> None:
    repo, envelopes, public, _ = signed
    assert all(v.ok for v in _verify(repo, envelopes, public))


def test_a_note_changed_after_the_fact_is_detected(signed: Any) -> None:
    repo, envelopes, public, (_ai, human) = signed
    _note(repo, human, "ai")
    verdicts = _verify(repo, envelopes, public)
    assert verdicts[0].ok
    assert not verdicts[1].ok and verdicts[1].signature
    assert verdicts[1].problems == [
        f"note refs/notes/signoff on {human[:12]} changed after it was attested"
    ]


def test_a_note_added_or_removed_after_the_fact_is_detected(signed: Any) -> None:
    repo, envelopes, public, (ai, human) = signed
    _note(repo, ai, "human")
    repo.git("notes", "--ref=signoff", "remove", human)
    verdicts = _verify(repo, envelopes, public)
    assert "was added after it was attested" in verdicts[0].problems[0]
    assert "was removed after it was attested" in verdicts[1].problems[0]


@pytest.mark.parametrize(
    "ref",
    [
        "refs/notes/agent-trace",
        "refs/notes/remotes/origin/signoff",
        "refs/notes/remotes/origin/agent-trace",
        "refs/notes/ai",
        "refs/notes/ai-remote/origin",
    ],
)
def test_a_note_under_any_ref_detection_reads_is_pinned(signed: Any, ref: str) -> None:
    repo, envelopes, public, (ai, _human) = signed
    repo.git("notes", f"--ref={ref}", "add", "-f", "-m", '{"version":"0.1.0"}', ai)
    verdicts = _verify(repo, envelopes, public)
    assert verdicts[0].problems == [f"note {ref} on {ai[:12]} was added after it was attested"]
    assert verdicts[1].ok
    # a notes ref detection does not read (the gate's own records) is not evidence
    repo.git("notes", f"--ref={ref}", "remove", ai)
    repo.git("notes", "--ref=signoff-checks", "add", "-m", "{}", ai)
    assert all(v.ok for v in _verify(repo, envelopes, public))


def test_a_legacy_git_ai_authorship_blob_is_pinned(signed: Any) -> None:
    repo, envelopes, public, (ai, _human) = signed
    blob = repo.git("hash-object", "-w", "--stdin", input=b"legacy log\n").strip()
    repo.git("update-ref", f"refs/ai/authorship/{ai}", blob)
    verdicts = _verify(repo, envelopes, public)
    assert verdicts[0].problems == [
        f"note refs/ai/authorship/{ai} on {ai[:12]} was added after it was attested"
    ]


def test_an_altered_attestation_fails_its_signature(signed: Any) -> None:
    repo, envelopes, public, _ = signed
    doc = _statement(envelopes[0])
    doc["predicate"]["provenance"]["status"] = "human"
    forged = dict(envelopes[0], payload=base64.b64encode(json.dumps(doc).encode()).decode())
    verdicts = _verify(repo, [forged], public)
    assert not verdicts[0].signature and not verdicts[0].ok
    assert "altered" in verdicts[0].problems[0]


def test_another_key_is_refused(signed: Any, tmp_path: Path) -> None:
    repo, envelopes, _, _ = signed
    other = generate_key(tmp_path / "other")
    verdicts = _verify(repo, envelopes, other.public)
    assert all(v.problems == ["signed by another key"] for v in verdicts)


def test_a_rewritten_commit_is_detected(signed: Any) -> None:
    repo, envelopes, public, _ = signed
    statement = _statement(envelopes[0])
    sha = statement["subject"][0]["digest"]["gitCommit"]
    # a fresh clone without the commit: the attested subject is gone
    repo.git("reset", "-q", "--hard", f"{sha}~1")
    repo.git("reflog", "expire", "--expire=now", "--all")
    repo.git("gc", "-q", "--prune=now")
    verdicts = _verify(repo, envelopes, public)
    assert f"commit {sha[:12]} is not in this repository" in verdicts[0].problems


def test_offline_verification_needs_only_the_public_key(signed: Any) -> None:
    _, envelopes, public, _ = signed
    text = "".join(json.dumps(e) + "\n" for e in envelopes) + "not json\n"
    verdicts = verify(None, read_envelopes(text), load_public_key(public))
    assert [v.ok for v in verdicts] == [True, True, False]


def test_keygen_refuses_to_overwrite(tmp_path: Path) -> None:
    generate_key(tmp_path)
    with pytest.raises(SignoffError):
        generate_key(tmp_path)
    assert (tmp_path / "signoff-attest.key").stat().st_mode & 0o077 == 0


def _cli(repo: GitRepo, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "signoff", *args],
        cwd=repo.path,
        capture_output=True,
        text=True,
        env=repo.env,
    )


def test_cli_keygen_attest_verify_and_tamper(repo: GitRepo) -> None:
    repo.commit("base\n", {"app.py": "a = 1\n"})
    sha = repo.commit("ai" + CLAUDE, {"app.py": "a = 2\n"})
    keygen = _cli(repo, "keygen", "--json")
    assert keygen.returncode == 0
    jsonschema.validate(json.loads(keygen.stdout), _schema("keygen"))
    out = _cli(repo, "attest-provenance", "HEAD", "-o", "att.jsonl")
    assert out.returncode == 0, out.stderr
    ok = _cli(repo, "verify", "att.jsonl", "--json")
    assert ok.returncode == 0, ok.stdout
    assert json.loads(ok.stdout)["verdict"] == "ok"
    _note(repo, sha, "human")
    bad = _cli(repo, "verify", "att.jsonl", "--json")
    assert bad.returncode == 1
    doc = json.loads(bad.stdout)
    jsonschema.validate(doc, _schema("verify"))
    assert doc["schema"] == "signoff/verify/v1" and doc["failed"] == 1
    assert "changed after it was attested" in " ".join(doc["results"][0]["problems"]) or (
        "added after" in " ".join(doc["results"][0]["problems"])
    )
    missing = _cli(repo, "attest-provenance", "nope")
    assert missing.returncode == 2 and "Traceback" not in missing.stderr


def test_an_incident_record_changed_after_the_fact_is_detected(
    repo: GitRepo, tmp_path: Path
) -> None:
    base = repo.commit("base\n", {"app.py": "a = 1\n"})
    bad = repo.commit("ai" + CLAUDE, {"app.py": "a = 2\n"})
    record = f"schema: signoff/incident/v1\nid: INC-1\nsuspects:\n  - commits: [{bad}]\n"
    repo.commit("incident INC-1\n", {".signoff/incidents/INC-1.yaml": record})
    keys = generate_key(tmp_path / "keys")
    r = Repo.discover(repo.path)
    envelopes = attest(r, [f"{base}..{bad}"], load_private_key(keys.private))
    pinned = _statement(envelopes[0])["predicate"]["evidence"]["incidents"]
    assert [e["path"] for e in pinned] == [".signoff/incidents/INC-1.yaml"]
    assert all(v.ok for v in _verify(repo, envelopes, keys.public))
    repo.commit("soften INC-1\n", {".signoff/incidents/INC-1.yaml": record + "severity: low\n"})
    verdicts = _verify(repo, envelopes, keys.public)
    assert verdicts[0].problems == [
        "incident record .signoff/incidents/INC-1.yaml changed after it was attested"
    ]
    repo.git("rm", "-q", ".signoff/incidents/INC-1.yaml")
    repo.commit("drop INC-1\n")
    assert (
        "was removed after it was attested" in _verify(repo, envelopes, keys.public)[0].problems[0]
    )


def test_a_merge_is_attested_with_the_accountable_for_what_it_brought_in(
    repo: GitRepo, tmp_path: Path
) -> None:
    from tests.audit_history import build

    ids = build(repo)
    keys = generate_key(tmp_path / "keys")
    envelopes = attest(Repo.discover(repo.path), [ids["c5"]], load_private_key(keys.private))
    predicate = _statement(envelopes[0])["predicate"]
    groups = predicate["accountability"]["workflows"]
    assert [g["workflow"] for g in groups] == ["payments"]
    assert groups[0]["accountable"]["id"] == "ada"
    assert sorted(groups[0]["paths"]) == ["payments/a.py", "payments/b.py"]


def test_an_envelope_with_two_payload_keys_is_refused(signed: Any) -> None:
    repo, envelopes, public, _ = signed
    good = envelopes[0]
    forged = base64.b64encode(b'{"claims":"anything"}').decode()
    # one reader takes the first payload, another the last: never resolved, refused
    line = (
        f'{{"payloadType": {json.dumps(good["payloadType"])}, "payload": "{forged}", '
        f'"payload": {json.dumps(good["payload"])}, "signatures": {json.dumps(good["signatures"])}}}'
    )
    verdicts = verify(
        Repo.discover(repo.path), read_envelopes(line + "\n"), load_public_key(public)
    )
    assert not verdicts[0].ok
    assert verdicts[0].problems == [
        "not a DSSE envelope: the key 'payload' appears twice in one object"
    ]
    # alone in its file: exit 2, and the sentence says why the line is no envelope
    only = repo.path.parent / "forged.jsonl"
    only.write_text(line + "\n")
    proc = subprocess.run(
        [sys.executable, "-m", "signoff", "verify", str(only), "--key", str(public)],
        cwd=repo.path,
        capture_output=True,
        text=True,
        env=repo.env,
    )
    assert proc.returncode == 2, proc.stdout + proc.stderr
    assert "line 1: the key 'payload' appears twice in one object" in proc.stderr


def test_a_policy_blob_swapped_after_attesting_is_reported_on_its_own(
    repo: GitRepo, tmp_path: Path
) -> None:
    """`git replace` shows other bytes for signoff.yaml under the same commit and tree ids:
    verify names the policy blob rather than saying OK."""
    policy = "schema: signoff/policy/v1\npeople: []\n"
    base = repo.commit("base\n", {"app.py": "a = 1\n", "signoff.yaml": policy})
    repo.commit("change\n", {"app.py": "a = 2\n"})
    keys = generate_key(tmp_path / "keys")
    envelopes = attest(Repo.discover(repo.path), [f"{base}..HEAD"], load_private_key(keys.private))
    assert all(v.ok for v in _verify(repo, envelopes, keys.public))
    blob = repo.git("rev-parse", "HEAD:signoff.yaml").strip()
    forged = repo.git(
        "hash-object", "-w", "--stdin", input=(policy + "# weakened\n").encode()
    ).strip()
    repo.git("replace", blob, forged)
    [verdict] = _verify(repo, envelopes, keys.public)
    assert not verdict.ok
    assert any("differs from the attested policy blob" in p for p in verdict.problems), (
        verdict.problems
    )


def test_attest_and_verify_read_only_the_attested_commits_notes_one_at_a_time(
    repo: GitRepo, tmp_path: Path
) -> None:
    """Every note blob of the repository was read into memory at once: on a real history
    with 580 MB of Git AI notes, attesting 31 commits took 1.2 GB. Here 60 MB of notes on
    other commits (130 MiB before with 40 MB; 66 MiB after)."""
    repo.commit("base\n", {"app.py": "a = 1\n"})
    big = b"src/a.py\n  s 1-2\n---\n" + b"{" + b'"x": "' + b"y" * 2_000_000 + b'"}\n'
    for n in range(30):
        sha = repo.commit(f"c{n}\n", {"app.py": f"a = {n}\n"})
        repo.git("notes", "--ref=ai", "add", "-F", "-", sha, input=big + str(n).encode())
    head = repo.commit("attested\n", {"app.py": "a = 99\n"})
    _note(repo, head, "human")
    keys = generate_key(tmp_path / "keys")
    out = tmp_path / "att.jsonl"
    peak = (
        "import resource, subprocess, sys\n"
        "proc = subprocess.run(sys.argv[1:])\n"
        "print(proc.returncode, resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss)\n"
    )
    signoff = [sys.executable, "-m", "signoff"]
    for args in (
        ("attest-provenance", "--key", str(keys.private), "-o", str(out), f"{head}~1..{head}"),
        ("verify", str(out), "--key", str(keys.public)),
    ):
        proc = subprocess.run(
            [sys.executable, "-c", peak, *signoff, *args],
            cwd=repo.path,
            capture_output=True,
            text=True,
            env=repo.env,
        )
        code, kib = proc.stdout.split()[-2:]
        assert code == "0", proc.stderr
        assert int(kib) < 100_000, f"{args[0]}: {int(kib) // 1024} MiB"


EXCEPTION = (
    "schema: signoff/exception/v1\nid: {id}\nboundary: crypto\npaths:\n  - crypto/keys.py\n"
    "approver: ada\nreason: vetted\ngranted: 2026-01-01\nexpires: 2026-01-15\n"
)


@pytest.fixture
def excepted(repo: GitRepo) -> tuple[GitRepo, str]:
    repo.commit("base\n", {"app.py": "a = 1\n"})
    repo.commit(
        "exception\n", {".signoff/exceptions/crypto-1.yaml": EXCEPTION.format(id="crypto-1")}
    )
    sha = repo.commit("ai" + CLAUDE, {"app.py": "a = 2\n"})
    assert _cli(repo, "keygen").returncode == 0
    out = _cli(repo, "attest-provenance", "HEAD", "-o", "att.jsonl")
    assert out.returncode == 0, out.stderr
    return repo, sha


def _verify_cli(repo: GitRepo) -> tuple[int, dict[str, Any]]:
    done = _cli(repo, "verify", "att.jsonl", "--json")
    doc: dict[str, Any] = json.loads(done.stdout)
    jsonschema.validate(doc, _schema("verify"))
    return done.returncode, doc["results"][0]


def test_exception_records_are_pinned_and_an_untouched_one_verifies(excepted: Any) -> None:
    repo, _ = excepted
    envelope = json.loads((repo.path / "att.jsonl").read_text().splitlines()[0])
    jsonschema.validate(_statement(envelope), STATEMENT_SCHEMA)
    [entry] = _statement(envelope)["predicate"]["evidence"]["exceptions"]
    blob = repo.git("rev-parse", "HEAD:.signoff/exceptions/crypto-1.yaml").strip()
    assert entry["path"] == ".signoff/exceptions/crypto-1.yaml" and entry["gitBlob"] == blob
    code, result = _verify_cli(repo)
    assert code == 0 and result["ok"] and result["problems"] == [] and result["notices"] == []


@pytest.mark.parametrize(
    ("tamper", "problem"),
    [
        ("edit", "exception record .signoff/exceptions/crypto-1.yaml changed after"),
        ("delete", "exception record .signoff/exceptions/crypto-1.yaml was removed after"),
        ("add", "exception record .signoff/exceptions/crypto-2.yaml was added after"),
    ],
)
def test_an_exception_record_tampered_after_attesting_is_its_own_finding(
    excepted: Any, tamper: str, problem: str
) -> None:
    repo, _ = excepted
    path = ".signoff/exceptions/crypto-1.yaml"
    if tamper == "edit":
        widened = EXCEPTION.format(id="crypto-1").replace("2026-01-15", "2027-01-15")
        repo.commit("extend\n", {path: widened})
    elif tamper == "delete":
        repo.git("rm", "-q", path)
        repo.commit("drop\n")
    else:
        extra = EXCEPTION.format(id="crypto-2")
        repo.commit("another\n", {".signoff/exceptions/crypto-2.yaml": extra})
    code, result = _verify_cli(repo)
    assert code == 1 and not result["ok"]
    assert [p[: len(problem)] for p in result["problems"]] == [problem]
    assert not any("incident" in p for p in result["problems"])


def test_an_attestation_from_before_exceptions_were_pinned_verifies_and_says_so(
    excepted: Any, tmp_path: Path
) -> None:
    from signoff.audit.dsse import sign_envelope
    from signoff.audit.keys import PRIVATE_NAME, default_key_dir

    repo, _ = excepted
    envelope = json.loads((repo.path / "att.jsonl").read_text().splitlines()[0])
    doc = _statement(envelope)
    del doc["predicate"]["evidence"]["exceptions"]
    key = load_private_key(default_key_dir(Repo.discover(repo.path)) / PRIVATE_NAME)
    older = sign_envelope(json.dumps(doc, sort_keys=True).encode(), key)
    (repo.path / "att.jsonl").write_text(json.dumps(older) + "\n")
    code, result = _verify_cli(repo)
    assert code == 0 and result["ok"] and result["problems"] == []
    assert result["notices"] == [
        "this attestation did not pin exception records (made before they were pinned): "
        "edits to them are not checked"
    ]
    text = _cli(repo, "verify", "att.jsonl")
    assert text.returncode == 0 and "did not pin exception records" in text.stdout
