"""The demo resident of a seeded district (`xiaokang seed --applications N --demo-accounts`;
docs/synthetic-data.md; S4, S5, U11): signed in on the portal, they see an application in review and the
payments of the last three months."""

from __future__ import annotations

import pytest

from xiaokang.cases.models import State
from xiaokang.cli import main
from xiaokang.portal.applicants import applicant_applications, applicant_payments
from xiaokang.portal.models import ApplicantAccount

pytestmark = pytest.mark.django_db

REVIEW_STATES = (State.COMMUNITY_REVIEW, State.STREET_REVIEW, State.DISTRICT_REVIEW, State.APPEAL_REVIEW)


def test_the_demo_resident_has_an_application_in_review_and_past_payments(documents_dir, capsys):
    assert main(["seed", "--persons", "600", "--applications", "20", "--demo-accounts"]) == 0
    account = ApplicantAccount.objects.get()
    assert account.person is not None and account.person.street.code == "110108001000"
    assert account.verified_by == "office"
    mine = list(applicant_applications(account))
    assert any(application.state in REVIEW_STATES for application in mine)
    payments = applicant_payments(account)
    assert len(payments) == 3 and all(month.total_fen > 0 for month in payments)
    assert f"ID number {account.person.id_number_masked[:6]}" in capsys.readouterr().out
