"""U11 (GB/T 22239-2019 8.1.4.2 access control), R5: no import, API call or form may take over a person
registered outside the user's area, and the answer never tells whether (or where) an ID number is
registered: one neutral message, audited with the blind index, rate-limited per user."""

from __future__ import annotations

import json

import pytest

from tests.helpers import STREET_B, make_id, person_row, write_csv
from xiaokang.audit.models import AuditEvent
from xiaokang.core import crypto
from xiaokang.registry.importing.columns import PERSON_COLUMNS
from xiaokang.registry.models import Person, PersonHistory
from xiaokang.registry.services import (
    OUT_OF_AREA,
    OutOfAreaLimitReached,
    person_save,
    persons_import,
)
from xiaokang.registry.tests.test_api import Api

pytestmark = pytest.mark.django_db
ZH_TO_FIELD = {c.zh: c.field for c in PERSON_COLUMNS}
UNREGISTERED_ID = make_id("11010819800101999")


@pytest.fixture
def registry(tmp_path, system_actor):
    """Person 1 in street A (测试社区), person 2 in street B, person 3 in street A's 第二社区."""
    rows = [person_row(1), person_row(2, 街道乡镇="中关村街道"), person_row(3, 社区村="第二社区")]
    persons_import(actor=system_actor, path=write_csv(tmp_path / "seed.csv", rows))
    return {
        "a": Person.objects.unscoped(reason="test").get(name="测试1"),
        "b": Person.objects.unscoped(reason="test").get(name="测试2"),
        "a2": Person.objects.unscoped(reason="test").get(name="测试3"),
        "id_b": rows[1]["公民身份号码"],
        "id_a2": rows[2]["公民身份号码"],
    }


def _takeover_row(id_number: str, **overrides) -> dict:
    """Street A's officer's row for someone else's ID number: renamed, new grade, 低保, in street A."""
    row = person_row(
        50,
        公民身份号码=id_number,
        残疾人证号=id_number + "42",
        残疾等级="二级",
        姓名="冒名",
        家庭经济状况="低保",
    )
    row.update(overrides)
    return row


def _snapshot(person: Person) -> tuple:
    person.refresh_from_db()
    return (person.name, person.street_id, person.community_id, person.version, person.household_id)


def test_an_officer_cannot_take_over_another_streets_person_by_import(tmp_path, registry, wang_street_a):
    b = registry["b"]
    before = _snapshot(b)
    history = PersonHistory.objects.filter(person=b).count()

    taken = persons_import(
        actor=wang_street_a, path=write_csv(tmp_path / "t.csv", [_takeover_row(registry["id_b"])])
    )
    # The same row position for an ID registered nowhere, naming street B: the other out-of-area case.
    other_street = persons_import(
        actor=wang_street_a,
        path=write_csv(tmp_path / "o.csv", [_takeover_row(UNREGISTERED_ID, 街道乡镇="中关村街道")]),
    )

    assert taken.errors == [{"row": 2, "column": "街道乡镇", "message": OUT_OF_AREA}]
    # Word for word the same report: nothing says whether the person exists elsewhere.
    assert taken.as_json() == other_street.as_json()
    assert (taken.created, taken.updated, taken.written) == (0, 0, False)
    assert _snapshot(b) == before
    assert PersonHistory.objects.filter(person=b).count() == history
    assert not Person.objects.unscoped(reason="test").filter(name="冒名").exists()


def test_the_dry_run_check_reports_no_count_for_a_file_with_a_takeover_row(tmp_path, registry, wang_street_a):
    rows = [person_row(10), _takeover_row(registry["id_b"])]
    report = persons_import(actor=wang_street_a, path=write_csv(tmp_path / "t.csv", rows), dry_run=True)
    assert report.errors == [{"row": 3, "column": "街道乡镇", "message": OUT_OF_AREA}]
    assert (report.created, report.updated, report.unchanged) == (0, 0, 0)


def test_each_refused_row_is_audited_with_the_blind_index_never_the_number(tmp_path, registry, wang_street_a):
    persons_import(actor=wang_street_a, path=write_csv(tmp_path / "t.csv", [_takeover_row(registry["id_b"])]))
    event = AuditEvent.objects.get(action="registry.out_of_area")
    assert event.actor_id == wang_street_a.pk
    assert event.details["id_index"] == crypto.blind_index(registry["id_b"])
    assert event.details["row"] == 2
    assert registry["id_b"] not in json.dumps(event.details)


