"""Load test (U11; GB/T 22239-2019 8.1.4.x availability, docs/security.md): Locust against `xiaokang serve`
(gunicorn) on PostgreSQL with a registry of BENCH_LOAD_PERSONS (default 100,000) synthetic persons.

BENCH_LOAD_USERS (default 200) simulated users for BENCH_LOAD_SECONDS (default 120): three in four are
staff (street officers of the 29 streets and district officers, each on an account of their own) who
search the person list, open person pages and take one step on an application of their street a minute;
one in four are residents on the public portal (home, policy guide, screener, status lookup). Every
simulated user connects from a loopback address of its own (127.0.0.x), as distinct clients would, so
the per-client rate limits count each user, not the whole test.

The users work for BENCH_LOAD_SECONDS after the last one has been started and signed in. Prints one JSON
line: requests, errors, p50/p95/p99 in ms of that work, overall and per request name, computed from every
request's own time (the locustfile records them); signing in (150 PBKDF2 checks in the first seconds) and
the whole run including the start are separate figures. Setup (migrate, seed, accounts, applications) is
done once per database and kept (database xiaokang_load); rate-limit counts are cleared before each run."""

from __future__ import annotations

import argparse
import json
import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "bench" / "out"
PASSWORD = "Load-test-pass-1"  # noqa: S105 (synthetic accounts of a throwaway bench database)
APPLICATIONS_PER_OFFICER = 4
# Starting 200 users at 20 a second and signing 150 of them in (PBKDF2) takes about half a minute here.
START_ALLOWANCE_SECONDS = 40


def _django(url: str) -> None:
    os.environ["DATABASE_URL"] = url
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.development")
    os.environ["XIAOKANG_DATA_DIR"] = str(OUT / "load")
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()


def prepare(url: str, persons: int, staff: int) -> dict:
    """The seeded registry, one account per simulated staff user and applications for them to work on.
    Returns the plan the locustfile reads."""
    _django(url)
    import datetime as dt

    from django.core.management import call_command
    from django.db import transaction

    from xiaokang.accounts.actors import SystemActor
    from xiaokang.accounts.models import User
    from xiaokang.cases.models import Application
    from xiaokang.cases.services import WorkflowError, application_submit
    from xiaokang.core.models import Area, AreaLevel, RateLimitHit
    from xiaokang.registry.models import Person

    call_command("migrate", verbosity=0)
    if not Person.objects.unscoped(reason="bench: the whole synthetic registry").exists():
        started = time.perf_counter()
        subprocess.run(
            [str(ROOT / ".venv" / "bin" / "xiaokang"), "seed", "--persons", str(persons)],
            env=dict(os.environ),
            check=True,
            stdout=subprocess.DEVNULL,
        )
        print(f"seeded {persons:,} persons in {time.perf_counter() - started:.0f} s", file=sys.stderr)
    persons = Person.objects.unscoped(reason="bench: the whole synthetic registry").count()

    # Each run starts with no reader's allowance used (the bulk-read limit counts persons per reader over
    # ten minutes; an earlier run's reads must not count against this one).
    RateLimitHit.objects.all().delete()
    streets = list(Area.objects.filter(level=AreaLevel.STREET).order_by("code"))
    system = SystemActor("bench load")
    today = dt.date.today()
    plan: dict = {"password": PASSWORD, "staff": [], "public_names": []}
    with transaction.atomic():
        for i in range(staff):
            district = i % 10 == 0  # one in ten staff users is a district officer
            street = None if district else streets[i % len(streets)]
            username = f"load_{'district' if district else 'street'}_{i:03d}"
            user = User.objects.filter(username=username).first()
            if user is None:
                user = User.objects.create_user(
                    username,
                    password=PASSWORD,
                    role="district_officer" if district else "street_officer",
                    area=street,
                )
            persons_of = (
                Person.objects.unscoped(reason="bench: the whole synthetic registry").filter(
                    community__parent=street
                )
                if street
                else Person.objects.unscoped(reason="bench: the whole synthetic registry").all()
            )
            person_ids = list(persons_of.order_by("id").values_list("id", flat=True)[i * 7 : i * 7 + 200])
            names = list(persons_of.order_by("id").values_list("name", flat=True)[i * 7 : i * 7 + 30])
            applications: list[int] = []
            if street is not None:
                # Fresh applications every run: the ones of earlier runs have been worked on.
                for person in persons_of.filter(status="normal").order_by("?")[:20]:
                    try:
                        submission = application_submit(
                            actor=system,
                            person=person,
                            policy_id="living_subsidy",
                            channel="counter",
                            received_on=today,
                        )
                    except WorkflowError:  # an open application already, or not allowed: another person
                        continue
                    applications.append(submission.application.pk)
                    if len(applications) == APPLICATIONS_PER_OFFICER:
                        break
            plan["staff"].append(
                {
                    "username": username,
                    "person_ids": person_ids,
                    "name_prefixes": sorted({name[:1] for name in names}),
                    "applications": applications,
                }
            )
    plan["persons"] = persons
    plan["application_numbers"] = list(
        Application.objects.unscoped(reason="bench: the whole synthetic registry")
        .order_by("-id")
        .values_list("number", flat=True)[:500]
    )
    return plan


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_for(url: str, seconds: float = 300) -> None:
    import urllib.request

    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(url, timeout=2):  # noqa: S310 (the bench's own loopback server)
                return
        except OSError:
            time.sleep(0.5)
    raise SystemExit(f"the server did not answer at {url}")


