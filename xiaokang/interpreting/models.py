"""Sign-language interpretation booking (手语翻译远程服务; requirement U11).

- ``Interpreter``: a sign-language interpreter of the federation, with the sign languages they use.
- ``Slot``: a time an interpreter is available (staff add them; a free slot may be withdrawn).
- ``Booking``: a deaf or hard-of-hearing person (or an office serving them) books one slot for a purpose.

No double booking is a database guarantee, not a check in code: a partial unique index allows at most one
booking of a slot that is not cancelled (``one_active_booking_per_slot``; SQLite and PostgreSQL both have
partial indexes). The services check first for a clear message, and catch the database's refusal for the
race they cannot see. The contact phone (and e-mail) is stored encrypted (AES-256-GCM, core.crypto) with
a masked form for pages and a blind index (the per-number limit of open bookings). docs/interpreting.md.
"""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _

ACTIVE_STATUSES = ("requested", "confirmed")


class Interpreter(models.Model):
    name = models.CharField(_("name"), max_length=100)
    # Which sign languages (中国手语 national sign language, 北京手语 …), shown to requesters.
    languages = models.CharField(_("sign languages"), max_length=200)
    notes = models.TextField(_("notes"), blank=True)  # staff only
    active = models.BooleanField(_("available for bookings"), default=True)
    version = models.PositiveIntegerField(default=1)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["name", "id"]

    def __str__(self) -> str:
        return self.name


class Slot(models.Model):
    """One time an interpreter can be booked. Slots of one interpreter never overlap (the service checks
    under a lock of the interpreter's row); the same start twice is refused by the database too."""

    interpreter = models.ForeignKey(Interpreter, models.PROTECT, related_name="slots")
    starts_at = models.DateTimeField(_("starts at"))
    ends_at = models.DateTimeField(_("ends at"))
    # Withdrawn by staff (the interpreter is no longer free then): not offered, cannot be booked.
    withdrawn = models.BooleanField(default=False)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["starts_at", "interpreter_id"]
        indexes = [models.Index(fields=["starts_at"], name="interpreting_slot_starts")]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(ends_at__gt=models.F("starts_at")), name="slot_ends_after_it_starts"
            ),
            models.UniqueConstraint(
                fields=["interpreter", "starts_at"], name="one_slot_per_interpreter_start"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.interpreter_id} {self.starts_at:%Y-%m-%d %H:%M}"


class RequesterKind(models.TextChoices):
    PERSON = "person", _("A deaf or hard-of-hearing person (or family)")
    OFFICE = "office", _("A public-service office serving a deaf person")


class Purpose(models.TextChoices):
    HOSPITAL = "hospital", _("Hospital or clinic visit")
    GOVERNMENT = "government", _("Government service")
    LEGAL = "legal", _("Court or legal matter")
    JOB_INTERVIEW = "job_interview", _("Job interview or work")
    EDUCATION = "education", _("Education or training")
    OTHER = "other", _("Something else")


class ContactBy(models.TextChoices):
    SMS = "sms", _("Text message (SMS)")
    EMAIL = "email", _("E-mail")


class Status(models.TextChoices):
    REQUESTED = "requested", _("Requested: waiting for the federation to confirm")
    CONFIRMED = "confirmed", _("Confirmed")
    CANCELLED = "cancelled", _("Cancelled")


class BookingNumber(models.Model):
    """The last reference given in a year: SY-2026-000123 (readable, quoted on the phone)."""

    year = models.PositiveIntegerField(primary_key=True)
    last = models.PositiveIntegerField(default=0)

    def __str__(self) -> str:
        return f"{self.year}: {self.last}"


class Booking(models.Model):
    reference = models.CharField(_("reference"), max_length=20, unique=True)
    slot = models.ForeignKey(Slot, models.PROTECT, related_name="bookings")
    requester_kind = models.CharField(_("who is booking"), max_length=10, choices=RequesterKind.choices)
    requester_name = models.CharField(_("name"), max_length=100)
    organisation = models.CharField(_("organisation"), max_length=200, blank=True)
    phone_encrypted = models.TextField()
    phone_index = models.CharField(max_length=32, db_index=True)  # HMAC blind index: open bookings per number
    phone_masked = models.CharField(_("phone"), max_length=20)
    email_encrypted = models.TextField(null=True, blank=True)  # noqa: DJ001 (NULL: no e-mail)
    email_masked = models.CharField(_("e-mail"), max_length=120, blank=True)
    contact_by = models.CharField(
        _("how to reach you"), max_length=10, choices=ContactBy.choices, default=ContactBy.SMS
    )
    purpose = models.CharField(_("purpose"), max_length=20, choices=Purpose.choices)
    details = models.TextField(_("details"), blank=True)
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.REQUESTED)
    # What the federation gives on confirmation: the video link, the room, the phone number to call.
    meeting_details = models.TextField(_("meeting details"), blank=True)
    cancel_reason = models.TextField(_("reason for cancelling"), blank=True)
    cancelled_by_requester = models.BooleanField(default=False)
    # The requester's own page (/interpreting/bookings/<token>/): random, unguessable, never in the audit.
    access_token = models.CharField(max_length=64, unique=True)
    # The booking form's one-time token: the same form posted twice (a double click) books once.
    submission_key = models.CharField(max_length=64, blank=True)
    version = models.PositiveIntegerField(default=1)
    confirmed_at = models.DateTimeField(null=True, blank=True)
    cancelled_at = models.DateTimeField(null=True, blank=True)
    handled_by_label = models.CharField(max_length=150, blank=True)  # who confirmed, moved or cancelled it
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["status", "slot"], name="interpreting_booking_status")]
        constraints = [
            # U11: no double booking of a slot, enforced by the database.
            models.UniqueConstraint(
                fields=["slot"],
                condition=~models.Q(status="cancelled"),
                name="one_active_booking_per_slot",
            ),
            models.UniqueConstraint(
                fields=["submission_key"],
                condition=~models.Q(submission_key=""),
                name="one_booking_per_submission_key",
            ),
            models.CheckConstraint(
                condition=models.Q(status__in=["requested", "confirmed", "cancelled"]),
                name="booking_status_known",
            ),
        ]

    def __str__(self) -> str:
        return self.reference

    @property
    def active(self) -> bool:
        return self.status in ACTIVE_STATUSES
