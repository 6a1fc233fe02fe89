"""Fixtures of the employer tests: a private upload directory, and the roles the root conftest does not
create (a district administrator, a community worker of street A, an auditor, a security administrator)."""

from __future__ import annotations

import pytest

from tests.helpers import STREET_A


@pytest.fixture(autouse=True)
def data_dir(settings, tmp_path):
    """Uploads go to a directory of this test only."""
    settings.DATA_DIR = tmp_path / "data"
    return settings.DATA_DIR


@pytest.fixture
def other_roles(db):
    from xiaokang.accounts.models import User
    from xiaokang.core.models import Area, AreaLevel

    community = Area.objects.create(
        code="110108001999",
        name="测试社区",
        level=AreaLevel.COMMUNITY,
        parent=Area.objects.get(code=STREET_A),
    )
    make = User.objects.create_user
    return {
        "district_admin": make("admin", password="Pass-word-123", role="district_admin"),
        "community_worker": make(
            "community_a", password="Pass-word-123", role="community_worker", area=community
        ),
        "auditor": make("auditor", password="Pass-word-123", role="auditor"),
        "security_admin": make("security", password="Pass-word-123", role="security_admin"),
    }
