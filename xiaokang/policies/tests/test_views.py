"""The policy pages (P1–P3): sheets, the person page's eligibility section, and the what-if,
scoped to the user's area (a street officer's what-if covers only their street)."""

import datetime as dt

import pytest
from django.test import Client

from tests.helpers import STREET_A, STREET_B, person_row, write_csv
from xiaokang.policies.models import EvaluationRun
from xiaokang.registry.models import Person
from xiaokang.registry.services import persons_import

pytestmark = pytest.mark.django_db
DAY = dt.date(2025, 6, 1)


@pytest.fixture
def two_streets(tmp_path, system_actor):
    rows = [
        person_row(1),
        person_row(2, 街道乡镇="中关村街道"),
        person_row(3, 家庭经济状况="低收入", 残疾等级="二级"),
    ]
    rows[2]["残疾人证号"] = rows[2]["公民身份号码"] + "42"
    persons_import(actor=system_actor, path=write_csv(tmp_path / "p.csv", rows))
    return {
        code: Person.objects.unscoped(reason="test").filter(street__code=code).order_by("pk").first()
        for code in (STREET_A, STREET_B)
    }


def client_for(user):
    client = Client()
    client.force_login(user)
    return client


def test_the_policy_list_and_a_sheet_show_every_policy_and_flag_unverified_values(li_district_officer):
    client = client_for(li_district_officer)

    listing = client.get("/staff/policies/", {"date": "2025-06-01"})
    sheet = client.get("/staff/policies/living_subsidy/", {"date": "2025-06-01"})

    assert listing.status_code == 200
    assert len(listing.context["rows"]) == 14  # 11 person policies and 3 employer policies (E1, E4)
    assert {row["policy"].id: row["unverified"] for row in listing.context["rows"]}["living_subsidy"] is True
    assert sheet.status_code == 200
    parameters = {row.name: row for row in sheet.context["sheet"].parameters}
    assert parameters["dibao_standard"].current == 1450 and parameters["dibao_standard"].current_verified
    assert not parameters["dibao_group_a"].current_verified
    assert "京民社救发〔2024〕80号" in sheet.content.decode()
    assert client.get("/staff/policies/no_such_policy/").status_code == 404


def test_the_person_page_explains_every_policy(two_streets, wang_street_a):
    person = two_streets[STREET_A]

    response = client_for(wang_street_a).get(
        f"/staff/persons/{person.pk}/", {"eligibility_date": "2025-06-01"}
    )

    assert response.status_code == 200
    [section] = [s for s in response.context["sections"] if s["anchor"] == "eligibility"]
    decisions = {d.policy.id: d for d in section["decisions"]}
    assert len(decisions) == 11
    living = decisions["living_subsidy"]
    assert living.eligible and living.amount == 400
    economic = next(r for r in living.conditions if r.condition.id == "economic_status")
    assert economic.passed and economic.used == [("economic_status", "家庭经济状况", "低保")]
    assert decisions["rural_housing_renovation"].failed == ["rural_hukou", "dangerous_house"]
    html = response.content.decode()
    assert 'id="eligibility"' in html and "国发〔2015〕52号" in html


def test_a_bad_eligibility_date_falls_back_to_today_and_a_date_without_parameters_says_so(
    two_streets, li_district_officer
):
    person = two_streets[STREET_A]
    client = client_for(li_district_officer)

    bad = client.get(f"/staff/persons/{person.pk}/", {"eligibility_date": "2025-02-30"})
    early = client.get(f"/staff/persons/{person.pk}/", {"eligibility_date": "2020-01-01"})

    assert bad.status_code == 200 and early.status_code == 200
    [section] = [s for s in early.context["sections"] if s["anchor"] == "eligibility"]
    assert section["decisions"] == [] and "本市城乡居民最低生活保障标准" in section["error"]
    assert "dibao_standard" not in section["error"]  # the parameter by its label, not its identifier (U11)


