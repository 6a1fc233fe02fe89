"""Person search with 100,000 persons (R1; docs/architecture.md): p50/p95 server time over 200 queries by name
prefix and 200 by ID number, through the same selector the pages and the API call (``search_persons``, scope
included). Run by bench/run.py in a subprocess per engine; prints one JSON line."""

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


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--database-url", required=True)
    parser.add_argument("--persons", type=int, default=100_000)
    parser.add_argument("--queries", type=int, default=200)
    args = parser.parse_args()
    os.environ["DATABASE_URL"] = args.database_url
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.development")
    os.environ.setdefault("XIAOKANG_DATA_DIR", str(ROOT / "bench" / "out"))
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection
    from django.utils import timezone

    from xiaokang.accounts.actors import SystemActor
    from xiaokang.accounts.models import User
    from xiaokang.core.models import Area
    from xiaokang.registry.models import Person
    from xiaokang.registry.search import PersonFilters, search_persons
    from xiaokang.registry.synthetic import build_population, seed_registry

    call_command("migrate", verbosity=0)
    if Person.objects.unscoped(reason="bench: the whole synthetic registry").count() < args.persons:
        seed_registry(actor=SystemActor("bench"), persons=args.persons, seed=7)
    population = build_population(args.persons, 7, today=timezone.localdate()).rows
    rng = random.Random(11)
    names = population.get_column("name").to_list()
    ids = population.get_column("id_number").to_list()
    district, _ = User.objects.get_or_create(username="bench_district", defaults={"role": "district_officer"})
    street, _ = User.objects.get_or_create(
        username="bench_street",
        defaults={"role": "street_officer", "area": Area.objects.get(code="110108001000")},
    )
    results = {}
    for label, actor, make in (
        ("name prefix, district", district, lambda: PersonFilters(name=rng.choice(names)[:2])),
        ("name prefix, street", street, lambda: PersonFilters(name=rng.choice(names)[:2])),
        ("ID number, district", district, lambda: PersonFilters(id_number=rng.choice(ids))),
    ):
        timings = []
        for _ in range(args.queries):
            filters = make()
            start = time.perf_counter()
            page = search_persons(actor, filters)
            [p.street.name for p in page.persons]  # rendered rows touch their street
            timings.append((time.perf_counter() - start) * 1000)
        results[label] = {"p50_ms": statistics.median(timings), "p95_ms": percentile(timings, 0.95)}
    print(
        json.dumps(
            {
                "engine": connection.vendor,
                "persons": Person.objects.unscoped(reason="bench: the whole synthetic registry").count(),
                "results": results,
            }
        )
    )


if __name__ == "__main__":
    main()