def test_too_many_refusals_refuse_the_whole_import_and_are_audited(
    tmp_path, registry, wang_street_a, settings
):
    settings.XIAOKANG_OUT_OF_AREA_RATE_LIMIT = (2, 60)
    path = write_csv(tmp_path / "t.csv", [_takeover_row(registry["id_b"])])
    persons_import(actor=wang_street_a, path=path, dry_run=True)
    persons_import(actor=wang_street_a, path=path, dry_run=True)
    with pytest.raises(OutOfAreaLimitReached):
        persons_import(actor=wang_street_a, path=path, dry_run=True)
    assert AuditEvent.objects.filter(action="registry.out_of_area").count() == 2
    limited = AuditEvent.objects.get(action="registry.out_of_area_limited")
    assert limited.actor_id == wang_street_a.pk


def test_a_community_worker_cannot_take_over_a_person_of_another_community(registry, sun_community_a):
    worker = sun_community_a
    assert worker.area == registry["a"].community
    a2 = registry["a2"]
    before = _snapshot(a2)
    values = {
        ZH_TO_FIELD[k]: v
        for k, v in _takeover_row(registry["id_a2"], 社区村=registry["a"].community.code).items()
    }
    result = person_save(actor=worker, values=values, source="form")
    assert result.person_id is None
    assert [e["message"] for e in result.errors] == [OUT_OF_AREA]
    assert _snapshot(a2) == before


def test_the_api_create_answers_a_registered_elsewhere_id_as_any_out_of_area_row(registry, wang_street_a):
    api = Api(wang_street_a)
    taken = api.post("/persons", {ZH_TO_FIELD[k]: v for k, v in _takeover_row(registry["id_b"]).items()})
    elsewhere = api.post(
        "/persons",
        {ZH_TO_FIELD[k]: v for k, v in _takeover_row(UNREGISTERED_ID, 街道乡镇="中关村街道").items()},
    )
    assert taken.status_code == elsewhere.status_code == 422
    assert taken.json() == elsewhere.json()
    assert "already registered" not in taken.content.decode()
    assert taken.json()["detail"][0]["message"] == OUT_OF_AREA
    assert Person.objects.unscoped(reason="test").get(pk=registry["b"].pk).name == "测试2"


def test_the_api_patch_cannot_move_a_person_out_of_the_area(registry, wang_street_a):
    a = registry["a"]
    before = _snapshot(a)
    response = Api(wang_street_a).patch(f"/persons/{a.pk}", {"street": "中关村街道"})
    assert response.status_code == 422
    assert [e["message"] for e in response.json()["detail"]] == [OUT_OF_AREA]
    assert _snapshot(a) == before


def test_the_api_patch_of_another_streets_person_is_404(registry, wang_street_a):
    response = Api(wang_street_a).patch(
        f"/persons/{registry['b'].pk}", {"street": "万寿路街道", "name": "冒名"}
    )
    assert response.status_code == 404
    assert Person.objects.unscoped(reason="test").get(pk=registry["b"].pk).street.code == STREET_B


def test_the_api_answers_429_beyond_the_limit(registry, wang_street_a, settings):
    settings.XIAOKANG_OUT_OF_AREA_RATE_LIMIT = (1, 60)
    api = Api(wang_street_a)
    body = {ZH_TO_FIELD[k]: v for k, v in _takeover_row(registry["id_b"]).items()}
    assert api.post("/persons", body).status_code == 422
    refused = api.post("/persons", body)
    assert refused.status_code == 429
    assert "too many" in refused.json()["detail"]


def test_the_district_still_sees_already_registered(registry, li_district_officer):
    values = {ZH_TO_FIELD[k]: v for k, v in _takeover_row(registry["id_b"], 街道乡镇="中关村街道").items()}
    result = person_save(actor=li_district_officer, values=values)
    assert "already registered" in result.errors[0]["message"]


def test_an_officer_cannot_change_another_streets_household_through_a_new_member(
    tmp_path, registry, wang_street_a
):
    """A household is shared: a new person of street A naming street B's household (with another economic
    status) would rewrite the household of street B's person. Refused in the same words."""
    b = registry["b"]
    household = b.household
    status = household.economic_status
    row = person_row(60, 家庭编号=household.key, 家庭经济状况="特困")
    report = persons_import(actor=wang_street_a, path=write_csv(tmp_path / "h.csv", [row]))
    assert report.errors == [{"row": 2, "column": "街道乡镇", "message": OUT_OF_AREA}]
    household.refresh_from_db()
    assert household.economic_status == status
    assert not PersonHistory.objects.filter(person=b).exclude(action="create").exists()
