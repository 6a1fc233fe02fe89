"""The disabled-persons registry (R1–R7): households, persons, certificates and their history.

ID, certificate and phone numbers are never stored in clear: a person row holds the AES-GCM
ciphertext, a keyed blind index for exact lookup, and the masked form lists show (core/crypto.py).
A certificate number is the holder's ID number + category digit + grade digit (+ B1–B9), so the
certificate row stores only what is not the ID number; the full number is derived when shown.
"""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from xiaokang.accounts.scoping import AreaScopedManager
from xiaokang.core.dates import anniversary
from xiaokang.core.models import Area
from xiaokang.registry.vocabulary import (
    Category,
    CertificateStatus,
    EconomicStatus,
    Employment,
    HardshipCause,
    Hukou,
    PersonStatus,
    Relation,
    Sex,
)

# 《残疾人证管理办法》(2017) art. 19: a certificate is valid for 10 years from its issue date.
CERTIFICATE_VALID_YEARS = 10


def certificate_valid_until(issued_on: dt.date) -> dt.date:
    """Last day of validity: the day before the 10th anniversary (issued 2015-03-01 → 2025-02-28)."""
    return anniversary(issued_on, CERTIFICATE_VALID_YEARS) - dt.timedelta(days=1)


class Household(models.Model):
    """A family as the civil-affairs records know it (R3, R4). ``key`` is the spreadsheet's 家庭编号."""

    key = models.CharField(_("household key"), max_length=64, unique=True)
    economic_status = models.CharField(_("economic status"), max_length=20, choices=EconomicStatus.choices)
    family_planning_hardship = models.BooleanField(_("family-planning special hardship"), default=False)
    dangerous_house = models.BooleanField(_("dangerous house"), default=False)
    per_capita_income_fen = models.BigIntegerField(
        _("monthly per-capita income (fen)"), null=True, blank=True
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    def __str__(self) -> str:
        return self.key


class EconomicStatusPeriod(models.Model):
    """The dates each economic status held (R3, R6): the open period has ``valid_to`` null."""

    household = models.ForeignKey(Household, models.CASCADE, related_name="economic_status_periods")
    status = models.CharField(max_length=20, choices=EconomicStatus.choices)
    valid_from = models.DateField()
    valid_to = models.DateField(null=True, blank=True)

    class Meta:
        ordering = ["household_id", "valid_from"]
        constraints = [
            models.UniqueConstraint(
                fields=["household"],
                condition=models.Q(valid_to__isnull=True),
                name="one_open_economic_period",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.household_id} {self.status} {self.valid_from}–{self.valid_to or ''}"


class HouseholdHardship(models.Model):
    """A hardship cause of a household with its dates (R4: 因灾、因病、因学 …)."""

    household = models.ForeignKey(Household, models.CASCADE, related_name="hardships")
    cause = models.CharField(_("hardship cause"), max_length=20, choices=HardshipCause.choices)
    started_on = models.DateField(_("from"))
    ended_on = models.DateField(_("until"), null=True, blank=True)
    note = models.CharField(_("note"), max_length=200, blank=True)

    class Meta:
        ordering = ["household_id", "started_on"]

    def __str__(self) -> str:
        return f"{self.household_id} {self.cause} {self.started_on}"


class Person(models.Model):
    name = models.CharField(_("name"), max_length=50)
    id_number_encrypted = models.TextField()
    id_number_index = models.CharField(max_length=32, unique=True)
    id_number_masked = models.CharField(_("ID number"), max_length=18)
    # Derived from the ID number and stored so that rules and queries never parse it (DOMAIN.md).
    birth_date = models.DateField(_("birth date"))
    sex = models.CharField(_("sex"), max_length=6, choices=Sex.choices)
    hukou = models.CharField(_("household registration"), max_length=20, choices=Hukou.choices)
    address = models.CharField(_("address"), max_length=200, blank=True)
    phone_encrypted = models.TextField(null=True, blank=True)  # noqa: DJ001 (NULL: no phone, not "")
    phone_index = models.CharField(max_length=32, blank=True)  # change detection; no lookup by phone yet
    phone_masked = models.CharField(_("phone"), max_length=20, blank=True)
    # db_index=False: the (street, community) index below serves street lookups.
    street = models.ForeignKey(
        Area, models.PROTECT, related_name="+", verbose_name=_("street or town"), db_index=False
    )
    community = models.ForeignKey(
        Area, models.PROTECT, related_name="+", verbose_name=_("community or village")
    )
    household = models.ForeignKey(Household, models.PROTECT, related_name="members")
    relation = models.CharField(
        _("relation to head"), max_length=10, choices=Relation.choices, default="head"
    )
    status = models.CharField(_("status"), max_length=10, choices=PersonStatus.choices, default="normal")
    status_changed_on = models.DateField(_("status changed on"), null=True, blank=True)
    employment = models.CharField(
        _("employment"), max_length=24, choices=Employment.choices, default="not_employed"
    )
    self_care = models.BooleanField(_("able to care for themselves"), default=True)
    work_injury_care = models.BooleanField(_("receives the work-injury care allowance"), default=False)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    version = models.PositiveIntegerField(default=1)

    # R1; GB/T 22239-2019 8.1.4.2: read through objects.for_actor(actor) or objects.unscoped(reason=…).
    objects = AreaScopedManager(person="pk")

    class Meta:
        indexes = [
            models.Index(fields=["street", "community"]),
            models.Index(fields=["name", "birth_date"]),  # name search (prefix) and the duplicate report
        ]

    def __str__(self) -> str:
        return f"{self.name} {self.id_number_masked}"


class Certificate(models.Model):
    """第二代/第三代残疾人证. The number is derived: holder's ID + category digit + grade digit + reissue."""

    person = models.ForeignKey(Person, models.CASCADE, related_name="certificates")
    category = models.CharField(_("category"), max_length=12, choices=Category.choices)
    grade = models.PositiveSmallIntegerField(_("grade"))
    reissue = models.CharField(_("reissue suffix"), max_length=2, blank=True)
    # Component categories of a 多重 certificate, as their digits in ascending order ("46" = 肢体+精神).
    components = models.CharField(_("component categories"), max_length=7, blank=True)
    issued_on = models.DateField(_("issued on"))
    valid_until = models.DateField(_("valid until"))
    status = models.CharField(_("status"), max_length=10, choices=CertificateStatus.choices, default="active")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["person"], condition=models.Q(status="active"), name="one_active_certificate"
            ),
            models.CheckConstraint(
                condition=models.Q(grade__gte=1, grade__lte=4), name="certificate_grade_1_4"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.person_id} {self.category} {self.grade} {self.status}"


class PersonHistory(models.Model):
    """R6: every change to a person, who made it and when, and each changed field's old and new value
    (``changes`` = {field: [old, new]}, fields named as in ``registry.history.RECORD_FIELDS``, the phone
    masked). The record as it stood on a past date is today's record with the later changes rolled back."""

    person = models.ForeignKey(Person, models.CASCADE, related_name="history")
    recorded_at = models.DateTimeField(db_index=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, models.PROTECT, null=True, blank=True, related_name="+"
    )
    actor_label = models.CharField(max_length=150)
    source = models.CharField(max_length=20)  # import, form, api, seed
    action = models.CharField(max_length=10)  # create, update
    changes = models.JSONField(default=dict)  # {field: [old, new]}

    class Meta:
        ordering = ["person_id", "recorded_at", "id"]
        indexes = [models.Index(fields=["person", "recorded_at"])]

    def __str__(self) -> str:
        return f"{self.person_id} {self.action} {self.recorded_at:%Y-%m-%d %H:%M} {self.actor_label}"


class TransferState(models.TextChoices):
    REQUESTED = "requested", _("requested")
    APPROVED = "approved", _("approved")
    REJECTED = "rejected", _("rejected")
    CANCELLED = "cancelled", _("cancelled")


class PersonTransfer(models.Model):
    """Moving a person to another street (R6, S4; U11): requested by the sending or the receiving street,
    decided by the district, and only then applied through the registry's write path (history source
    ``transfer``). ``side`` says which street asked: the receiving one (``to``) named the person by ID
    number and name only and sees nothing of the record until it is approved."""

    person = models.ForeignKey(Person, models.CASCADE, related_name="transfers")
    from_street = models.ForeignKey(Area, models.PROTECT, related_name="+", verbose_name=_("from street"))
    from_community = models.ForeignKey(
        Area, models.PROTECT, related_name="+", verbose_name=_("from community")
    )
    to_street = models.ForeignKey(Area, models.PROTECT, related_name="+", verbose_name=_("to street"))
    to_community = models.ForeignKey(Area, models.PROTECT, related_name="+", verbose_name=_("to community"))
    side = models.CharField(
        max_length=4, choices=[("from", _("sending street")), ("to", _("receiving street"))]
    )
    requested_by = models.ForeignKey(settings.AUTH_USER_MODEL, models.PROTECT, related_name="+")
    requested_at = models.DateTimeField()
    reason = models.CharField(_("reason"), max_length=200)
    state = models.CharField(
        _("state"), max_length=10, choices=TransferState.choices, default=TransferState.REQUESTED
    )
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, models.PROTECT, null=True, blank=True, related_name="+"
    )
    decided_at = models.DateTimeField(null=True, blank=True)
    note = models.CharField(_("note"), max_length=200, blank=True)
    version = models.PositiveIntegerField(default=1)

    # Seen by the street it leaves and the one it enters (accounts.scoping); no community scope.
    objects = AreaScopedManager(street=("from_street_id", "to_street_id"), community=None)

    class Meta:
        ordering = ["-requested_at", "-id"]
        indexes = [
            models.Index(fields=["state", "requested_at"]),
            models.Index(fields=["from_street", "state"]),
            models.Index(fields=["to_street", "state"]),
        ]
        constraints = [
            # At most one open transfer per person (S4): a second request waits for the first decision.
            models.UniqueConstraint(
                fields=["person"], condition=models.Q(state="requested"), name="one_open_transfer"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.person_id} {self.from_street_id}→{self.to_street_id} {self.state}"
