"""The audit in bounded memory gives the same pack, byte for byte, as the in-memory audit did.

The digests below were taken from the in-memory implementation (every change held in a list,
read several times) on this history, before the population was streamed; the streamed audit
must reproduce them. Only what differs between two runs of the same audit is normalised: the
time the pack was generated (and the BOM serial number made from it), the test's folder and
the installed version.
"""

from __future__ import annotations

import hashlib
import re
from datetime import timedelta
from pathlib import Path

import pytest

from signoff import __version__
from signoff.audit.pack import AuditOptions, run_audit, write_pack
from signoff.audit.period import parse_period
from signoff.git import Repo
from tests.audit_history import CLAUDE, GRACE, build
from tests.gitrepo import GitRepo
from tests.test_oversight_audit import pull_request

# sha256 of each normalised pack file, from the in-memory implementation (see the docstring)
EXPECTED = {
    "population.csv": "d3988e2cc6b31ec733d8242c503377f480e6948ccaed3814401f9d0d0b7400d0",
    "population.json": "a34a037088b04fcff142cd1bf19b7193ca5cf3b96086dbeface0979019d33a09",
    "metrics.json": "bdc711ab13f06cbd5ec517591ae0a4caea0292966a25f927497e764f82dc1c97",
    "policy-snapshots.json": "d6f00025c645e47e68106d38477a7d1febdf6da8df246dbbd1143211d36aca7b",
    "incidents.json": "684a2dd16336527543c42cbe26efb321cd89f089b64dcd7bc07486967dcfb255",
    "controls.json": "117f2af3ed9b518386f3cde8b7b116f8393ef39571cb27731a900796ec4c81ae",
    "sample.json": "507172570ab3abcd45282960fdd2117f0cbe1f31b43327bba8dc45c93a0d5635",
    "bom.cdx.json": "a661f6961854f08ebaba3e6b48411665ddd8a208210104460d21e3f661d81970",
    "oversight.statements.jsonl": "cc9af936a3c1924e8efaef22ce90e35eae2871dbff869e8bcda8060bacb97622",
    "audit.json": "5d2844b6ec9b06c1fc874a5fb67d292549ef939160f263e90bc46e901cce0e94",
    "report.html": "0169e8c8e2cdf4bc62c537ac3978c37be054c7f090f28d5044089367c08aa32d",
}

TRAILERS = (
    "",
    "\n\nCo-Authored-By: Claude Opus 4.5 <noreply@anthropic.com>\n",
    f"\n\nReviewed-by: {GRACE}\n",
    "\n\nAI-Assisted: none\n",
    f"\n\nCo-Authored-By: Claude Opus 4.5 <noreply@anthropic.com>\nApproved-by: {GRACE}\n",
)
PATHS = ("payments/p{n}.py", "docs/d{n}.md", "src/s{n}.py", "README")


def history(repo: GitRepo, tmp_path: Path) -> tuple[Path, Path]:
    """audit_history's hand-built history, a pull request with its forge record and gate
    result, then 60 changes of every kind (with side branches merged) across two months."""
    build(repo)
    gates, reviews = tmp_path / "gates", tmp_path / "reviews"
    gates.mkdir()
    reviews.mkdir()
    pull_request(
        repo, 1, {"payments/rates.py": "RATE = 1\n"}, author=("Grace Hopper", "grace@example.com"),
        message="Rates" + CLAUDE, when="2026-02-03T10:00:00+00:00",
        reviews=[("ada", timedelta(minutes=40))], pr_user={"login": "grace"}, gate_dir=gates,
        reviews_dir=reviews,
    )  # fmt: skip
    for n in range(60):
        when = f"2026-02-{5 + n // 3:02d}T{10 + n % 3:02d}:00:00+00:00"
        path = PATHS[n % len(PATHS)].format(n=n % 7)
        if n % 11 == 5:
            repo.git("checkout", "-q", "-b", f"side{n}")
            repo.commit(f"side {n}{TRAILERS[n % 5]}", {path: f"s{n}\n"}, date=when)
            repo.git("checkout", "-q", "main")
            repo.git(
                "merge", "-q", "--no-ff", "-m", f"Merge pull request #{100 + n} from org/side{n}",
                f"side{n}", env={"GIT_AUTHOR_DATE": when, "GIT_COMMITTER_DATE": when},
            )  # fmt: skip
        else:
            author = ("Bob Builder", "bob@example.com") if n % 4 else None
            repo.commit(f"change {n}{TRAILERS[n % 5]}", {path: f"{n}\n"}, author=author, date=when)
    return gates, reviews


def normalised_digests(out: Path, folder: str) -> dict[str, str]:
    audit = (out / "audit.json").read_text()
    generated = re.search(r'"generated_at":"([^"]+)"', audit)
    assert generated is not None
    digests = {}
    for path in sorted(out.iterdir()):
        if path.name in ("manifest.json", "SHA256SUMS"):
            continue  # digests of the files above, with the generation time
        text = path.read_text()
        for value, stand_in in (
            (generated.group(1), "<generated>"),
            (folder, "<folder>"),
            (f'"version":"{__version__}"', '"version":"<version>"'),
        ):
            text = text.replace(value, stand_in)
        # the BOM's serial number is derived from the generation time
        text = re.sub(r"urn:uuid:[0-9a-f-]{36}", "urn:uuid:<serial>", text)
        digests[path.name] = hashlib.sha256(text.encode()).hexdigest()
    return digests


@pytest.mark.parametrize("batch", [None, 7])
def test_the_pack_is_what_the_in_memory_audit_wrote(
    repo: GitRepo, tmp_path: Path, batch: int | None, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Twice: with the default batch size, and with batches of 7 changes so every stream
    crosses many batch boundaries."""
    gates, reviews = history(repo, tmp_path)
    if batch is not None:
        import signoff.audit.population as population

        monkeypatch.setattr(population, "SPILL_BATCH", batch, raising=False)
    options = AuditOptions(
        parse_period("2026-01-01", "2026-02-28"),
        sample=9,
        seed=3,
        reviews=reviews,
        gate_evidence=gates,
    )
    out = tmp_path / "pack"
    write_pack(run_audit(Repo.discover(repo.path), options), out)
    assert normalised_digests(out, str(tmp_path)) == EXPECTED
