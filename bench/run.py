"""`make bench`: measured figures, printed as a table (not timed tests; docs/architecture.md).

Import of a 100,000-row xlsx file on SQLite and on PostgreSQL: rows per second and the ratio to the
time the spreadsheet reader alone (fastexcel/calamine) takes to read the same file. Target: ≤ 3×.
Each figure is the median of several runs on an empty registry, measured in the same run as the bare read;
with it the write floor (the same rows stored by the bare driver, bench/import_bench.py). BENCH_ONLY=import
runs this part alone.

The policy engine (P2; docs/architecture.md) with BENCH_POLICY_PERSONS (default 1,000,000) synthetic persons:
every policy evaluated over the registry with results stored, on SQLite and PostgreSQL, against one aggregate
scan over the same joins (the floor) and the per-person interpreter (10,000 persons, extrapolated); and
`xiaokang screen` on a CSV of that many rows (wall time and peak memory). The populated databases are
kept in bench/out and in PostgreSQL database xiaokang_policies, so later runs skip the seeding.
Then the roster of 100,000 active enrolments (S5; docs/architecture.md) in the same databases. Set
BENCH_ONLY=policies to run only these parts, BENCH_ONLY=rosters for the roster alone. Last the levy of 200,000
employers from a CSV and an xlsx file (E1; docs/architecture.md; BENCH_ONLY=levy for it alone).

Last the load test (bench/load_bench.py, BENCH_ONLY=load): Locust's BENCH_LOAD_USERS (200) staff and
public users for BENCH_LOAD_SECONDS (120) against `xiaokang serve` on PostgreSQL with BENCH_LOAD_PERSONS
(100,000) persons; p50/p95/p99 and errors, against the goal p95 ≤ 800 ms with zero errors.
"""

from __future__ import annotations

import json
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "bench" / "out"
PERSONS = int(os.environ.get("BENCH_PERSONS", "100000"))
PG_URL = os.environ.get("BENCH_POSTGRES_URL", "postgres://postgres@127.0.0.1:5432/xiaokang_bench")
POLICY_PERSONS = int(os.environ.get("BENCH_POLICY_PERSONS", "1000000"))
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
    if os.environ.get("BENCH_ONLY") in ("policies", "rosters"):
        policy_tables()
        return
    if os.environ.get("BENCH_ONLY") == "levy":
        levy_table()
        return
    if os.environ.get("BENCH_ONLY") == "load":
        load_table()
        return
    only_import = os.environ.get("BENCH_ONLY") == "import"
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
        f"{'re-import s':>13}{'× read':>8}{'write floor s':>15}{'× read':>8}  target"
    )
    print(header)
    print("-" * len(header))
    for r in results:
        verdict = "met" if r["ratio"] <= 3 else "NOT met"
        print(
            f"{r['engine']:<11}{r['rows']:>9,}{r['read_s']:>13.2f}{r['import_s']:>10.2f}{r['rows_per_s']:>10,.0f}"
            f"{r['ratio']:>8.2f}{r['reimport_s']:>13.2f}{r['reimport_ratio']:>8.2f}"
            f"{r['write_floor_s']:>15.2f}{r['floor_ratio']:>8.2f}  {verdict}"
        )
    print(
        "write floor: the rows one import writes (registry and audit), stored again by the bare driver "
        "into an empty copy and committed;\n× read for it is (bare read + write floor) ÷ bare read, the "
        "least any import writing those rows can take"
    )
    if only_import:
        return
    search_urls = [f"sqlite:///{OUT / 'search.sqlite3'}"]
    if ensure_postgres_database("xiaokang_search", recreate=False):
        search_urls.append(PG_URL.rsplit("/", 1)[0] + "/xiaokang_search")
    search_table(search_urls)
    policy_tables()
    levy_table()
    load_table()


LOAD_URL = PG_URL.rsplit("/", 1)[0] + "/xiaokang_load"


def load_table() -> None:
    if not ensure_postgres_database("xiaokang_load", recreate=False):
        return
    argv = [
        sys.executable,
        str(ROOT / "bench" / "load_bench.py"),
        "--database-url",
        LOAD_URL,
        "--persons",
        os.environ.get("BENCH_LOAD_PERSONS", "100000"),
        "--users",
        os.environ.get("BENCH_LOAD_USERS", "200"),
        "--seconds",
        os.environ.get("BENCH_LOAD_SECONDS", "120"),
    ]
    result = subprocess.run(argv, capture_output=True, text=True, check=False)
    if result.returncode != 0:
        raise SystemExit(f"load benchmark failed:\n{result.stderr}")
    r = json.loads(result.stdout.strip().splitlines()[-1])
    print()
    print(
        f"Load: {r['users']} users for {r['seconds']} s against `xiaokang serve` ({r['workers']} workers) on "
        f"PostgreSQL, {r['persons']:,} persons (goal: p95 ≤ 800 ms, zero errors); the work from the moment "
        f"the last user started and signed in ({r['steady_seconds']:.0f} s); signing in and the whole run "
        "below"
    )
    header = f"{'request':<44}{'count':>8}{'errors':>8}{'p50 ms':>9}{'p95 ms':>9}{'p99 ms':>9}{'req/s':>8}"
    print(header)
    print("-" * len(header))

    def line(name: str, f: dict, verdict: str = "") -> None:
        print(
            f"{name:<44}{f['requests']:>8,}{f['errors']:>8}{f['p50_ms']:>9.0f}{f['p95_ms']:>9.0f}"
            f"{f['p99_ms']:>9.0f}{f['rps']:>8.1f}  {verdict}"
        )

    for name, f in sorted(r["by_name"].items()):
        line(name, f)
    line("all work", r, "met" if r["p95_ms"] <= 800 and r["errors"] == 0 else "NOT met")
    line("signing in (each staff user once, at the start)", r["sign_in"])
    line("whole run, start and signing in included", r["whole_run"])


