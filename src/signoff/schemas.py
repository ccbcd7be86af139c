"""The JSON Schemas Signoff publishes: its record files and every command's `--json` document.

The committed copies live in docs/schemas/ (tests pin them to the code); the wheel carries them
as `signoff/schemas/`, so `signoff schema NAME` and editors find them in any installation.
"""

from __future__ import annotations

import sys
from importlib.resources import files
from pathlib import Path
from typing import TYPE_CHECKING

from signoff.errors import SignoffError

if TYPE_CHECKING:
    if sys.version_info >= (3, 11):
        from importlib.resources.abc import Traversable
    else:  # importlib.abc's copy is deprecated from 3.12
        from importlib.abc import Traversable

SUFFIX = "-v1.json"


def schema_dir() -> Traversable:
    """The installed schemas, or the source tree's docs/schemas/ in a development checkout."""
    packaged = files("signoff") / "schemas"
    if packaged.is_dir():
        return packaged
    return Path(__file__).resolve().parent.parent.parent / "docs" / "schemas"


def schema_names() -> list[str]:
    """Names as `signoff schema NAME` takes them: `signoff-policy`, `check`, `incident`..."""
    names = []
    for entry in schema_dir().iterdir():
        if entry.name.endswith(SUFFIX):
            names.append(_short(entry.name))
    return sorted(names)


def schema_file(name: str) -> str:
    """The file of a schema named `check`, `check-v1`, `signoff-policy` or just `policy`."""
    available = {e.name for e in schema_dir().iterdir() if e.name.endswith(".json")}
    stem = name.removesuffix(".json")
    for candidate in (f"{stem}.json", f"{stem}{SUFFIX}", f"signoff-{stem}{SUFFIX}"):
        if candidate in available:
            return candidate
    raise SignoffError(
        f"no schema named {name!r}",
        "pick one of: " + ", ".join(schema_names()) + " (signoff schema --list)",
    )


def schema_text(name: str) -> str:
    """The schema's JSON text, as committed."""
    text: str = (schema_dir() / schema_file(name)).read_text(encoding="utf-8")
    return text


def _short(filename: str) -> str:
    # record files are `signoff-<kind>-v1.json` (`signoff-incident`: the incident file), command
    # documents `<command>-v1.json` (`incident`: what `signoff incident --json` prints)
    return filename.removesuffix(SUFFIX)
