"""Application status for the applicant, without an account (S4: the state visible): the
application number and the last six characters of the applicant's ID number.

The answer for "no such application" and "wrong digits" is the same, and both lookups are rate-limited
per client and per application number (counted in the database, core.ratelimit), so the six characters
cannot be guessed: at most ``NUMBER_LIMIT`` tries per number in the window, whatever the client."""

from __future__ import annotations

import datetime as dt
import hmac
import re
from dataclasses import dataclass

from django.conf import settings

from xiaokang.accounts.actors import SystemActor
from xiaokang.audit.services import log_action
from xiaokang.cases.models import Application
from xiaokang.core import crypto
from xiaokang.core.ratelimit import Limit, attempt

NUMBER_SHAPE = re.compile(r"^HD-\d{4}-\d{6}$")
ID_TAIL_SHAPE = re.compile(r"^\d{5}[\dX]$")


def _limits() -> tuple[Limit, Limit]:
    per_client, per_number, minutes = settings.XIAOKANG_STATUS_RATE_LIMIT
    window = dt.timedelta(minutes=minutes)
    return Limit(per_client, window), Limit(per_number, window)


@dataclass
class Lookup:
    application: Application | None = None
    limited: bool = False  # too many attempts: nothing was looked up


def normalise(raw: str) -> str:
    """An application number or ID tail as typed: surrounding spaces dropped, a lower-case x or hd raised."""
    return (raw or "").strip().upper()


def status_lookup(*, number: str, id_tail: str, sender_address: str) -> Lookup:
    """The application with ``number`` whose applicant's ID number ends with ``id_tail``, or none; the
    caller has checked both shapes. Every lookup counts against the limits of the sending address and of
    the number."""
    client_limit, number_limit = _limits()
    client_key, number_key = f"status:client:{sender_address}", f"status:number:{number}"
    if not attempt([client_key, number_key], {client_key: client_limit, number_key: number_limit}):
        return Lookup(limited=True)
    application = (
        Application.objects.unscoped(reason="status lookup by number and ID tail (rate-limited)")
        .select_related("person")
        .filter(number=number)
        .first()
    )
    if application is None:
        return Lookup()
    id_number = crypto.decrypt(application.person.id_number_encrypted)
    if not hmac.compare_digest(id_number[-6:].encode(), id_tail.encode()):
        return Lookup()
    log_action(
        SystemActor("portal status"),
        "application.status_lookup",
        object_type="application",
        object_id=application.number,
        person_id=application.person_id,
    )
    return Lookup(application=application)


def last_change(application: Application):
    """When the application last changed (its newest event), for the status page."""
    return application.events.order_by("-at").values_list("at", flat=True).first()
