"""Registry reads. Every selector of person data starts from the actor's scope (ARCHITECTURE rule 2):
``persons_for(actor)`` is the one gate; a query without an actor raises."""

from __future__ import annotations

from dataclasses import dataclass

import polars as pl
from django.db.models import Prefetch, QuerySet, prefetch_related_objects

from xiaokang.accounts.actors import Actor
from xiaokang.accounts.scoping import gate
from xiaokang.audit.models import AuditEvent
from xiaokang.core import crypto
from xiaokang.core.areas import short_name
from xiaokang.core.capabilities import can
from xiaokang.core.models import Area, AreaLevel
from xiaokang.registry.importing.validate import AreaDirectory
from xiaokang.registry.models import Certificate, Person


def persons_for(actor: Actor) -> QuerySet[Person]:
    return Person.objects.for_actor(actor)


def person_for(actor: Actor, person_id: int) -> Person:
    """The one access gate for a single person (GB/T 22239-2019 8.1.4.2): a person outside the actor's scope,
    or one that does not exist, raises Http404 alike (no existence leak), and the refused attempt is
    audited (``accounts.scoping.gate``)."""
    persons = persons_for(actor).select_related("street", "community", "household")
    return gate(persons, person_id, actor=actor, object_type="person")


@dataclass(frozen=True)
class Disclosure:
    """How much of a person's ID and phone numbers an actor sees in a list or its export (U11; PIPL art.
    51): the full ID number with ``id_number.full`` (the district administrator), the full phone number
    with ``person.contact`` (the staff who call: street officers and community workers, the outreach
    list, P3); the masks (``110108********002X``, ``138****5678``) otherwise. Decrypted per row shown."""

    full_id: bool
    full_phone: bool

    def id_number(self, person: Person) -> str:
        if self.full_id and person.id_number_encrypted:
            return crypto.decrypt(person.id_number_encrypted)
        return person.id_number_masked

    def phone(self, person: Person) -> str:
        if self.full_phone and person.phone_encrypted:
            return crypto.decrypt(person.phone_encrypted)
        return person.phone_masked


def disclosure_for(actor: Actor) -> Disclosure:
    return Disclosure(full_id=can(actor, "id_number.full"), full_phone=can(actor, "person.contact"))


def area_directory() -> AreaDirectory:
    """Every way a spreadsheet may name a street (full name, short name, 9- or 12-digit code) and the
    communities that exist. Areas are public reference data: no scope needed."""
    street_codes: dict[str, str] = {}
    for code, name in Area.objects.filter(level=AreaLevel.STREET).values_list("code", "name"):
        for key in (name, short_name(name), code, code[:9]):
            street_codes[key] = code
    communities = list(
        Area.objects.filter(level=AreaLevel.COMMUNITY).values_list("parent__code", "name", "code")
    )
    frame = pl.DataFrame(
        communities,
        schema={"street_code": pl.Utf8, "community_name": pl.Utf8, "community_code": pl.Utf8},
        orient="row",
    )
    return AreaDirectory(street_codes=street_codes, communities=frame)


def registry_summary(actor: Actor) -> list[dict]:
    """Persons in the actor's scope by street and status: the staff home's table."""
    from django.db.models import Count, Q

    rows = (
        persons_for(actor)
        .values("street__code", "street__name")
        .annotate(
            total=Count("id"),
            normal=Count("id", filter=Q(status="normal")),
            moved_out=Count("id", filter=Q(status="moved_out")),
            deceased=Count("id", filter=Q(status="deceased")),
        )
        .order_by("street__code")
    )
    return list(rows)


def active_certificates(person_ids: list[int]) -> dict[int, Certificate]:
    """The active certificate of each person, in one query."""
    certificates = Certificate.objects.filter(person_id__in=person_ids, status="active")
    return {c.person_id: c for c in certificates}


def attach_active_certificates(persons: list[Person]) -> None:
    """Each person's active certificates as ``person.active``, in one query for a page (not one per row)."""
    prefetch_related_objects(
        persons,
        Prefetch("certificates", queryset=Certificate.objects.filter(status="active"), to_attr="active"),
    )


def recent_viewers(person: Person, limit: int) -> list[AuditEvent]:
    """The latest ``limit`` views of ``person`` (who looked at the record: the detail page shows them to
    the officers who may read the person, PIPL art. 51). ``person`` comes through the scope gate."""
    return list(AuditEvent.objects.filter(person_id=person.pk, action="person.view").order_by("-id")[:limit])


def active_certificate(person: Person) -> Certificate | None:
    """The person's active certificate (``person`` read through its gate), if any."""
    return person.certificates.filter(status="active").first()


def person_history(person: Person) -> list:
    """The person's recorded changes (``person`` read through its gate), newest first."""
    return list(person.history.order_by("-recorded_at", "-id"))


@dataclass(frozen=True)
class HouseholdView:
    economic_periods: list
    hardships: list
    members: list[Person]  # only those the actor may see: a street officer learns of no member elsewhere


def household_view(actor: Actor, person: Person) -> HouseholdView:
    """The household of ``person`` (read through its gate) for the detail page: its economic status
    periods and hardships, newest first, and the other members in the actor's scope."""
    household = person.household
    return HouseholdView(
        economic_periods=list(household.economic_status_periods.order_by("-valid_from")),
        hardships=list(household.hardships.order_by("-started_on")),
        members=list(
            persons_for(actor).filter(household_id=household.pk).exclude(pk=person.pk).order_by("pk")
        ),
    )
