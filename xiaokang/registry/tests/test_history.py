"""R6: every change is dated and attributable, and a record can be shown as it stood on any past date."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from tests.helpers import person_row, write_csv
from xiaokang.registry.history import current_record, record_as_of
from xiaokang.registry.models import Person, PersonHistory
from xiaokang.registry.services import persons_import

pytestmark = pytest.mark.django_db


def _backdate(days: int) -> None:
    """Move every history entry so far `days` into the past (as if recorded then)."""
    PersonHistory.objects.update(recorded_at=timezone.now() - dt.timedelta(days=days))


def test_record_as_of_rolls_back_later_changes(tmp_path, system_actor):
    persons_import(actor=system_actor, path=write_csv(tmp_path / "a.csv", [person_row(1, 家庭编号="F")]))
    _backdate(30)
    persons_import(
        actor=system_actor,
        path=write_csv(
            tmp_path / "b.csv",
            [
                person_row(
                    1,
                    家庭编号="F",
                    姓名="改名",
                    家庭经济状况="低收入",
                    残疾等级="二级",
                    残疾人证号=person_row(1)["公民身份号码"] + "42",
                    人员状态="迁出",
                    联系电话="13900001111",
                )
            ],
        ),
    )
    person = Person.objects.unscoped(reason="test").get()
    today = timezone.localdate()

    now = current_record(person.id)
    before = record_as_of(person.id, today - dt.timedelta(days=10))
    at_creation = record_as_of(person.id, today - dt.timedelta(days=30))

    assert (now["name"], now["economic_status"], now["grade"], now["status"], now["phone"]) == (
        "改名",
        "low_income",
        2,
        "moved_out",
        "139****1111",
    )
    assert now["status_changed_on"] == str(today)
    assert before == at_creation
    assert (
        before["name"],
        before["economic_status"],
        before["grade"],
        before["status"],
        before["phone"],
    ) == ("测试1", "dibao", 1, "normal", None)
    assert before["status_changed_on"] is None
    assert record_as_of(person.id, today - dt.timedelta(days=31)) is None  # not yet registered


def test_every_change_is_attributed(tmp_path, wang_street_a):
    persons_import(actor=wang_street_a, path=write_csv(tmp_path / "a.csv", [person_row(1)]))
    entry = PersonHistory.objects.get()
    assert (entry.actor_id, entry.actor_label, entry.source, entry.action) == (
        wang_street_a.pk,
        "street_a",
        "import",
        "create",
    )


def test_hardship_causes_are_recorded_with_dates_within_scope(
    tmp_path, system_actor, wang_street_a, zhao_street_b
):
    from xiaokang.registry.models import HouseholdHardship
    from xiaokang.registry.services import RegistryError, household_hardship_record

    persons_import(actor=system_actor, path=write_csv(tmp_path / "a.csv", [person_row(1, 家庭编号="F")]))
    record = household_hardship_record(
        actor=wang_street_a, household_key="F", cause="illness", started_on=dt.date(2024, 3, 1)
    )
    assert (record.household.key, record.cause, record.ended_on) == ("F", "illness", None)
    for kwargs, message in [
        ({"actor": zhao_street_b, "cause": "illness"}, "no household"),  # another street's household
        ({"actor": wang_street_a, "cause": "luck"}, "unknown hardship cause"),
        ({"actor": wang_street_a, "cause": "disaster", "ended_on": dt.date(2020, 1, 1)}, "ended before"),
    ]:
        with pytest.raises(RegistryError, match=message):
            household_hardship_record(household_key="F", started_on=dt.date(2024, 3, 1), **kwargs)
    assert HouseholdHardship.objects.count() == 1
