"""Each fact is defined once (P2): ``facts.FIELDS`` gives its name, type, description and computation,
and both back ends are generated from it. On random records — with the optional keys missing or empty,
so the defaults are exercised too — and dates, the interpreter's facts (``views_of``) equal the SQL
back end's (``sql.facts_select``) fact by fact, in DuckDB, in SQLite and on the database under test."""

from __future__ import annotations

import datetime as dt
import sqlite3
from types import SimpleNamespace

import pytest
from django.db import connection, transaction
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from xiaokang.policies import evaluation
from xiaokang.policies.casebook import BASELINE
from xiaokang.policies.engine import facts, sql
from xiaokang.policies.engine.language import BOOL, INT
from xiaokang.policies.tests.test_backends_agree import DAYS, records

OPTIONAL_TEXT = ("status", "economic_status", "employment")
OPTIONAL_OTHER = ("grade", "family_planning_hardship", "dangerous_house", "work_injury_care", "self_care")


@st.composite
def sparse_records(draw):
    record = draw(records())
    for key in OPTIONAL_TEXT:
        if draw(st.booleans()):
            record[key] = draw(st.sampled_from([None, ""]))
    for key in OPTIONAL_OTHER:
        if draw(st.booleans()):
            record[key] = None
    return record


def _normal(name: str, value: object) -> object:
    kind = facts.FIELDS[name].type.kind
    if kind == BOOL:
        return bool(value)
    if kind == INT:
        return int(value)
    return value


def in_python(people: list[dict], day: dt.date) -> list[tuple]:
    return sorted(
        (index, *(_normal(name, view[name]) for name in facts.FIELDS))
        for index, record in enumerate(people)
        for view in facts.views_of(record, day)
    )


def _rows(cursor_rows, description) -> list[tuple]:
    names = [column[0] for column in description]
    rows = [dict(zip(names, row, strict=True)) for row in cursor_rows]
    return sorted((row["person_id"], *(_normal(name, row[name]) for name in facts.FIELDS)) for row in rows)


def _create(execute, people: list[dict], mark: str, executemany) -> None:
    columns = ", ".join(f"{column} {sql.SOURCE_TYPES[column]}" for column in sql.SOURCE_COLUMNS)
    execute(f"CREATE TEMPORARY TABLE fact_source ({columns})")
    marks = ", ".join([mark] * len(sql.SOURCE_COLUMNS))
    executemany(
        f"INSERT INTO fact_source VALUES ({marks})",  # noqa: S608 (placeholders only)
        [evaluation._source_row(index, record) for index, record in enumerate(people)],
    )


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(people=st.lists(sparse_records(), min_size=1, max_size=20), day=DAYS)
def test_every_fact_is_the_same_in_python_duckdb_and_sqlite(people, day):
    import duckdb

    expected = in_python(people, day)

    duck = duckdb.connect()
    _create(duck.execute, people, "?", duck.executemany)
    cursor = duck.execute(sql.facts_select("fact_source", day, "duckdb"))
    assert _rows(cursor.fetchall(), cursor.description) == expected
    duck.close()

    lite = sqlite3.connect(":memory:")
    _create(lite.execute, people, "?", lite.executemany)
    cursor = lite.execute(sql.facts_select("fact_source", day, "sqlite"))
    assert _rows(cursor.fetchall(), cursor.description) == expected
    lite.close()


@pytest.mark.django_db
@settings(max_examples=20, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(people=st.lists(sparse_records(), min_size=1, max_size=20), day=DAYS)
def test_every_fact_is_the_same_in_python_and_on_the_database_under_test(people, day):
    dialect = evaluation.dialect()
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("DROP TABLE IF EXISTS fact_source")
        _create(cursor.execute, people, "%s", cursor.executemany)
        cursor.execute(sql.facts_select("fact_source", day, dialect))
        rows = _rows(cursor.fetchall(), cursor.description)
        cursor.execute("DROP TABLE fact_source")
    assert rows == in_python(people, day)


def test_every_person_fact_has_one_computation_and_every_record_key_a_source_column():
    """A fact reads record keys (``compute.reads``); they are the SQL source's columns, and every source
    of records gives them: the registry (``record_for_person``) and the test-case baseline."""
    for name, fact in facts.FIELDS.items():
        assert fact.compute is not None and fact.compute.reads, name
    read = set(sql.SOURCE_COLUMNS) - {"person_id", "street_id", "valid_until"}  # valid_until: the registry's
    certificate = SimpleNamespace(
        category="multiple", grade=1, components="46", issued_on=None, status="active"
    )
    person = SimpleNamespace(**{key: None for key in ("birth_date", "status", "hukou", "employment")})
    person.work_injury_care = person.self_care = False
    household = SimpleNamespace(
        economic_status="dibao", family_planning_hardship=False, dangerous_house=False
    )
    assert set(facts.record_for_person(person, certificate, household)) == read
    assert set(BASELINE) == read


def test_a_missing_optional_key_takes_the_same_default_in_both_back_ends():
    record = {**BASELINE, "status": "", "economic_status": None, "self_care": None, "grade": None}
    [view] = facts.views_of(record, dt.date(2025, 6, 1))
    assert (view["status"], view["economic_status"], view["self_care"], view["grade"]) == (
        "normal",
        "ordinary",
        True,
        0,
    )
