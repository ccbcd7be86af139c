"""The ecosystem's own tools the integration tests run, found where `make` installs them.

Off CI a missing tool skips its test with the command that installs it; in CI (`CI=true`) a
missing tool is a failure, so a broken install step cannot pass as a green run.
"""

from __future__ import annotations

import os
import shutil
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent
# `make tools` installs npm packages here (the SARIF multitool ships a self-contained binary).
NODE_MODULES = ROOT / "tools" / "node_modules"
PLACES = {
    "sarif-multitool": NODE_MODULES / "@microsoft" / "sarif-multitool-linux" / "Sarif.Multitool",
}
HOW = {
    "sarif-multitool": "make tools (npm: @microsoft/sarif-multitool)",
    "shellcheck": "apt-get install shellcheck (make system-deps)",
    "strace": "apt-get install strace (make system-deps)",
}


def tool(name: str) -> str:
    """The path of a tool, or skip (off CI) / fail (in CI) saying how to install it."""
    place = PLACES.get(name)
    found = (
        str(place)
        if place is not None and os.access(place, os.X_OK)
        else (str(BIN / name) if os.access(BIN / name, os.X_OK) else shutil.which(name))
    )
    if found:
        return found
    why = f"{name} is not installed; install it with: {HOW.get(name, 'make (the dev extra)')}"
    if os.environ.get("CI") == "true":
        pytest.fail(why)
    pytest.skip(why)
