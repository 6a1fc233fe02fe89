"""Shared test fixtures: the three actors of ARCHITECTURE.md (a district officer, an officer of street A,
an officer of street B). Row and file helpers are in tests/helpers.py."""

from __future__ import annotations

import pytest

from tests.helpers import STREET_A, STREET_B


@pytest.fixture(autouse=True)
def default_language():
    """Every test starts in the default language. LocaleMiddleware activates a request's language on
    the thread and leaves it there, so without this a test that rendered a page in English makes a later
    test on the same worker (pytest -n 2 orders them differently each run) see English."""
    from django.conf import settings
    from django.utils import translation

    translation.activate(settings.LANGUAGE_CODE)
    yield
    translation.deactivate()


@pytest.fixture
def district_officer(db):
    from xiaokang.accounts.models import User

    return User.objects.create_user("district", password="Pass-word-123", role="district_officer")


@pytest.fixture
def officer_a(db):
    from xiaokang.accounts.models import User
    from xiaokang.core.models import Area

    return User.objects.create_user(
        "street_a", password="Pass-word-123", role="street_officer", area=Area.objects.get(code=STREET_A)
    )


@pytest.fixture
def officer_b(db):
    from xiaokang.accounts.models import User
    from xiaokang.core.models import Area

    return User.objects.create_user(
        "street_b", password="Pass-word-123", role="street_officer", area=Area.objects.get(code=STREET_B)
    )


@pytest.fixture
def system_actor():
    from xiaokang.accounts.actors import SystemActor

    return SystemActor("tests")


@pytest.fixture
def counter_application(tmp_path, system_actor):
    """One application of person 1 (万寿路街道) for the living subsidy, received at the counter on
    2025-09-30 (accept by 2025-10-14, decide by 2025-11-04: the national-day holidays in between)."""
    import datetime as dt

    from tests.helpers import person_row, write_csv
    from xiaokang.cases.services import application_submit
    from xiaokang.registry.models import Person
    from xiaokang.registry.services import persons_import

    persons_import(actor=system_actor, path=write_csv(tmp_path / "p.csv", [person_row(1)]))
    return application_submit(
        actor=system_actor,
        person=Person.objects.unscoped(reason="test").get(),
        policy_id="living_subsidy",
        channel="counter",
        received_on=dt.date(2025, 9, 30),
    ).application
