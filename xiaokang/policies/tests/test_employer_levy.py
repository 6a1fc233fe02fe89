"""The employment security fund levy as a policy of the engine (E1, E4): the worked
examples, each band boundary, the cap, exemption by type and size, the years outside the reduction
period, double counting, rounding half up to the fen; and a property test that the interpreter and the
SQL back ends (DuckDB always, PostgreSQL when that is the database under test) agree to the fen and on
every figure."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.db import connection, transaction
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from xiaokang.policies.engine import employers, sql
from xiaokang.policies.engine.facts import EMPLOYER_TYPE_ZH
from xiaokang.policies.engine.loader import policies


def levy(year=2024, **values):
    record = employers.case_employer(
        {key: Decimal(str(v)) if isinstance(v, float) else v for key, v in values.items()}
    )
    return employers.decide_levy(record, year)


def test_the_worked_examples_of_the_issue():
    two = levy(headcount=500, total_wages=50_000_000, disabled_grade_3_4=2)
    assert two.figures == {
        "headcount": "500",
        "counted": "2",
        "quota": "7.5000",
        "shortfall": "5.5000",
        "ratio": "0.004000",
        "average_wage": "100000.00",
        "capped_wage": "100000.00",
        "reduction": "0.9",
        "exempt": "false",
        "levy": "495000.00",
    }
    assert levy(headcount=500, total_wages=50_000_000, disabled_grade_3_4=5).levy == Decimal("125000.00")
    small = levy(headcount=30, total_wages=3_000_000)
    assert (small.exempt, small.levy, small.decision.failed) == (True, Decimal("0.00"), ["not_exempt"])
    organ = levy(employer_type="government_organ", headcount=30, total_wages=3_000_000)
    assert (organ.exempt, organ.levy) == (False, Decimal("40500.00"))


@pytest.mark.parametrize(
    ("counted", "reduction", "amount"),
    [
        (4, "0.9", "315000.00"),  # 0.8 %: below 1 %
        (5, "0.5", "125000.00"),  # exactly 1 %: the 50 % band
        (7, "0.5", "25000.00"),  # 1.4 %: still below the quota
        (8, "1", "0.00"),  # 1.6 % ≥ 1.5 %: nothing to pay
    ],
)
def test_reduction_bands_at_their_boundaries(counted, reduction, amount):
    decided = levy(headcount=500, total_wages=50_000_000, disabled_grade_3_4=counted)
    assert (decided.figures["reduction"], decided.figures["levy"]) == (reduction, amount)


def test_exactly_the_quota_pays_nothing():
    exact = levy(headcount=200, total_wages=20_000_000, disabled_grade_3_4=3)  # quota 3.0000
    assert (exact.figures["shortfall"], exact.levy) == ("0.0000", Decimal("0.00"))


def test_the_wage_cap_binds_at_twice_the_social_average_wage_and_three_times_before_2018():
    capped = levy(headcount=500, total_wages=200_000_000, disabled_grade_3_4=2)
    assert capped.figures["capped_wage"] == "286488.00"  # 2 × 143,244
    assert capped.levy == Decimal("1418115.60")
    before = levy(year=2017, headcount=500, total_wages=200_000_000)
    assert before.figures["capped_wage"] == "255114.00"  # 3 × 85,038
    # --set overrides the social average wage for a what-if
    record = employers.case_employer({"headcount": 500, "total_wages": 50_000_000, "disabled_grade_3_4": 2})
    what_if = employers.decide_levy(record, 2024, {"social_average_wage": Decimal(40000)})
    assert (what_if.figures["capped_wage"], what_if.levy) == ("80000.00", Decimal("396000.00"))


@pytest.mark.parametrize("employer_type", sorted(EMPLOYER_TYPE_ZH))
def test_only_enterprises_of_30_or_fewer_are_exempt(employer_type):
    at_30 = levy(employer_type=employer_type, headcount=30, total_wages=3_000_000)
    at_31 = levy(employer_type=employer_type, headcount=31, total_wages=3_100_000)
    assert at_30.exempt == (employer_type == "enterprise")
    assert not at_31.exempt and at_31.levy == Decimal("41850.00")


@pytest.mark.parametrize(
    ("year", "exempt", "amount"),
    [
        (2019, False, "550000.00"),
        (2020, True, "495000.00"),
        (2027, True, "495000.00"),
        (2028, False, "550000.00"),
    ],
)
def test_the_reductions_and_the_exemption_hold_for_levy_years_2020_to_2027_only(year, exempt, amount):
    assert (
        levy(year=year, headcount=500, total_wages=50_000_000, disabled_grade_3_4=2).figures["levy"] == amount
    )
    assert levy(year=year, headcount=30, total_wages=3_000_000).exempt == exempt


def test_grade_1_and_2_count_twice():
    decided = levy(headcount=500, total_wages=50_000_000, disabled_grade_1_2=2, disabled_grade_3_4=1)
    assert decided.counted == 5 and decided.levy == Decimal("125000.00")


def test_rounding_is_half_up_at_the_fen_only_at_the_end():
    # 1.5 × 10,000.30 × 0.9 = 13,500.405 exactly: half up gives .41 (half even would give .40).
    decided = levy(employer_type="government_organ", headcount=100, total_wages=Decimal("1000030.00"))
    assert decided.levy == Decimal("13500.41")
    # 1,000,000 / 3 is not a finite decimal; 0.045 × 33,333.3333333333 × 0.9 still comes to 1,350.00.
    third = levy(employer_type="government_organ", headcount=3, total_wages=100_000)
    assert third.figures["average_wage"] == "33333.33" and third.levy == Decimal("1350.00")


# --- the back ends agree -----------------------------------------------------------------------------


@st.composite
def employer_records(draw):
    headcount = draw(
        st.one_of(
            st.integers(1, 200_000).map(Decimal),
            st.decimals(Decimal("0.01"), Decimal("50000"), places=2),
            st.sampled_from([Decimal(30), Decimal(31), Decimal("30.5"), Decimal(500), Decimal(3)]),
        )
    )
    wage = draw(st.one_of(st.integers(0, 1_000_000), st.sampled_from([100_000, 286_488, 286_489])))
    total_wages = (headcount * wage + draw(st.integers(0, 99)) / Decimal(100)).quantize(Decimal("0.01"))
    return employers.employer_record(
        employer_type=draw(st.sampled_from(sorted(EMPLOYER_TYPE_ZH))),
        state_owned=draw(st.booleans()),
        headcount=headcount,
        total_wages=total_wages,
        disabled_grade_1_2=draw(st.integers(0, 60)),
        disabled_grade_3_4=draw(st.integers(0, 3000)),
    )


def _postgresql_decisions(policy, records, year):
    columns = (
        "employer_id integer, employer_type text, state_owned boolean, headcount numeric, "
        "total_wages numeric, disabled_grade_1_2 bigint, disabled_grade_3_4 bigint"
    )
    parameters = policy.parameters_on(employers.levy_day(year))
    select = sql.entity_decisions_select(
        policy, parameters, "employer_source", "postgresql", "employer_id", employers.FIGURES
    )
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(f"CREATE TEMPORARY TABLE employer_source ({columns}) ON COMMIT DROP")
        cursor.executemany(
            "INSERT INTO employer_source VALUES (%s, %s, %s, %s, %s, %s, %s)",
            [(index, *record.values()) for index, record in enumerate(records)],
        )
        cursor.execute(select + " ORDER BY employer_id")
        names = [column[0] for column in cursor.description]
        return [dict(zip(names, row, strict=True)) for row in cursor.fetchall()]


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(records=st.lists(employer_records(), min_size=1, max_size=15), year=st.integers(2016, 2030))
def test_interpreter_and_sql_agree_on_every_employer_policy(records, year):
    for policy in employers.employer_policies():
        expected = [employers.decide_employer(policy, record, year) for record in records]
        back_ends = {
            "duckdb": employers.decide_records_sql(policy, records, year, outputs=tuple(policy.definitions))
        }
        if connection.vendor == "postgresql":
            back_ends["postgresql"] = (
                _postgresql_decisions(policy, records, year) if policy.id == employers.LEVY_POLICY else None
            )
        for name, rows in back_ends.items():
            if rows is None:
                continue
            for decision, row in zip(expected, rows, strict=True):
                assert bool(row["eligible"]) == decision.eligible, (name, policy.id, decision)
                assert int(row["amount_fen"]) == decision.amount_fen, (
                    name,
                    policy.id,
                    row,
                    decision.definitions,
                )
                assert [r for r in (row["failed"] or "").split(";") if r] == decision.failed
                for figure in employers.FIGURES if policy.id == employers.LEVY_POLICY else ():
                    assert employers.figure_text(figure, row[figure]) == employers.figure_text(
                        figure, decision.definitions[figure]
                    ), (name, figure, row, decision.definitions)


def test_the_levy_policy_file_is_an_employer_policy_with_dated_cited_parameters():
    policy = policies()[employers.LEVY_POLICY]
    assert (policy.entity, policy.kind, policy.period) == ("employer", "levy", "year")
    assert set(policy.parameters) >= {
        "quota_ratio",
        "double_count_max_grade",
        "wage_cap_multiple",
        "social_average_wage",
        "small_enterprise_max_staff",
    }
    assert all(value.citation for parameter in policy.parameters.values() for value in parameter.values)
    assert "social_average_wage" in policy.unverified_on(employers.levy_day(2024))
