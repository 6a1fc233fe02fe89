"""One engine's import benchmark (run by bench/run.py in a subprocess so that each engine gets its own
Django settings). Prints one JSON line with the medians.

Besides the import itself it measures the import's write floor: the very rows one import writes (the
registry tables and that import's audit events), inserted again into an empty copy of the database by the
bare driver (sqlite3 ``executemany`` of ready tuples, PostgreSQL ``COPY`` of ready text) and committed.
No validation, comparison, encryption or hashing: what the database alone needs to store them. Read +
write floor is the least any import that writes these rows can take."""

from __future__ import annotations

import argparse
import json
import os
import shutil
import sqlite3
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--database-url", required=True)
    parser.add_argument("--file", required=True)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    os.environ["DATABASE_URL"] = args.database_url
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.development")
    os.environ.setdefault("XIAOKANG_DATA_DIR", str(ROOT / "bench" / "out"))
    import django

    django.setup()
    import fastexcel
    from django.core.management import call_command
    from django.db import connection

    from xiaokang.accounts.actors import SystemActor
    from xiaokang.registry.services import persons_import

    call_command("migrate", verbosity=0)

    def empty_registry() -> None:
        tables = (
            "registry_personhistory",
            "registry_certificate",
            "registry_person",
            "registry_economicstatusperiod",
            "registry_householdhardship",
            "registry_household",
        )
        with connection.cursor() as cursor:
            if connection.vendor == "postgresql":
                cursor.execute(f"TRUNCATE {', '.join(tables)} RESTART IDENTITY CASCADE")
            else:
                for table in tables:
                    cursor.execute(f"DELETE FROM {table}")  # noqa: S608
            cursor.execute("DELETE FROM core_area WHERE level = 'community'")
            cursor.execute("VACUUM")

    def bare_read() -> float:
        start = time.perf_counter()
        fastexcel.read_excel(args.file).load_sheet(0, header_row=None, dtypes="string").to_polars()
        return time.perf_counter() - start

    actor = SystemActor("bench")
    empty_registry()
    floor = WriteFloor(connection)  # an empty copy, taken before any import
    reads, fresh, again = [], [], []
    rows = 0
    for _ in range(args.repeat):
        empty_registry()
        reads.append(bare_read())
        with connection.cursor() as cursor:
            cursor.execute("SELECT COALESCE(MAX(id), 0) FROM audit_auditevent")
            audit_before = cursor.fetchone()[0]
        start = time.perf_counter()
        report = persons_import(actor=actor, path=args.file)
        fresh.append(time.perf_counter() - start)
        assert not report.errors, report.errors[:3]
        rows = report.rows
        start = time.perf_counter()
        report = persons_import(actor=actor, path=args.file)
        again.append(time.perf_counter() - start)
        assert report.unchanged == rows
    floor.capture(audit_after=audit_before)
    floors = [floor.measure() for _ in range(args.repeat)]
    floor.close()
    read, imported, reimported = (statistics.median(x) for x in (reads, fresh, again))
    print(
        json.dumps(
            {
                "engine": connection.vendor,
                "rows": rows,
                "read_s": read,
                "import_s": imported,
                "reimport_s": reimported,
                "rows_per_s": rows / imported,
                "ratio": imported / read,
                "reimport_ratio": reimported / read,
                "write_floor_s": statistics.median(floors),
                "floor_ratio": (read + statistics.median(floors)) / read,
                "runs": args.repeat,
            }
        )
    )


# The tables one import writes, parents first (as the import writes them).
WRITTEN = (
    "registry_household",
    "registry_economicstatusperiod",
    "registry_person",
    "registry_certificate",
    "registry_personhistory",
    "audit_auditevent",
)


