"""`make screenshot`: the dashboard's overview on the demo repository, as docs/images/overview.png.

Builds the demo repository (the same as `make demo`), starts `signoff serve` on a throwaway
SQLite file, pushes the demo with an ingest token, signs in with a read token in headless
Chromium (Debian's package) and saves a screenshot of the overview. Nothing is downloaded.
"""

from __future__ import annotations

import html
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "docs" / "images" / "overview.png"
FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--no-first-run", "--disable-sync"]


def _signoff(*args: str, env: dict[str, str], cwd: Path | None = None) -> str:
    proc = subprocess.run(
        [sys.executable, "-m", "signoff", *args], env=env, cwd=cwd, capture_output=True, text=True
    )
    if proc.returncode != 0:
        raise SystemExit(f"signoff {' '.join(args)} failed:\n{proc.stdout}{proc.stderr}")
    return proc.stdout


def main() -> None:
    from signoff.demo import build

    chromium = shutil.which("chromium") or shutil.which("chromium-browser")
    if chromium is None:
        raise SystemExit("chromium is needed (`make system-deps` installs Debian's package)")
    root = Path(tempfile.mkdtemp(prefix="signoff-shot-"))
    repo = build(root)
    env = {**os.environ, "SIGNOFF_DATABASE_URL": f"sqlite:///{root / 'server.db'}"}
    _signoff("db", "upgrade", env=env)
    ingest = _signoff("server", "token", "create", "--name", "ci", "--scope", "ingest", env=env)
    reader = _signoff("server", "token", "create", "--name", "me", "--scope", "read", env=env)
    _signoff("server", "repo", "add", "payments/service", "--path", str(repo), env=env)
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    url = f"http://127.0.0.1:{port}"
    server = subprocess.Popen(
        [sys.executable, "-m", "signoff", "serve", "--port", str(port)],
        env=env,
        stderr=subprocess.DEVNULL,
    )
    try:
        for _ in range(100):
            try:
                urllib.request.urlopen(f"{url}/healthz", timeout=1)
                break
            except OSError:
                time.sleep(0.1)
        token_env = {**env, "SIGNOFF_TOKEN": ingest.strip().splitlines()[-1]}
        _signoff(
            "push", "--server", url, "--repository", "payments/service", env=token_env, cwd=repo
        )
        # the server's worker computes the figures the push queued: wait until the page has them
        cookie = {"Cookie": f"signoff_token={reader.strip().splitlines()[-1]}"}
        for _ in range(300):
            with urllib.request.urlopen(urllib.request.Request(url + "/", headers=cookie)) as r:
                if "Up to date with every push" in r.read().decode():
                    break
            time.sleep(0.2)
        profile = root / "profile"
        signin = root / "signin.html"
        signin.write_text(
            f'<form id="f" method="post" action="{url}/login"><input name="token" '
            f'value="{html.escape(reader.strip().splitlines()[-1])}"></form>'
            "<script>document.getElementById('f').submit()</script>"
        )
        browser = [chromium, *FLAGS, f"--user-data-dir={profile}"]
        subprocess.run([*browser, "--dump-dom", signin.as_uri()], capture_output=True, check=True)
        OUT.parent.mkdir(parents=True, exist_ok=True)
        subprocess.run(
            [
                *browser,
                "--window-size=1280,3000",
                "--hide-scrollbars",
                "--force-prefers-reduced-motion",
                f"--screenshot={OUT}",
                f"{url}/",
            ],
            capture_output=True,
            check=True,
        )
    finally:
        server.terminate()
        server.wait(10)
        shutil.rmtree(root, ignore_errors=True)
    print(f"wrote {OUT.relative_to(ROOT)}")


if __name__ == "__main__":
    main()
