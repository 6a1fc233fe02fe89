"""Applications for a policy and their timeline (issue 5 §1; S4: accepted promptly, the state visible).

An application is never deleted: every change of state is an ApplicationEvent written with the audit
event in the same transaction, so the timeline is the application's whole history."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from xiaokang.core.models import Area


class Channel(models.TextChoices):
    COUNTER = "counter", _("counter")
    ONLINE = "online", _("online")
    OUTREACH = "outreach", _("outreach")


class State(models.TextChoices):
    SUBMITTED = "submitted", _("submitted")
    RETURNED = "returned", _("returned (not accepted)")
    COMMUNITY_REVIEW = "community_review", _("community review")
    STREET_REVIEW = "street_review", _("street review")
    DISTRICT_REVIEW = "district_review", _("district decision")
    APPROVED = "approved", _("approved")
    REJECTED = "rejected", _("rejected")
    APPEAL_REVIEW = "appeal_review", _("appeal under review")
    ENROLLED = "enrolled", _("enrolled")


# States in which an application is still being handled: at most one per person and policy.
OPEN_STATES = (
    State.SUBMITTED,
    State.COMMUNITY_REVIEW,
    State.STREET_REVIEW,
    State.DISTRICT_REVIEW,
    State.APPROVED,
    State.APPEAL_REVIEW,
)


class ApplicationNumber(models.Model):
    """The last number given in a year: HD-2025-000123 (readable, quoted by the applicant)."""

    year = models.PositiveIntegerField(primary_key=True)
    last = models.PositiveIntegerField(default=0)

    def __str__(self) -> str:
        return f"{self.year}: {self.last}"


class Application(models.Model):
    number = models.CharField(_("application number"), max_length=20, unique=True)
    person = models.ForeignKey("registry.Person", models.PROTECT, related_name="applications")
    policy_id = models.CharField(_("policy"), max_length=64)
    channel = models.CharField(_("channel"), max_length=10, choices=Channel.choices)
    received_on = models.DateField(_("received on"))
    state = models.CharField(_("state"), max_length=20, choices=State.choices, default=State.SUBMITTED)
    accept_by = models.DateField(_("accept by"))
    decide_by = models.DateField(_("decide by"))
    # A deadline counted through a year whose official holiday calendar is not yet published.
    deadlines_provisional = models.BooleanField(default=False)
    # The responsible area, from the person's record when the application was received.
    street = models.ForeignKey(Area, models.PROTECT, related_name="+", db_index=False)
    community = models.ForeignKey(Area, models.PROTECT, related_name="+", db_index=False)
    version = models.PositiveIntegerField(default=1)
    rejected_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, models.PROTECT, null=True, blank=True, related_name="+"
    )
    rejected_on = models.DateField(null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, models.PROTECT, null=True, blank=True, related_name="+"
    )
    created_by_label = models.CharField(max_length=150)
    # The client's Idempotency-Key (or a form's one-time token): a retried submission finds this row.
    idempotency_key = models.CharField(max_length=100, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        indexes = [
            models.Index(fields=["street", "state", "decide_by"], name="application_street_queue"),
            models.Index(fields=["community", "state", "decide_by"], name="application_community_queue"),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["person", "policy_id"],
                condition=models.Q(state__in=[s.value for s in OPEN_STATES]),
                name="one_open_application_per_person_and_policy",
            ),
            models.UniqueConstraint(
                fields=["created_by_label", "idempotency_key"],
                condition=~models.Q(idempotency_key=""),
                name="one_application_per_idempotency_key",
            ),
        ]

    def __str__(self) -> str:
        return self.number


class ApplicationEvent(models.Model):
    """One step of an application's timeline: who did what, when, from which state to which, and why."""

    application = models.ForeignKey(Application, models.CASCADE, related_name="events")
    at = models.DateTimeField(auto_now_add=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, models.PROTECT, null=True, blank=True, related_name="+"
    )
    actor_label = models.CharField(max_length=150)
    action = models.CharField(max_length=20)
    from_state = models.CharField(max_length=20, blank=True)
    to_state = models.CharField(max_length=20)
    reason = models.TextField(blank=True)
    details = models.JSONField(default=dict, blank=True)

    class Meta:
        ordering = ["application_id", "id"]

    def __str__(self) -> str:
        return f"{self.application_id} {self.action} {self.to_state}"
