"""Staff accounts: one role each, bound to the right kind of area; password rules (issue 2 §1, issue 3 §1)."""

import pytest

from xiaokang.accounts.actors import ScopeRequiredError, SystemActor, scope_of
from xiaokang.accounts.services import AccountError, user_create

pytestmark = pytest.mark.django_db
ACTOR = SystemActor("tests")
GOOD = "Strong-pass-42"


def test_a_street_officer_is_bound_to_a_street_given_by_9_or_12_digits():
    user = user_create(actor=ACTOR, username="a", role="street_officer", password=GOOD, area_code="110108001")
    assert user.area.code == "110108001000"
    assert scope_of(user).kind == "street"
    assert user.check_password(GOOD)


@pytest.mark.parametrize(("role", "area", "message"), [
    ("street_officer", None, "needs --area"),
    ("street_officer", "110108999000", "does not exist"),
    ("community_worker", "110108001000", "needs a community"),
    ("district_officer", "110108001000", "takes no --area"),
    ("mayor", None, "unknown role"),
])
def test_role_and_area_must_fit(role, area, message):
    with pytest.raises(AccountError, match=message):
        user_create(actor=ACTOR, username="x", role=role, password=GOOD, area_code=area)


@pytest.mark.parametrize("password", ["short-1A", "alllowercaseletters", "ALLUPPER1234567"])
def test_weak_passwords_are_refused(password):
    with pytest.raises(AccountError, match="password"):
        user_create(actor=ACTOR, username="x", role="district_officer", password=password)


def test_a_username_is_taken_once():
    user_create(actor=ACTOR, username="x", role="auditor", password=GOOD)
    with pytest.raises(AccountError, match="taken"):
        user_create(actor=ACTOR, username="x", role="auditor", password=GOOD)


def test_auditor_and_security_admin_do_not_read_the_registry():
    auditor = user_create(actor=ACTOR, username="au", role="auditor", password=GOOD)
    security = user_create(actor=ACTOR, username="se", role="security_admin", password=GOOD)
    assert scope_of(auditor).kind == scope_of(security).kind == "none"


def test_a_query_without_an_actor_raises():
    from xiaokang.registry.selectors import persons_for

    with pytest.raises(ScopeRequiredError):
        persons_for(None)


def test_scope_selects_only_the_actors_area(tmp_path, officer_a, officer_b, district_officer, system_actor):
    from conftest import person_row, write_csv
    from xiaokang.registry.selectors import persons_for
    from xiaokang.registry.services import persons_import

    persons_import(actor=system_actor, path=write_csv(tmp_path / "p.csv", [
        person_row(1), person_row(2, 街道乡镇="中关村街道")]))
    assert list(persons_for(officer_a).values_list("name", flat=True)) == ["测试1"]
    assert list(persons_for(officer_b).values_list("name", flat=True)) == ["测试2"]
    assert persons_for(district_officer).count() == 2
