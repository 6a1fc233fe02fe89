"""Backup and recovery (GB/T 22239-2019 8.1.4.9; R5): the restore drill on a fresh SQLite file (and on
PostgreSQL when its client tools and a PostgreSQL test database are there), a tampered backup refused
with nothing changed, restore only onto an empty database, and an import killed with SIGKILL halfway
leaving all or nothing. Every step runs the real `xiaokang` command as a subprocess."""

from __future__ import annotations

import datetime as dt
import json
import os
import shutil
import signal
import sqlite3
import time
from pathlib import Path

import pytest

from tests.helpers import make_id, person_row, write_csv
from xiaokang.audit.tests.fresh import migrate_template, migrated_copy, popen, xiaokang


@pytest.fixture(scope="module")
def migrated_template(tmp_path_factory):
    return migrate_template(tmp_path_factory)


def _count(database: Path, table: str) -> int:
    db = sqlite3.connect(database)
    try:
        return db.execute(f"SELECT COUNT(*) FROM {table}").fetchone()[0]  # noqa: S608 (test's own names)
    finally:
        db.close()


def _seeded(template: Path, data_dir: Path, tmp_path: Path) -> Path:
    """A database with five persons imported through the service, and one uploaded document."""
    database = migrated_copy(template, data_dir)
    people = write_csv(tmp_path / "people.csv", [person_row(n) for n in range(1, 6)])
    result = xiaokang(data_dir, "import", "persons", str(people))
    assert result.returncode == 0, result.stderr
    document = data_dir / "documents" / "2026" / "letter.pdf"
    document.parent.mkdir(parents=True)
    document.write_bytes(b"%PDF-1.4 a scanned certificate")
    return database


def test_backup_and_restore_drill_on_sqlite(migrated_template, tmp_path):
    source = tmp_path / "source"
    database = _seeded(migrated_template, source, tmp_path)
    backup = tmp_path / "backup"
    result = xiaokang(source, "backup", "--out", str(backup))
    assert result.returncode == 0, result.stderr
    manifest = json.loads((backup / "manifest.json").read_text())
    assert manifest["vendor"] == "sqlite" and manifest["keys_included"] is False
    assert set(manifest["files"]) == {"database.sqlite3", "documents/2026/letter.pdf"}
    assert "audit.0005_hmac_chain" in manifest["migrations"]
    assert not any("key" in name for name in manifest["files"])
    assert not (backup / "keys").exists()

    target = tmp_path / "target"  # a fresh data directory: no database file yet
    result = xiaokang(target, "restore", str(backup))
    assert result.returncode == 0, result.stderr
    assert "audit chain intact" in result.stdout
    restored = target / "xiaokang.sqlite3"
    for table in ("registry_person", "registry_household"):
        assert _count(restored, table) == _count(database, table) > 0
    # The restore is itself recorded, after the backup's own event.
    assert _count(restored, "audit_auditevent") == _count(database, "audit_auditevent") + 1
    assert (target / "documents" / "2026" / "letter.pdf").read_bytes() == b"%PDF-1.4 a scanned certificate"
    assert xiaokang(target, "audit", "verify").returncode == 0
    names = {
        r[0] for r in sqlite3.connect(restored).execute("SELECT name FROM sqlite_master WHERE type='trigger'")
    }
    assert {"audit_no_update", "audit_no_delete"} <= names

    # Onto a database that is not empty: refused, exit 2.
    again = xiaokang(target, "restore", str(backup))
    assert again.returncode == 2 and "not empty" in again.stderr
    # Into a directory that is not empty: refused, exit 2.
    assert xiaokang(source, "backup", "--out", str(backup)).returncode == 2


def test_a_tampered_backup_is_refused_and_nothing_changes(migrated_template, tmp_path):
    source = tmp_path / "source"
    _seeded(migrated_template, source, tmp_path)
    backup = tmp_path / "backup"
    assert xiaokang(source, "backup", "--out", str(backup)).returncode == 0
    document = backup / "documents" / "2026" / "letter.pdf"
    document.write_bytes(b"%PDF-1.4 a forged certificate")
    target = tmp_path / "target"
    result = xiaokang(target, "restore", str(backup))
    assert result.returncode == 1
    assert "documents/2026/letter.pdf: checksum does not match" in result.stderr
    assert not (target / "xiaokang.sqlite3").exists() and not (target / "documents").exists()
    shutil.rmtree(backup / "documents")
    result = xiaokang(target, "restore", str(backup))
    assert result.returncode == 1 and "missing" in result.stderr
    assert not (target / "xiaokang.sqlite3").exists()


