"""Single-person create/edit validate and write exactly as the import does; one gate for one person."""

import pytest
from django.http import Http404

from tests.helpers import make_id, person_row, write_csv
from xiaokang.audit.models import AuditEvent
from xiaokang.registry.importing.columns import PERSON_COLUMNS
from xiaokang.registry.models import Person, PersonHistory
from xiaokang.registry.selectors import person_for
from xiaokang.registry.services import person_save, person_values, persons_import

pytestmark = pytest.mark.django_db
ZH_TO_FIELD = {c.zh: c.field for c in PERSON_COLUMNS}


def _values(n=1, **overrides):
    return {ZH_TO_FIELD[k]: v for k, v in person_row(n, **overrides).items()}


def test_create_then_edit_records_history_and_audit(wang_street_a):
    created = person_save(actor=wang_street_a, values=_values(1))
    assert created.errors == []
    person = Person.objects.unscoped(reason="test").get(pk=created.person_id)

    edited = person_save(
        actor=wang_street_a, values={"name": "新名", "phone": "13911112222"}, person_id=person.pk
    )

    assert edited.errors == []
    person.refresh_from_db()
    assert (person.name, person.phone_masked, person.version) == ("新名", "139****2222", 2)
    assert PersonHistory.objects.filter(person=person, action="update", source="form").get().changes[
        "name"
    ] == ["测试1", "新名"]
    assert list(
        AuditEvent.objects.filter(person_id=person.pk).order_by("id").values_list("action", flat=True)
    ) == ["person.create", "person.update"]
    assert person_values(actor=wang_street_a, person_id=person.pk)["phone"] == "13911112222"


def test_a_form_error_names_the_field_and_writes_nothing(wang_street_a):
    result = person_save(
        actor=wang_street_a, values=_values(1, 残疾等级="二级")
    )  # the certificate says grade 1
    assert [e["field"] for e in result.errors] == ["certificate_number"]
    assert not Person.objects.unscoped(reason="test").exists()


def test_the_id_number_cannot_be_changed_and_cannot_be_registered_twice(wang_street_a):
    person_id = person_save(actor=wang_street_a, values=_values(1)).person_id
    other = make_id("11010819700101001")
    assert person_save(actor=wang_street_a, values={"id_number": other}, person_id=person_id).errors[0][
        "field"
    ] == ("id_number")
    assert "already registered" in person_save(actor=wang_street_a, values=_values(1)).errors[0]["message"]


def test_a_street_officer_cannot_create_or_move_a_person_outside_their_street(wang_street_a):
    assert (
        person_save(actor=wang_street_a, values=_values(1, 街道乡镇="中关村街道")).errors[0]["field"]
        == "street"
    )
    person_id = person_save(actor=wang_street_a, values=_values(2)).person_id
    assert person_save(actor=wang_street_a, values={"street": "中关村街道"}, person_id=person_id).errors
    assert Person.objects.unscoped(reason="test").get().street.code == "110108001000"


def test_out_of_scope_and_missing_persons_both_answer_404_and_are_audited(
    tmp_path, system_actor, wang_street_a, zhao_street_b
):
    persons_import(actor=system_actor, path=write_csv(tmp_path / "p.csv", [person_row(1)]))
    person = Person.objects.unscoped(reason="test").get()
    assert person_for(wang_street_a, person.pk) == person
    for missing in (person.pk, person.pk + 1000):
        with pytest.raises(Http404):
            person_for(zhao_street_b, missing)
    denied = list(AuditEvent.objects.filter(action="access.denied").order_by("id"))
    assert [(e.actor_label, e.object_id) for e in denied] == [
        ("street_b", str(person.pk)),
        ("street_b", str(person.pk + 1000)),
    ]


def test_a_stale_version_is_refused_and_nothing_is_written(wang_street_a):
    person_id = person_save(actor=wang_street_a, values=_values(1)).person_id
    assert (
        person_save(
            actor=wang_street_a, values={"name": "甲"}, person_id=person_id, expected_version=1
        ).errors
        == []
    )
    stale = person_save(actor=wang_street_a, values={"name": "乙"}, person_id=person_id, expected_version=1)
    assert (stale.conflict_version, stale.errors) == (2, [])
    assert Person.objects.unscoped(reason="test").get().name == "甲"
