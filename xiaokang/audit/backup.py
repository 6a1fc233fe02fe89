"""Backup and recovery (GB/T 22239-2019 8.1.4.9 a: local backup and recovery of important data; R5).

``backup_create`` writes into an empty directory a consistent copy of the database (SQLite: the online
backup API, readers and writers carry on; PostgreSQL: ``pg_dump -Fc``), the uploaded documents and
``manifest.json`` (SHA-256 and size of every file, database vendor, applied migrations, time). The keys
are never in a backup: they are kept apart, so a stolen backup reveals no encrypted ID or phone number
and cannot be used to forge the audit chain. The uploaded documents are copied as uploaded (ID-card
scans among them), so the backup directory is made readable by its owner only (0700).

``backup_restore`` checks every checksum before it changes anything, and only restores onto an empty
database and an empty documents directory."""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import os
import shutil
import sqlite3
import subprocess
from dataclasses import dataclass
from pathlib import Path

from django.conf import settings
from django.db import connection
from django.utils import timezone

from xiaokang.audit.services import log_action

FORMAT = "xiaokang-backup/1"
MANIFEST = "manifest.json"
SQLITE_FILE = "database.sqlite3"
POSTGRESQL_FILE = "database.pgdump"
DOCUMENTS = "documents"
KEYS_NOTE = (
    "No key is in this backup (XIAOKANG_ENCRYPTION_KEY, XIAOKANG_BLIND_INDEX_KEY, XIAOKANG_AUDIT_KEY, "
    "XIAOKANG_SECRET_KEY, var/keys/): keep them apart. Without the same keys the encrypted ID and phone "
    "numbers cannot be read and `xiaokang audit verify` cannot check the audit chain."
)


class BackupError(Exception):
    """A backup or restore that was refused; nothing was changed. ``code`` is the exit code."""

    def __init__(self, message: str, code: int = 2):
        super().__init__(message)
        self.code = code


@dataclass
class BackupResult:
    directory: Path
    files: int
    bytes: int
    vendor: str


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def _database() -> dict:
    return settings.DATABASES["default"]


def _pg_env() -> dict:
    db = _database()
    env = dict(os.environ)
    for var, key in (("PGHOST", "HOST"), ("PGPORT", "PORT"), ("PGUSER", "USER"), ("PGPASSWORD", "PASSWORD")):
        if db.get(key):
            env[var] = str(db[key])
    return env


def _run(argv: list[str]) -> None:
    try:
        done = subprocess.run(argv, env=_pg_env(), capture_output=True, text=True, check=False)  # noqa: S603
    except FileNotFoundError:
        raise BackupError(f"{argv[0]} is not installed (PostgreSQL client tools are needed)") from None
    if done.returncode != 0:
        raise BackupError(f"{argv[0]} failed: {done.stderr.strip()[:2000]}")


def _applied_migrations() -> list[str]:
    from django.db.migrations.recorder import MigrationRecorder

    return sorted(f"{app}.{name}" for app, name in MigrationRecorder(connection).applied_migrations())


def _files(directory: Path) -> list[Path]:
    return sorted(p for p in directory.rglob("*") if p.is_file())


def backup_create(*, actor, out: str | os.PathLike) -> BackupResult:
    directory = Path(out)
    if directory.exists() and (not directory.is_dir() or any(directory.iterdir())):
        raise BackupError(f"{directory}: not an empty directory; a backup goes into a new or empty one")
    vendor = connection.vendor
    if vendor not in ("sqlite", "postgresql"):
        raise BackupError(f"database vendor {vendor!r} is not supported")
    # Only the operator reads a backup: it holds the database and the uploaded documents (ID-card
    # scans among them, stored as uploaded).
    directory.mkdir(parents=True, exist_ok=True, mode=0o700)
    directory.chmod(0o700)
    # Recorded first, so the backup holds the record of its own making.
    log_action(actor, "system.backup", object_type="backup", details={"directory": str(directory)[:200]})
    migrations = _applied_migrations()
    if vendor == "sqlite":
        connection.close()
        source = sqlite3.connect(_database()["NAME"])
        target = sqlite3.connect(directory / SQLITE_FILE)
        try:
            with target:
                source.backup(target)  # a consistent snapshot, page by page, while others keep working
            target.execute("PRAGMA journal_mode=DELETE")  # one self-contained file, no -wal beside it
        finally:
            target.close()
            source.close()
    else:
        _run(["pg_dump", "-Fc", "--no-owner", "-f", str(directory / POSTGRESQL_FILE), _database()["NAME"]])
    documents = Path(settings.XIAOKANG_DOCUMENTS_DIR)
    if documents.is_dir():
        shutil.copytree(documents, directory / DOCUMENTS, dirs_exist_ok=True)
    files = {}
    for path in _files(directory):
        files[path.relative_to(directory).as_posix()] = {"sha256": _sha256(path), "size": path.stat().st_size}
    manifest = {
        "format": FORMAT,
        "created": timezone.now().astimezone(dt.UTC).isoformat(),
        "vendor": vendor,
        "database_file": SQLITE_FILE if vendor == "sqlite" else POSTGRESQL_FILE,
        "migrations": migrations,
        "keys_included": False,
        "keys_note": KEYS_NOTE,
        "files": files,
    }
    (directory / MANIFEST).write_text(json.dumps(manifest, ensure_ascii=False, indent=2), encoding="utf-8")
    return BackupResult(directory, len(files), sum(f["size"] for f in files.values()), vendor)


