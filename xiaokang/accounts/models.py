"""Staff accounts: one role each, bound to an area where the role needs one (issue 2 §1, issue 3 §1)."""

from django.contrib.auth.models import AbstractUser
from django.db import models
from django.utils.translation import gettext_lazy as _


class Role(models.TextChoices):
    DISTRICT_ADMIN = "district_admin", _("District administrator")
    DISTRICT_OFFICER = "district_officer", _("District officer")
    STREET_OFFICER = "street_officer", _("Street officer")
    COMMUNITY_WORKER = "community_worker", _("Community worker")
    AUDITOR = "auditor", _("Auditor")
    SECURITY_ADMIN = "security_admin", _("Security administrator")


# The area level each role is bound to (None: district-wide, no area).
ROLE_AREA_LEVEL = {
    Role.DISTRICT_ADMIN: None,
    Role.DISTRICT_OFFICER: None,
    Role.STREET_OFFICER: "street",
    Role.COMMUNITY_WORKER: "community",
    Role.AUDITOR: None,
    Role.SECURITY_ADMIN: None,
}

# Roles that may read the registry (the auditor and the security administrator may not: 三权分立).
REGISTRY_READERS = {Role.DISTRICT_ADMIN, Role.DISTRICT_OFFICER, Role.STREET_OFFICER, Role.COMMUNITY_WORKER}


class User(AbstractUser):
    role = models.CharField(_("role"), max_length=20, choices=Role.choices)
    area = models.ForeignKey("core.Area", models.PROTECT, null=True, blank=True, related_name="+")

    class Meta:
        constraints = [
            # A role bound to an area has one; a district-wide role has none.
            models.CheckConstraint(
                condition=(
                    models.Q(role__in=["street_officer", "community_worker"], area__isnull=False)
                    | (
                        ~models.Q(role__in=["street_officer", "community_worker"])
                        & models.Q(area__isnull=True)
                    )
                ),
                name="user_area_matches_role",
            ),
        ]


class LoginFailure(models.Model):
    """A failed login for a username (issue 3 §1: 5 failures lock the username for 15 minutes, whatever
    the client address). Counted per username; cleared by a successful login."""

    username = models.CharField(max_length=150, db_index=True)
    at = models.DateTimeField(db_index=True)
    client = models.CharField(max_length=64, blank=True)

    def __str__(self) -> str:
        return f"{self.username} {self.at:%Y-%m-%d %H:%M:%S}"


class ApiToken(models.Model):
    """A bearer token for the API (issue 3 §4). Only its SHA-256 is stored; the token is shown once."""

    user = models.ForeignKey(User, models.CASCADE, related_name="api_tokens")
    key_hash = models.CharField(max_length=64, unique=True)
    created_at = models.DateTimeField()
    expires_at = models.DateTimeField()
    last_used_at = models.DateTimeField(null=True, blank=True)

    def __str__(self) -> str:
        return f"token of {self.user_id} until {self.expires_at:%Y-%m-%d %H:%M}"
