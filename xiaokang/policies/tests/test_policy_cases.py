"""Every policy's own test cases through both back ends, on the test database (SQLite in `make test`,
PostgreSQL in `make test-postgres`): P1, P2."""

import pytest

from xiaokang.policies.casebook import run_cases
from xiaokang.policies.engine.loader import load_all, policies

pytestmark = pytest.mark.django_db


def test_the_shipped_policy_files_load_without_errors():
    loaded, errors = load_all()

    assert [str(error) for error in errors] == []
    assert set(loaded) == {
        "living_subsidy",
        "care_subsidy",
        "medical_assistance",
        "accident_insurance",
        "health_check",
        "child_rehabilitation",
        "free_mental_medication",
        "preschool_education",
        "rural_housing_renovation",
        "self_employment_insurance_subsidy",
        "temporary_assistance",  # S3: who may receive it; the grant itself is xiaokang/cases/temporary.py
        # employer policies (E1, E4)
        "employment_levy",
        "over_quota_reward",
        "employment_subsidy",
    }


@pytest.mark.parametrize("policy_id", sorted(policies()))
def test_policy_cases_pass_in_the_interpreter_and_in_sql(policy_id):
    policy = policies()[policy_id]

    results = run_cases(policy)

    assert len(results) == 2 * len(policy.tests) >= 8
    assert [result.describe() for result in results if not result.passed] == []
