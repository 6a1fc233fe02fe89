"""Helpers of the case tests (not tests themselves): submit an application at the counter, move it along
the workflow (S4), a small valid PDF. The persons and the staff are fixtures: conftest.py here and the
named actors of tests/actors.py."""

from __future__ import annotations

import datetime as dt

from xiaokang.cases.models import Application
from xiaokang.cases.services import application_submit, application_transition

RECEIVED = dt.date(2025, 9, 30)  # the day before the National Day holiday (1–8 October 2025)
PDF = b"%PDF-1.4\n1 0 obj <<>> endobj\ntrailer <<>>\n%%EOF\n"


def submit(actor, person, policy="living_subsidy", **kwargs) -> Application:
    """``person``'s application for ``policy``, received at the counter on RECEIVED unless told."""
    kwargs.setdefault("received_on", RECEIVED)
    kwargs.setdefault("channel", "counter")
    return application_submit(actor=actor, person=person, policy_id=policy, **kwargs).application


def move(actor, application, *actions, reason="") -> Application:
    """Each action in turn, at the version the application has then."""
    for action in actions:
        application = application_transition(
            actor=actor, application=application, action=action, version=application.version, reason=reason
        )
    return application
