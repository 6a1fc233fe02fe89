"""One engine's policy-engine benchmark (P2; docs/architecture.md), run by bench/run.py in a subprocess per
engine. Prints one JSON line.

- evaluate: every person policy over the whole registry, results stored (evaluation.evaluate_registry),
  median of --repeat runs (each starts without stored results);
- floor: one aggregate scan over the same joins (the registry source the compiler reads), median;
- interpreter: the per-person path (ORM read + interpreter) on --sample persons, extrapolated to all;
- memory: the peak of Python allocations (tracemalloc) during one evaluation, and the process's peak RSS.
"""

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
    parser.add_argument("--persons", type=int, required=True)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--sample", type=int, default=10_000)
    parser.add_argument("--date", default="2025-06-01")
    args = parser.parse_args()
    os.environ["DATABASE_URL"] = args.database_url
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.development")
    os.environ.setdefault("XIAOKANG_DATA_DIR", str(ROOT / "bench" / "out"))
    import django

    django.setup()
    import datetime as dt

    from django.core.management import call_command
    from django.db import connection, transaction

    from xiaokang.accounts.actors import SystemActor
    from xiaokang.policies import evaluation
    from xiaokang.policies.selectors import decisions_for_person
    from xiaokang.registry.models import Person
    from xiaokang.registry.synthetic import seed_registry

    call_command("migrate", verbosity=0)
    actor = SystemActor("bench policies")
    day = dt.date.fromisoformat(args.date)
    seeded_s = None
    if Person.objects.unscoped(reason="bench: the whole synthetic registry").count() != args.persons:
        if Person.objects.unscoped(reason="bench: the whole synthetic registry").exists():
            raise SystemExit(f"{args.database_url} holds another population: remove it first")
        start = time.perf_counter()
        seed_registry(actor=actor, persons=args.persons, seed=1)
        seeded_s = time.perf_counter() - start

    def clear_runs() -> None:
        with connection.cursor() as cursor:
            if connection.vendor == "postgresql":
                tables = "policies_evaluationresult, policies_runpolicy, policies_evaluationrun"
                cursor.execute(f"TRUNCATE {tables} RESTART IDENTITY CASCADE")
            else:
                for table in ("policies_evaluationresult", "policies_runpolicy", "policies_evaluationrun"):
                    cursor.execute(f"DELETE FROM {table}")  # noqa: S608

    def floor() -> float:
        start = time.perf_counter()
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT COUNT(*), SUM(CASE WHEN s.certificate_active THEN 1 ELSE 0 END), SUM(s.grade), "  # noqa: S608
                "MAX(s.birth_date), MAX(s.economic_status) "
                f"FROM ({evaluation.registry_source(actor)}) s"
            )
            cursor.fetchall()
        return time.perf_counter() - start

    def compute_only() -> float:
        """Every policy decided for every person exactly as a run does (facts, then each policy's
        decisions), only aggregated instead of stored: the least a run that stores them can take."""
        policy_set = evaluation.person_policies()
        start = time.perf_counter()
        with (
            evaluation.temporary_tables_on_disk(),
            transaction.atomic(),
            connection.cursor() as cursor,
        ):
            evaluation.build_facts(cursor, evaluation.registry_source(actor), day)
            for policy in policy_set:
                selected = evaluation.decisions(cursor, policy, policy.parameters_on(day))
                cursor.execute(
                    "SELECT COUNT(*), SUM(CASE WHEN eligible THEN 1 ELSE 0 END), SUM(amount_fen), "  # noqa: S608
                    f"MAX(failed), MAX(category), MAX(street_id) FROM ({selected}) d"
                )
                cursor.fetchall()
            evaluation.drop_facts(cursor)
        return time.perf_counter() - start

    floors = [floor() for _ in range(args.repeat)]
    computes = [compute_only() for _ in range(args.repeat)]
    evaluations = []
    result_rows = 0
    for index in range(args.repeat):
        clear_runs()
        if connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                cursor.execute("VACUUM ANALYZE policies_evaluationresult")
        tracing = index == 0
        if tracing:
            tracemalloc.start()
        start = time.perf_counter()
        report = evaluation.evaluate_registry(day, actor=actor)
        evaluations.append(time.perf_counter() - start)
        if tracing:
            _, traced_peak = tracemalloc.get_traced_memory()
            tracemalloc.stop()
        result_rows = report.run.persons * len(report.policies)

    # The per-person path as a page or the API takes it: read the person (ORM), decide every policy.
    start = time.perf_counter()
    sampled = 0
    persons = (
        Person.objects.unscoped(reason="bench: the whole synthetic registry")
        .select_related("household")
        .prefetch_related("certificates")
        .order_by("pk")
    )
    for person in persons[: args.sample]:
        decisions_for_person(person, day)
        sampled += 1
    interpreter_s = time.perf_counter() - start
    per_person = interpreter_s / max(sampled, 1)
    evaluate_s = statistics.median(evaluations)
    print(
        json.dumps(
            {
                "engine": connection.vendor,
                "persons": args.persons,
                "seeded_s": seeded_s,
                "result_rows": result_rows,
                "evaluate_s": evaluate_s,
                "evaluate_runs": evaluations,
                "floor_s": statistics.median(floors),
                "ratio_to_floor": evaluate_s / statistics.median(floors),
                "compute_only_s": statistics.median(computes),
                "compute_only_runs": computes,
                "interpreter_sample": sampled,
                "interpreter_sample_s": interpreter_s,
                "interpreter_extrapolated_s": per_person * args.persons,
                "speedup": per_person * args.persons / evaluate_s,
                "traced_peak_mb": traced_peak / 1e6,
                "max_rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1e3,
            }
        )
    )


if __name__ == "__main__":
    main()
