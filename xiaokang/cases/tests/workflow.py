"""Helpers of the case tests (not tests themselves): submit an application at the counter, move it along
the workflow (S4), enrol persons, a small valid PDF, a user's browser and a page's text. The persons and
the staff are fixtures: conftest.py here and the named actors of tests/actors.py."""

from __future__ import annotations

import datetime as dt
import re

from django.test import Client

from xiaokang.cases.evidence import required_documents
from xiaokang.cases.models import Application, ApplicationDocument, State
from xiaokang.cases.services import application_submit, application_transition

RECEIVED = dt.date(2025, 9, 30)  # the day before the National Day holiday (1–8 October 2025)
PDF = b"%PDF-1.4\n1 0 obj <<>> endobj\ntrailer <<>>\n%%EOF\n"


def submit(actor, person, policy="living_subsidy", **kwargs) -> Application:
    """``person``'s application for ``policy``, received at the counter on RECEIVED unless told."""
    kwargs.setdefault("received_on", RECEIVED)
    kwargs.setdefault("channel", "counter")
    return application_submit(actor=actor, person=person, policy_id=policy, **kwargs).application


def attach_required(application, *, but=()) -> None:
    """Record every document ``application``'s policy requires as attached (rows only, no file: these
    tests are not about the files), except those named in ``but`` (Chinese names). An approval needs
    them or an explicit override (S4, G2)."""
    for required in required_documents(application.policy_id):
        if required["zh"] in but or application.documents.filter(requirement=required["zh"]).exists():
            continue
        ApplicationDocument.objects.create(
            application=application,
            name=f"{required['en']}.pdf",
            requirement=required["zh"],
            content_type="application/pdf",
            size=len(PDF),
            sha256="0" * 64,
            path="test/none.pdf",
            uploaded_by_label="test",
        )


def move(actor, application, *actions, reason="") -> Application:
    """Each action in turn, at the version the application has then; before an approval the policy's
    required documents are recorded as attached (``attach_required``)."""
    for action in actions:
        if action == "approve":
            attach_required(application)
        application = application_transition(
            actor=actor, application=application, action=action, version=application.version, reason=reason
        )
    return application


def enrol(submitter, decider, persons, policy="living_subsidy") -> list[Application]:
    """Each of ``persons`` enrolled in ``policy``: submitted by ``submitter`` on RECEIVED, set approved
    (the review steps are not what these tests are about), enrolled by ``decider``."""
    enrolled = []
    for person in persons:
        application = submit(submitter, person, policy)
        Application.objects.unscoped(reason="test").filter(pk=application.pk).update(state=State.APPROVED)
        application.refresh_from_db()
        enrolled.append(move(decider, application, "enrol"))
    return enrolled


def client_for(user) -> Client:
    """The user's browser for this test: one client per user, so that a message added by a POST is shown
    by the next GET."""
    client = getattr(user, "test_client", None)
    if client is None:
        client = user.test_client = Client()
        client.force_login(user)
        client.cookies["django_language"] = "en"
    return client


def text(html: str) -> str:
    return " ".join(re.sub(r"<[^>]+>", " ", html).split())