def _read_manifest(directory: Path) -> dict:
    try:
        manifest = json.loads((directory / MANIFEST).read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise BackupError(f"{directory}: no {MANIFEST}; not a Xiaokang backup") from None
    except (OSError, ValueError) as exc:
        raise BackupError(f"{directory / MANIFEST}: cannot be read ({exc})") from None
    if (
        not isinstance(manifest, dict)
        or manifest.get("format") != FORMAT
        or not isinstance(manifest.get("files"), dict)
    ):
        raise BackupError(f"{directory / MANIFEST}: not a {FORMAT} manifest")
    return manifest


def backup_check(directory: Path) -> dict:
    """The manifest, once every file matches its size and SHA-256 and no file was added (exit 1
    naming the file otherwise)."""
    manifest = _read_manifest(directory)
    listed = manifest["files"]
    expected = {"sqlite": SQLITE_FILE, "postgresql": POSTGRESQL_FILE}.get(manifest.get("vendor"))
    if expected is None or manifest.get("database_file") != expected:
        # Anything else would reach the wrong restore tool and fail with a traceback.
        raise BackupError(
            f"{directory / MANIFEST}: database file {manifest.get('database_file')!r} does not fit the "
            f"vendor {manifest.get('vendor')!r}"
        )
    links = sorted(p.relative_to(directory).as_posix() for p in directory.rglob("*") if p.is_symlink())
    if links:
        raise BackupError(f"{links[0]}: a symbolic link in the backup directory (not made by backup)", code=1)
    present = {p.relative_to(directory).as_posix() for p in _files(directory)} - {MANIFEST}
    added = sorted(present - set(listed))
    if added:
        raise BackupError(f"{added[0]}: in the backup directory but not in the manifest (added?)", code=1)
    for name, entry in sorted(listed.items()):
        if not isinstance(entry, dict) or name.startswith("/") or ".." in Path(name).parts:
            raise BackupError(f"{name}: not a valid manifest entry", code=1)
        path = directory / name
        if name not in present:
            raise BackupError(f"{name}: listed in the manifest but missing", code=1)
        if path.stat().st_size != entry.get("size") or _sha256(path) != entry.get("sha256"):
            raise BackupError(f"{name}: checksum does not match the manifest (tampered or damaged)", code=1)
    if manifest.get("database_file") not in listed:
        raise BackupError(f"{directory}: the manifest lists no database file", code=1)
    return manifest


def _database_is_empty() -> bool:
    if connection.vendor == "sqlite":
        name = _database()["NAME"]
        if not Path(name).exists():
            return True
        probe = sqlite3.connect(name)
        try:
            return probe.execute("SELECT COUNT(*) FROM sqlite_master").fetchone()[0] == 0
        finally:
            probe.close()
    return not connection.introspection.table_names()


def backup_restore(*, actor, directory: str | os.PathLike) -> dict:
    """Restore a checked backup onto an empty database and documents directory; the manifest."""
    directory = Path(directory)
    if not directory.is_dir():
        raise BackupError(f"{directory}: no such directory")
    manifest = backup_check(directory)
    if manifest.get("vendor") != connection.vendor:
        raise BackupError(
            f"the backup is of a {manifest.get('vendor')} database; the configured one is {connection.vendor}"
        )
    if not _database_is_empty():
        raise BackupError(
            "the configured database is not empty: restore only onto an empty database (a new SQLite "
            "file or a new PostgreSQL database); nothing was changed"
        )
    documents = Path(settings.XIAOKANG_DOCUMENTS_DIR)
    if documents.exists() and any(documents.iterdir()):
        raise BackupError(f"{documents}: the documents directory is not empty; nothing was changed")
    source_file = directory / manifest["database_file"]
    if connection.vendor == "sqlite":
        connection.close()
        name = _database()["NAME"]
        Path(name).parent.mkdir(parents=True, exist_ok=True)
        source = sqlite3.connect(f"file:{source_file}?mode=ro", uri=True)
        target = sqlite3.connect(name)
        try:
            with target:
                source.backup(target)
        finally:
            target.close()
            source.close()
    else:
        _run(
            [
                "pg_restore",
                "--no-owner",
                "--exit-on-error",
                "--single-transaction",
                "-d",
                _database()["NAME"],
                str(source_file),
            ]
        )
    if (directory / DOCUMENTS).is_dir():
        shutil.copytree(directory / DOCUMENTS, documents, dirs_exist_ok=True)
    log_action(
        actor,
        "system.restore",
        object_type="backup",
        details={"directory": str(directory)[:200], "created": manifest.get("created", "")},
    )
    return manifest
