"""Staff accounts: one role each, bound to an area where the role needs one (U11; GB/T 22239-2019 8.1.4.1,
8.1.4.2)."""

from django.contrib.auth.models import AbstractUser
from django.db import models
from django.utils.crypto import salted_hmac
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

# Roles that have a registry scope (accounts.actors.scope_of; the auditor and the security administrator
# have none: 三权分立). What each role may do is the capability table (core.capabilities, each app's
# permissions.py), which builds its readers' capabilities on this set.
REGISTRY_READERS = {Role.DISTRICT_ADMIN, Role.DISTRICT_OFFICER, Role.STREET_OFFICER, Role.COMMUNITY_WORKER}


# Every role change is a two-person decision (GB/T 22239-2019 8.1.4.2 c, separation of privileges; PIPL
# art. 51): the security administrator proposes a RoleGrant, a district administrator decides. Every
# role, the auditor's and the security administrator's included, is only ever given by an approved grant
# (or by the operator's `xiaokang createuser`, which bootstraps the first accounts).


class User(AbstractUser):
    # Blank: no role yet (a new account whose grant is pending): it reads nothing and sees no menu.
    role = models.CharField(_("role"), max_length=20, choices=Role.choices, blank=True)
    area = models.ForeignKey("core.Area", models.PROTECT, null=True, blank=True, related_name="+")
    # Set when someone else chose the password (the security administrator's pages): the user must
    # change it at the next sign-in before anything else (GB/T 22239-2019 8.1.4.1 identification).
    must_change_password = models.BooleanField(_("must change password"), default=False)

    def get_session_auth_hash(self) -> str:
        """Django ends a session whose stored hash no longer matches. Besides the password, the role and
        the area are in it, so every change of role or area (an approved grant, 8.1.4.2) ends the
        account's sessions: none carries rights it was not signed in with."""
        return salted_hmac(
            "xiaokang.accounts.User.get_session_auth_hash",
            f"{self.password}|{self.role}|{self.area_id or ''}",
            algorithm="sha256",
        ).hexdigest()

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
    """A failed login for a username (GB/T 22239-2019 8.1.4.1: 5 failures lock the username for 15 minutes,
    whatever the client address). Counted per username; cleared by a successful login."""

    username = models.CharField(max_length=150, db_index=True)
    at = models.DateTimeField(db_index=True)
    client = models.CharField(max_length=64, blank=True)

    def __str__(self) -> str:
        return f"{self.username} {self.at:%Y-%m-%d %H:%M:%S}"


class ApiToken(models.Model):
    """A bearer token for the API (GB/T 22239-2019 8.1.4.1; docs/api.md). Only its SHA-256 is stored; the
    token is shown once."""

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


class EnrolmentCode(models.Model):
    """A one-time code a district administrator issues so that ``user`` may enrol a second factor at
    sign-in (split knowledge, GB/T 22239-2019 8.1.4.1 d and 8.1.4.2 separation of privileges): whoever set
    the password (the security administrator) does not hold the code, and the district administrator who
    holds it does not know the password. Kept only as a keyed hash (core.crypto.blind_index); valid
    ENROLMENT_CODE_DAYS days; void after ENROLMENT_CODE_TRIES wrong tries or when a new one is issued;
    ``used_at`` is set when the factor it let through is confirmed."""

    user = models.ForeignKey(User, models.CASCADE, related_name="enrolment_codes")
    code_hash = models.CharField(max_length=64)
    issued_by = models.ForeignKey(User, models.PROTECT, related_name="+")
    issued_at = models.DateTimeField()
    expires_at = models.DateTimeField()
    failures = models.PositiveSmallIntegerField(default=0)
    used_at = models.DateTimeField(null=True, blank=True)
    voided_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-issued_at", "-id"]
        constraints = [
            # At most one code in force per account: issuing a new one voids the old.
            models.UniqueConstraint(
                fields=["user"],
                condition=models.Q(used_at__isnull=True, voided_at__isnull=True),
                name="one_open_enrolment_code_per_user",
            ),
        ]

    def __str__(self) -> str:
        state = "used" if self.used_at else "void" if self.voided_at else "open"
        return f"enrolment code of {self.user_id} ({state})"


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


class RoleGrant(models.Model):
    """A proposed change of an account's role or area (三权分立, GB/T 22239-2019 8.1.4.2): proposed by the
    security administrator, applied only when a district administrator other than the subject and the
    proposer approves it. ``from_role`` blank: a new account (or one without a role)."""

    class Status(models.TextChoices):
        PENDING = "pending", _("Pending")
        APPROVED = "approved", _("Approved")
        REJECTED = "rejected", _("Rejected")

    user = models.ForeignKey(User, models.CASCADE, related_name="role_grants")
    from_role = models.CharField(max_length=20, choices=Role.choices, blank=True)
    from_area = models.ForeignKey("core.Area", models.PROTECT, null=True, blank=True, related_name="+")
    to_role = models.CharField(max_length=20, choices=Role.choices)
    to_area = models.ForeignKey("core.Area", models.PROTECT, null=True, blank=True, related_name="+")
    reason = models.CharField(max_length=500)
    proposed_by = models.ForeignKey(User, models.PROTECT, related_name="+")
    proposed_at = models.DateTimeField()
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.PENDING)
    decided_by = models.ForeignKey(User, models.PROTECT, null=True, blank=True, related_name="+")
    decided_at = models.DateTimeField(null=True, blank=True)
    decision_note = models.CharField(max_length=500, blank=True)

    class Meta:
        ordering = ["-proposed_at", "-id"]
        constraints = [
            # One open proposal per account: a second one would be decided against a stale "from".
            models.UniqueConstraint(
                fields=["user"], condition=models.Q(status="pending"), name="one_pending_grant_per_user"
            ),
        ]

    def __str__(self) -> str:
        return f"grant {self.pk}: {self.user_id} {self.from_role or '-'} -> {self.to_role} ({self.status})"
