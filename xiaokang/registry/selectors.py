"""Registry reads. Every selector of person data starts from the actor's scope (ARCHITECTURE rule 2):
``persons_for(actor)`` is the one gate; a query without an actor raises."""

from __future__ import annotations

import polars as pl
from django.db.models import QuerySet

from xiaokang.accounts.actors import Actor
from xiaokang.accounts.scoping import gate
from xiaokang.core.areas import short_name
from xiaokang.core.models import Area, AreaLevel
from xiaokang.registry.importing.validate import AreaDirectory
from xiaokang.registry.models import Person


def persons_for(actor: Actor) -> QuerySet[Person]:
    return Person.objects.for_actor(actor)


def person_for(actor: Actor, person_id: int) -> Person:
    """The one access gate for a single person (GB/T 22239-2019 8.1.4.2): a person outside the actor's scope,
    or one that does not exist, raises Http404 alike (no existence leak), and the refused attempt is
    audited (``accounts.scoping.gate``)."""
    persons = persons_for(actor).select_related("street", "community", "household")
    return gate(persons, person_id, actor=actor, object_type="person")


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
