"""Actors and persons for the case workflow: a person in street A's community, its two community
workers, street A's officer, two district officers, and a person in street B. Two of a kind because no
one decides their own work (separation of duties, U11, G2): whoever accepted does not forward, whoever
approved does not enrol."""

import pytest

from tests.helpers import STREET_A, STREET_B, person_row, write_csv
from xiaokang.accounts.models import User
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
    first = Person.objects.unscoped(reason="test").get(name="测试1")
    return {
        "a": first,
        "b": Person.objects.unscoped(reason="test").get(street__code=STREET_B),
        "ordinary": Person.objects.unscoped(reason="test").get(name="测试3"),
        "street_a": STREET_A,
    }


@pytest.fixture
def community_worker(people):
    return User.objects.create_user(
        "community_a", password="Pass-word-123", role="community_worker", area=people["a"].community
    )


@pytest.fixture
def second_district_officer(db):
    return User.objects.create_user("district2", password="Pass-word-123", role="district_officer")


@pytest.fixture
def second_community_worker(people):
    """Another worker of the same community: does the community review of what the first accepted."""
    return User.objects.create_user(
        "community_a2", password="Pass-word-123", role="community_worker", area=people["a"].community
    )
