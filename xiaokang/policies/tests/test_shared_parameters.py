"""The shared parameter tree (``rules/parameters/``, P1, E1, E4): a parameter several policies read is
defined once; overriding it changes every policy that reads it; a second definition is refused naming
both files; a policy's version covers the shared parameters it reads."""

from __future__ import annotations

import datetime as dt
import textwrap
from decimal import Decimal

import pytest

from xiaokang.policies.engine import employers
from xiaokang.policies.engine.loader import (
    SHARED,
    load_all,
    overrides_by_policy,
    parse_override,
    policies,
    read_policy,
    shared_parameters,
)
from xiaokang.policies.engine.sheet import build_sheet, render_text

POLICY = """\
id: {id}
name: {{zh: 样例, en: sample}}
entity: employer
kind: cash
period: year
legal_basis: [某文件]
shared_parameters: [ratio]
parameters:
  per_person:
    label: {{zh: 每人金额, en: per person}}
    values:
      - {{from: 2020-01-01, value: 100, citation: 某文件, verified: true}}
conditions:
  - id: big
    label: {{zh: 人数够多, en: big enough}}
    expression: headcount * ratio >= 1
    citation: 某文件
amount:
  expression: headcount * ratio * per_person
"""

RATIO = """\
label: {zh: 比例, en: ratio}
unit: 比例
type: number
values:
  - {from: 2020-01-01, value: 0.015, citation: 某文件第一条, verified: true}
"""


def write(path, text: str):
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(textwrap.dedent(text), encoding="utf-8")
    return path


def tree(tmp_path, ratio: str = RATIO):
    write(tmp_path / "parameters" / "ratio.yaml", ratio)
    write(tmp_path / "first.yaml", POLICY.format(id="first"))
    write(tmp_path / "second.yaml", POLICY.format(id="second"))
    return tmp_path


def test_quota_ratio_is_defined_once_in_the_tree_and_read_by_the_levy_and_the_reward():
    shipped = policies()
    ratio = shared_parameters()["quota_ratio"]

    assert ratio.source_name == "parameters/quota_ratio.yaml"
    users = sorted(policy.id for policy in shipped.values() if policy.parameters.get("quota_ratio") is ratio)
    assert users == ["employment_levy", "over_quota_reward"]
    assert ratio.values[0].citation.startswith("京财税〔2019〕1333号")


def test_no_parameter_name_is_defined_in_two_policy_files():
    """Every parameter that two policies read with the same meaning is in the tree: the names that two
    files define on their own (``min_age``, ``max_age``) are different ages, each with its own source."""
    owners: dict[str, list[str]] = {}
    for policy in policies().values():
        for name, parameter in policy.parameters.items():
            if not parameter.shared:
                owners.setdefault(name, []).append(policy.id)
    repeated = {name: ids for name, ids in owners.items() if len(ids) > 1}
    assert set(repeated) == {"min_age", "max_age"}
    for name, ids in repeated.items():
        values = {str(policies()[policy_id].parameters[name].values[0].value) for policy_id in ids}
        assert len(values) == len(ids), (name, values)  # different numbers: not one parameter


def test_overriding_the_shared_quota_ratio_changes_both_the_levy_and_the_reward():
    shipped = policies()
    record = employers.case_employer({"headcount": 500, "total_wages": 50_000_000, "disabled_grade_3_4": 8})
    levy, reward = shipped["employment_levy"], shipped["over_quota_reward"]
    before = (employers.decide_employer(levy, record, 2024), employers.decide_employer(reward, record, 2024))
    assert [decision.amount for decision in before] == [Decimal(0), Decimal(2500)]  # 8 above 7.5

    for text in (
        "quota_ratio=0.02",
        "employment_levy.quota_ratio=0.02",
        "over_quota_reward.quota_ratio=0.02",
    ):
        overrides = overrides_by_policy([parse_override(shipped, text)])
        assert overrides == {
            "employment_levy": {"quota_ratio": Decimal("0.02")},
            "over_quota_reward": {"quota_ratio": Decimal("0.02")},
        }, text
        levy_after = employers.decide_employer(levy, record, 2024, overrides["employment_levy"])
        reward_after = employers.decide_employer(reward, record, 2024, overrides["over_quota_reward"])
        # quota 10: the levy is (10 − 8) × 100,000 × 50 %; the reward is nothing.
        assert (levy_after.amount, reward_after.eligible) == (Decimal("100000.00"), False), text


