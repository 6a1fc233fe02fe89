"""Fresh databases for tests that must see the real migrate path (triggers installed, not the test
settings' shortcut): the `xiaokang` command run as a subprocess on a temporary SQLite file, with the
development settings and fixed keys (never the developer's var/ keys)."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[3]
KEYS = {
    "XIAOKANG_ENCRYPTION_KEY": "dGVzdC1lbmNyeXB0aW9uLWtleS0zMi1ieXRlcy1vayE=",
    "XIAOKANG_BLIND_INDEX_KEY": "dGVzdC1ibGluZC1pbmRleC1rZXktMzItYnl0ZXMtb2s=",
    "XIAOKANG_AUDIT_KEY": "dGVzdC1hdWRpdC1jaGFpbi1obWFjLWtleS0zMmJ5dGU=",
}


def environment(data_dir: Path, database_url: str | None = None, **extra) -> dict:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("XIAOKANG_", "DATABASE_URL", "DJANGO_"))}
    env.update(KEYS)
    env["DJANGO_SETTINGS_MODULE"] = "config.settings.development"
    env["XIAOKANG_DATA_DIR"] = str(data_dir)
    env["DATABASE_URL"] = database_url or f"sqlite:///{data_dir / 'xiaokang.sqlite3'}"
    env.update(extra)
    return env


def xiaokang(data_dir: Path, *args: str, database_url: str | None = None, timeout: int = 300, **extra):
    return subprocess.run(
        [sys.executable, "-m", "xiaokang.cli", *args],
        cwd=ROOT,
        env=environment(data_dir, database_url, **extra),
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )


def popen(data_dir: Path, *args: str, database_url: str | None = None):
    return subprocess.Popen(
        [sys.executable, "-m", "xiaokang.cli", *args],
        cwd=ROOT,
        env=environment(data_dir, database_url),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def migrated_copy(template: Path, data_dir: Path) -> Path:
    """A copy of a migrated template database as ``data_dir``'s database (migrating takes seconds)."""
    data_dir.mkdir(parents=True, exist_ok=True)
    target = data_dir / "xiaokang.sqlite3"
    shutil.copy(template, target)
    return target


def migrate_template(tmp_path_factory):
    """A SQLite database made by a plain `xiaokang migrate` (the path a fresh clone takes)."""
    data_dir = tmp_path_factory.mktemp("migrated")
    result = xiaokang(data_dir, "migrate")
    assert result.returncode == 0, result.stderr
    return data_dir / "xiaokang.sqlite3"
