"""Applicants' accounts on the public portal (issue 7 §2; S4, G2). docs/portal-accounts.md.

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
    # The registry person this account may act for: set only when the registry has the ID number AND the
    # name matches (P2: what an applicant sees comes from the registry). Re-checked at every sign-in.
    person = models.ForeignKey(
        "registry.Person",
        models.SET_NULL,
        null=True,
        blank=True,
        related_name="applicant_accounts",
    )
    is_active = models.BooleanField(default=True)
    created_at = models.DateTimeField(auto_now_add=True)
    last_login_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("applicant account")

    def __str__(self) -> str:
        return f"applicant:{self.pk} {self.id_number_masked}"
