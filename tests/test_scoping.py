"""Scoping that blocks by default and the one 404 gate (accounts.scoping; ARCHITECTURE rule 2; R1;
GB/T 22239-2019 8.1.4.2), with the actors of ARCHITECTURE.md: street A's officer, street B's officer, the
district officer, and the auditor (scope ``none``)."""

import pytest
from django.http import Http404

from tests.helpers import STREET_A, STREET_B, person_row, write_csv
from xiaokang.accounts.models import User
from xiaokang.accounts.scoping import AreaScopedManager, ScopeRequired, gate
from xiaokang.audit.models import AuditEvent
from xiaokang.audit.services import recorded_client
from xiaokang.employment.models import Employer
from xiaokang.registry.models import Person, PersonTransfer
from xiaokang.registry.services import persons_import

pytestmark = pytest.mark.django_db


@pytest.fixture
def persons(tmp_path, system_actor):
    """Person 1 in street A (万寿路街道), person 2 in street B (中关村街道)."""
    rows = [person_row(1), person_row(2, 街道乡镇="中关村街道")]
    persons_import(actor=system_actor, path=write_csv(tmp_path / "p.csv", rows))
    every = Person.objects.unscoped(reason="test")
    return every.get(street__code=STREET_A), every.get(street__code=STREET_B)


@pytest.fixture
def auditor(db):
    return User.objects.create_user("auditor", password="Pass-word-123", role="auditor")


def _denied():
    return list(AuditEvent.objects.filter(action="access.denied").order_by("id"))


@pytest.mark.parametrize(
    "query",
    [
        lambda: Person.objects.all(),
        lambda: Person.objects.filter(name="x"),
        lambda: Person.objects.count(),
        lambda: Person.objects.exists(),
        lambda: Person.objects.get(pk=1),
        lambda: Person.objects.select_related("street"),
        lambda: Person.objects.update(name="x"),
        lambda: Employer.objects.values_list("pk"),
        lambda: PersonTransfer.objects.first(),
    ],
)
def test_a_plain_query_on_a_scoped_model_raises_naming_the_model_and_the_fix(persons, query):
    with pytest.raises(ScopeRequired) as raised:
        query()
    message = str(raised.value)
    assert "for_actor(actor)" in message and "unscoped(reason=" in message
    assert raised.value.__class__.__name__ == "ScopeRequired"


def test_a_plain_query_used_as_a_subquery_raises_too(persons):
    from xiaokang.registry.models import Certificate

    with pytest.raises(ScopeRequired):
        Certificate.objects.filter(person__in=Person.objects.filter(name="x"))


def test_for_actor_gives_street_a_rows_to_street_a_only_and_none_to_the_auditor(
    persons, officer_a, officer_b, district_officer, auditor
):
    a, b = persons
    assert list(Person.objects.for_actor(officer_a)) == [a]
    assert list(Person.objects.for_actor(officer_b)) == [b]
    assert set(Person.objects.for_actor(district_officer)) == {a, b}
    assert Person.objects.for_actor(auditor).count() == 0


def test_for_actor_needs_an_actor(persons):
    with pytest.raises(ScopeRequired):
        Person.objects.for_actor(None)


@pytest.mark.parametrize("reason", ["", "   ", None])
def test_unscoped_needs_a_reason_in_words(persons, reason):
    with pytest.raises(ScopeRequired):
        Person.objects.unscoped(reason=reason)


def test_unscoped_gives_every_row_and_remembers_why(persons):
    every = Person.objects.unscoped(reason="a batch job").order_by("pk")
    assert list(every) == sorted(persons, key=lambda p: p.pk)
    assert every.filter(pk=persons[0].pk).scoped_by == ("unscoped", "a batch job")


def test_creation_none_related_managers_and_refresh_work_without_a_scope(persons):
    a, _b = persons
    assert list(Person.objects.none()) == []
    a.refresh_from_db()  # Django's base manager stays unscoped
    household = a.household
    assert a in household.members.all()  # a related manager: the rows of an object the caller holds
    assert list(a.applications.all()) == []


def test_the_gate_gives_the_object_in_scope(persons, officer_a):
    a, _b = persons
    assert gate(Person, a.pk, actor=officer_a, object_type="person") == a
    assert _denied() == []


def test_the_gate_answers_404_alike_for_elsewhere_and_missing_and_audits_both(persons, officer_a):
    _a, b = persons
    missing = b.pk + 1000
    answers = []
    for pk in (b.pk, missing):
        with pytest.raises(Http404) as raised, recorded_client("10.1.1.1"):
            gate(Person.objects.for_actor(officer_a), pk, actor=officer_a, object_type="person")
        answers.append(str(raised.value))
    assert answers[0] == answers[1] == "no such person"
    elsewhere, nowhere = _denied()
    assert (elsewhere.object_type, elsewhere.object_id, elsewhere.person_id) == ("person", str(b.pk), b.pk)
    assert (nowhere.object_type, nowhere.object_id, nowhere.person_id) == ("person", str(missing), None)
    assert elsewhere.actor_label == officer_a.username and elsewhere.client == "10.1.1.1"


def test_the_gate_refuses_an_id_past_64_bits_as_not_found_audited(persons, officer_a):
    with pytest.raises(Http404):
        gate(Person, 2**70, actor=officer_a, object_type="person")
    (event,) = _denied()
    assert event.object_id == str(2**70)[:64] and event.person_id is None


def test_the_gate_refuses_a_queryset_not_scoped_for_this_actor(persons, officer_a, officer_b):
    a, _b = persons
    with pytest.raises(ScopeRequired):
        gate(Person.objects.unscoped(reason="test"), a.pk, actor=officer_a, object_type="person")
    with pytest.raises(ScopeRequired):
        gate(Person.objects.for_actor(officer_b), a.pk, actor=officer_a, object_type="person")


def test_a_model_without_a_community_gives_a_community_worker_nothing(persons, system_actor):
    from xiaokang.core.models import Area

    street = Area.objects.get(code=STREET_A)
    community = Area.objects.filter(parent=street).first()
    Employer.objects.create(uscc="91110108MA01ABCD1X", name="x", employer_type="enterprise", street=street)
    worker = User.objects.create_user(
        "worker", password="Pass-word-123", role="community_worker", area=community
    )
    assert Employer.objects.for_actor(worker).count() == 0
    assert Employer.objects.for_actor(system_actor).count() == 1


def test_every_scoped_model_declares_its_area_lookups():
    from django.apps import apps

    scoped = {
        model._meta.label: (model._default_manager.street, model._default_manager.community)
        for model in apps.get_models()
        if isinstance(model._default_manager, AreaScopedManager)
    }
    assert scoped == {
        "registry.Person": ("street_id", "community_id"),
        "registry.PersonTransfer": (("from_street_id", "to_street_id"), None),
        "cases.Application": ("street_id", "community_id"),
        "cases.RosterLine": ("street_id", "community_id"),
        "cases.OutreachTask": ("street_id", "community_id"),
        "cases.ReviewTask": ("street_id", "community_id"),
        "employment.Employer": ("street_id", None),
        "employment.Declaration": ("employer__street_id", None),
    }
    for label in scoped:
        model = apps.get_model(label)
        assert not isinstance(model._base_manager, AreaScopedManager)  # Django's internals stay unscoped
