"""Shared test fixtures. The named staff actors (``li_district_officer``, ``wang_street_a`` …) are in
tests/actors.py, loaded here as a plugin; row and file helpers are in tests/helpers.py. Where a test goes:
docs/architecture/tests.md."""

from __future__ import annotations

import pytest
from hypothesis import settings

pytest_plugins = ["tests.actors", "tests.persons"]

# Property tests check what is computed, not how fast: Hypothesis's default 200 ms deadline per example
# made them fail on a loaded machine (a benchmark measures; it is not a timed test: bench/).
settings.register_profile("xiaokang", deadline=None)
settings.load_profile("xiaokang")


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


@pytest.fixture
def documents_dir(settings, tmp_path):
    """Uploaded documents (of applications) go to a directory of this test only."""
    settings.XIAOKANG_DOCUMENTS_DIR = tmp_path / "documents"
    return settings.XIAOKANG_DOCUMENTS_DIR
