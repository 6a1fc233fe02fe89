"""Staff accounts: one role each, bound to the right kind of area; password rules (U11; GB/T 22239-2019
8.1.4.1, 8.1.4.2)."""

import pytest

from xiaokang.accounts.actors import SystemActor, scope_of
from xiaokang.accounts.services import AccountError, user_create

pytestmark = pytest.mark.django_db
ACTOR = SystemActor("tests")
GOOD = "Strong-pass-42"


def test_a_street_officer_is_bound_to_a_street_given_by_9_or_12_digits():
    user = user_create(actor=ACTOR, username="a", role="street_officer", password=GOOD, area_code="110108001")
    assert user.area.code == "110108001000"
    assert scope_of(user).kind == "street"
    assert user.check_password(GOOD)


@pytest.mark.parametrize(
    ("role", "area", "message"),
    [
        ("street_officer", None, "needs --area"),
        ("street_officer", "110108999000", "does not exist"),
        ("community_worker", "110108001000", "needs a community"),
        ("district_officer", "110108001000", "takes no --area"),
        ("mayor", None, "unknown role"),
    ],
)
def test_role_and_area_must_fit(role, area, message):
    with pytest.raises(AccountError, match=message):
        user_create(actor=ACTOR, username="x", role=role, password=GOOD, area_code=area)


@pytest.mark.parametrize("password", ["short-1A", "alllowercaseletters", "ALLUPPER1234567"])
def test_weak_passwords_are_refused(password):
    with pytest.raises(AccountError, match="password"):
        user_create(actor=ACTOR, username="x", role="district_officer", password=password)


def test_the_operator_may_create_an_account_that_cannot_sign_in(security_zhou):
    # The demo's synthetic officers (cases.synthetic): their steps are recorded, they sign in nowhere.
    from xiaokang.audit.models import AuditEvent

    user = user_create(actor=ACTOR, username="synth", role="district_officer", password=None)
    assert not user.has_usable_password() and not user.check_password("")
    assert AuditEvent.objects.get(action="account.create").details["can_sign_in"] is False
    # A person (the security administrator's page) always gives a password.
    with pytest.raises(AccountError, match="password is required"):
        user_create(actor=security_zhou, username="y", role="auditor", password=None, reason="new auditor")


def test_a_username_is_taken_once():
    user_create(actor=ACTOR, username="x", role="auditor", password=GOOD)
    with pytest.raises(AccountError, match="taken"):
        user_create(actor=ACTOR, username="x", role="auditor", password=GOOD)


def test_auditor_and_security_admin_do_not_read_the_registry():
    auditor = user_create(actor=ACTOR, username="au", role="auditor", password=GOOD)
    security = user_create(actor=ACTOR, username="se", role="security_admin", password=GOOD)
    assert scope_of(auditor).kind == scope_of(security).kind == "none"


def test_the_operator_changes_a_role_at_once_and_audited():
    """A SystemActor (a command run by the operator) is trusted like createuser (docs/security.md)."""
    from xiaokang.accounts.services import user_update
    from xiaokang.audit.models import AuditEvent

    user = user_create(actor=ACTOR, username="op", role="auditor", password=GOOD)
    assert (
        user_update(actor=ACTOR, user=user, role="district_officer", area_code=None, is_active=True) is None
    )
    user.refresh_from_db()
    assert user.role == "district_officer" and not user.role_grants.exists()
    assert AuditEvent.objects.filter(action="account.update", actor_label="system:tests").count() == 1
