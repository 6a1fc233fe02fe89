"""Area reads for pages and forms (ARCHITECTURE rule 1: views call a selector, never a model). Areas are
public reference data (R1): no scope needed; ``core.areas`` stays Django-free for migrations."""

from __future__ import annotations

from collections.abc import Iterable

from django.db.models import QuerySet

from xiaokang.core.areas import DISTRICT_NAME
from xiaokang.core.models import Area, AreaLevel


def area_names(codes: Iterable[str]) -> dict[str, str]:
    """The name of each area code given (unknown and empty codes left out)."""
    return dict(Area.objects.filter(code__in={c for c in codes if c}).values_list("code", "name"))


def area_name(area_id: int | None, default: str = DISTRICT_NAME) -> str:
    """The name of the area ``area_id``; ``default`` (the district) for None or an unknown id."""
    if area_id is None:
        return default
    return Area.objects.filter(pk=area_id).values_list("name", flat=True).first() or default


def streets(area_id: int | None = None) -> list[Area]:
    """Every street-level area in code order, or only the street ``area_id``."""
    if area_id is not None:
        return list(Area.objects.filter(pk=area_id))
    return list(Area.objects.filter(level=AreaLevel.STREET).order_by("code"))


def communities(*, street_id: int | None = None, exclude_street_id: int | None = None) -> QuerySet[Area]:
    """Communities with their street, in code order: of one street, or of every street but one."""
    found = Area.objects.filter(level=AreaLevel.COMMUNITY).select_related("parent").order_by("code")
    if street_id is not None:
        found = found.filter(parent_id=street_id)
    if exclude_street_id is not None:
        found = found.exclude(parent_id=exclude_street_id)
    return found
