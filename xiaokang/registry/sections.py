"""Sections other apps add to the staff person page (dependency inversion: the registry layer shows them
without importing the apps above it, e.g. the policy engine's eligibility, issue 4 §2).

A provider is called with (request, person) after the person_for gate has let the request through and
returns a dict with ``template`` (and whatever that template reads), or None to add nothing."""

from __future__ import annotations

from collections.abc import Callable

PersonSection = Callable[..., dict | None]
_providers: list[PersonSection] = []


def register_person_section(provider: PersonSection) -> None:
    if provider not in _providers:
        _providers.append(provider)


def person_sections(request, person) -> list[dict]:
    return [section for provider in _providers if (section := provider(request, person)) is not None]