def test_the_shared_form_is_typed_and_an_unknown_name_says_what_to_write():
    shipped = policies()
    assert parse_override(shipped, "quota_ratio=0.016") == (SHARED, "quota_ratio", Decimal("0.016"))
    with pytest.raises(ValueError, match="is a number"):
        parse_override(shipped, "quota_ratio=lots")
    with pytest.raises(ValueError, match=r"POLICY\.PARAMETER=VALUE.*SHARED_PARAMETER=VALUE \(quota_ratio"):
        parse_override(shipped, "dibao_standard=1500")
    # A policy's own parameter stays its own: the other policy of the same name is untouched.
    assert overrides_by_policy([parse_override(shipped, "preschool_education.max_age=7")]) == {
        "preschool_education": {"max_age": 7}
    }


def test_a_parameter_defined_in_a_policy_and_in_the_tree_is_an_error_naming_both_files(tmp_path):
    tree(tmp_path)
    text = (
        POLICY.format(id="third")
        .replace("shared_parameters: [ratio]\n", "")
        .replace(
            "parameters:\n",
            "parameters:\n  ratio:\n    label: {zh: 比例, en: ratio}\n    values:\n"
            "      - {from: 2020-01-01, value: 0.02, citation: 另一文件, verified: true}\n",
        )
    )
    path = write(tmp_path / "third.yaml", text)

    policy, errors = read_policy(path, tmp_path)

    assert policy is None
    assert [str(error) for error in errors] == [
        "third.yaml:8:3: parameter 'ratio' is defined here and in parameters/ratio.yaml: a parameter is "
        "defined once; list it under shared_parameters instead"
    ]


def test_an_unknown_shared_parameter_and_a_broken_tree_file_are_reported(tmp_path):
    tree(tmp_path, RATIO.replace("verified: true", "verified: maybe"))
    write(tmp_path / "third.yaml", POLICY.format(id="third").replace("[ratio]", "[ratio, nope]"))

    loaded, errors = load_all(tmp_path)

    assert loaded == {}
    messages = [str(error) for error in errors]
    assert messages.count("ratio.yaml:5:5: a value of 'ratio' must say verified: true or false") == 1
    assert any(m.startswith("third.yaml:7:28: no shared parameter 'nope' in parameters/") for m in messages)


def test_both_policies_read_the_one_value_and_its_version_follows_the_tree(tmp_path):
    loaded, errors = load_all(tree(tmp_path))
    assert errors == []
    first, second = loaded["first"], loaded["second"]
    assert first.parameters["ratio"] is second.parameters["ratio"]
    assert first.parameters_on(dt.date(2024, 1, 1)) == {"ratio": Decimal("0.015"), "per_person": 100}

    other = tmp_path / "changed"
    write(other / "first.yaml", POLICY.format(id="first"))
    write(other / "parameters" / "ratio.yaml", RATIO.replace("0.015", "0.017"))
    changed, _ = read_policy(other / "first.yaml", other)
    unchanged, _ = read_policy(other / "first.yaml", tmp_path)

    assert changed.version != first.version  # the same policy file, a different shared value
    assert unchanged.version == first.version


def test_the_sheet_shows_a_shared_parameter_with_its_file_its_users_and_its_citation():
    sheet = build_sheet(policies()["over_quota_reward"], dt.date(2024, 12, 31))
    row = next(row for row in sheet.parameters if row.name == "quota_ratio")

    assert (row.shared, row.source, row.used_by) == (
        True,
        "parameters/quota_ratio.yaml",
        ["employment_levy", "over_quota_reward"],
    )
    text = render_text(sheet)
    assert "共用参数：parameters/quota_ratio.yaml；适用于 employment_levy、over_quota_reward" in text
    assert "依据：京财税〔2019〕1333号" in text


def test_a_copy_left_behind_beside_shared_parameters_is_the_one_error(tmp_path):
    tree(tmp_path)
    text = POLICY.format(id="third").replace(
        "parameters:\n",
        "parameters:\n  ratio:\n    label: {zh: 比例, en: ratio}\n    values:\n"
        "      - {from: 2020-01-01, value: 0.015, citation: 某文件, verified: true}\n",
    )

    _, errors = read_policy(write(tmp_path / "third.yaml", text), tmp_path)

    assert [(error.line, error.column) for error in errors] == [(9, 3)]
    assert "is defined here and in parameters/ratio.yaml" in errors[0].message
