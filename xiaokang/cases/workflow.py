"""The application workflow (S4) as data: which action moves an application from which state to
which, who may take it, and whether a reason is required. services.application_transition is the only
code that applies it.

    submitted        ─accept→  community_review   (or ─return→ returned, reason required)
    community_review ─forward→ street_review
    street_review    ─forward→ district_review    (or ─send_back→ community_review)
    district_review  ─approve→ approved  ─enrol→ enrolled
                     ─reject→  rejected  ─appeal→ appeal_review ─approve/reject→ (another officer)
                                         (the appeal: staff, or the applicant on the portal)
                     ─send_back→ street_review

Each review level acts at its own level: the community (or the street office's counter) accepts and
does the community review, the street officer the street review, the district decides (P4, S4; a
multi-level review is the point, so the district does not take the levels below it).

Separation of duties (U11, G2; GB/T 22239-2019 8.1.4.2 d: least privilege and separation of privileges): no
one decides their own work. Each step names the earlier steps (``Step.other_than``) whose officer may
not take it: whoever accepted does not forward, the street review is not done by whoever accepted or did
the community review, the decision (approve or reject) is not made by whoever accepted, reviewed or
forwarded it, an appeal is not decided by whoever rejected, and the enrolment is not made by the
approver unless the policy file says ``enrolment_by_approver: true``. ``services.application_transition``
checks it from the application's timeline (its ``ApplicationEvent`` rows); a temporary-assistance grant's
review applies ``TEMPORARY_REVIEW_OTHER_THAN`` the same way. A system actor (a batch job, no user) and
the applicant on the portal act as no officer and are not checked.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.utils.translation import gettext as _

from xiaokang.accounts.models import Role
from xiaokang.cases.models import State

COUNTER = frozenset({Role.COMMUNITY_WORKER, Role.STREET_OFFICER})
STREET = frozenset({Role.STREET_OFFICER})
DISTRICT = frozenset({Role.DISTRICT_ADMIN, Role.DISTRICT_OFFICER})
# The applicant themselves, signed in to the public portal (accounts.actors.ApplicantActor; S4, U11,
# G2): they may appeal their own rejection, nothing else.
APPLICANT = frozenset({"applicant"})

ACTIONS = ("accept", "return", "forward", "send_back", "approve", "reject", "enrol", "appeal")


@dataclass(frozen=True)
class Earlier:
    """An earlier step of an application, as its timeline records it (the event's ``from_state`` and
    ``action``), and how a refusal names it to the officer who took it."""

    from_state: str
    action: str
    zh: str
    en: str


ACCEPTED = Earlier(State.SUBMITTED, "accept", "您受理了此申请", "you accepted this application")
COMMUNITY_REVIEWED = Earlier(
    State.COMMUNITY_REVIEW,
    "forward",
    "您完成了此申请的社区审核",
    "you did this application's community review",
)
STREET_REVIEWED = Earlier(
    State.STREET_REVIEW, "forward", "您完成了此申请的街道审核", "you did this application's street review"
)
APPROVED = Earlier(State.DISTRICT_REVIEW, "approve", "您批准了此申请", "you approved this application")
APPROVED_ON_APPEAL = Earlier(
    State.APPEAL_REVIEW, "approve", "您在复议中批准了此申请", "you approved this application on appeal"
)
REJECTED = Earlier(State.DISTRICT_REVIEW, "reject", "您作出了不予批准的决定", "you rejected this application")
REJECTED_ON_APPEAL = Earlier(
    State.APPEAL_REVIEW, "reject", "您驳回了此申请的复议", "you rejected this application's appeal"
)
GRANTED = Earlier("", "grant", "您当场批准了此临时救助", "you granted this temporary assistance")

REVIEWERS = (ACCEPTED, COMMUNITY_REVIEWED, STREET_REVIEWED)  # whoever accepted, reviewed or forwarded it
REJECTERS = (REJECTED, REJECTED_ON_APPEAL)
APPROVERS = (APPROVED, APPROVED_ON_APPEAL)
# The district's review of a temporary-assistance grant (temporary.py): not by whoever granted it.
TEMPORARY_REVIEW_OTHER_THAN = (GRANTED,)
TEMPORARY_REVIEW_VERB = ("复核", "review it")


@dataclass(frozen=True)
class Step:
    to: str
    roles: frozenset[str]
    reason_required: bool = False
    # Separation of duties: the earlier steps whose officer may not take this one, and what "another
    # officer must …" do (Chinese, English) in the refusal.
    other_than: tuple[Earlier, ...] = ()
    verb: tuple[str, str] = ("", "")
    # A policy-file flag that, when true for the application's policy, lifts the rule (only
    # ``enrolment_by_approver`` today: the approver may enrol).
    waived_by: str = ""


FORWARD = ("转报", "forward it")
DECIDE = ("作出决定", "decide it")
DECIDE_APPEAL = ("决定复议", "decide the appeal")


STEPS: dict[tuple[str, str], Step] = {
    (State.SUBMITTED, "accept"): Step(State.COMMUNITY_REVIEW, COUNTER),
    (State.SUBMITTED, "return"): Step(State.RETURNED, COUNTER, reason_required=True),
    (State.COMMUNITY_REVIEW, "forward"): Step(
        State.STREET_REVIEW, COUNTER, other_than=(ACCEPTED,), verb=FORWARD
    ),
    (State.STREET_REVIEW, "forward"): Step(
        State.DISTRICT_REVIEW, STREET, other_than=(ACCEPTED, COMMUNITY_REVIEWED), verb=FORWARD
    ),
    (State.STREET_REVIEW, "send_back"): Step(State.COMMUNITY_REVIEW, STREET, reason_required=True),
    (State.DISTRICT_REVIEW, "send_back"): Step(State.STREET_REVIEW, DISTRICT, reason_required=True),
    (State.DISTRICT_REVIEW, "approve"): Step(
        State.APPROVED, DISTRICT, other_than=REVIEWERS, verb=("批准", "approve it")
    ),
    (State.DISTRICT_REVIEW, "reject"): Step(
        State.REJECTED, DISTRICT, reason_required=True, other_than=REVIEWERS, verb=DECIDE
    ),
    (State.APPROVED, "enrol"): Step(
        State.ENROLLED,
        DISTRICT,
        other_than=APPROVERS,
        verb=("办理纳入", "enrol it"),
        waived_by="enrolment_by_approver",
    ),
    (State.REJECTED, "appeal"): Step(
        State.APPEAL_REVIEW, COUNTER | DISTRICT | APPLICANT, reason_required=True
    ),
    (State.APPEAL_REVIEW, "approve"): Step(
        State.APPROVED, DISTRICT, other_than=REVIEWERS + REJECTERS, verb=DECIDE_APPEAL
    ),
    (State.APPEAL_REVIEW, "reject"): Step(
        State.REJECTED,
        DISTRICT,
        reason_required=True,
        other_than=REVIEWERS + REJECTERS,
        verb=DECIDE_APPEAL,
    ),
}


def actions_from(state: str, role: str) -> list[str]:
    """The actions a role may take on an application in ``state`` (for pages: the buttons to show)."""
    return [
        action for (from_state, action), step in STEPS.items() if from_state == state and role in step.roles
    ]


# ---------------------------------------------------------------------------------------------------
# The progress indicator (S4: the state is visible to the applicant): the review levels an application
# has passed, the one it is at and those to come, for the staff page and the applicant's pages alike
# (templates/cases/_progress.html).

LEVELS = (State.SUBMITTED, State.COMMUNITY_REVIEW, State.STREET_REVIEW, State.DISTRICT_REVIEW)
DECIDED = (State.APPROVED, State.REJECTED, State.ENROLLED)


DECISION = "decision"  # the decision still to come (its outcome unknown)


@dataclass(frozen=True)
class Progress:
    state: str  # the State the step stands for (its label is the step's name), or DECISION
    status: str  # "done", "current" or "to_come"

    @property
    def label(self) -> str:
        return str(_("decision")) if self.state == DECISION else str(State(self.state).label)


def progress_of(state: str) -> list[Progress]:
    """The steps of an application in ``state``, oldest first: the review levels, then the decision
    (the outcome once there is one), and an appeal's review when there is one. A returned application
    stops after its receipt."""
    if state == State.RETURNED:
        return [Progress(State.SUBMITTED, "done"), Progress(State.RETURNED, "current")]
    if state in LEVELS:
        at = LEVELS.index(state)
        steps = [
            Progress(level, "done" if index < at else "current" if index == at else "to_come")
            for index, level in enumerate(LEVELS)
        ]
        return [*steps, Progress(DECISION, "to_come")]
    passed = [Progress(level, "done") for level in LEVELS]
    if state == State.APPEAL_REVIEW:
        return [*passed, Progress(State.REJECTED, "done"), Progress(State.APPEAL_REVIEW, "current")]
    if state == State.APPROVED:
        return [*passed, Progress(State.APPROVED, "current"), Progress(State.ENROLLED, "to_come")]
    if state == State.ENROLLED:
        return [*passed, Progress(State.APPROVED, "done"), Progress(State.ENROLLED, "current")]
    return [*passed, Progress(state, "current")]
