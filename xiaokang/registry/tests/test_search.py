"""Search and keyset pagination, always within the actor's scope (R1; GB/T 22239-2019 8.1.4.2)."""

import pytest

from tests.helpers import person_row, write_csv
from xiaokang.registry.search import PersonFilters, count_persons, search_persons
from xiaokang.registry.services import persons_import

pytestmark = pytest.mark.django_db


@pytest.fixture
def registry(tmp_path, system_actor):
    rows = [person_row(n, 姓名=f"王{n}") for n in range(1, 8)]
    rows.append(person_row(8, 姓名="李四", 街道乡镇="中关村街道", 家庭经济状况="一般"))
    rows.append(
        person_row(
            9, 姓名="王九", 人员状态="死亡", 残疾类别="视力", 残疾人证号=person_row(9)["公民身份号码"] + "11"
        )
    )
    persons_import(actor=system_actor, path=write_csv(tmp_path / "p.csv", rows))
    return rows


def _names(page):
    return [p.name for p in page.persons]


def test_name_prefix_id_number_and_certificate_number(registry, li_district_officer):
    assert len(search_persons(li_district_officer, PersonFilters(name="王")).persons) == 8
    assert _names(search_persons(li_district_officer, PersonFilters(name="李"))) == ["李四"]
    id_number = registry[7]["公民身份号码"]
    assert _names(search_persons(li_district_officer, PersonFilters(id_number=id_number.lower()))) == ["李四"]
    assert _names(
        search_persons(li_district_officer, PersonFilters(certificate_number=id_number + "41"))
    ) == ["李四"]
    assert (
        _names(search_persons(li_district_officer, PersonFilters(certificate_number=id_number + "42"))) == []
    )
    assert _names(search_persons(li_district_officer, PersonFilters(certificate_number="nonsense"))) == []


def test_filters(registry, li_district_officer):
    assert _names(search_persons(li_district_officer, PersonFilters(street="110108011"))) == ["李四"]
    assert _names(search_persons(li_district_officer, PersonFilters(economic_status="ordinary"))) == ["李四"]
    assert _names(search_persons(li_district_officer, PersonFilters(status="deceased"))) == ["王九"]
    assert _names(search_persons(li_district_officer, PersonFilters(category="visual", grade=1))) == ["王九"]
    assert count_persons(li_district_officer, PersonFilters(category="physical")) == 8


def test_keyset_pages_cover_everything_once(registry, li_district_officer):
    seen, after = [], None
    while True:
        page = search_persons(li_district_officer, after=after, limit=4)
        seen += _names(page)
        if page.next_after is None:
            break
        after = page.next_after
    assert len(seen) == len(set(seen)) == 9


def test_street_b_never_sees_street_a(registry, zhao_street_b):
    assert _names(search_persons(zhao_street_b)) == ["李四"]
    assert _names(search_persons(zhao_street_b, PersonFilters(id_number=registry[0]["公民身份号码"]))) == []
    assert count_persons(zhao_street_b) == 1