def run_policies(url: str) -> dict:
    env = dict(os.environ, XIAOKANG_DATA_DIR=str(OUT))
    argv = [
        sys.executable,
        str(ROOT / "bench" / "policy_bench.py"),
        "--database-url",
        url,
        "--persons",
        str(POLICY_PERSONS),
    ]
    result = subprocess.run(argv, capture_output=True, text=True, env=env, check=False)
    if result.returncode != 0:
        raise SystemExit(f"policy benchmark failed on {url}:\n{result.stderr}")
    return json.loads(result.stdout.strip().splitlines()[-1])


def run_roster(url: str, enrolments: int) -> dict:
    env = dict(os.environ, XIAOKANG_DATA_DIR=str(OUT))
    argv = [
        sys.executable,
        str(ROOT / "bench" / "roster_bench.py"),
        "--database-url",
        url,
        "--enrolments",
        str(enrolments),
    ]
    result = subprocess.run(argv, capture_output=True, text=True, env=env, check=False)
    if result.returncode != 0:
        raise SystemExit(f"roster benchmark failed on {url}:\n{result.stderr}")
    return json.loads(result.stdout.strip().splitlines()[-1])


def roster_table(urls: list[str]) -> None:
    """The October roster of the living subsidy with 100,000 active enrolments (S5; docs/architecture.md),
    evaluation and CSV export included, in the policy benchmark's databases."""
    enrolments = min(100_000, POLICY_PERSONS)
    print()
    print(
        f"Roster of {enrolments:,} active enrolments, evaluation and export included "
        "(median of 3; target ≤ 30 s)"
    )
    header = f"{'engine':<11}{'wall s':>8}{'paid':>9}{'held':>9}{'py peak MB':>12}{'RSS MB':>8}  target"
    print(header)
    print("-" * len(header))
    for url in urls:
        r = run_roster(url, enrolments)
        verdict = "met" if r["wall_s"] <= 30 else "NOT met"
        print(
            f"{r['engine']:<11}{r['wall_s']:>8.1f}{r['paid']:>9,}{r['held']:>9,}{r['python_peak_mb']:>12.1f}"
            f"{r['max_rss_mb']:>8.0f}  {verdict}"
        )


def make_screen_file(database_url: str) -> Path:
    path = OUT / f"screen-{POLICY_PERSONS}.csv"
    if path.exists():
        return path
    code = (
        "import django, sys; django.setup()\n"
        "from django.utils import timezone\n"
        "from xiaokang.registry.exporting import rows_to_import_frame, write_csv\n"
        "from xiaokang.registry.synthetic import build_population\n"
        f"population = build_population({POLICY_PERSONS}, 2, today=timezone.localdate())\n"
        f"write_csv(rows_to_import_frame(population.rows), {str(path)!r})\n"
    )
    env = dict(
        os.environ,
        XIAOKANG_DATA_DIR=str(OUT),
        DATABASE_URL=database_url,
        DJANGO_SETTINGS_MODULE="config.settings.development",
        PYTHONPATH=str(ROOT),
    )
    subprocess.run([sys.executable, "-c", code], env=env, check=True)
    return path


def run_screen(database_url: str, path: Path, repeat: int = 3) -> dict:
    env = dict(os.environ, XIAOKANG_DATA_DIR=str(OUT), DATABASE_URL=database_url)
    walls, peaks = [], []
    for _ in range(repeat):
        argv = [
            str(ROOT / ".venv" / "bin" / "xiaokang"),
            "screen",
            str(path),
            "--out",
            str(OUT / "screen-out.csv"),
            "--date",
            "2025-06-01",
        ]
        # Each run in its own process, measured from outside: wall time and the peak RSS of that process.
        start = time.perf_counter()
        process = subprocess.Popen(argv, stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=env)
        _, status, usage = os.wait4(process.pid, 0)
        walls.append(time.perf_counter() - start)
        peaks.append(usage.ru_maxrss / 1e3)
        stderr = process.stderr.read().decode()
        process.stdout.close()
        process.stderr.close()
        if os.waitstatus_to_exitcode(status) != 0:
            raise SystemExit(f"screen failed:\n{stderr}")
    with open(OUT / "screen-out.csv", encoding="utf-8") as handle:
        rows = sum(1 for _ in handle) - 1
    return {
        "wall_s": statistics.median(walls),
        "walls": walls,
        "peak_mb": max(peaks),
        "file_mb": path.stat().st_size / 1e6,
        "output_rows": rows,
    }


