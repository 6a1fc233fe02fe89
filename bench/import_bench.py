"""One engine's import benchmark (run by bench/run.py in a subprocess so that each engine gets its own
Django settings). Prints one JSON line with the medians."""

from __future__ import annotations

import argparse
import json
import os
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
                cursor.execute(f"TRUNCATE {', '.join(tables)} RESTART IDENTITY")
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
    reads, fresh, again = [], [], []
    rows = 0
    for _ in range(args.repeat):
        empty_registry()
        reads.append(bare_read())
        start = time.perf_counter()
        report = persons_import(actor=actor, path=args.file)
        fresh.append(time.perf_counter() - start)
        assert not report.errors, report.errors[:3]
        rows = report.rows
        start = time.perf_counter()
        report = persons_import(actor=actor, path=args.file)
        again.append(time.perf_counter() - start)
        assert report.unchanged == rows
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
                "runs": args.repeat,
            }
        )
    )


if __name__ == "__main__":
    main()
