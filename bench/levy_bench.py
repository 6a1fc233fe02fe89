"""The levy benchmark (E1; docs/architecture.md), run by bench/run.py: ``xiaokang levy`` for 200,000 employers
from a file, against reading the same file alone with the same reader (the "bare read"), for a CSV and for an
xlsx file of the same rows. Both in this one process, median of --repeat runs each, so the ratio compares
like with like (target: ≤ 3×). Also measured in the same run: the row checks alone on the frame read, and
writing the finished output alone; read + checks + write, without any evaluation or formatting, is a
floor for the levy. Prints one JSON line."""

from __future__ import annotations

import argparse
import json
import os
import random
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

TYPES = ("企业", "企业", "企业", "机关", "事业单位", "社会团体", "民办非企业单位")


def make_file(path: Path, employers: int, seed: int = 6) -> None:
    """Synthetic employers with valid credit codes: sizes from 1 to 20,000 staff (most small), wages
    around 60,000–400,000 a head, a few disabled employees."""
    from xiaokang.core.identifiers import uscc_check_char

    rng = random.Random(seed)
    lines = ["统一社会信用代码,单位名称,单位类型,在职职工人数,工资总额,一二级残疾职工人数,三四级残疾职工人数"]
    for index in range(employers):
        first17 = f"91110108{index:09d}"
        headcount = max(1, int(rng.paretovariate(1.2) * 8))
        headcount = min(headcount, 20_000)
        fraction = rng.choice(("", "", "", ".5", ".25"))
        wages = headcount * rng.randint(60_000, 400_000) + rng.randint(0, 99) / 100
        grade12 = rng.choice((0, 0, 0, 0, 1, 2))
        grade34 = rng.choice((0, 0, 1, 2, 3, 5, 8))
        lines.append(
            f"{first17}{uscc_check_char(first17)},单位{index},{rng.choice(TYPES)},"
            f"{headcount}{fraction},{wages:.2f},{grade12},{grade34}"
        )
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--employers", type=int, default=200_000)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--out-dir", default=str(ROOT / "bench" / "out"))
    args = parser.parse_args()
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.development")
    os.environ.setdefault("XIAOKANG_DATA_DIR", args.out_dir)
    import django

    django.setup()
    from django.conf import settings

    from xiaokang.policies.levy import LEVY_COLUMNS, levy_file, validate_levy_rows
    from xiaokang.registry.importing.reader import read_table

    out_dir = Path(args.out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    csv_file = out_dir / f"levy-{args.employers}.csv"
    if not csv_file.exists():
        make_file(csv_file, args.employers)
    xlsx_file = csv_file.with_suffix(".xlsx")
    if not xlsx_file.exists():
        import polars as pl

        from xiaokang.registry.exporting import write_xlsx

        write_xlsx(pl.read_csv(csv_file, infer_schema=False), xlsx_file, sheet_name="employers")
    import polars as pl

    results = {}
    for label, source in (("csv", csv_file), ("xlsx", xlsx_file)):
        reads, validations, levies = [], [], []
        for _ in range(args.repeat):
            start = time.perf_counter()
            sheet = read_table(source, LEVY_COLUMNS, max_bytes=settings.XIAOKANG_SCREEN_MAX_BYTES)
            reads.append(time.perf_counter() - start)
            rows = sheet.frame.height
            # The row checks alone (E1: any invalid row, no output) on the frame just read.
            start = time.perf_counter()
            validate_levy_rows(sheet.frame, sheet.headers)
            validations.append(time.perf_counter() - start)
            del sheet
            start = time.perf_counter()
            report = levy_file(source, out_dir / "levy-out.csv", levy_year=2024)
            levies.append(time.perf_counter() - start)
            if report.errors:
                raise SystemExit(f"levy reported errors: {report.errors[:3]}")
        # Writing the finished output alone: the levy's output, already formatted, written again by
        # Polars (the fastest CSV writer at hand).
        finished = pl.read_csv(out_dir / "levy-out.csv", infer_schema=False)
        writes = []
        for _ in range(args.repeat):
            start = time.perf_counter()
            finished.write_csv(out_dir / "levy-write-floor.csv")
            writes.append(time.perf_counter() - start)
        (out_dir / "levy-write-floor.csv").unlink()
        read_s, levy_s = statistics.median(reads), statistics.median(levies)
        validate_s, write_s = statistics.median(validations), statistics.median(writes)
        results[label] = {
            "employers": rows,
            "file_mb": source.stat().st_size / 1e6,
            "read_s": read_s,
            "levy_s": levy_s,
            "ratio": levy_s / read_s,
            "validate_s": validate_s,
            "write_s": write_s,
            "floor_ratio": (read_s + validate_s + write_s) / read_s,
            "reads": reads,
            "levies": levies,
            "liable": report.liable,
            "exempt": report.exempt,
            "total_fen": report.total_fen,
        }
    print(json.dumps(results))


if __name__ == "__main__":
    main()
