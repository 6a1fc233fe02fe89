"""The application workflow (issue 5 §1) as data: which action moves an application from which state to
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
"""

from __future__ import annotations

from dataclasses import dataclass

from xiaokang.accounts.models import Role
from xiaokang.cases.models import State

COUNTER = frozenset({Role.COMMUNITY_WORKER, Role.STREET_OFFICER})
STREET = frozenset({Role.STREET_OFFICER})
DISTRICT = frozenset({Role.DISTRICT_ADMIN, Role.DISTRICT_OFFICER})
# The applicant themselves, signed in to the public portal (accounts.actors.ApplicantActor; issue 7 §2,
# G2): they may appeal their own rejection, nothing else.
APPLICANT = frozenset({"applicant"})

ACTIONS = ("accept", "return", "forward", "send_back", "approve", "reject", "enrol", "appeal")


@dataclass(frozen=True)
class Step:
    to: str
    roles: frozenset[str]
    reason_required: bool = False
    other_than_rejecter: bool = False  # maker-checker: an appeal is decided by someone else (G2)


STEPS: dict[tuple[str, str], Step] = {
    (State.SUBMITTED, "accept"): Step(State.COMMUNITY_REVIEW, COUNTER),
    (State.SUBMITTED, "return"): Step(State.RETURNED, COUNTER, reason_required=True),
    (State.COMMUNITY_REVIEW, "forward"): Step(State.STREET_REVIEW, COUNTER),
    (State.STREET_REVIEW, "forward"): Step(State.DISTRICT_REVIEW, STREET),
    (State.STREET_REVIEW, "send_back"): Step(State.COMMUNITY_REVIEW, STREET, reason_required=True),
    (State.DISTRICT_REVIEW, "send_back"): Step(State.STREET_REVIEW, DISTRICT, reason_required=True),
    (State.DISTRICT_REVIEW, "approve"): Step(State.APPROVED, DISTRICT),
    (State.DISTRICT_REVIEW, "reject"): Step(State.REJECTED, DISTRICT, reason_required=True),
    (State.APPROVED, "enrol"): Step(State.ENROLLED, DISTRICT),
    (State.REJECTED, "appeal"): Step(
        State.APPEAL_REVIEW, COUNTER | DISTRICT | APPLICANT, reason_required=True
    ),
    (State.APPEAL_REVIEW, "approve"): Step(State.APPROVED, DISTRICT, other_than_rejecter=True),
    (State.APPEAL_REVIEW, "reject"): Step(
        State.REJECTED, DISTRICT, reason_required=True, other_than_rejecter=True
    ),
}


def actions_from(state: str, role: str) -> list[str]:
    """The actions a role may take on an application in ``state`` (for pages: the buttons to show)."""
    return [
        action for (from_state, action), step in STEPS.items() if from_state == state and role in step.roles
    ]
