"""Fixtures of the case tests: one application. The persons (``people``) are in tests/persons.py, the
private documents directory (``documents_dir``) in the root conftest.py, and the staff are the named
actors of tests/actors.py: the community's two workers (``sun_community_a``, ``zheng_community_a``),
street A's officer (``wang_street_a``) and two district officers (``li_district_officer``,
``liu_district_officer``); two of a kind because no one decides their own work (separation of duties,
U11, G2)."""

import pytest

from xiaokang.cases.tests.workflow import submit


@pytest.fixture
def application(people, sun_community_a):
    """Person a's living-subsidy application, received by Sun at the counter on 2025-09-30."""
    return submit(sun_community_a, people["a"])
