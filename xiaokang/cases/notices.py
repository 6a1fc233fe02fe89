"""Decision notices and receipts (S4, G2): what they say, and the PDF a resident is given.

A notice names the issuing body (``XIAOKANG_NOTICE_ISSUER``, default 北京市海淀区残疾人联合会) and leaves
room for its seal, states the decision's date, the amount, the first month paid and how it is paid, the
phone number to call (``XIAOKANG_NOTICE_PHONE``) and how to appeal. It never calls an amount
provisional: an unverified parameter is the staff's business (their page says so), not the resident's.
A receipt gives a counter or online application's number, what happens next and how to look up its
status on the portal.

The PDF is printed by WeasyPrint from the same template as the page, with print.css (A4) and the system's
Chinese font (``make fonts``)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from pathlib import Path

from django.conf import settings
from django.utils import timezone

from xiaokang.cases.models import Application, ApplicationEvent
from xiaokang.cases.selectors import decision_event, enrolment_of, grant_of
from xiaokang.cases.services import (
    DEFAULT_ENROLMENT_START_MONTHS,
    _parameter,
    appeal_days,
    month_start,
)
from xiaokang.policies.engine.loader import policies
from xiaokang.policies.selectors import decision_for_person

# The decisions that grant (selectors.DECISION_ACTIONS: every decision).
APPROVING_ACTIONS = ("approve", "grant", "confirm")
# How to appeal an administrative decision (G2: legal aid, a resident's rights stated on the notice):
# 行政复议 within 60 days of knowing of the decision (《中华人民共和国行政复议法》（2023年修订）第二十条),
# 行政诉讼 within 6 months (《中华人民共和国行政诉讼法》第四十六条).
RECONSIDERATION_DAYS = 60
LITIGATION_MONTHS = 6
PRINT_CSS = Path(settings.BASE_DIR) / "xiaokang" / "static" / "xiaokang" / "print.css"


@dataclass(frozen=True)
class Issuer:
    """Who issues and seals the notices, and whom a resident calls or appeals to (settings)."""

    name: str
    phone: str
    payment_method: str
    reconsideration_body: str
    court: str


def issuer() -> Issuer:
    return Issuer(
        settings.XIAOKANG_NOTICE_ISSUER,
        settings.XIAOKANG_NOTICE_PHONE,
        settings.XIAOKANG_NOTICE_PAYMENT_METHOD,
        settings.XIAOKANG_NOTICE_RECONSIDERATION_BODY,
        settings.XIAOKANG_NOTICE_COURT,
    )


def first_payment_month(application: Application) -> dt.date:
    """The first month paid: the enrolment's start month, or (not enrolled yet) the month the enrolment
    will start with, by the same rule (``enrolment_start_months`` after the month received, S5)."""
    enrolment = enrolment_of(application)
    if enrolment is not None:
        return enrolment.start_month
    months = _parameter(
        application.policy_id,
        "enrolment_start_months",
        application.received_on,
        DEFAULT_ENROLMENT_START_MONTHS,
    )
    return month_start(application.received_on, months)


def notice_context(application: Application) -> dict | None:
    """Everything a decision notice says (None before a decision): the decision, its date, the amount
    (never marked provisional), the first month and payment method, the issuer and how to appeal; and,
    for the staff page only, ``unverified`` (the parameters not yet verified)."""
    event: ApplicationEvent | None = decision_event(application)
    if event is None:
        return None
    policy = policies().get(application.policy_id)
    approved = event.action in APPROVING_ACTIONS
    decided_on = timezone.localtime(event.at).date()
    temporary = grant_of(application)
    decision = (
        decision_for_person(application.person, application.policy_id, decided_on)
        if approved and temporary is None
        else None
    )
    return {
        "application": application,
        "person": application.person,
        "policy": policy,
        "approved": approved,
        "reason": event.reason,
        "failed": event.details.get("failed_conditions", []),
        "decision": decision,
        "temporary": temporary,
        "enrolment": enrolment_of(application),
        "first_month": first_payment_month(application) if approved and temporary is None else None,
        "decided_on": decided_on,
        "appeal_days": appeal_days(application.policy_id),
        "issuer": issuer(),
        "reconsideration_days": RECONSIDERATION_DAYS,
        "litigation_months": LITIGATION_MONTHS,
        "unverified": sorted(decision.unverified) if decision is not None else [],
    }


def receipt_context(application: Application, status_url: str) -> dict:
    """What a receipt says: the number, the day received, the policy, the deadlines, the issuer and where
    to look up the status (``status_url``: the portal's status page, absolute)."""
    return {
        "status_url": status_url,
        "channel": application.get_channel_display(),
        "application": application,
        "person": application.person,
        "policy": policies().get(application.policy_id),
        "issuer": issuer(),
        "issued_on": timezone.localdate(),
    }


def _no_fetching(url: str, *args, **kwargs):
    """WeasyPrint fetches nothing (no network, no file): the page is self-contained and print.css is
    given to it directly."""
    raise ValueError(f"not fetched: {url[:80]}")


def pdf_from_html(html: str) -> bytes:
    """The page ``html`` printed to PDF on A4 with print.css (WeasyPrint; its fonts are the system's)."""
    from weasyprint import CSS, HTML  # imported here: only the PDF views need it, and it is slow to load

    stylesheet = CSS(filename=str(PRINT_CSS))
    return HTML(string=html, url_fetcher=_no_fetching).write_pdf(stylesheets=[stylesheet])
