"""Staff pages of temporary assistance (临时救助, S3; docs/cases.md):

- ``/staff/work/temporary/``: the grants awaiting the district's review in the user's area, the nearest
  review deadline first, with how many reviews and how many grants' documents are overdue (district
  staff; a street officer sees their own street's grants, whose documents are theirs to complete);
- ``/staff/work/temporary/new/<person id>/``: a street officer (or district staff) grants a one-off
  amount on the spot;
- ``/staff/applications/<id>/temporary-review/`` (POST): the district's review, from the grant's
  application page.

Views parse, call the service (temporary.py) and render (ARCHITECTURE rule 1); scope comes from
``person_for`` and ``application_for`` (404 out of scope, audited). Every page is ``no-store``."""

from __future__ import annotations

from django.core.paginator import Paginator
from django.shortcuts import render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from xiaokang.cases.forms.work import TemporaryGrantForm, TemporaryReviewForm
from xiaokang.cases.selectors import application_for
from xiaokang.cases.services import TEMPORARY_POLICY_ID, conflicting_step, steps_taken_by
from xiaokang.cases.temporary import (
    grant_status,
    limit_on,
    pending_counts,
    pending_grants_for,
    temporary_assistance_grant,
    temporary_assistance_review,
)
from xiaokang.cases.views.applications import application_action
from xiaokang.cases.views.common import (
    DUE_SOON_WORKING_DAYS,
    PAGE_SIZE,
    record_list,
    submit_once,
)
from xiaokang.cases.workflow import TEMPORARY_REVIEW_OTHER_THAN
from xiaokang.core.capabilities import can, requires
from xiaokang.core.workdays import working_days_between
from xiaokang.policies.engine.loader import policies
from xiaokang.policies.selectors import decision_for_person
from xiaokang.policies.templatetags.policy_money import yuan
from xiaokang.registry.selectors import person_for


@require_GET
@requires("temporary.read")  # district staff (the reviewers), street officers (their street)
def temporary_list(request):
    today = timezone.localdate()
    grants = pending_grants_for(request.user).select_related(
        "application", "application__person", "application__street", "application__community"
    )
    page = Paginator(grants, PAGE_SIZE).get_page(request.GET.get("page"))
    # Separation of duties (U11, G2): a grant this user made is marked: another officer reviews it.
    taken = steps_taken_by(request.user, [grant.pk for grant in page.object_list])
    reviewer = can(request.user, "temporary.review")
    rows = []
    for grant in page.object_list:
        status = grant_status(grant, 1 if grant.has_documents else 0, today)
        left = 0 if status.review_overdue else working_days_between(today, grant.district_review_by)
        rows.append(
            {
                "grant": grant,
                "application": grant.application,
                "person": grant.application.person,
                "status": status,
                "review_due_soon": not status.review_overdue and left <= DUE_SOON_WORKING_DAYS,
                "own": reviewer
                and conflicting_step(
                    TEMPORARY_REVIEW_OTHER_THAN, taken.get(grant.pk, set()), TEMPORARY_POLICY_ID
                )
                is not None,
            }
        )
    record_list(request, "temporary.list", len(rows), page, "temporary")  # a list of persons (U11)
    return render(
        request,
        "cases/work/temporary.html",
        {
            "rows": rows,
            "page": page,
            "counts": pending_counts(request.user, today),
            "today": today,
            "area": request.user.area,
            "due_soon_days": DUE_SOON_WORKING_DAYS,
            "can_grant": can(request.user, "temporary.grant"),
            "district": can(request.user, "temporary.review"),
        },
    )


@require_http_methods(["GET", "POST"])
@requires("temporary.grant", person_kwarg="pk")
def temporary_create(request, pk: int):
    person = person_for(request.user, pk)

    def submit(data):
        return temporary_assistance_grant(
            actor=request.user,
            person=person,
            amount=data["amount"],
            reason=data["reason"],
            received_on=data["received_on"],
            idempotency_key=data["submission_token"],
        )

    def done(submission) -> str:
        application = submission.application
        if not submission.created:
            return _("This form had already been sent: %(number)s was granted then.") % {
                "number": application.number
            }
        grant = application.temporary_assistance
        return _(
            "Temporary assistance %(number)s has been granted: %(amount)s yuan. Attach the "
            "documents by %(documents)s; the district reviews it by %(review)s."
        ) % {
            "number": application.number,
            "amount": yuan(grant.amount_fen),
            "documents": f"{grant.documents_due_by:%Y-%m-%d}",
            "review": f"{grant.district_review_by:%Y-%m-%d}",
        }

    response, form, status = submit_once(request, TemporaryGrantForm, submit, done)
    if response is not None:
        return response
    today = timezone.localdate()
    limit = limit_on(today)
    decision = decision_for_person(person, TEMPORARY_POLICY_ID, today)
    parameters = policies()[TEMPORARY_POLICY_ID].parameters
    return render(
        request,
        "cases/work/temporary_form.html",
        {
            "form": form,
            "person": person,
            "limit_fen": limit[0] if limit else None,
            "limit_provisional": limit is not None and not limit[1],
            "documents_days": _days(parameters["documents_working_days"], today),
            "review_days": _days(parameters["district_review_working_days"], today),
            "not_eligible": [r.condition for r in decision.conditions if not r.passed] if decision else [],
        },
        status=status,
    )


def _days(parameter, day) -> int | None:
    value = parameter.value_on(day)
    return int(value.value) if value is not None else None


@require_POST
@requires("temporary.review")
def temporary_review_view(request, pk: int):
    """The district's review, decided on the version the officer read: 409 when someone else acted
    first, 403 when the officer granted it (separation of duties), 422 when it is refused otherwise (a
    rejection without a reason, no documents).
    Nothing is applied on an error; the page shown again is a view of the application (audited)."""
    application = application_for(request.user, pk)
    form = TemporaryReviewForm(request.POST, auto_id="review-%s")

    def done(application, data) -> str:
        if data["decision"] == "confirm":
            return _("Confirmed: temporary assistance %(number)s.") % {"number": application.number}
        return _(
            "Rejected: temporary assistance %(number)s. "
            "Recovering the money paid is done outside this system."
        ) % {"number": application.number}

    return application_action(
        request,
        application,
        form,
        action="review",
        typed={"review": request.POST.get("reason", "")[:2000]},
        page="temporary-review",
        act=lambda data: temporary_assistance_review(
            actor=request.user,
            application=application,
            version=data["version"],
            decision=data["decision"],
            reason=data["reason"],
        ),
        acted=lambda data: "review",
        reason_message=_("Enter the reason for rejecting the grant."),
        done=done,
        review_form=form,
    )
