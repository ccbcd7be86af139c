"""`signoff index [--rebuild]`."""

from __future__ import annotations

import time

import typer

from signoff.cli.output import console, emit_json, escape, open_repo, progress_counter
from signoff.store.index import map_fetched_squashes, update_index


def register(app: typer.Typer) -> None:
    app.command("index")(index_command)


def index_command(
    rebuild: bool = typer.Option(
        False, "--rebuild", help="Throw the cache away and build it anew."
    ),
    repo: str = typer.Option(".", "--repo", "-C", help="Repository to index."),
    fetch_missing: bool = typer.Option(
        False,
        "--fetch-missing",
        help="In a partial clone, fetch the file contents missing locally to count every "
        "commit's lines (by default only present contents are counted; nothing is fetched).",
    ),
    as_json: bool = typer.Option(False, "--json", help="Print the versioned JSON document."),
) -> None:
    """Bring the provenance index (a cache under .git/signoff/) up to date."""
    r = open_repo(repo)
    total = None
    if r.head() is not None:
        total = int(r.run_text("rev-list", "--count", "--branches", "HEAD").strip() or 0)
    start = time.perf_counter()
    with progress_counter("indexing commits", total) as update:
        result = update_index(r, rebuild=rebuild, progress=update, fetch_missing=fetch_missing)
    # squash commits indexed before their pull request heads were fetched
    mapped = map_fetched_squashes(r) if r.head() is not None else 0
    seconds = time.perf_counter() - start
    if result.temporary:  # `.git` is read-only: the index built for this run is not kept
        import shutil

        shutil.rmtree(result.path.parent, ignore_errors=True)
    doc = {
        "path": str(result.path),
        "added": result.added,
        "refreshed": result.refreshed,
        "rebuilt": result.rebuilt,
        "shallow": result.shallow,
        "squashes_mapped": mapped,
        "seconds": round(seconds, 3),
        "commits_without_line_counts": result.gaps.commits,
        "line_counts_missing_reasons": result.gaps.reasons,
        "partial_clone_remote": r.promisor_remote(),
        "temporary": result.temporary,
    }
    if as_json:
        emit_json("index", doc)
        return
    verb = "built" if result.rebuilt else "updated"
    console.print(
        f"index {verb}: {result.added} commits added, {result.refreshed} re-read for new notes "
        f"in {seconds:.2f}s -> {result.path}"
    )
    if mapped:
        console.print(
            f"{mapped} squash commits mapped to their pull requests' commits (refs/pull/*/head)"
        )
    if result.gaps.commits:
        console.print(f"[yellow]{escape(result.gaps.summary())}[/]")
    advice = r.shallow_advice()
    if advice:
        console.print(f"[yellow]{escape(advice)}[/]")
