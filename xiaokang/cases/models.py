"""Applications for a policy and their timeline (S4: accepted promptly, the state visible).

An application is never deleted: every change of state is an ApplicationEvent written with the audit
event in the same transaction, so the timeline is the application's whole history."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from xiaokang.accounts.scoping import AreaScopedManager
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
    # Temporary assistance (S3): a street officer's grant (approved) confirmed by the district's review.
    CONFIRMED = "confirmed", _("confirmed by the district")


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

    objects = AreaScopedManager()

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


class EnrolmentStatus(models.TextChoices):
    ACTIVE = "active", _("active")
    SUSPENDED = "suspended", _("suspended")
    TERMINATED = "terminated", _("terminated")


class Enrolment(models.Model):
    """A person receiving a policy (S5): from an enrolled application, or imported from the
    legacy system. At most one active or suspended enrolment per person and policy."""

    person = models.ForeignKey("registry.Person", models.PROTECT, related_name="enrolments")
    policy_id = models.CharField(max_length=64)
    application = models.OneToOneField(
        Application, models.PROTECT, null=True, blank=True, related_name="enrolment"
    )
    start_month = models.DateField()  # the first day of the first month paid
    status = models.CharField(max_length=12, choices=EnrolmentStatus.choices, default=EnrolmentStatus.ACTIVE)
    status_changed_on = models.DateField(null=True, blank=True)
    status_reason = models.CharField(max_length=200, blank=True)
    legacy_amount_fen = models.BigIntegerField(null=True, blank=True)  # as imported, when it was given
    needs_review = models.BooleanField(default=False)  # e.g. an imported amount the rules do not give
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["person", "policy_id"],
                condition=models.Q(status__in=["active", "suspended"]),
                name="one_current_enrolment_per_person_and_policy",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.person_id} {self.policy_id} {self.status}"


class Roster(models.Model):
    """The monthly payment roster of one cash policy (发放名册, S5): a draft can be rebuilt; once a
    district officer approves it, it is locked."""

    policy_id = models.CharField(max_length=64)
    month = models.DateField()  # the first day of the month
    approved_at = models.DateTimeField(null=True, blank=True)
    approved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, models.PROTECT, null=True, blank=True, related_name="+"
    )
    built_at = models.DateTimeField()
    built_by_label = models.CharField(max_length=150)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["policy_id", "month"], name="one_roster_per_policy_month")
        ]

    def __str__(self) -> str:
        return f"{self.policy_id} {self.month:%Y-%m}"

    @property
    def approved(self) -> bool:
        return self.approved_at is not None


class RosterLine(models.Model):
    """One enrolled person on a roster: paid (with the amount the rules give on the month's first day) or
    held (with the conditions that failed). ``approved`` is set with the roster's approval, so the
    database itself refuses a person paid twice for one policy and month."""

    roster = models.ForeignKey(Roster, models.CASCADE, related_name="lines")
    enrolment = models.ForeignKey(Enrolment, models.PROTECT, related_name="+")
    person = models.ForeignKey("registry.Person", models.PROTECT, related_name="+")
    policy_id = models.CharField(max_length=64)
    month = models.DateField()
    paid = models.BooleanField()
    amount_fen = models.BigIntegerField()
    failed = models.CharField(max_length=400, blank=True)
    street = models.ForeignKey(Area, models.PROTECT, related_name="+", db_index=False)
    community = models.ForeignKey(Area, models.PROTECT, related_name="+", db_index=False)
    approved = models.BooleanField(default=False)

    objects = AreaScopedManager()

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["person", "policy_id", "month"],
                condition=models.Q(approved=True, paid=True),
                name="paid_once_per_person_policy_month",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.roster_id} {self.person_id} {self.amount_fen}"


class OutreachStatus(models.TextChoices):
    OPEN = "open", _("open")
    APPLIED = "applied", _("applied")
    DECLINED = "declined", _("declined")
    UNREACHABLE = "unreachable", _("unreachable")


class OutreachTask(models.Model):
    """主动救助 (P3): a person who qualifies for a cash policy but is neither enrolled nor
    applying, for their community worker to contact. One open task per person and policy."""

    person = models.ForeignKey("registry.Person", models.PROTECT, related_name="outreach_tasks")
    policy_id = models.CharField(max_length=64)
    run = models.ForeignKey("policies.EvaluationRun", models.PROTECT, related_name="+")
    street = models.ForeignKey(Area, models.PROTECT, related_name="+", db_index=False)
    community = models.ForeignKey(Area, models.PROTECT, related_name="+")
    status = models.CharField(max_length=12, choices=OutreachStatus.choices, default=OutreachStatus.OPEN)
    created_at = models.DateTimeField(auto_now_add=True)
    closed_at = models.DateTimeField(null=True, blank=True)
    note = models.CharField(max_length=200, blank=True)

    objects = AreaScopedManager()

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["person", "policy_id"],
                condition=models.Q(status="open"),
                name="one_open_outreach_task_per_person_and_policy",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.person_id} {self.policy_id} {self.status}"


class ReviewTask(models.Model):
    """An enrolment suspended because its person no longer qualifies (for a reason other than death or
    moving out): the street officer reviews it (S5, R7)."""

    enrolment = models.ForeignKey(Enrolment, models.PROTECT, related_name="review_tasks")
    run = models.ForeignKey("policies.EvaluationRun", models.PROTECT, related_name="+")
    failed = models.CharField(max_length=400)
    street = models.ForeignKey(Area, models.PROTECT, related_name="+")
    community = models.ForeignKey(Area, models.PROTECT, related_name="+", db_index=False)
    status = models.CharField(max_length=12, default="open")  # open, resolved
    created_at = models.DateTimeField(auto_now_add=True)

    objects = AreaScopedManager()

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["enrolment"], condition=models.Q(status="open"), name="one_open_review_per_enrolment"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.enrolment_id} {self.status}"


class ApplicationDocument(models.Model):
    """An attachment of an application (S4): PDF, JPEG or PNG, its type read from its content,
    stored outside the database under the data directory, served only to staff in scope."""

    application = models.ForeignKey(Application, models.PROTECT, related_name="documents")
    name = models.CharField(max_length=200)  # the file name as uploaded, for people
    # Which of the policy's required documents (its file's ``how_to_apply.documents``, by Chinese name)
    # this file is; empty for any other document (S4: the decision page lists required vs attached).
    requirement = models.CharField(max_length=100, blank=True, default="")
    content_type = models.CharField(max_length=40)
    size = models.PositiveIntegerField()
    sha256 = models.CharField(max_length=64)
    path = models.CharField(max_length=200)  # relative to settings.DATA_DIR / "documents"
    uploaded_by = models.ForeignKey(settings.AUTH_USER_MODEL, models.PROTECT, null=True, related_name="+")
    uploaded_by_label = models.CharField(max_length=150)
    uploaded_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["application_id", "id"]

    def __str__(self) -> str:
        return f"{self.application_id} {self.name}"


class TemporaryReview(models.TextChoices):
    PENDING = "pending", _("awaiting the district's review")
    CONFIRMED = "confirmed", _("confirmed")
    REJECTED = "rejected", _("rejected")


class TemporaryAssistance(models.Model):
    """临时救助 (S3): a one-off amount a street officer (or district staff) approved and paid
    on the spot, on an Application of the policy ``temporary_assistance`` that was created already
    approved (so it has a number, a timeline, documents, a notice and the application's scope). The
    documents are completed afterwards and the district reviews the grant by ``district_review_by``:
    confirmed (the application becomes ``confirmed``) or rejected with a reason (``rejected``; recovering
    the money is done outside the system). Both deadlines are working days from ``granted_on``."""

    application = models.OneToOneField(
        Application, models.PROTECT, primary_key=True, related_name="temporary_assistance"
    )
    amount_fen = models.BigIntegerField(_("amount"))
    reason = models.TextField(_("the emergency"))
    granted_on = models.DateField(_("granted on"))  # the day of the on-the-spot approval (= received_on)
    granted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, models.PROTECT, null=True, blank=True, related_name="+"
    )
    granted_by_label = models.CharField(max_length=150)
    limit_fen = models.BigIntegerField()  # the street approval limit in force on granted_on
    documents_due_by = models.DateField(_("documents due by"))
    district_review_by = models.DateField(_("district review by"))
    # A deadline counted through a year whose official holiday calendar is not yet published.
    deadlines_provisional = models.BooleanField(default=False)
    review = models.CharField(max_length=10, choices=TemporaryReview.choices, default=TemporaryReview.PENDING)
    reviewed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, models.PROTECT, null=True, blank=True, related_name="+"
    )
    reviewed_by_label = models.CharField(max_length=150, blank=True)
    reviewed_at = models.DateTimeField(null=True, blank=True)
    review_reason = models.TextField(blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        indexes = [models.Index(fields=["review", "district_review_by"], name="temporary_review_queue")]
        constraints = [
            models.CheckConstraint(condition=models.Q(amount_fen__gt=0), name="temporary_amount_positive"),
        ]

    def __str__(self) -> str:
        return f"{self.application_id} {self.amount_fen} {self.review}"
