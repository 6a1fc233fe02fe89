"""`xiaokang seed --demo-accounts` is refused under production settings (U11): the demo accounts share a
published password. Run as a real process with the production settings module."""

from __future__ import annotations

import base64
import os
import secrets
import sqlite3
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def _key() -> str:
    return base64.b64encode(secrets.token_bytes(32)).decode()


def test_demo_accounts_are_refused_under_production_settings(tmp_path):
    database = tmp_path / "db.sqlite3"
    environment = {k: v for k, v in os.environ.items() if not k.startswith("XIAOKANG_")}
    environment.update(
        DJANGO_SETTINGS_MODULE="config.settings.production",
        XIAOKANG_SECRET_KEY=secrets.token_urlsafe(60),
        XIAOKANG_ENCRYPTION_KEY=_key(),
        XIAOKANG_BLIND_INDEX_KEY=_key(),
        XIAOKANG_AUDIT_KEY=_key(),
        DATABASE_URL=f"sqlite:///{database}",
    )
    result = subprocess.run(
        [sys.executable, "-m", "xiaokang.cli", "seed", "--persons", "10", "--demo-accounts"],
        cwd=ROOT,
        env=environment,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert result.returncode == 2, result.stderr
    assert "--demo-accounts is refused under production settings" in result.stderr
    assert "生产环境不允许创建演示账户" in result.stderr
    assert "Traceback" not in result.stderr
    # Refused before anything was written: not even a table.
    tables = sqlite3.connect(database).execute("select name from sqlite_master").fetchall()
    assert tables == []


def test_demo_accounts_are_refused_whenever_the_setting_forbids_them(settings, db, capsys):
    from xiaokang.accounts.models import User
    from xiaokang.cli import main

    settings.XIAOKANG_ALLOW_DEMO_ACCOUNTS = False
    assert main(["seed", "--persons", "5", "--demo-accounts"]) == 2
    assert "refused under production settings" in capsys.readouterr().err
    assert not User.objects.filter(username__startswith="demo_").exists()