def test_a_backup_is_private_and_a_manifest_that_misnames_its_database_is_refused(
    migrated_template, tmp_path
):
    """The backup holds uploaded documents as uploaded: only its owner reads it. A manifest whose database
    file does not fit its vendor was refused only by the restore tool, with a traceback."""
    import json

    source = tmp_path / "source"
    _seeded(migrated_template, source, tmp_path)
    backup = tmp_path / "backup"
    assert xiaokang(source, "backup", "--out", str(backup)).returncode == 0
    assert backup.stat().st_mode & 0o077 == 0
    manifest = json.loads((backup / "manifest.json").read_text())
    manifest["vendor"] = "postgresql"
    (backup / "manifest.json").write_text(json.dumps(manifest))
    result = xiaokang(tmp_path / "target", "restore", str(backup))
    assert result.returncode == 2 and "does not fit the vendor" in result.stderr
    assert "Traceback" not in result.stderr


def test_an_import_killed_with_sigkill_leaves_all_or_nothing(migrated_template, tmp_path):
    data_dir = tmp_path / "data"
    database = migrated_copy(migrated_template, data_dir)
    rows = 20000
    born = dt.date(1950, 1, 1)
    people = [
        person_row(
            n,
            公民身份号码=(
                id_number := make_id(f"110108{born + dt.timedelta(days=n // 900):%Y%m%d}{n % 900 + 100:03d}")
            ),
            残疾人证号=id_number + "41",
        )
        for n in range(rows)
    ]
    big = write_csv(tmp_path / "big.csv", people)
    before = _count(database, "audit_auditevent")
    process = popen(data_dir, "import", "persons", str(big))
    # Killed while it writes: the moment the write transaction's pages start reaching the -wal file
    # (SQLite keeps them in its page cache until then). Frames without their commit frame are ignored.
    wal = Path(f"{database}-wal")
    deadline = time.monotonic() + 240
    while process.poll() is None and time.monotonic() < deadline:
        if wal.exists() and wal.stat().st_size > 0:
            break
        time.sleep(0.002)
    assert process.poll() is None, "the import finished before it could be killed"
    process.send_signal(signal.SIGKILL)
    process.wait(timeout=30)
    assert process.returncode == -signal.SIGKILL
    persons = _count(database, "registry_person")
    assert persons in (0, rows)
    if persons == 0:
        assert _count(database, "audit_auditevent") == before
    verified = xiaokang(data_dir, "audit", "verify")
    assert verified.returncode == 0, verified.stderr


def test_backup_and_restore_drill_on_postgresql(tmp_path):
    from django.conf import settings

    db = settings.DATABASES["default"]
    if db["ENGINE"] != "django.db.backends.postgresql" or not shutil.which("pg_dump"):
        pytest.skip("PostgreSQL with pg_dump/pg_restore only")
    import psycopg

    base = f"postgres://{db['USER']}@{db['HOST']}:{db['PORT'] or 5432}"
    suffix = os.getpid()
    source_db, target_db = f"audit_drill_src_{suffix}", f"audit_drill_dst_{suffix}"
    admin = psycopg.connect(f"{base}/postgres", password=db.get("PASSWORD") or None, autocommit=True)
    try:
        for name in (source_db, target_db):
            admin.execute(f"DROP DATABASE IF EXISTS {name}")
            admin.execute(f"CREATE DATABASE {name}")
        source, target = tmp_path / "source", tmp_path / "target"
        source.mkdir()
        src_url, dst_url = f"{base}/{source_db}", f"{base}/{target_db}"
        env = {"PGPASSWORD": db["PASSWORD"]} if db.get("PASSWORD") else {}
        assert xiaokang(source, "migrate", database_url=src_url, **env).returncode == 0
        people = write_csv(tmp_path / "people.csv", [person_row(n) for n in range(1, 6)])
        assert xiaokang(source, "import", "persons", str(people), database_url=src_url, **env).returncode == 0
        backup = tmp_path / "backup"
        result = xiaokang(source, "backup", "--out", str(backup), database_url=src_url, **env)
        assert result.returncode == 0, result.stderr
        assert json.loads((backup / "manifest.json").read_text())["vendor"] == "postgresql"
        result = xiaokang(target, "restore", str(backup), database_url=dst_url, **env)
        assert result.returncode == 0, result.stderr
        assert xiaokang(target, "audit", "verify", database_url=dst_url, **env).returncode == 0
        counts = []
        for name in (source_db, target_db):
            with psycopg.connect(f"{base}/{name}", password=db.get("PASSWORD") or None) as conn:
                counts.append(conn.execute("SELECT COUNT(*) FROM registry_person").fetchone()[0])
        assert counts == [5, 5]
        with (
            psycopg.connect(f"{base}/{target_db}", password=db.get("PASSWORD") or None) as conn,
            pytest.raises(psycopg.Error, match="append-only"),
        ):
            conn.execute("DELETE FROM audit_auditevent")  # the triggers came back with the data
        again = xiaokang(target, "restore", str(backup), database_url=dst_url, **env)
        assert again.returncode == 2 and "not empty" in again.stderr
    finally:
        for name in (source_db, target_db):
            admin.execute(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")
        admin.close()
