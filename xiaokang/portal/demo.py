"""The demo database's resident (`xiaokang seed --demo-accounts`; docs/synthetic-data.md)."""

from __future__ import annotations

from xiaokang.accounts.demo import DEMO_PASSWORD, DEMO_STREET


def demo_applicant(*, actor) -> str | None:
    """A portal account for one synthetic person of the demo street (S4, U11), verified as a resident's
    would be at the office (U11): ``actor`` (``system:cli seed``) issues an office code (audited) and
    it is entered for the account. The ID number to sign in with, or None when the registry has nobody
    there."""
    from xiaokang.cases.synthetic import demo_resident_person
    from xiaokang.core import crypto
    from xiaokang.portal.applicants import applicant_register
    from xiaokang.portal.models import ApplicantAccount
    from xiaokang.portal.verification import code_verify, office_code_issue
    from xiaokang.registry.models import Person

    # The person the seed's cases step gave an application in review and payments, if it ran (U11);
    # else the first person of the demo street with a phone.
    person = demo_resident_person() or (
        Person.objects.unscoped(reason="seed: the demo applicant")
        .filter(street__code=DEMO_STREET, status="normal", phone_encrypted__isnull=False)
        .order_by("pk")
        .first()
    )
    if person is None:
        return None
    id_number = crypto.decrypt(person.id_number_encrypted)
    account = ApplicantAccount.objects.filter(id_number_index=person.id_number_index).first()
    if account is None:
        account = applicant_register(
            name=person.name,
            id_number=id_number,
            phone=crypto.decrypt(person.phone_encrypted),
            password=DEMO_PASSWORD,
        )
    if account.is_active and account.person_id is None:
        code, _expires = office_code_issue(actor=actor, person=person)
        code_verify(account=account, code=code)
    return id_number
