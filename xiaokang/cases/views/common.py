"""What several cases pages share: labels for states, channels, policies and failed conditions, the
audit event of a page listing persons (U11), and the redirect after a POST."""

from __future__ import annotations

import uuid

from django.contrib import messages
from django.http import HttpResponse
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils.html import format_html
from django.utils.http import content_disposition_header
from django.utils.translation import gettext as _

from xiaokang.audit.services import log_action
from xiaokang.cases.models import Application, Channel, State
from xiaokang.cases.notices import pdf_from_html
from xiaokang.cases.services import WorkflowError
from xiaokang.core.errors import add_to_form
from xiaokang.policies.engine.loader import policies
from xiaokang.registry.reading import record_read
from xiaokang.registry.views_persons import _see_other as see_other

__all__ = [
    "DUE_SOON_WORKING_DAYS",
    "PAGE_SIZE",
    "capped_note",
    "channel_label",
    "condition_labels",
    "log_view",
    "pdf_response",
    "policy_name",
    "record_list",
    "see_other",
    "state_label",
    "submit_once",
    "zh",
]

PAGE_SIZE = 50
DUE_SOON_WORKING_DAYS = 3


def capped_note(cap: int) -> str:
    """The last row of an export that stopped at its cap (core.listing.xlsx_export)."""
    return _(
        "The export stops here at %(cap)s rows: narrow the filters (street, community, policy) to export "
        "the rest."
    ) % {"cap": cap}


def state_label(value: str) -> str:
    try:
        return str(State(value).label)
    except ValueError:
        return value


def channel_label(value: str) -> str:
    try:
        return str(Channel(value).label)
    except ValueError:
        return value


def policy_name(policy_id: str) -> str:
    policy = policies().get(policy_id)
    return policy.zh if policy is not None else policy_id


def condition_labels(policy_id: str, failed: str) -> list[str]:
    """``failed`` (condition ids, ``;``-separated, as the policy engine writes them) as the conditions'
    Chinese labels; an id the rules no longer have is shown as it is."""
    policy = policies().get(policy_id)
    labels = {condition.id: condition.zh for condition in policy.conditions} if policy else {}
    return [labels.get(part, part) for part in (failed or "").split(";") if part]


def zh(text: str):
    """A Chinese name inside a sentence of the page's language (a person, a policy): marked for the
    screen reader's voice."""
    return format_html('<span lang="zh-Hans">{}</span>', text)


def record_list(request, action: str, rows: int, page, object_type: str, details: dict | None = None) -> None:
    """A page of a list of persons: one audit event with its row count, page number and, where the list
    has them, its filters and sort (U11)."""
    record_read(
        request.user,
        action,
        rows=rows,
        details={"page": page.number, **(details or {})},
        limited=False,
        object_type=object_type,
    )


def log_view(request, application: Application, **details) -> None:
    """A view of an application's page (or of its notice), audited; the client address is added by the
    audit middleware."""
    log_action(
        request.user,
        "application.view",
        object_type="application",
        object_id=application.number,
        person_id=application.person_id,
        details=details or None,
    )


def pdf_response(request, body_template: str, context: dict, *, title: str, filename: str) -> HttpResponse:
    """``body_template`` printed to one A4 PDF (a notice, a receipt: cases/notices.py), downloaded as
    ``filename``. The caller read the application through its gate and audited the view."""
    html = render_to_string(
        "cases/pdf.html", {**context, "body_template": body_template, "pdf_title": title}, request=request
    )
    response = HttpResponse(pdf_from_html(html), content_type="application/pdf")
    response["Content-Disposition"] = content_disposition_header(True, filename)
    response["X-Content-Type-Options"] = "nosniff"
    return response


def submit_once(request, form_class, submit, done):
    """A page that records something once (a new application, a temporary-assistance grant), its form
    carrying a one-time token (a resent form finds what it recorded). GET: an empty form with a fresh
    token. POST: ``submit(cleaned_data)`` (a ``services.Submission``), then the message
    ``done(submission)`` and a redirect to the application's page; a refusal goes next to its field
    (422). Returns ``(response, None, 0)`` when done, else ``(None, form, status)`` to render."""
    if request.method != "POST":
        return None, form_class(initial={"submission_token": uuid.uuid4().hex}), 200
    form = form_class(request.POST)
    if form.is_valid():
        try:
            submission = submit(form.cleaned_data)
        except WorkflowError as error:
            add_to_form(form, error)
        else:
            messages.success(request, done(submission))
            return see_other(reverse("application-detail", args=[submission.application.pk])), None, 0
    return None, form, 422
