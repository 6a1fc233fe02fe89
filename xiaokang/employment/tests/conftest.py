"""Fixtures of the employment tests: a private upload directory, and the roles that may not manage
employers (named actors of tests/actors.py)."""

from __future__ import annotations

import pytest


@pytest.fixture(autouse=True)
def data_dir(settings, tmp_path):
    """Uploads go to a directory of this test only."""
    settings.DATA_DIR = tmp_path / "data"
    return settings.DATA_DIR


@pytest.fixture
def other_roles(actor_of):
    """The named actors of the roles that may not manage employers."""
    return {
        role: actor_of(role) for role in ("district_admin", "community_worker", "auditor", "security_admin")
    }