SIGN_IN = ("GET /login/", "POST /login/ (POST)")


def _summary(rows: list[tuple[float, str, float, bool]], seconds: float) -> dict:
    times = sorted(r[2] for r in rows)

    def at(q: float) -> float:
        return times[min(len(times) - 1, int(q * len(times)))] if times else 0.0

    return {
        "requests": len(rows),
        "errors": sum(1 for r in rows if r[3]),
        "p50_ms": at(0.50),
        "p95_ms": at(0.95),
        "p99_ms": at(0.99),
        "rps": len(rows) / seconds if seconds else 0.0,
    }


def figures(data: dict) -> dict:
    """Percentiles of the day's work (every request but signing in) while every user is at work: from the
    moment the last user was started and the last sign-in answered, per request and in all. Signing in
    (each staff user once, all of them in the first seconds: that many PBKDF2 checks at once) and the whole
    run including that start are separate lines."""
    records = data["records"]
    signed_in = max((r[0] for r in records if r[1] in SIGN_IN), default=0.0)
    start = max(data["spawned"][0] if data["spawned"] else min(r[0] for r in records), signed_in)
    end = max(r[0] for r in records)
    steady = [r for r in records if r[0] >= start and r[1] not in SIGN_IN]
    names = sorted({r[1] for r in steady})
    return {
        **_summary(steady, end - start),
        "by_name": {name: _summary([r for r in steady if r[1] == name], end - start) for name in names},
        "sign_in": _summary([r for r in records if r[1] in SIGN_IN], end - min(r[0] for r in records)),
        "whole_run": _summary(records, end - min(r[0] for r in records)),
        "steady_seconds": end - start,
    }


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--database-url", required=True)
    parser.add_argument("--persons", type=int, default=100_000)
    parser.add_argument("--users", type=int, default=200)
    parser.add_argument("--seconds", type=int, default=120)
    parser.add_argument("--workers", type=int, default=4)
    args = parser.parse_args()
    (OUT / "load").mkdir(parents=True, exist_ok=True)
    staff = args.users * 3 // 4
    plan = prepare(args.database_url, args.persons, staff)
    plan_path = OUT / "load" / "plan.json"
    plan_path.write_text(json.dumps(plan), encoding="utf-8")

    port = free_port()
    host = f"http://127.0.0.1:{port}"
    env = dict(
        os.environ,
        DATABASE_URL=args.database_url,
        XIAOKANG_DATA_DIR=str(OUT / "load"),
        DJANGO_SETTINGS_MODULE="config.settings.development",
    )
    server = subprocess.Popen(
        [
            str(ROOT / ".venv" / "bin" / "xiaokang"),
            "serve",
            "--port",
            str(port),
            "--workers",
            str(args.workers),
        ],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=(OUT / "load" / "server.log").open("w"),
        start_new_session=True,
    )
    try:
        wait_for(host + "/")
        prefix = OUT / "load" / "locust"
        records_path = OUT / "load" / "records.json"
        subprocess.run(
            [
                str(ROOT / ".venv" / "bin" / "locust"),
                "-f",
                str(ROOT / "bench" / "locustfile.py"),
                "--headless",
                "--users",
                str(args.users),
                "--spawn-rate",
                str(max(1, args.users // 10)),
                "--run-time",
                # The users work for the given time after all have been started and signed in.
                f"{args.seconds + START_ALLOWANCE_SECONDS}s",
                "--host",
                host,
                "--csv",
                str(prefix),
                "--only-summary",
                "--loglevel",
                "WARNING",
                "--stop-timeout",
                "10",
            ],
            env=dict(env, XIAOKANG_LOAD_PLAN=str(plan_path), XIAOKANG_LOAD_RECORDS=str(records_path)),
            check=False,
            stdout=subprocess.DEVNULL,
            stderr=(OUT / "load" / "locust.log").open("w"),
        )
        result = figures(json.loads(records_path.read_text(encoding="utf-8")))
    finally:
        os.killpg(server.pid, signal.SIGTERM)
        server.wait(timeout=30)
    result.update(
        persons=plan["persons"],
        users=args.users,
        seconds=args.seconds,
        workers=args.workers,
        engine="postgresql",
    )
    print(json.dumps(result))


if __name__ == "__main__":
    main()