def test_a_street_officers_what_if_covers_only_their_street(two_streets, wang_street_a):
    response = client_for(wang_street_a).get(
        "/staff/policies/what-if/",
        {"date": "2025-06-01", "living_subsidy.dibao_standard": "1500", "run": "1"},
    )

    assert response.status_code == 200
    comparisons = {c.policy.id: c for c in response.context["comparisons"]}
    living = comparisons["living_subsidy"]
    assert living.changed
    assert [row.street_name for row in living.streets] == ["万寿路街道"]
    # Street A: person 1 (低保 group A, 400) and person 3 (低收入 group A, the 低保 standard 1450 → 1500).
    assert (living.total.current_fen, living.total.what_if_fen) == (185000, 190000)
    assert "中关村街道" not in response.content.decode()
    assert EvaluationRun.objects.count() == 0


def test_the_district_what_if_covers_every_street(two_streets, li_district_officer):
    response = client_for(li_district_officer).get(
        "/staff/policies/what-if/", {"date": "2025-06-01", "run": "1"}
    )

    accident = next(c for c in response.context["comparisons"] if c.policy.id == "accident_insurance")
    assert {row.street_name for row in accident.streets} == {"万寿路街道", "中关村街道"}
    assert accident.total.current_eligible == 3


def test_a_what_if_with_a_bad_value_shows_the_error_and_computes_nothing(two_streets, li_district_officer):
    response = client_for(li_district_officer).get(
        "/staff/policies/what-if/", {"living_subsidy.dibao_standard": "lots", "run": "1"}
    )

    assert response.status_code == 200
    assert response.context["comparisons"] is None
    assert response.context["form"].errors["living_subsidy.dibao_standard"]


def test_street_b_cannot_see_street_as_person_page_eligibility(two_streets, zhao_street_b):
    assert STREET_B in two_streets
    response = client_for(zhao_street_b).get(f"/staff/persons/{two_streets[STREET_A].pk}/")

    assert response.status_code == 404


def test_an_empty_date_compares_on_today(two_streets, li_district_officer):
    response = client_for(li_district_officer).get("/staff/policies/what-if/", {"date": "", "run": "1"})

    assert response.context["comparisons"] is not None


def test_a_date_before_the_first_parameter_value_says_so_instead_of_failing(two_streets, li_district_officer):
    response = client_for(li_district_officer).get(
        "/staff/policies/what-if/", {"date": "2020-01-01", "run": "1"}
    )

    assert response.status_code == 200
    assert "2020-01-01" in response.context["rules_error"]  # the parameter named by its label (U11)
    assert response.context["comparisons"] is None


def test_values_filled_for_another_date_are_refilled_not_taken_as_changes(two_streets, li_district_officer):
    response = client_for(li_district_officer).get(
        "/staff/policies/what-if/",
        {
            "date": "2025-06-01",
            "values_for": "2025-01-01",
            "living_subsidy.dibao_standard": "1300",
            "run": "1",
        },
    )

    assert response.context["date_changed"] is True
    assert response.context["comparisons"] is None
    assert response.context["form"]["living_subsidy.dibao_standard"].value() == "1450"


def test_a_street_officer_sees_the_stored_runs_counts_for_their_street_only(
    two_streets, wang_street_a, system_actor
):
    from xiaokang.policies import evaluation

    evaluation.evaluate_registry(DAY, actor=system_actor)

    mine = client_for(wang_street_a).get("/staff/policies/").context["rows"]

    accident = next(row for row in mine if row["policy"].id == "accident_insurance")
    # Persons 1 and 3 are in street A; person 2 is in street B.
    assert (accident["run"].eligible, accident["run"].amount_fen) == (2, 0)
    living = next(row for row in mine if row["policy"].id == "living_subsidy")
    assert living["run"].amount_fen == 40000 + 145000


def test_a_sheet_shows_a_shared_parameter_with_its_file_its_users_and_its_citation(district_officer):
    page = client_for(district_officer).get("/staff/policies/over_quota_reward/", {"date": "2024-12-31"})

    assert page.status_code == 200
    text = page.content.decode()
    row = text[text.index('id="parameter-quota_ratio"') :]
    row = row[: row.index("</tbody>")]
    assert "employment_levy, over_quota_reward" in row
    assert "<code>parameters/quota_ratio.yaml</code>" in row
    assert "京财税〔2019〕1333号" in row
