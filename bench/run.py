"""`make bench`: measured figures, printed as a table (not timed tests; issue 2 §7).

Import of a 100,000-row xlsx file on SQLite and on PostgreSQL: rows per second and the ratio to the
time the spreadsheet reader alone (fastexcel/calamine) takes to read the same file. Target: ≤ 3×.
Each figure is the median of several runs on an empty registry, measured in the same run as the bare read.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "bench" / "out"
PERSONS = int(os.environ.get("BENCH_PERSONS", "100000"))
PG_URL = os.environ.get("BENCH_POSTGRES_URL", "postgres://postgres@127.0.0.1:5432/xiaokang_bench")
sys.path.insert(0, str(ROOT))


def make_file() -> Path:
    path = OUT / f"persons-{PERSONS}.xlsx"
    if path.exists():
        return path
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.development")
    os.environ["XIAOKANG_DATA_DIR"] = str(OUT)
    os.environ["DATABASE_URL"] = f"sqlite:///{OUT / 'bench-file.sqlite3'}"
    import django

    django.setup()
    from django.core.management import call_command
    from django.utils import timezone

    from xiaokang.registry.exporting import rows_to_import_frame, write_xlsx
    from xiaokang.registry.synthetic import build_population

    call_command("migrate", verbosity=0)  # area names for the street column
    start = time.perf_counter()
    population = build_population(PERSONS, 1, today=timezone.localdate())
    frame = rows_to_import_frame(population.rows)
    write_xlsx(frame, path)
    print(
        f"wrote {path.name} ({path.stat().st_size / 1e6:.1f} MB) in {time.perf_counter() - start:.1f} s",
        file=sys.stderr,
    )
    return path


def ensure_postgres_database(name: str = "xiaokang_bench", *, recreate: bool = True) -> bool:
    try:
        import psycopg

        with psycopg.connect(
            "postgresql://postgres@127.0.0.1:5432/postgres", autocommit=True, connect_timeout=3
        ) as c:
            # The import benchmark starts from a fresh database each run (the schema is whatever the
            # migrations say today); the search benchmark keeps its seeded one.
            exists = c.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone()
            if exists and recreate:
                c.execute(f"DROP DATABASE {name}")
            if not exists or recreate:
                c.execute(f"CREATE DATABASE {name}")
        return True
    except Exception as exc:  # no server: report it in the table instead of failing the whole bench
        print(f"PostgreSQL not reachable ({exc}); skipping it", file=sys.stderr)
        return False


def run_engine(url: str, path: Path) -> dict:
    env = dict(os.environ, XIAOKANG_DATA_DIR=str(OUT))
    result = subprocess.run(
        [sys.executable, str(ROOT / "bench" / "import_bench.py"), "--database-url", url, "--file", str(path)],
        capture_output=True,
        text=True,
        env=env,
        check=False,
    )
    if result.returncode != 0:
        raise SystemExit(f"benchmark failed on {url}:\n{result.stderr}")
    return json.loads(result.stdout.strip().splitlines()[-1])


def run_search(url: str) -> dict:
    env = dict(os.environ, XIAOKANG_DATA_DIR=str(OUT))
    result = subprocess.run(
        [
            sys.executable,
            str(ROOT / "bench" / "search_bench.py"),
            "--database-url",
            url,
            "--persons",
            str(PERSONS),
        ],
        capture_output=True,
        text=True,
        env=env,
        check=False,
    )
    if result.returncode != 0:
        raise SystemExit(f"search benchmark failed on {url}:\n{result.stderr}")
    return json.loads(result.stdout.strip().splitlines()[-1])


def main() -> None:
    OUT.mkdir(parents=True, exist_ok=True)
    path = make_file()
    sqlite_db = OUT / "bench.sqlite3"
    for suffix in ("", "-wal", "-shm"):
        Path(f"{sqlite_db}{suffix}").unlink(missing_ok=True)
    results = [run_engine(f"sqlite:///{sqlite_db}", path)]
    if ensure_postgres_database():
        results.append(run_engine(PG_URL, path))
    print()
    print(
        f"Import of a {PERSONS:,}-row xlsx file (median of {results[0]['runs']} runs; "
        "target: import ≤ 3× bare read)"
    )
    header = (
        f"{'engine':<11}{'rows':>9}{'bare read s':>13}{'import s':>10}{'rows/s':>10}{'× read':>8}"
        f"{'re-import s':>13}{'× read':>8}  target"
    )
    print(header)
    print("-" * len(header))
    for r in results:
        verdict = "met" if r["ratio"] <= 3 else "NOT met"
        print(
            f"{r['engine']:<11}{r['rows']:>9,}{r['read_s']:>13.2f}{r['import_s']:>10.2f}{r['rows_per_s']:>10,.0f}"
            f"{r['ratio']:>8.2f}{r['reimport_s']:>13.2f}{r['reimport_ratio']:>8.2f}  {verdict}"
        )
    search_urls = [f"sqlite:///{OUT / 'search.sqlite3'}"]
    if ensure_postgres_database("xiaokang_search", recreate=False):
        search_urls.append(PG_URL.rsplit("/", 1)[0] + "/xiaokang_search")
    search_table(search_urls)


def search_table(urls: list[str]) -> None:
    print()
    print(f"Person search with {PERSONS:,} persons: server time over 200 queries (target: p95 ≤ 50 ms)")
    header = f"{'engine':<11}{'query':<24}{'p50 ms':>9}{'p95 ms':>9}  target"
    print(header)
    print("-" * len(header))
    for url in urls:
        r = run_search(url)
        for label, figures in r["results"].items():
            verdict = "met" if figures["p95_ms"] <= 50 else "NOT met"
            print(
                f"{r['engine']:<11}{label:<24}{figures['p50_ms']:>9.1f}{figures['p95_ms']:>9.1f}  {verdict}"
            )


if __name__ == "__main__":
    main()
