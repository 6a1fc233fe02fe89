"""Settings from the environment (PIPL art. 51; GB/T 22239-2019 8.1.4): production refuses to start without
real keys and passes `manage.py check --deploy` with no warnings."""

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
        XIAOKANG_AUDIT_KEY=_key(),
    )
    assert result.returncode == 2 and "different" in result.stderr


def test_production_needs_its_own_audit_key():
    """U11: the audit chain's HMAC key is required in production and may not be one of the other keys."""
    keys = {
        "XIAOKANG_SECRET_KEY": secrets.token_urlsafe(60),
        "XIAOKANG_ENCRYPTION_KEY": _key(),
        "XIAOKANG_BLIND_INDEX_KEY": _key(),
    }
    result = _run(["-m", "xiaokang.cli", "migrate"], **keys)
    assert result.returncode == 2 and "XIAOKANG_AUDIT_KEY" in result.stderr
    result = _run(
        ["-m", "xiaokang.cli", "migrate"], **keys, XIAOKANG_AUDIT_KEY=keys["XIAOKANG_ENCRYPTION_KEY"]
    )
    assert result.returncode == 2 and "XIAOKANG_AUDIT_KEY must be a key of its own" in result.stderr


def test_production_refuses_to_serve_without_the_audit_triggers(tmp_path):
    """U11: `manage.py check` (run by `xiaokang serve` before it serves) fails when the audit table has
    lost its append-only triggers."""
    import sqlite3

    env = {
        "XIAOKANG_SECRET_KEY": secrets.token_urlsafe(60),
        "XIAOKANG_ENCRYPTION_KEY": _key(),
        "XIAOKANG_BLIND_INDEX_KEY": _key(),
        "XIAOKANG_AUDIT_KEY": _key(),
        "DATABASE_URL": f"sqlite:///{tmp_path / 'db.sqlite3'}",
    }
    assert _run(["-m", "xiaokang.cli", "migrate"], **env).returncode == 0
    assert _run(["manage.py", "check"], **env).returncode == 0
    db = sqlite3.connect(tmp_path / "db.sqlite3")
    db.execute("DROP TRIGGER audit_no_delete")
    db.close()
    result = _run(["manage.py", "check"], **env)
    assert result.returncode != 0 and "xiaokang.audit.E001" in result.stderr
    result = _run(["-m", "xiaokang.cli", "serve", "--port", "1"], **env)
    assert result.returncode == 2 and "refusing to serve" in result.stderr
    assert "audit_auditevent.audit_no_delete" in result.stderr
    result = _run(["-c", "import config.wsgi"], **env)  # any WSGI server loading the application
    assert result.returncode != 0 and "xiaokang.audit.E001" in result.stderr


def test_production_passes_check_deploy_with_no_warnings(tmp_path):
    key_file = tmp_path / "enc.key"
    key_file.write_text(_key())
    result = _run(
        ["manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        XIAOKANG_SECRET_KEY=secrets.token_urlsafe(60),
        XIAOKANG_ENCRYPTION_KEY_FILE=str(key_file),  # keys may come from files (secrets mounts)
        XIAOKANG_BLIND_INDEX_KEY=_key(),
        XIAOKANG_AUDIT_KEY=_key(),
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
        XIAOKANG_AUDIT_KEY=_key(),
        XIAOKANG_SMS_BACKEND="console",
    )
    assert result.returncode == 2 and "XIAOKANG_SMS_BACKEND" in result.stderr
    assert "Traceback" not in result.stderr


def test_production_refuses_an_sms_gateway_over_plain_http():
    # The gateway receives the token, the phone number and the code.
    result = _run(
        ["-m", "xiaokang.cli", "migrate"],
        XIAOKANG_SECRET_KEY=secrets.token_urlsafe(60),
        XIAOKANG_ENCRYPTION_KEY=_key(),
        XIAOKANG_BLIND_INDEX_KEY=_key(),
        XIAOKANG_AUDIT_KEY=_key(),
        XIAOKANG_SMS_BACKEND="http",
        XIAOKANG_SMS_GATEWAY_URL="http://sms.example.invalid/send",
    )
    assert result.returncode == 2 and "https://" in result.stderr
    assert "Traceback" not in result.stderr
