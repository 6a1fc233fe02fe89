"""Sections other apps add to the staff person page (dependency inversion: the registry layer shows them
without importing the apps above it, e.g. the policy engine's eligibility, P2).

A provider is called with (request, person) after the person_for gate has let the request through and
returns a dict with ``template`` (and whatever that template reads), or None to add nothing."""

from __future__ import annotations

from collections.abc import Callable

from django.utils.module_loading import import_string

PersonSection = Callable[..., dict | None]
_providers: list[PersonSection | str] = []


def register_person_section(provider: PersonSection | str) -> None:
    """``provider`` a callable, or its dotted path: an app's ready() registers the path, so that starting
    Django (every ``xiaokang`` command) does not import the app's views, forms and API."""
    if provider not in _providers:
        _providers.append(provider)


def person_sections(request, person) -> list[dict]:
    sections = []
    for index, provider in enumerate(_providers):
        if isinstance(provider, str):
            provider = _providers[index] = import_string(provider)
        if (section := provider(request, person)) is not None:
            sections.append(section)
    return sections
