"""Batch evaluation over the registry, inside the database (P2, P3): stored runs with the change since
the previous run, and what-ifs compared with the current rules by street.

Every statement is set-based (``sql.facts_select`` / ``sql.decisions_select``): Python holds the rules
and the per-policy totals, never a row per person, so memory does not grow with the registry.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import time
from collections.abc import Callable
from dataclasses import dataclass, field

from django.db import connection, transaction

from xiaokang.accounts.actors import Actor, actor_label, scope_of
from xiaokang.audit.services import log_action
from xiaokang.core.models import Area
from xiaokang.policies.engine import sql
from xiaokang.policies.engine.loader import Policy, person_policies
from xiaokang.policies.models import EvaluationResult, EvaluationRun, RunPolicy
from xiaokang.registry.models import Certificate, Household, Person

FACTS_TABLE = "policy_facts"

Overrides = dict[str, dict[str, object]]  # {policy id: {parameter: value}}


def dialect() -> str:
    return "postgresql" if connection.vendor == "postgresql" else "sqlite"


def registry_source(actor: Actor) -> str:
    """The source relation (sql.SOURCE_COLUMNS) of the persons in the actor's scope (R1; GB/T 22239-2019
    8.1.4.2)."""
    scope = scope_of(actor)
    where = {
        "all": "",
        "street": f"WHERE p.street_id = {int(scope.area_id or 0)}",
        "community": f"WHERE p.community_id = {int(scope.area_id or 0)}",
    }.get(scope.kind, "WHERE 1 = 0")
    person, household, certificate = (
        Person._meta.db_table,
        Household._meta.db_table,
        Certificate._meta.db_table,
    )
    return f"""
    SELECT p.id AS person_id, p.street_id AS street_id, p.birth_date AS birth_date, p.status AS status,
        p.hukou AS hukou, c.category AS category, c.grade AS grade, c.components AS components,
        c.issued_on AS issued_on, c.valid_until AS valid_until,
        CASE WHEN c.id IS NULL THEN FALSE ELSE TRUE END AS certificate_active,
        h.economic_status AS economic_status, p.employment AS employment,
        h.family_planning_hardship AS family_planning_hardship, h.dangerous_house AS dangerous_house,
        p.work_injury_care AS work_injury_care, p.self_care AS self_care
    FROM {person} p
    JOIN {household} h ON h.id = p.household_id
    LEFT JOIN {certificate} c ON c.person_id = p.id AND c.status = 'active'
    {where}"""


@contextlib.contextmanager
def temporary_tables_on_disk():
    """On SQLite, outside a transaction: temporary tables in a file behind SQLite's bounded cache instead
    of in memory (the connection's default), so a batch's memory does not grow with the registry (issue
    4 §5; 1M persons: peak RSS 414 MB instead of 625 MB, same time). SQLite allows the switch only
    outside a transaction; inside one (a test) the default stays."""
    switch = dialect() == "sqlite" and not connection.in_atomic_block
    if switch:
        with connection.cursor() as cursor:
            cursor.execute("PRAGMA temp_store = FILE")
    try:
        yield
    finally:
        if switch:
            with connection.cursor() as cursor:
                cursor.execute("PRAGMA temp_store = MEMORY")  # the connection's default (settings)


def build_facts(cursor, source: str, day: dt.date, table: str = FACTS_TABLE) -> int:
    """(Re)create the temporary facts tables from ``source``: ``table`` for the persons with one
    category view, ``table``_multi for 多重 persons (several views, ranked); returns the persons."""
    drop_facts(cursor, table)
    for name, views in ((table, "single"), (f"{table}_multi", "multiple")):
        # In person order: the results are then written in the order of their index (run, person),
        # appending to it instead of inserting all over it (PostgreSQL's hash join gives any order).
        cursor.execute(
            f"CREATE TEMPORARY TABLE {name} AS {sql.facts_select(source, day, dialect(), views)} "
            "ORDER BY person_id"
        )
    cursor.execute(
        f"SELECT (SELECT COUNT(*) FROM {table}) + (SELECT COUNT(DISTINCT person_id) FROM {table}_multi)"
    )
    return cursor.fetchone()[0]


CONDITIONS_TABLE = "policy_conditions"


def decisions(cursor, policy: Policy, parameters: dict, table: str = FACTS_TABLE) -> str:
    """The SELECT of one decision per person (sql.DECISION_COLUMNS). On SQLite, stage 1 (every condition
    per view) is materialised into temporary tables first: its query flattener would otherwise compute
    each condition again wherever stage 2 reads it. PostgreSQL keeps one statement (materialising was
    slower there: bench/policy_bench.py)."""
    if dialect() != "sqlite":
        return sql.decisions_select(policy, parameters, table, dialect(), multiple_table=f"{table}_multi")
    for facts, conditions in ((table, CONDITIONS_TABLE), (f"{table}_multi", f"{CONDITIONS_TABLE}_multi")):
        cursor.execute(f"DROP TABLE IF EXISTS {conditions}")
        cursor.execute(
            f"CREATE TEMPORARY TABLE {conditions} AS "
            f"{sql.conditions_select(policy, parameters, facts, dialect())}"
        )
    return sql.decisions_from_conditions(policy, CONDITIONS_TABLE, dialect(), f"{CONDITIONS_TABLE}_multi")


def drop_facts(cursor, table: str = FACTS_TABLE) -> None:
    for name in (table, f"{table}_multi", CONDITIONS_TABLE, f"{CONDITIONS_TABLE}_multi"):
        cursor.execute(f"DROP TABLE IF EXISTS {name}")


# ---------------------------------------------------------------------------------------------------
# Stored runs


@dataclass
class PolicyChange:
    policy: Policy
    eligible: int
    amount_fen: int
    newly_eligible: int | None  # None: no previous run to compare with
    no_longer_eligible: int | None


@dataclass
class RunReport:
    run: EvaluationRun
    previous: EvaluationRun | None
    policies: list[PolicyChange] = field(default_factory=list)


def _parameters_text(parameters: dict) -> dict[str, str]:
    return {name: sql.literal(value).strip("'") for name, value in parameters.items()}


def evaluate_registry(
    day: dt.date,
    *,
    actor: Actor,
    overrides: Overrides | None = None,
    progress: Callable[[str], None] | None = None,
) -> RunReport:
    """Evaluate every person policy over the whole registry on ``day`` and store the run."""
    with temporary_tables_on_disk():
        return _evaluate_registry(day, actor=actor, overrides=overrides, progress=progress)


@transaction.atomic
def _evaluate_registry(
    day: dt.date, *, actor: Actor, overrides: Overrides | None, progress: Callable[[str], None] | None
) -> RunReport:
    overrides = overrides or {}
    policy_set = person_policies()
    parameters = {policy.id: policy.parameters_on(day, overrides.get(policy.id)) for policy in policy_set}
    started = time.perf_counter()
    previous = EvaluationRun.objects.order_by("-id").first()
    run = EvaluationRun.objects.create(
        evaluated_on=day,
        actor=getattr(actor, "pk", None) and actor,
        actor_label=actor_label(actor),
        overrides={
            f"{policy_id}.{name}": sql.literal(value).strip("'")
            for policy_id, values in overrides.items()
            for name, value in values.items()
        },
    )
    results = EvaluationResult._meta.db_table
    report = RunReport(run, previous)
    with connection.cursor() as cursor:
        # District-wide: a stored run is the district's (CLI, a SystemActor); scoped actors use what_if.
        run.persons = build_facts(cursor, registry_source(actor), day)
        previous_ids = (
            dict(RunPolicy.objects.filter(run=previous).values_list("policy_id", "id")) if previous else {}
        )
        for policy in policy_set:
            if progress:
                progress(policy.id)
            run_policy = RunPolicy.objects.create(
                run=run,
                policy_id=policy.id,
                version=policy.version,
                parameters=_parameters_text(parameters[policy.id]),
            )
            selected = decisions(cursor, policy, parameters[policy.id])
            columns = "person_id, street_id, category, eligible, amount_fen, failed"
            cursor.execute(
                f"INSERT INTO {results} (run_policy_id, {columns}) "
                f"SELECT {run_policy.pk}, {columns} FROM ({selected}) d"
            )
            cursor.execute(
                f"SELECT COUNT(*), COALESCE(SUM(amount_fen), 0) FROM {results} "
                f"WHERE run_policy_id = %s AND eligible",
                [run_policy.pk],
            )
            run_policy.eligible, run_policy.amount_fen = cursor.fetchone()
            run_policy.save(update_fields=["eligible", "amount_fen"])
            newly = no_longer = None
            if policy.id in previous_ids:
                newly, no_longer = _changes(cursor, run_policy.pk, previous_ids[policy.id])
            report.policies.append(
                PolicyChange(policy, run_policy.eligible, run_policy.amount_fen, newly, no_longer)
            )
        drop_facts(cursor)
    run.seconds = time.perf_counter() - started
    run.save(update_fields=["persons", "seconds"])
    log_action(
        actor,
        "policy.evaluate",
        object_type="evaluation_run",
        object_id=run.pk,
        details={"date": day.isoformat(), "overrides": run.overrides, "persons": run.persons},
    )
    return report


def _changes(cursor, current: int, previous: int) -> tuple[int, int]:
    """Newly eligible and no longer eligible between two runs of one policy (persons in either)."""
    results = EvaluationResult._meta.db_table
    cursor.execute(
        f"""
        SELECT
            COALESCE(SUM(CASE WHEN n.eligible AND (o.eligible IS NULL OR NOT o.eligible)
                THEN 1 ELSE 0 END), 0),
            COALESCE(SUM(CASE WHEN o.eligible AND NOT n.eligible THEN 1 ELSE 0 END), 0)
        FROM {results} n LEFT JOIN {results} o ON o.run_policy_id = %s AND o.person_id = n.person_id
        WHERE n.run_policy_id = %s""",
        [previous, current],
    )
    newly, no_longer = cursor.fetchone()
    # Eligible before and absent now (a person no longer in the registry) is no longer eligible too.
    cursor.execute(
        f"""
        SELECT COUNT(*) FROM {results} o
        WHERE o.run_policy_id = %s AND o.eligible AND NOT EXISTS (
            SELECT 1 FROM {results} n WHERE n.run_policy_id = %s AND n.person_id = o.person_id)""",
        [previous, current],
    )
    return int(newly), int(no_longer) + int(cursor.fetchone()[0])


# ---------------------------------------------------------------------------------------------------
# What-if (nothing stored)


@dataclass
class StreetRow:
    street_id: int
    street_name: str
    current_eligible: int
    current_fen: int
    what_if_eligible: int
    what_if_fen: int

    @property
    def eligible_change(self) -> int:
        return self.what_if_eligible - self.current_eligible

    @property
    def fen_change(self) -> int:
        return self.what_if_fen - self.current_fen


@dataclass
class PolicyComparison:
    policy: Policy
    changed: bool  # the what-if changes a parameter of this policy
    streets: list[StreetRow]

    @property
    def total(self) -> StreetRow:
        return StreetRow(
            0,
            "",
            sum(row.current_eligible for row in self.streets),
            sum(row.current_fen for row in self.streets),
            sum(row.what_if_eligible for row in self.streets),
            sum(row.what_if_fen for row in self.streets),
        )


def _by_street(cursor, policy: Policy, parameters: dict) -> dict[int, tuple[int, int]]:
    cursor.execute(
        f"SELECT street_id, SUM(CASE WHEN eligible THEN 1 ELSE 0 END), COALESCE(SUM(amount_fen), 0) "
        f"FROM ({decisions(cursor, policy, parameters)}) d GROUP BY street_id"
    )
    return {int(street): (int(count), int(fen)) for street, count, fen in cursor.fetchall()}


def what_if(day: dt.date, *, actor: Actor, overrides: Overrides) -> list[PolicyComparison]:
    """Counts and monthly cost by street under the current rules and under ``overrides``, for the
    persons in the actor's scope (a street officer sees their own street only). Nothing is stored."""
    with temporary_tables_on_disk():
        return _what_if(day, actor=actor, overrides=overrides)


@transaction.atomic
def _what_if(day: dt.date, *, actor: Actor, overrides: Overrides) -> list[PolicyComparison]:
    policy_set = person_policies()
    comparisons = []
    with connection.cursor() as cursor:
        build_facts(cursor, registry_source(actor), day)
        streets = {
            pk: (code, name)
            for pk, code, name in Area.objects.filter(level="street").values_list("id", "code", "name")
        }
        for policy in policy_set:
            current = _by_street(cursor, policy, policy.parameters_on(day))
            changed = bool(overrides.get(policy.id))
            what = (
                _by_street(cursor, policy, policy.parameters_on(day, overrides.get(policy.id)))
                if changed
                else current
            )
            rows = [
                StreetRow(
                    street,
                    streets.get(street, ("", str(street)))[1],
                    *current.get(street, (0, 0)),
                    *what.get(street, (0, 0)),
                )
                for street in sorted(set(current) | set(what), key=lambda pk: streets.get(pk, ("",))[0])
            ]
            comparisons.append(PolicyComparison(policy, changed, rows))
        drop_facts(cursor)
    return comparisons


# ---------------------------------------------------------------------------------------------------
# Records that are not in the registry (policy test cases, the property test): the same SQL pipeline
# over a temporary source table.

SOURCE_TABLE = "policy_source"
_SOURCE_TYPES = sql.SOURCE_TYPES  # every source column with its type, from the facts' one definition


def _source_row(person_id: int, record: dict) -> list:
    from xiaokang.registry.models import certificate_valid_until

    issued_on = record.get("issued_on")
    row = {
        **record,
        "person_id": person_id,
        "street_id": record.get("street_id", 0),
        "valid_until": certificate_valid_until(issued_on) if issued_on else None,
        "certificate_active": record.get("certificate_active", True),
    }
    return [
        value.isoformat() if isinstance(value, dt.date) else value
        for value in (row.get(column) for column in sql.SOURCE_COLUMNS)
    ]


def decisions_for_records(
    records: list[dict], policy: Policy, day: dt.date, overrides: dict | None = None
) -> list[dict]:
    """The SQL back end's decisions for records given in Python, in the records' order."""
    columns = ", ".join(f"{column} {_SOURCE_TYPES.get(column, 'TEXT')}" for column in sql.SOURCE_COLUMNS)
    placeholders = ", ".join(["%s"] * len(sql.SOURCE_COLUMNS))
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(f"DROP TABLE IF EXISTS {SOURCE_TABLE}")
        cursor.execute(f"CREATE TEMPORARY TABLE {SOURCE_TABLE} ({columns})")
        cursor.executemany(
            f"INSERT INTO {SOURCE_TABLE} VALUES ({placeholders})",
            [_source_row(index, record) for index, record in enumerate(records)],
        )
        build_facts(cursor, SOURCE_TABLE, day)
        cursor.execute(decisions(cursor, policy, policy.parameters_on(day, overrides)))
        names = [column[0] for column in cursor.description]
        rows = {row[0]: dict(zip(names, row, strict=True)) for row in cursor.fetchall()}
        drop_facts(cursor)
        cursor.execute(f"DROP TABLE IF EXISTS {SOURCE_TABLE}")
    return [rows[index] for index in range(len(records))]