def policy_tables() -> None:
    sqlite_url = f"sqlite:///{OUT / f'policies-{POLICY_PERSONS}.sqlite3'}"
    urls = [sqlite_url]
    if ensure_postgres_database("xiaokang_policies", recreate=False):
        urls.append(PG_URL.rsplit("/", 1)[0] + "/xiaokang_policies")
    if os.environ.get("BENCH_ONLY") == "rosters":
        roster_table(urls)
        return
    results = [run_policies(url) for url in urls]
    print()
    print(
        f"Policy evaluation of {POLICY_PERSONS:,} persons × {results[0]['result_rows'] // POLICY_PERSONS} "
        "policies, results stored "
        "(median of 3; targets: ≤ 60 s, ≥ 50× the per-person path, memory flat)"
    )
    header = (
        f"{'engine':<11}{'evaluate s':>11}{'floor s':>9}{'× floor':>9}{'compute s':>11}{'per-person s':>14}"
        f"{'speed-up':>10}{'max':>6}{'py peak MB':>12}{'RSS MB':>8}  targets"
    )
    print(header)
    print("-" * len(header))
    for r in results:
        verdict = "time " + ("met" if r["evaluate_s"] <= 60 else "NOT met")
        verdict += ", speed-up " + ("met" if r["speedup"] >= 50 else "NOT met")
        print(
            f"{r['engine']:<11}{r['evaluate_s']:>11.1f}{r['floor_s']:>9.2f}{r['ratio_to_floor']:>9.1f}"
            f"{r['compute_only_s']:>11.1f}{r['interpreter_extrapolated_s']:>14.0f}{r['speedup']:>10.1f}"
            f"{r['interpreter_extrapolated_s'] / r['compute_only_s']:>6.1f}{r['traced_peak_mb']:>12.1f}"
            f"{r['max_rss_mb']:>8.0f}  {verdict}"
        )
    print(
        "  compute s: every decision computed as a run does, aggregated instead of stored; max: the "
        "speed-up a run could reach if storing its results cost nothing (per-person s ÷ compute s)"
    )
    print(
        f"  (per-person path: {results[0]['interpreter_sample']:,} persons read and decided in "
        f"{results[0]['interpreter_sample_s']:.1f} s on SQLite, extrapolated; "
        f"{results[0]['result_rows']:,} result rows stored per run)"
    )
    screen_file = make_screen_file(sqlite_url)
    r = run_screen(sqlite_url, screen_file)
    print()
    print(f"xiaokang screen on a {POLICY_PERSONS:,}-row CSV (median of 3; targets: ≤ 10 s, ≤ 2 GB)")
    verdict = (
        ("met" if r["wall_s"] <= 10 else "NOT met") + " / " + ("met" if r["peak_mb"] <= 2000 else "NOT met")
    )
    print(
        f"  file {r['file_mb']:.0f} MB → {r['output_rows']:,} rows: wall {r['wall_s']:.1f} s "
        f"(runs {', '.join(f'{w:.1f}' for w in r['walls'])}), peak RSS {r['peak_mb']:.0f} MB  {verdict}"
    )
    roster_table(urls)


def levy_table(employers: int = 200_000) -> None:
    env = dict(os.environ, XIAOKANG_DATA_DIR=str(OUT))
    result = subprocess.run(
        [sys.executable, str(ROOT / "bench" / "levy_bench.py"), "--employers", str(employers)],
        capture_output=True,
        text=True,
        env=env,
        check=False,
    )
    if result.returncode != 0:
        raise SystemExit(f"levy benchmark failed:\n{result.stderr}")
    results = json.loads(result.stdout.strip().splitlines()[-1])
    print()
    print(f"xiaokang levy for {employers:,} employers from a file (median of 3; target: ≤ 3× the bare read)")
    header = (
        f"{'file':<6}{'MB':>6}{'bare read s':>13}{'levy s':>9}{'× read':>8}"
        f"{'checks s':>10}{'write s':>9}{'floor × read':>14}  target"
    )
    print(header)
    print("-" * len(header))
    for label, r in results.items():
        verdict = "met" if r["ratio"] <= 3 else "NOT met"
        figures = f"{r['file_mb']:>6.1f}{r['read_s']:>13.3f}{r['levy_s']:>9.3f}{r['ratio']:>8.1f}"
        floor = f"{r['validate_s']:>10.3f}{r['write_s']:>9.3f}{r['floor_ratio']:>14.1f}"
        print(f"{label:<6}{figures}{floor}  {verdict}")
    print(
        "checks: the row checks alone on the frame read; write: the finished output written alone; "
        "floor = (read + checks + write) ÷ read, before any evaluation or formatting"
    )


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
