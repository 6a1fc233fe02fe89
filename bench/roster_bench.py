"""One engine's roster benchmark (S5; docs/architecture.md), run by bench/run.py: the October roster of the
living subsidy with --enrolments active enrolments (evaluation included), built and exported, median of
--repeat runs. Uses the policy benchmark's populated database (1M persons); the enrolments are the
first N persons', created once. Prints one JSON line."""

from __future__ import annotations

import argparse
import json
import os
import resource
import statistics
import sys
import time
import tracemalloc
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--database-url", required=True)
    parser.add_argument("--enrolments", type=int, default=100_000)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    os.environ["DATABASE_URL"] = args.database_url
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.development")
    os.environ.setdefault("XIAOKANG_DATA_DIR", str(ROOT / "bench" / "out"))
    import django

    django.setup()
    import datetime as dt

    from django.core.management import call_command
    from django.db import connection

    from xiaokang.accounts.actors import SystemActor
    from xiaokang.cases.models import Enrolment, Roster
    from xiaokang.cases.rosters import roster_build, roster_export

    call_command("migrate", verbosity=0)
    policy, month = "living_subsidy", dt.date(2025, 10, 1)
    if Enrolment.objects.filter(policy_id=policy).count() != args.enrolments:
        Roster.objects.filter(policy_id=policy).delete()  # its lines refer to the enrolments
        Enrolment.objects.filter(policy_id=policy).delete()
        with connection.cursor() as cursor:
            cursor.execute(
                "INSERT INTO cases_enrolment (person_id, policy_id, start_month, status, status_reason, "
                "needs_review, created_at) SELECT id, %s, %s, 'active', '', FALSE, %s FROM registry_person "
                "ORDER BY id LIMIT %s",
                [policy, dt.date(2025, 1, 1), django.utils.timezone.now(), args.enrolments],
            )
    actor = SystemActor("bench roster")
    out = ROOT / "bench" / "out" / "roster.csv"
    walls = []
    for index in range(args.repeat + 1):
        Roster.objects.filter(policy_id=policy, month=month).delete()
        traced = index == args.repeat  # the last run measures Python's heap (tracing slows it: not timed)
        if traced:
            tracemalloc.start()
        start = time.perf_counter()
        summary = roster_build(actor=actor, policy_id=policy, month=month)
        roster_export(actor=actor, rosters=[summary.roster], path=out)
        if traced:
            python_peak = tracemalloc.get_traced_memory()[1] / 1e6
            tracemalloc.stop()
        else:
            walls.append(time.perf_counter() - start)
    print(
        json.dumps(
            {
                "engine": connection.vendor,
                "enrolments": args.enrolments,
                "paid": summary.paid,
                "held": summary.held,
                "wall_s": statistics.median(walls),
                "walls": walls,
                "python_peak_mb": python_peak,
                "max_rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1e3,
            }
        )
    )


if __name__ == "__main__":
    main()
