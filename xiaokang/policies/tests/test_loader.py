"""Policy files (P1): a broken file is an error naming the file, line and column."""

import datetime as dt
import textwrap
from decimal import Decimal

import pytest

from xiaokang.policies.engine.loader import (
    PolicyError,
    load_all,
    parse_override,
    policies,
    read_policy,
)

GOOD = """\
id: sample
name: {zh: 样例, en: sample}
entity: person
kind: cash
period: month
legal_basis: [某文件]
parameters:
  amount:
    label: {zh: 金额, en: amount}
    values:
      - {from: 2024-07-01, value: 100, citation: 某文件, verified: true}
conditions:
  - id: adult
    label: {zh: 成年, en: adult}
    expression: age >= 18
    citation: 某文件
amount:
  expression: amount
"""


def write(tmp_path, text: str, name: str = "sample.yaml"):
    path = tmp_path / name
    path.write_text(textwrap.dedent(text), encoding="utf-8")
    return path


def test_a_good_file_loads(tmp_path):
    policy, errors = read_policy(write(tmp_path, GOOD), tmp_path)

    assert errors == []
    assert policy.id == "sample" and [c.id for c in policy.conditions] == ["adult"]
    assert policy.parameters_on(dt.date(2025, 1, 1)) == {"amount": 100}


def test_an_unknown_field_is_reported_at_its_line_and_column(tmp_path):
    path = write(tmp_path, GOOD.replace("expression: age >= 18", "expression: agee >= 18"))

    policy, errors = read_policy(path, tmp_path)

    assert policy is None
    assert [str(error) for error in errors] == ["sample.yaml:15:17: condition 'adult': unknown name 'agee'"]


def test_a_type_error_in_a_quoted_expression_points_inside_the_quotes(tmp_path):
    path = write(tmp_path, GOOD.replace("expression: age >= 18", "expression: \"age >= 'x'\""))

    _, errors = read_policy(path, tmp_path)

    assert [(e.line, e.column) for e in errors] == [(15, 25)]
    assert "needs int or number" in errors[0].message


def test_a_yaml_syntax_error_names_the_line(tmp_path):
    path = write(tmp_path, GOOD.replace("kind: cash", "kind: [cash"))

    _, errors = read_policy(path, tmp_path)

    assert len(errors) == 1 and errors[0].line >= 4 and "YAML" in errors[0].message


def test_a_parameter_without_a_value_on_the_date_names_where_it_is_defined(tmp_path):
    policy, _ = read_policy(write(tmp_path, GOOD), tmp_path)

    with pytest.raises(PolicyError) as error:
        policy.parameters_on(dt.date(2024, 6, 30))

    assert str(error.value) == (
        "sample.yaml:9:5: parameter 'amount' has no value on 2024-06-30 (the first is from 2024-07-01)"
    )


def test_missing_keys_and_a_wrong_kind_are_all_reported(tmp_path):
    text = GOOD.replace("kind: cash", "kind: money").replace("legal_basis: [某文件]\n", "")

    _, errors = read_policy(write(tmp_path, text), tmp_path)

    messages = [error.message for error in errors]
    assert "kind must be one of cash, service, eligibility, levy" in messages
    assert any("legal_basis" in message for message in messages)


def test_a_file_whose_id_differs_from_its_name_is_refused(tmp_path):
    _, errors = read_policy(write(tmp_path, GOOD, "other.yaml"), tmp_path)

    assert "differs from the file name" in errors[0].message


def test_load_all_collects_the_errors_of_every_file(tmp_path):
    write(tmp_path, GOOD)
    write(tmp_path, GOOD.replace("id: sample", "id: broken").replace("age >= 18", "age >="), "broken.yaml")

    loaded, errors = load_all(tmp_path)

    assert list(loaded) == ["sample"]
    assert [error.path.name for error in errors] == ["broken.yaml"]


def test_overrides_are_typed_and_checked():
    shipped = policies()

    assert parse_override(shipped, "living_subsidy.dibao_standard=1500") == (
        "living_subsidy",
        "dibao_standard",
        1500,
    )
    assert parse_override(shipped, "living_subsidy.exclude_work_injury_care=false")[2] is False
    for bad, message in [
        ("living_subsidy.dibao_standard", "POLICY.PARAMETER=VALUE"),
        ("nope.x=1", "no policy 'nope'"),
        ("living_subsidy.nope=1", "has no parameter 'nope'"),
        ("living_subsidy.dibao_standard=abc", "is a number"),
        ("child_rehabilitation.max_age=12.5", "whole number"),
    ]:
        with pytest.raises(ValueError, match=message):
            parse_override(shipped, bad)


def test_shipped_parameters_carry_citations_and_a_verified_flag():
    for policy in policies().values():
        for parameter in policy.parameters.values():
            for value in parameter.values:
                assert value.citation, (policy.id, parameter.name)
                assert isinstance(value.verified, bool)
        for condition in policy.conditions:
            assert condition.citation and condition.zh and condition.en, (policy.id, condition.id)
    assert policies()["living_subsidy"].parameters["dibao_standard"].values[0].value == Decimal(1450)


def test_a_misspelt_key_is_an_error_at_its_line_not_a_policy_without_conditions(tmp_path):
    path = write(tmp_path, GOOD.replace("conditions:", "condtions:"))

    policy, errors = read_policy(path, tmp_path)

    assert policy is None
    assert [(e.line, e.column) for e in errors] == [(12, 1)]
    assert "unknown key 'condtions'" in errors[0].message


def test_enrolment_by_approver_is_false_unless_the_file_says_true(tmp_path):
    """Separation of duties (U11, G2): the approver may enrol only where the policy file says so."""
    policy, errors = read_policy(write(tmp_path, GOOD), tmp_path)
    assert errors == [] and policy.enrolment_by_approver is False

    policy, errors = read_policy(write(tmp_path, GOOD + "enrolment_by_approver: true\n"), tmp_path)
    assert errors == [] and policy.enrolment_by_approver is True


@pytest.mark.parametrize("value", ["1", "'yes please'", "[true]"])
def test_enrolment_by_approver_not_true_or_false_is_an_error_at_its_line(tmp_path, value):
    path = write(tmp_path, GOOD + f"enrolment_by_approver: {value}\n")

    policy, errors = read_policy(path, tmp_path)

    assert policy is None
    assert [e.line for e in errors] == [19]
    assert "'enrolment_by_approver' must be true or false" in errors[0].message
    assert str(errors[0]).startswith("sample.yaml:19:")
