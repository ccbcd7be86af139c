"""Atomic writes (`signoff.files.write_atomic`): the old file or the new, never a part of one."""

from __future__ import annotations

import os
import re
import stat
from pathlib import Path

import pytest

from signoff.files import atomic_writer, write_atomic

SRC = Path(__file__).resolve().parent.parent / "src" / "signoff"


def test_a_failed_write_keeps_the_old_file_and_leaves_nothing_behind(tmp_path: Path) -> None:
    target = tmp_path / "report.json"
    write_atomic(target, "old\n")
    with pytest.raises(RuntimeError), atomic_writer(target) as out:
        out.write("half of the new")
        raise RuntimeError("killed part-way")
    assert target.read_text() == "old\n"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["report.json"]
    write_atomic(target, b"new\n")
    assert target.read_bytes() == b"new\n"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["report.json"]


def test_exclusive_never_overwrites(tmp_path: Path) -> None:
    target = tmp_path / "INC-1.yaml"
    write_atomic(target, "mine\n", exclusive=True)
    with pytest.raises(FileExistsError):
        write_atomic(target, "theirs\n", exclusive=True)
    assert target.read_text() == "mine\n"
    assert [p.name for p in tmp_path.iterdir()] == ["INC-1.yaml"]


def test_modes_follow_the_umask_or_the_caller(tmp_path: Path) -> None:
    old = os.umask(0o027)
    try:
        write_atomic(tmp_path / "plain", "x")
        write_atomic(tmp_path / "key", "secret", mode=0o600)
    finally:
        os.umask(old)
    assert stat.S_IMODE((tmp_path / "plain").stat().st_mode) == 0o640
    assert stat.S_IMODE((tmp_path / "key").stat().st_mode) == 0o600


def test_errors_name_the_callers_file_not_the_temporary_one(tmp_path: Path) -> None:
    missing = tmp_path / "no-such-folder" / "out.sarif"
    with pytest.raises(FileNotFoundError) as exc:
        write_atomic(missing, "x")
    assert exc.value.filename == str(missing)
    (tmp_path / "a-folder").mkdir()
    with pytest.raises(IsADirectoryError) as exc2:
        write_atomic(tmp_path / "a-folder", "x")
    assert exc2.value.filename == str(tmp_path / "a-folder")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["a-folder"]


def test_one_helper_writes_files_atomically() -> None:
    """Every temp-file-then-rename goes through `signoff.files`, except the commit hooks
    (`recording/`, kept light and separate) and the index build, which renames the database
    SQLite wrote in place."""
    allowed = {"files.py", "store/index.py"}
    found = []
    for path in SRC.rglob("*.py"):
        rel = path.relative_to(SRC).as_posix()
        if rel in allowed or rel.startswith("recording/"):
            continue
        text = path.read_text()
        if re.search(r"os\.replace\(|\.replace\(\s*(?:path|target|out)\b|os\.link\(", text):
            found.append(rel)
    assert found == []
