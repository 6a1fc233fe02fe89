"""Selectors start from the actor's scope (ARCHITECTURE rule 2; the person pages build on this)."""

import pytest

from xiaokang.accounts.actors import ScopeRequiredError

pytestmark = pytest.mark.django_db


def test_a_query_without_an_actor_raises():
    from xiaokang.registry.selectors import persons_for

    with pytest.raises(ScopeRequiredError):
        persons_for(None)


def test_scope_selects_only_the_actors_area(
    tmp_path, wang_street_a, zhao_street_b, li_district_officer, system_actor
):
    from tests.helpers import person_row, write_csv
    from xiaokang.registry.selectors import persons_for
    from xiaokang.registry.services import persons_import

    persons_import(
        actor=system_actor,
        path=write_csv(tmp_path / "p.csv", [person_row(1), person_row(2, 街道乡镇="中关村街道")]),
    )
    assert list(persons_for(wang_street_a).values_list("name", flat=True)) == ["测试1"]
    assert list(persons_for(zhao_street_b).values_list("name", flat=True)) == ["测试2"]
    assert persons_for(li_district_officer).count() == 2


def test_auditor_and_security_admin_see_no_person(tmp_path, system_actor, actor_of):
    from tests.helpers import person_row, write_csv
    from xiaokang.registry.selectors import persons_for
    from xiaokang.registry.services import persons_import

    persons_import(actor=system_actor, path=write_csv(tmp_path / "p.csv", [person_row(1)]))
    for role in ("auditor", "security_admin"):
        assert persons_for(actor_of(role)).count() == 0
