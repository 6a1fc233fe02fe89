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


class TotpDevice(models.Model):
    """A staff member's second factor (U11; GB/T 22239-2019 8.1.4.1 d): an RFC 6238 TOTP secret (30 s,
    6 digits, SHA-1), stored encrypted (core.crypto, AES-256-GCM). ``confirmed_at`` is empty until the
    user has typed a current code on the enrolment page; ``last_step`` is the time step of the last
    accepted code, so the same code is never accepted twice."""

    user = models.OneToOneField(User, models.CASCADE, related_name="totp_device")
    secret_encrypted = models.TextField()
    created_at = models.DateTimeField()
    confirmed_at = models.DateTimeField(null=True, blank=True)
    last_step = models.BigIntegerField(null=True, blank=True)

    def __str__(self) -> str:
        return f"TOTP of {self.user_id}{'' if self.confirmed_at else ' (unconfirmed)'}"


class RecoveryCode(models.Model):
    """One of ten one-time recovery codes, kept only as a keyed hash (core.crypto.blind_index)."""

    user = models.ForeignKey(User, models.CASCADE, related_name="recovery_codes")
    code_hash = models.CharField(max_length=64)
    used_at = models.DateTimeField(null=True, blank=True)

    def __str__(self) -> str:
        return f"recovery code of {self.user_id}{' (used)' if self.used_at else ''}"


class LoginThrottle(models.Model):
    """Failed staff sign-ins from one client address within a window (U11: an address that keeps
    failing waits 2^k seconds before each further attempt; the flood is audited as one summary)."""

    client = models.CharField(max_length=64, unique=True)
    window_start = models.DateTimeField()
    failures = models.PositiveIntegerField(default=0)
    refused = models.PositiveIntegerField(default=0)
    last_failure_at = models.DateTimeField(null=True, blank=True)

    def __str__(self) -> str:
        return f"{self.client}: {self.failures} failures since {self.window_start:%H:%M}"