class WriteFloor:
    """The rows of one import, stored again by the bare driver into an empty copy of the database."""

    def __init__(self, connection) -> None:
        self.connection = connection
        self.vendor = connection.vendor
        self.rows: dict[str, object] = {}
        if self.vendor == "sqlite":
            self.template = f"{connection.settings_dict['NAME']}.floor-template"
            Path(self.template).unlink(missing_ok=True)
            with connection.cursor() as cursor:
                cursor.execute("VACUUM INTO %s", [self.template])
        else:
            import psycopg

            self.name = connection.settings_dict["NAME"]
            self.params = {
                k: v
                for k, v in {
                    "host": connection.settings_dict["HOST"],
                    "port": connection.settings_dict["PORT"],
                    "user": connection.settings_dict["USER"],
                    "password": connection.settings_dict["PASSWORD"],
                }.items()
                if v
            }
            self.admin = psycopg.connect(dbname="postgres", autocommit=True, **self.params)
            connection.close()  # a template database must have no other session
            self.admin.execute(f"DROP DATABASE IF EXISTS {self.name}_floor_template")
            self.admin.execute(f"CREATE DATABASE {self.name}_floor_template TEMPLATE {self.name}")

    def capture(self, *, audit_after: int) -> None:
        """The rows the last first-time import wrote (the registry was empty before it), and the
        communities it created (written untimed before the floor, as they were before the import)."""
        queries = {table: f"SELECT * FROM {table}" for table in WRITTEN}  # noqa: S608
        queries["audit_auditevent"] = f"SELECT * FROM audit_auditevent WHERE id > {int(audit_after)}"  # noqa: S608
        queries["core_area"] = "SELECT * FROM core_area WHERE level = 'community'"
        with self.connection.cursor() as cursor:
            for table, query in queries.items():
                if self.vendor == "sqlite":
                    cursor.execute(query)
                    self.rows[table] = cursor.fetchall()
                else:
                    raw = self.connection.connection.cursor()
                    with raw.copy(f"COPY ({query}) TO STDOUT") as copy:
                        self.rows[table] = b"".join(bytes(chunk) for chunk in copy)

    def measure(self) -> float:
        """Seconds to insert the captured rows and commit, in a fresh copy of the empty database."""
        if self.vendor == "sqlite":
            path = f"{self.template}.copy"
            for suffix in ("", "-wal", "-shm"):
                Path(f"{path}{suffix}").unlink(missing_ok=True)
            shutil.copyfile(self.template, path)
            database = sqlite3.connect(path, isolation_level=None)
            for pragma in ("journal_mode=WAL", "synchronous=NORMAL", "foreign_keys=ON", "cache_size=-262144"):
                database.execute(f"PRAGMA {pragma}")

            def insert(table: str) -> None:
                rows = self.rows[table]
                if rows:
                    marks = ", ".join(["?"] * len(rows[0]))
                    database.executemany(f"INSERT INTO {table} VALUES ({marks})", rows)  # noqa: S608

            database.execute("BEGIN IMMEDIATE")
            insert("core_area")
            start = time.perf_counter()
            for table in WRITTEN:
                insert(table)
            database.execute("COMMIT")
            seconds = time.perf_counter() - start
            database.close()
            return seconds
        import psycopg

        copy_name = f"{self.name}_floor"
        self.admin.execute(f"DROP DATABASE IF EXISTS {copy_name}")
        self.admin.execute(f"CREATE DATABASE {copy_name} TEMPLATE {self.name}_floor_template")
        with psycopg.connect(dbname=copy_name, **self.params) as database:

            def insert(table: str) -> None:
                with database.cursor().copy(f"COPY {table} FROM STDIN") as copy:
                    copy.write(self.rows[table])

            insert("core_area")
            start = time.perf_counter()
            for table in WRITTEN:
                insert(table)
            database.commit()
            seconds = time.perf_counter() - start
        self.admin.execute(f"DROP DATABASE IF EXISTS {copy_name}")
        return seconds

    def close(self) -> None:
        if self.vendor == "sqlite":
            for path in (self.template, f"{self.template}.copy"):
                for suffix in ("", "-wal", "-shm"):
                    Path(f"{path}{suffix}").unlink(missing_ok=True)
        else:
            self.admin.execute(f"DROP DATABASE IF EXISTS {self.name}_floor_template")
            self.admin.close()


if __name__ == "__main__":
    main()
