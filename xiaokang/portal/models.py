"""Applicants' accounts on the public portal (U11; S4, G2). docs/portal-accounts.md.

An applicant account is not a staff user: it lives in its own table, signs in with its own session key
(portal.sessions) and acts as an ``ApplicantActor`` (role "applicant", no registry scope). The ID and
phone numbers are stored as the registry stores them (PIPL sensitive data): AES-GCM ciphertext, a blind
index for the exact lookup, and a mask for display; never in clear."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _


class ApplicantAccount(models.Model):
    name = models.CharField(_("name"), max_length=50)
    id_number_encrypted = models.TextField()
    # One account per ID number (the blind index is unique), and the key of the registry lookup.
    id_number_index = models.CharField(max_length=32, unique=True)
    id_number_masked = models.CharField(_("ID number"), max_length=18)
    phone_encrypted = models.TextField()
    phone_masked = models.CharField(_("phone"), max_length=20)
    password = models.CharField(max_length=128)  # django.contrib.auth.hashers: never the password itself
    # The registry person this account may act for (P2, U11): set only once the registry has the ID
    # number AND the name matches AND the resident has proved control of the registry's phone (SMS code)
    # or brought an office code (portal.verification). Name and ID number alone never link: they are not
    # secret. Re-checked at every sign-in (a record that no longer matches unlinks).
    person = models.ForeignKey(
        "registry.Person",
        models.SET_NULL,
        null=True,
        blank=True,
        related_name="applicant_accounts",
    )
    verified_at = models.DateTimeField(null=True, blank=True)
    verified_by = models.CharField(max_length=10, blank=True)  # "sms" or "office" (VerificationCode.kind)
    is_active = models.BooleanField(default=True)
    created_at = models.DateTimeField(auto_now_add=True)
    last_login_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("applicant account")
        constraints = [
            # U11: never linked without a verification (the migration unlinked the older accounts).
            models.CheckConstraint(
                condition=models.Q(person__isnull=True) | models.Q(verified_at__isnull=False),
                name="applicant_linked_only_verified",
            )
        ]

    def __str__(self) -> str:
        return f"applicant:{self.pk} {self.id_number_masked}"


class CodeKind(models.TextChoices):
    SMS = "sms", _("text message")
    OFFICE = "office", _("office code")


class VerificationCode(models.Model):
    """A one-time code that links an applicant account to a registry person (U11; GB/T 22239-2019
    8.1.4.1). ``sms``: six digits sent to the phone the registry holds for the person, for one account,
    valid 10 minutes; ``office``: eight characters printed by staff at the office for the person (any
    account of that person's ID number may use it), valid 14 days. Only a keyed hash of the code is
    stored (``code_hash``: HMAC under the blind-index key with a per-code salt), never the code. A code
    is used once; 5 wrong entries spend it; a new code of the same kind invalidates the older ones."""

    kind = models.CharField(max_length=10, choices=CodeKind.choices)
    person = models.ForeignKey("registry.Person", models.CASCADE, related_name="+")
    account = models.ForeignKey(
        ApplicantAccount, models.CASCADE, null=True, blank=True, related_name="verification_codes"
    )
    salt = models.CharField(max_length=32)
    code_hash = models.CharField(max_length=64)
    issued_by = models.CharField(max_length=64)  # the audit label of who issued it
    created_at = models.DateTimeField()
    expires_at = models.DateTimeField()
    failed_attempts = models.PositiveSmallIntegerField(default=0)
    used_at = models.DateTimeField(null=True, blank=True)
    invalidated_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        indexes = [models.Index(fields=["person", "kind"]), models.Index(fields=["account", "kind"])]

    def __str__(self) -> str:
        return f"{self.kind} code {self.pk} for person {self.person_id}"
