"""Peak memory of an index build over a history where every commit carries a large note.

`python bench/notes_memory.py [--commits 10000] [--note-kb 20]` builds (once) a repository
whose every commit has its own Signoff note of about `--note-kb` KiB with per-line spans, then
measures the peak resident memory of `signoff index --rebuild` there and on the same history
without notes. Notes are read per commit as the walk reaches them, so the two peaks should
differ by about one note, not by the notes' total size.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
sys.path.insert(0, str(HERE.parent / "src"))

from generate import finish_import, fresh_repo  # noqa: E402

from signoff.provenance.model import ToolUse  # noqa: E402
from signoff.provenance.notes import build_note  # noqa: E402

_SCRIPT = Path(sys.executable).with_name("signoff")
SIGNOFF = [str(_SCRIPT)] if _SCRIPT.exists() else [sys.executable, "-m", "signoff"]


def _note(n: int, kib: int) -> bytes:
    """A Signoff note naming many AI line spans in many files: about `kib` KiB, unique to n."""
    files: dict[str, list[tuple[int, int, int]]] = {}
    size = 0
    k = 0
    while size < kib * 1024:
        spans = [(s, s + (n + k) % 3, 0) for s in range(1, 400, 4)]
        files[f"src/pkg_{k}/module_{n}_{k}.py"] = spans
        size += 42 * len(spans)
        k += 1
    return build_note(
        status="ai",
        tools=[ToolUse("claude-code", "claude-opus-4-5", f"session-{n}")],
        accepted_by=None,
        recorded_by="hook",
        files=files,
        commit=None,
    )


def generate(path: Path, commits: int, note_kib: int, notes: bool) -> Path:
    want = f"{commits}:{note_kib}:{notes}"
    if not fresh_repo(path, want):
        return path
    proc = subprocess.Popen(
        ["git", "fast-import", "--quiet", "--done"], cwd=path, stdin=subprocess.PIPE
    )
    assert proc.stdin is not None
    out = proc.stdin
    when = 1_600_000_000
    for n in range(1, commits + 1):
        when += 60
        message = f"Change {n}\n".encode()
        out.write(f"commit refs/heads/main\nmark :{n}\n".encode())
        out.write(f"author Dev <dev@example.com> {when} +0000\n".encode())
        out.write(f"committer Dev <dev@example.com> {when} +0000\n".encode())
        out.write(f"data {len(message)}\n".encode() + message)
        if n > 1:
            out.write(f"from :{n - 1}\n".encode())
        blob = f"value = {n}\n".encode()
        out.write(f"M 100644 inline src/module_{n % 200}.py\n".encode())
        out.write(f"data {len(blob)}\n".encode() + blob + b"\n")
    if notes:
        out.write(b"commit refs/notes/signoff\n")
        out.write(f"committer Dev <dev@example.com> {when} +0000\ndata 6\nnotes\n".encode())
        for n in range(1, commits + 1):
            data = _note(n, note_kib)
            out.write(f"N inline :{n}\ndata {len(data)}\n".encode() + data + b"\n")
        out.write(b"\n")
    finish_import(proc, path, want)
    return path


def peak_rss(args: list[str], cwd: Path) -> tuple[float, float]:
    """Seconds and peak resident memory (MiB) of one child process."""
    start = time.perf_counter()
    proc = subprocess.Popen(args, cwd=cwd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    _, status, usage = os.wait4(proc.pid, 0)
    proc.returncode = os.waitstatus_to_exitcode(status)
    if proc.returncode != 0:
        raise SystemExit(f"{' '.join(args)} failed in {cwd}")
    return time.perf_counter() - start, usage.ru_maxrss / 1024


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--commits", type=int, default=10_000)
    parser.add_argument("--note-kb", type=int, default=20)
    ns = parser.parse_args()
    rows = []
    for notes in (False, True):
        path = HERE / "work" / f"notes-{ns.commits}-{ns.note_kb}-{'with' if notes else 'without'}"
        generate(path, ns.commits, ns.note_kb, notes)
        seconds, rss = peak_rss([*SIGNOFF, "index", "--rebuild"], path)
        note_bytes = 0
        if notes:
            listing = subprocess.run(
                ["git", "notes", "--ref=signoff", "list"], cwd=path, capture_output=True, text=True
            ).stdout.split()[::2]
            sizes = subprocess.run(
                ["git", "cat-file", "--batch-check=%(objectsize)"],
                cwd=path,
                input="\n".join(listing) + "\n",
                capture_output=True,
                text=True,
            ).stdout.split()
            note_bytes = sum(int(s) for s in sizes)
        rows.append((notes, seconds, rss, note_bytes))
        print(
            f"{ns.commits} commits, notes={'yes' if notes else 'no'}: index build {seconds:.1f} s, "
            f"peak RSS {rss:.0f} MiB, notes total {note_bytes / 2**20:.0f} MiB",
            flush=True,
        )


if __name__ == "__main__":
    main()
