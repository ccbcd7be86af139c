"""`signoff keygen`, `signoff attest-provenance RANGE`, `signoff verify FILE`."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import typer

from signoff.cli.output import console, emit_json, escape, open_repo, short
from signoff.files import write_atomic


def register(app: typer.Typer) -> None:
    app.command("keygen")(keygen_command)
    app.command("attest-provenance")(attest_command)
    app.command("verify")(verify_command)


def keygen_command(
    repo: str = typer.Option(".", "--repo", "-C", help="Repository whose key folder to use."),
    out: Path | None = typer.Option(
        None, "--out", help="Folder for the key pair (default: .git/signoff/keys)."
    ),
    force: bool = typer.Option(False, "--force", help="Replace an existing key pair."),
    as_json: bool = typer.Option(False, "--json", help="Print the versioned JSON document."),
) -> None:
    """Create an Ed25519 key pair for signing provenance attestations."""
    from signoff.audit.keys import default_key_dir, generate_key

    folder = out or default_key_dir(open_repo(repo))
    files = generate_key(folder, force=force)
    if as_json:
        emit_json(
            "keygen",
            {"private": str(files.private), "public": str(files.public), "keyid": files.keyid},
        )
        return
    console.print(f"signing key  {escape(str(files.private))} (keep it private)")
    console.print(f"public key   {escape(str(files.public))} (give it to verifiers)")
    console.print(f"key id       {files.keyid}")


def attest_command(
    revs: list[str] = typer.Argument(
        ..., help="A commit, or a range as git log takes (main~20..main)."
    ),
    repo: str = typer.Option(".", "--repo", "-C", help="Repository to read."),
    key: Path | None = typer.Option(
        None, "--key", help="Private key (default: .git/signoff/keys/signoff-attest.key)."
    ),
    out: Path | None = typer.Option(
        None, "--out", "-o", help="Write the envelopes here (JSON Lines) instead of stdout."
    ),
    as_json: bool = typer.Option(
        False,
        "--json",
        help="The envelopes are JSON Lines either way; with --out, print a versioned JSON "
        "summary instead of a sentence.",
    ),
) -> None:
    """Sign one in-toto provenance Statement per change, as DSSE envelopes (JSON Lines)."""
    from signoff.audit.attest import attest
    from signoff.audit.keys import PRIVATE_NAME, default_key_dir, load_private_key

    r = open_repo(repo)
    private = load_private_key(key or default_key_dir(r) / PRIVATE_NAME)
    envelopes = attest(r, revs, private)
    text = "".join(json.dumps(e, separators=(",", ":")) + "\n" for e in envelopes)
    if out is None:
        sys.stdout.write(text)
        return
    write_atomic(out, text)
    if as_json:
        emit_json("attest-provenance", {"file": str(out), "attestations": len(envelopes)})
        return
    console.print(f"{len(envelopes)} attestations written to {escape(str(out))}")


WANTED = "pass the JSON Lines file `signoff attest-provenance` writes"


def _envelope_shaped(entry: object) -> bool:
    return isinstance(entry, dict) and {"payloadType", "payload", "signatures"} <= entry.keys()


def verify_command(
    file: Path | None = typer.Argument(
        None, help="Envelopes written by attest-provenance (not with --server)."
    ),
    repo: str = typer.Option(".", "--repo", "-C", help="Repository the attestations are about."),
    key: Path | None = typer.Option(
        None, "--key", help="Public key (default: .git/signoff/keys/signoff-attest.pub)."
    ),
    offline_only: bool = typer.Option(
        False, "--signature-only", help="Check signatures and layout only, not the repository."
    ),
    as_json: bool = typer.Option(False, "--json", help="Print the versioned JSON document."),
    server: str | None = typer.Option(
        None,
        "--server",
        help="Instead: check a Signoff server's hash-chained audit log (admin token in "
        "SIGNOFF_TOKEN).",
    ),
    database_url: str | None = typer.Option(
        None,
        "--database-url",
        help="Instead: check the audit log in this server database directly.",
    ),
) -> None:
    """Check signatures, the in-toto layout, and that no attested evidence changed since; or,
    with --server / --database-url, that no row of the server's audit log was edited or deleted."""
    if server or database_url:
        _verify_server(server, database_url, as_json)
        return
    if file is None:
        from signoff.errors import SignoffError

        raise SignoffError("nothing to verify", f"{WANTED}, or give --server URL")
    from signoff.audit.keys import PUBLIC_NAME, default_key_dir, load_public_key
    from signoff.audit.verify import read_envelopes, verify
    from signoff.errors import SignoffError
    from signoff.files import TooLarge, read_bounded

    r = None if offline_only and key is not None else open_repo(repo)
    if key is None:
        key = default_key_dir(open_repo(repo)) / PUBLIC_NAME
    public = load_public_key(key)
    try:
        text = read_bounded(file).decode("utf-8")
    except TooLarge as exc:
        raise SignoffError(str(exc), WANTED) from None
    except OSError as exc:
        raise SignoffError(f"cannot read {file}: {exc.strerror}") from None
    except UnicodeDecodeError:
        raise SignoffError(f"{file}: not UTF-8 text, so not an attestation file", WANTED) from None
    envelopes = read_envelopes(text)
    if not any(_envelope_shaped(e) for _, e in envelopes):
        # nothing here was ever an attestation: a wrong file (exit 2), not a failed check (1)
        from signoff import jsonsafe

        why = next(
            (f"; line {n}: {e.msg}" for n, e in envelopes if isinstance(e, jsonsafe.JsonProblem)),
            "",
        )
        raise SignoffError(
            f"{file}: not an attestation file (it holds no DSSE envelope{why})", WANTED
        )
    verdicts = verify(None if offline_only else r, envelopes, public)
    failed = [v for v in verdicts if not v.ok]
    if as_json:
        emit_json(
            "verify",
            {
                "file": str(file),
                "checked": len(verdicts),
                "failed": len(failed),
                "verdict": "ok" if verdicts and not failed else "failed",
                "results": [v.to_json() for v in verdicts],
            },
        )
    else:
        for v in verdicts:
            mark = "[green]ok[/]" if v.ok else "[bold red]FAILED[/]"
            console.print(f"{mark}  line {v.line}  {short(v.commit)}")
            for problem in v.problems:
                console.print(f"    {escape(problem)}")
            for notice in v.notices:
                console.print(f"    [dim]note: {escape(notice)}[/]")
        console.print(
            f"{len(verdicts) - len(failed)} of {len(verdicts)} attestations verified"
            + ("" if verdicts else " (the file holds none)")
        )
    if failed or not verdicts:
        raise typer.Exit(1)


def _verify_server(server: str | None, database_url: str | None, as_json: bool) -> None:
    """The server's audit chain, through its API or straight from its database."""
    if server:
        from signoff.server.client import Client

        client = Client(server)
        client.require_token()
        report = client.get("/api/v1/audit/verify")
        where = server
    else:
        from signoff.store.auditlog import verify_chain
        from signoff.store.db import open_store, shown

        store = open_store(database_url)
        try:
            with store.transaction() as s:
                report = verify_chain(s).to_json()
        finally:
            store.close()
        where = shown(database_url or "")
    if as_json:
        emit_json("server-verify", {"server": where, **report})
    else:
        for problem in report["problems"]:
            console.print(f"[bold red]FAILED[/]  {escape(problem)}")
        verdict = "intact" if report["verdict"] == "ok" else "[bold red]tampered[/]"
        console.print(f"audit log of {escape(where)}: {report['checked']} entries, {verdict}")
    if report["verdict"] != "ok":
        raise typer.Exit(1)
