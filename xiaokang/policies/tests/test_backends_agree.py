"""Property test (P2): on random persons and dates, the interpreter and the SQL back end give
the same eligibility, amount and failed conditions for every policy, on the database under test (SQLite
in `make test`, PostgreSQL in `make test-postgres`)."""

import datetime as dt

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from xiaokang.policies import evaluation
from xiaokang.policies.casebook import case_record
from xiaokang.policies.engine import interpreter
from xiaokang.policies.engine.loader import person_policies
from xiaokang.registry.vocabulary import (
    Category,
    EconomicStatus,
    Employment,
    Hukou,
    PersonStatus,
)

pytestmark = pytest.mark.django_db

SINGLE = [c for c in Category.values if c != "multiple"]
# Dates around the boundaries that matter: birthdays on 28 Feb / 1 Mar, certificate anniversaries.
DAYS = st.one_of(
    st.dates(dt.date(2024, 7, 1), dt.date(2027, 12, 31)),
    st.sampled_from([dt.date(2025, 2, 28), dt.date(2025, 3, 1), dt.date(2028, 2, 29), dt.date(2026, 3, 1)]),
)
BIRTHS = st.one_of(
    st.dates(dt.date(1925, 1, 1), dt.date(2025, 12, 31)),
    st.sampled_from([dt.date(2008, 2, 29), dt.date(2019, 3, 1), dt.date(2009, 2, 28), dt.date(1965, 3, 1)]),
)


@st.composite
def records(draw):
    category = draw(st.sampled_from([*Category.values, None]))
    components = ""
    if category == "multiple":
        components = draw(st.lists(st.sampled_from(SINGLE), min_size=2, max_size=4, unique=True))
    issued_on = draw(
        st.one_of(
            st.dates(dt.date(2013, 1, 1), dt.date(2027, 12, 31)),
            st.sampled_from([dt.date(2015, 3, 1), dt.date(2016, 2, 29), dt.date(2018, 3, 1)]),
        )
    )
    return case_record(
        {
            "birth_date": draw(BIRTHS),
            "status": draw(st.sampled_from(PersonStatus.values)),
            "hukou": draw(st.sampled_from(Hukou.values)),
            "category": category,
            "grade": draw(st.integers(1, 4)),
            "components": components,
            "issued_on": issued_on if category else None,
            "certificate_active": draw(st.booleans()),
            "economic_status": draw(st.sampled_from(EconomicStatus.values)),
            "employment": draw(st.sampled_from(Employment.values)),
            "family_planning_hardship": draw(st.booleans()),
            "dangerous_house": draw(st.booleans()),
            "work_injury_care": draw(st.booleans()),
            "self_care": draw(st.booleans()),
        }
    )


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(people=st.lists(records(), min_size=1, max_size=25), day=DAYS)
def test_the_interpreter_and_sql_agree_on_random_persons(people, day):
    for policy in person_policies():
        rows = evaluation.decisions_for_records(people, policy, day)
        for record, row in zip(people, rows, strict=True):
            decision = interpreter.decide_record(policy, record, day)
            from_sql = (bool(row["eligible"]), int(row["amount_fen"]), row["failed"] or "", row["category"])
            expected = (decision.eligible, decision.amount_fen, ";".join(decision.failed), decision.category)
            assert from_sql == expected, (policy.id, day, record)


def test_an_override_holds_in_both_back_ends():
    record = case_record({"category": "visual", "grade": 1, "economic_status": "low_income"})
    policy = next(p for p in person_policies() if p.id == "living_subsidy")
    day = dt.date(2025, 6, 1)

    decision = interpreter.decide_record(policy, record, day, {"dibao_standard": 1500})
    [row] = evaluation.decisions_for_records([record], policy, day, {"dibao_standard": 1500})

    assert decision.amount_fen == row["amount_fen"] == 150000


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(people=st.lists(records(), min_size=1, max_size=25), day=DAYS)
def test_the_screen_path_in_duckdb_agrees_with_the_interpreter(people, day):
    """`xiaokang screen` decides in DuckDB and reads the failed conditions back as a bit mask
    (screening.decide_facts): the same eligibility, amount and reasons as the interpreter."""
    import duckdb

    from xiaokang.policies.engine import sql
    from xiaokang.policies.screening import decide_facts

    connection = duckdb.connect()
    columns = ", ".join(
        f"{column} {evaluation._SOURCE_TYPES.get(column, 'TEXT')}" for column in sql.SOURCE_COLUMNS
    )
    connection.execute(f"CREATE TABLE source ({columns})")
    marks = ", ".join(["?"] * len(sql.SOURCE_COLUMNS))
    connection.executemany(
        f"INSERT INTO source VALUES ({marks})",  # noqa: S608 (placeholders only)
        [evaluation._source_row(index, record) for index, record in enumerate(people)],
    )
    connection.execute("CREATE TABLE facts AS " + sql.facts_select("source", day, "duckdb"))
    for policy in person_policies():
        frame = decide_facts(connection, policy, policy.parameters_on(day), "facts")
        assert frame["person_id"].to_list() == list(range(len(people)))
        for record, row in zip(people, frame.iter_rows(named=True), strict=True):
            decision = interpreter.decide_record(policy, record, day)
            expected = (decision.eligible, decision.amount_fen, ";".join(decision.failed) or None)
            assert (row["eligible"], row["amount_fen"], row["reasons"]) == expected, (policy.id, day, record)
    connection.close()
