"""Persons for the case workflow: a person in street A's community (测试社区), a person in street B, and
one who does not qualify. The staff are the named actors of tests/actors.py: the community's two workers
(``sun_community_a``, ``zheng_community_a``), street A's officer (``wang_street_a``) and two district
officers (``li_district_officer``, ``liu_district_officer``); two of a kind because no one decides their
own work (separation of duties, U11, G2)."""

import pytest

from tests.helpers import STREET_A, STREET_B, person_row, write_csv
from xiaokang.cases.tests.workflow import submit
from xiaokang.registry.models import Person
from xiaokang.registry.services import persons_import


@pytest.fixture
def people(tmp_path, system_actor):
    rows = [
        person_row(1),  # 低保, grade-1 physical: qualifies for the living subsidy
        person_row(2, 街道乡镇="中关村街道"),
        person_row(3, 家庭经济状况="一般"),  # does not qualify for the living subsidy
    ]
    persons_import(actor=system_actor, path=write_csv(tmp_path / "p.csv", rows))
    first = Person.objects.get(name="测试1")
    return {
        "a": first,
        "b": Person.objects.get(street__code=STREET_B),
        "ordinary": Person.objects.get(name="测试3"),
        "street_a": STREET_A,
    }


@pytest.fixture
def application(people, sun_community_a):
    """Person a's living-subsidy application, received by Sun at the counter on 2025-09-30."""
    return submit(sun_community_a, people["a"])


@pytest.fixture
def documents_dir(settings, tmp_path):
    """Uploaded documents go to a directory of this test only."""
    settings.XIAOKANG_DOCUMENTS_DIR = tmp_path / "documents"
    return settings.XIAOKANG_DOCUMENTS_DIR
