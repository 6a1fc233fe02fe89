"""Named persons: the registry rows most workflow tests start from, as a pytest plugin (loaded by the
root conftest.py). See docs/architecture/tests.md."""

from __future__ import annotations

import pytest

from tests.helpers import STREET_A, STREET_B, person_row, write_csv


@pytest.fixture
def people(tmp_path, system_actor):
    """Three persons imported from the person format: ``people["a"]`` 测试1 in street A's 测试社区 (低保,
    grade-1 physical: qualifies for the living subsidy), ``people["b"]`` 测试2 in street B, and
    ``people["ordinary"]`` 测试3 in street A (an ordinary household: does not qualify)."""
    from xiaokang.registry.models import Person
    from xiaokang.registry.services import persons_import

    rows = [
        person_row(1),  # 低保, grade-1 physical: qualifies for the living subsidy
        person_row(2, 街道乡镇="中关村街道"),
        person_row(3, 家庭经济状况="一般"),  # does not qualify for the living subsidy
    ]
    persons_import(actor=system_actor, path=write_csv(tmp_path / "p.csv", rows))
    return {
        "a": Person.objects.unscoped(reason="test").get(name="测试1"),
        "b": Person.objects.unscoped(reason="test").get(street__code=STREET_B),
        "ordinary": Person.objects.unscoped(reason="test").get(name="测试3"),
        "street_a": STREET_A,
    }
