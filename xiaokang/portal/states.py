"""What each state of an application means for the applicant, in plain words (S4: the state visible to
the applicant): one table for the status lookup and the applicant's own pages."""

from django.utils.translation import gettext_lazy

from xiaokang.cases.models import State
from xiaokang.cases.services import TEMPORARY_POLICY_ID
from xiaokang.cases.workflow import progress_of

# What happens next, by state (S4: the state visible to the applicant, in plain words).
NEXT_STEPS = {
    State.SUBMITTED: gettext_lazy(
        "Your community office checks that the application is complete and accepts it by the date below."
    ),
    State.COMMUNITY_REVIEW: gettext_lazy("Your community office is reviewing it."),
    State.STREET_REVIEW: gettext_lazy("Your street office is reviewing it."),
    State.DISTRICT_REVIEW: gettext_lazy("The district is deciding it."),
    State.APPEAL_REVIEW: gettext_lazy("The district is deciding your appeal."),
    State.APPROVED: gettext_lazy("It has been approved. Payments start once you are enrolled."),
    State.ENROLLED: gettext_lazy("You are enrolled: the payments are listed on your account page."),
    State.RETURNED: gettext_lazy(
        "It was not accepted: read the reason below. You may apply again with what was missing."
    ),
    State.REJECTED: gettext_lazy("It was rejected: read the reason below."),
    State.CONFIRMED: gettext_lazy("Granted and confirmed by the district."),
}


def progress_for(application) -> list:
    """The steps of the progress indicator for the applicant (cases/_progress.html): the review levels
    passed, the current one and those to come; none for a temporary-assistance grant (no review levels)."""
    if application.policy_id == TEMPORARY_POLICY_ID:
        return []
    return progress_of(application.state)
