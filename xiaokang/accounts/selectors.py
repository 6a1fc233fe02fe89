"""Account reads for the account pages (ARCHITECTURE rule 1: views call a selector, never a model). Users
and role grants are not area-scoped: the page's capability check (``account.manage``, ``grant.decide``,
``grant.audit``, ``two_factor.issue_code``) is the gate, done by the view before it reads."""

from __future__ import annotations

from django.db.models import QuerySet
from django.shortcuts import get_object_or_404

from xiaokang.accounts.models import LoginFailure, RoleGrant, User
from xiaokang.accounts.services import is_locked

DECIDED_SHOWN = 500


def account_rows() -> list[dict]:
    """Every account with whether its user name is locked now and its pending role change, if any."""
    users = list(User.objects.select_related("area").order_by("username"))
    failing = set(LoginFailure.objects.values_list("username", flat=True))
    pending = {
        grant.user_id: grant
        for grant in RoleGrant.objects.filter(status=RoleGrant.Status.PENDING).select_related("to_area")
    }
    return [
        {"user": u, "locked": u.username in failing and is_locked(u.username), "pending": pending.get(u.pk)}
        for u in users
    ]


def account_for(pk: int) -> User:
    """The account ``pk``, freshly read, or Http404."""
    return get_object_or_404(User, pk=pk)


def active_account(pk: int | None) -> User | None:
    """The active account ``pk`` (a sign-in half done in the session), else None."""
    return User.objects.filter(pk=pk, is_active=True).first() if pk is not None else None


def pending_grant(user: User) -> RoleGrant | None:
    """The role change proposed for ``user`` and not decided yet."""
    return user.role_grants.filter(status=RoleGrant.Status.PENDING).select_related("to_area").first()


def _grants() -> QuerySet[RoleGrant]:
    return RoleGrant.objects.select_related(
        "user", "from_area", "to_area", "proposed_by", "decided_by"
    ).order_by("-proposed_at", "-id")


def grant_lists() -> tuple[list[RoleGrant], list[RoleGrant]]:
    """Every pending grant (however old: it must be decidable) and the DECIDED_SHOWN latest decided."""
    pending = list(_grants().filter(status=RoleGrant.Status.PENDING))
    decided = list(_grants().exclude(status=RoleGrant.Status.PENDING)[:DECIDED_SHOWN])
    return pending, decided


def grant_for(pk: int) -> RoleGrant:
    """The role grant ``pk`` with its user and proposer, or Http404."""
    return get_object_or_404(RoleGrant.objects.select_related("user", "proposed_by"), pk=pk)
