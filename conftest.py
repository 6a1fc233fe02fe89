"""Shared test fixtures: the three actors of ARCHITECTURE.md (a district officer, an officer of street A,
an officer of street B). Row and file helpers are in tests/helpers.py."""

from __future__ import annotations

import pytest

from tests.helpers import STREET_A, STREET_B


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
