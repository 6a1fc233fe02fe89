"""Settings from the environment (issue 2 §1): production refuses to start without real keys and passes
`manage.py check --deploy` with no warnings."""

from __future__ import annotations

import base64
import os
import secrets
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def _run(args, **env):
    environment = {k: v for k, v in os.environ.items() if not k.startswith("XIAOKANG_")}
    environment.update(env)
    environment["DJANGO_SETTINGS_MODULE"] = "config.settings.production"
    return subprocess.run(
        [sys.executable, *args],
        cwd=ROOT,
        env=environment,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def _key():
    return base64.b64encode(secrets.token_bytes(32)).decode()


def test_production_refuses_to_start_without_keys():
    result = _run(["-m", "xiaokang.cli", "migrate"])
    assert result.returncode == 2
    assert "XIAOKANG_ENCRYPTION_KEY" in result.stderr and "Traceback" not in result.stderr


def test_production_refuses_the_same_key_twice():
    key = _key()
    result = _run(
        ["-m", "xiaokang.cli", "migrate"],
        XIAOKANG_SECRET_KEY=secrets.token_urlsafe(60),
        XIAOKANG_ENCRYPTION_KEY=key,
        XIAOKANG_BLIND_INDEX_KEY=key,
    )
    assert result.returncode == 2 and "different" in result.stderr


def test_production_passes_check_deploy_with_no_warnings(tmp_path):
    key_file = tmp_path / "enc.key"
    key_file.write_text(_key())
    result = _run(
        ["manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        XIAOKANG_SECRET_KEY=secrets.token_urlsafe(60),
        XIAOKANG_ENCRYPTION_KEY_FILE=str(key_file),  # keys may come from files (secrets mounts)
        XIAOKANG_BLIND_INDEX_KEY=_key(),
        DATABASE_URL=f"sqlite:///{tmp_path / 'db.sqlite3'}",
    )
    assert result.returncode == 0, result.stderr
    assert "no issues" in result.stdout


def test_production_refuses_an_sms_backend_that_prints_codes():
    # U11: verification codes are never printed or written to a file in production.
    result = _run(
        ["-m", "xiaokang.cli", "migrate"],
        XIAOKANG_SECRET_KEY=secrets.token_urlsafe(60),
        XIAOKANG_ENCRYPTION_KEY=_key(),
        XIAOKANG_BLIND_INDEX_KEY=_key(),
        XIAOKANG_SMS_BACKEND="console",
    )
    assert result.returncode == 2 and "XIAOKANG_SMS_BACKEND" in result.stderr
    assert "Traceback" not in result.stderr
