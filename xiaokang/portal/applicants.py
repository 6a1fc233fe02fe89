"""Applicant account services (S4, U11): registration, linking to the registry, sign-in with lockout,
and what a signed-in applicant reads about themselves. Every write goes through here, in one transaction,
audited as the applicant (``ApplicantActor``); the clear ID and phone numbers never enter the audit trail.
docs/portal-accounts.md."""

from __future__ import annotations

import datetime as dt
import re
from collections import OrderedDict
from dataclasses import dataclass

from django.conf import settings
from django.contrib.auth.hashers import check_password, make_password
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext as _

from xiaokang.accounts.actors import ApplicantActor, SystemActor
from xiaokang.accounts.models import LoginFailure
from xiaokang.accounts.services import LOCKOUT_MINUTES, LoginRefused, is_locked
from xiaokang.audit.services import log_action
from xiaokang.cases.documents import documents_add
from xiaokang.cases.models import (
    OPEN_STATES,
    Application,
    Channel,
    Enrolment,
    EnrolmentStatus,
    RosterLine,
    State,
)
from xiaokang.cases.services import TEMPORARY_POLICY_ID, application_submit, application_transition
from xiaokang.core import crypto
from xiaokang.core.errors import FieldError, ServiceError
from xiaokang.core.identifiers import IdentifierError, parse_id_number
from xiaokang.core.language import is_chinese
from xiaokang.core.ratelimit import Limit, attempt
from xiaokang.core.safe_text import text_problem
from xiaokang.policies.engine.loader import person_policies
from xiaokang.portal.models import ApplicantAccount
from xiaokang.registry.models import Certificate, Person

__all__ = ["LOCKOUT_MINUTES", "LoginRefused"]

# An applicant's own records: scoped to the account's linked person, not to an area (accounts.scoping).
OWN_RECORDS = "the applicant's own records (the account's linked person)"
PHONE_DIGITS = re.compile(r"^1\d{10}$|^\d{7,20}$")
PHONE_SEPARATORS = re.compile(r"[\s\-()]")


class ApplicantError(ServiceError, ValueError):
    """A refused registration (a ServiceError): ``field`` names the form field, ``message`` is in the
    page's language."""

    def __init__(self, field: str, message: str):
        super().__init__("invalid", [FieldError(field, message)])


def actor_for(account: ApplicantAccount) -> ApplicantActor:
    return ApplicantActor(account_id=account.pk)


def log_applicant(
    account: ApplicantAccount,
    action: str,
    *,
    person_id: int | None = None,
    details: dict | None = None,
    actor=None,
) -> None:
    """Audit ``action`` on the applicant's account (object ``applicant``, its id), acting as the
    applicant unless another ``actor`` (staff) did it."""
    log_action(
        actor or actor_for(account),
        action,
        object_type="applicant",
        object_id=str(account.pk),
        person_id=person_id,
        details=details,
    )


def normalise_name(name: str) -> str:
    return (name or "").strip()


def normalise_phone(phone: str) -> str:
    return PHONE_SEPARATORS.sub("", phone or "")


def check_id_number(value: str) -> str:
    """The ID number as stored (upper-case X), or ApplicantError with the rule it breaks (check digit …)."""
    try:
        return parse_id_number(value, today=timezone.localdate()).number
    except IdentifierError as error:
        raise ApplicantError("id_number", error.zh if is_chinese() else error.en) from None


def check_phone(value: str) -> str:
    phone = normalise_phone(value)
    if not PHONE_DIGITS.match(phone):
        raise ApplicantError(
            "phone",
            _("Enter a mobile number of 11 digits starting with 1, or a fixed line of 7 to 20 digits."),
        )
    return phone


def lockout_key(id_number: str) -> str:
    """The LoginFailure username for an applicant's ID number: "applicant:" + its blind index, so staff
    and applicant lockouts never collide and no ID number is stored in clear (S4 via accounts' rule)."""
    return "applicant:" + crypto.blind_index((id_number or "").strip().upper())


# ---------------------------------------------------------------------------------------------------
# Registration and linking


def registry_person_for(account: ApplicantAccount) -> Person | None:
    """The registry person this account *claims*: the registry has its ID number and the name is the
    same after stripping spaces at both ends (P2). A claim is not a link: name and ID number are not
    secret, so the account acts for the person only once portal.verification has linked it (U11)."""
    person = (
        Person.objects.unscoped(reason="the person an applicant account claims")
        .filter(id_number_index=account.id_number_index)
        .first()
    )
    if person is None or normalise_name(person.name) != normalise_name(account.name):
        return None
    return person


def _relink(account: ApplicantAccount) -> None:
    """At sign-in: a verified link stays only while the registry record still matches the account (same
    ID number and name); otherwise it is removed, audited, and the resident verifies again. Nothing is
    ever linked here: linking needs a code (portal.verification, U11)."""
    if account.person_id is None:
        return
    person = registry_person_for(account)
    if person is not None and person.pk == account.person_id:
        return
    old_id = account.person_id
    account.person = None
    account.verified_at = None
    account.verified_by = ""
    account.save(update_fields=["person", "verified_at", "verified_by"])
    log_applicant(
        account, "applicant.unlink", person_id=old_id, details={"reason": "registry record no longer matches"}
    )


def applicant_register(
    *, name: str, id_number: str, phone: str, password: str, sender_address: str | None = None
) -> ApplicantAccount:
    """Create an account (one per ID number), not linked to any registry person: linking needs a code
    (portal.verification, U11), whatever the name and ID number say.
    Attempts are limited per ``sender_address`` (``XIAOKANG_REGISTER_RATE_LIMIT``), since the answer says
    whether an ID number has an account already; an attempt counts even when it is refused (the count is
    committed on its own, before the registration's transaction)."""
    if sender_address is not None:
        attempts, minutes = settings.XIAOKANG_REGISTER_RATE_LIMIT
        key = f"register:client:{sender_address}"
        if not attempt([key], {key: Limit(attempts, dt.timedelta(minutes=minutes))}):
            raise ApplicantError(
                "",
                _("Too many attempts from here: please try again in %(minutes)d minutes.")
                % {"minutes": minutes},
            )
    return _register(name=name, id_number=id_number, phone=phone, password=password)


@transaction.atomic
def _register(*, name: str, id_number: str, phone: str, password: str) -> ApplicantAccount:
    name = normalise_name(name)
    if not name:
        raise ApplicantError("name", _("Enter your name as on your ID card."))
    if len(name) > 50:
        raise ApplicantError("name", _("The name is at most 50 characters."))
    if text_problem(name):  # U11: the rule of every name (core.safe_text)
        raise ApplicantError(
            "name", _("The name may not start with = + - @ or { and may not contain control characters.")
        )
    number = check_id_number(id_number)
    phone = check_phone(phone)
    try:
        validate_password(password)
    except ValidationError as error:
        raise ApplicantError("password", " ".join(error.messages)) from None
    index = crypto.blind_index(number)
    if ApplicantAccount.objects.filter(id_number_index=index).exists():
        raise ApplicantError("id_number", _already_registered())
    encrypted_id, encrypted_phone = crypto.encrypt_many([number, phone])
    account = ApplicantAccount(
        name=name,
        id_number_encrypted=encrypted_id,
        id_number_index=index,
        id_number_masked=crypto.mask_id_number(number),
        phone_encrypted=encrypted_phone,
        phone_masked=crypto.mask_phone(phone),
        password=make_password(password),
    )
    try:
        with transaction.atomic():
            account.save()
    except IntegrityError:  # registered at the same moment by another request
        raise ApplicantError("id_number", _already_registered()) from None
    log_applicant(account, "applicant.register", details={"id_number_masked": account.id_number_masked})
    return account


def _already_registered() -> str:
    return _(
        "An account already exists for this ID number. Sign in with it; if it is not yours or you have "
        "forgotten the password, go to your community office."
    )


# ---------------------------------------------------------------------------------------------------
# Sign-in (the staff rule: 5 failures for one ID number within 15 minutes lock it for 15 minutes)


def applicant_login(*, id_number: str, password: str) -> ApplicantAccount:
    """The account for ``id_number`` and ``password``, its registry link re-checked, or LoginRefused
    (``locked`` or not; never whether the account exists). Every outcome is audited and committed. A
    failure records the request's address (audit middleware), as staff sign-in does."""
    from xiaokang.audit.services import current_client

    address = current_client.get()
    number = (id_number or "").strip().upper()
    key = lockout_key(number)
    system = SystemActor("applicant login")
    with transaction.atomic():
        if is_locked(key):
            LoginFailure.objects.create(username=key, at=timezone.now(), client=address)
            log_action(system, "applicant.login.locked", object_type="applicant", object_id=key)
            refused = LoginRefused(locked=True)
        else:
            account = ApplicantAccount.objects.filter(id_number_index=crypto.blind_index(number)).first()
            if account is None:
                make_password(password)  # as long as a real check: the time does not tell either
                valid = False
            else:
                valid = check_password(password, account.password) and account.is_active
            if not valid:
                LoginFailure.objects.create(username=key, at=timezone.now(), client=address)
                log_action(system, "applicant.login.failure", object_type="applicant", object_id=key)
                refused = LoginRefused(locked=is_locked(key))
            else:
                LoginFailure.objects.filter(username=key).delete()
                account.last_login_at = timezone.now()
                account.save(update_fields=["last_login_at"])
                log_applicant(account, "applicant.login.success")
                # A verified link whose registry record no longer matches is removed (P2, U11).
                _relink(account)
                return account
    raise refused


def applicant_logout(*, account: ApplicantAccount) -> None:
    log_applicant(account, "applicant.logout")


# ---------------------------------------------------------------------------------------------------
# What an applicant reads about themselves (S4: the state visible to the applicant)


def applicant_applications(account: ApplicantAccount):
    """The linked person's applications, newest first (none without a link)."""
    if account.person_id is None:
        return Application.objects.none()
    return (
        Application.objects.unscoped(reason=OWN_RECORDS)
        .filter(person_id=account.person_id)
        .order_by("-received_on", "-pk")
    )


def applicant_application(account: ApplicantAccount, pk: int) -> Application | None:
    """One of the linked person's applications, or None (someone else's and a missing one alike)."""
    return applicant_applications(account).filter(pk=pk).select_related("person").first()


def applicant_enrolments(account: ApplicantAccount):
    if account.person_id is None:
        return Enrolment.objects.none()
    return Enrolment.objects.filter(person_id=account.person_id).order_by("status", "-start_month", "pk")


@dataclass
class MonthPayments:
    month: dt.date
    lines: list[dict]
    total_fen: int


def applicant_payments(account: ApplicantAccount) -> list[MonthPayments]:
    """What approved rosters paid the linked person, by month, newest first. A draft roster or a held
    line is not a payment and is not listed."""
    if account.person_id is None:
        return []
    lines = (
        RosterLine.objects.unscoped(reason=OWN_RECORDS)
        .filter(person_id=account.person_id, approved=True, paid=True)
        .order_by("-month", "policy_id")
    )
    months: OrderedDict[dt.date, MonthPayments] = OrderedDict()
    for line in lines:
        month = months.setdefault(line.month, MonthPayments(line.month, [], 0))
        month.lines.append({"policy_id": line.policy_id, "amount_fen": line.amount_fen})
        month.total_fen += line.amount_fen
    return list(months.values())


def applicant_certificate_expired_on(account: ApplicantAccount, day: dt.date) -> dt.date | None:
    """The last day of validity of the applicant's certificate when it has expired by ``day`` (the
    registry's active certificate, valid ten years: 残疾人证管理办法 art. 19), else None. The portal tells
    the resident plainly and says what to do (P3, U11), on the account page and the application forms."""
    if account.person_id is None:
        return None
    certificate = (
        Certificate.objects.filter(person_id=account.person_id, status="active").only("valid_until").first()
    )
    if certificate is None or certificate.valid_until >= day:
        return None
    return certificate.valid_until


def applicable_policies():
    """The policies an applicant may apply for online: the cash benefits for a person (a service or an
    eligibility is arranged by the office; temporary assistance is granted on the spot by a street
    officer)."""
    return [
        policy
        for policy in person_policies()
        if policy.kind == "cash" and policy.entity == "person" and policy.id != TEMPORARY_POLICY_ID
    ]


def applicable_policy(policy_id: str):
    return next((policy for policy in applicable_policies() if policy.id == policy_id), None)


def open_application(account: ApplicantAccount, policy_id: str) -> Application | None:
    return applicant_applications(account).filter(policy_id=policy_id, state__in=OPEN_STATES).first()


def current_enrolment(account: ApplicantAccount, policy_id: str) -> Enrolment | None:
    return (
        applicant_enrolments(account)
        .filter(policy_id=policy_id, status__in=[EnrolmentStatus.ACTIVE, EnrolmentStatus.SUSPENDED])
        .first()
    )


# ---------------------------------------------------------------------------------------------------
# One application as the applicant reads it, and the applicant's writes on applications (G2, S4, U11)


def applicant_application_or_404(account: ApplicantAccount, pk: int, *, viewed: bool = False) -> Application:
    """One of the linked person's applications; someone else's and a missing one both answer 404, and
    the attempt is audited (``access.denied``). ``viewed``: the reading itself is audited
    (``application.view``)."""
    application = applicant_application(account, pk)
    if application is None:
        log_action(actor_for(account), "access.denied", object_type="application", object_id=str(pk)[:64])
        raise Http404("no such application")
    if viewed:
        log_action(
            actor_for(account),
            "application.view",
            object_type="application",
            object_id=application.number,
            person_id=account.person_id,
        )
    return application


def application_events(application: Application) -> list:
    """The application's timeline, oldest first."""
    return list(application.events.order_by("at", "id"))


def application_rejection(application: Application):
    """The latest rejection event of a rejected application (its reasons and failed conditions), else None."""
    if application.state != State.REJECTED:
        return None
    return application.events.filter(action="reject").order_by("-id").first()


def application_documents(application: Application) -> list:
    return list(application.documents.order_by("id"))


@transaction.atomic
def applicant_documents_add(
    *, account: ApplicantAccount, application: Application, uploads, requirement: str = ""
) -> list:
    """Attach documents to one of the applicant's applications while it is handled (all or none);
    ``requirement``: which of the policy's required documents they are, or empty."""
    return documents_add(
        actor=actor_for(account), application=application, uploads=uploads, requirement=requirement
    )


@transaction.atomic
def online_apply(
    *, account: ApplicantAccount, policy_id: str, received_on: dt.date, submission_token: str, uploads
):
    """The online application (S4): the application and its documents are recorded together or not at
    all; the same form sent twice (``submission_token``) records one application (``.created`` False)."""
    actor = actor_for(account)
    submission = application_submit(
        actor=actor,
        person=account.person,
        policy_id=policy_id,
        channel=Channel.ONLINE,
        received_on=received_on,
        idempotency_key=submission_token,
    )
    if submission.created:
        documents_add(actor=actor, application=submission.application, uploads=uploads)
    return submission


def applicant_appeal(*, account: ApplicantAccount, application: Application, version: int, reason: str):
    """Appeal a rejection (G2), as the applicant: the workflow checks the state, the appeal period and
    who decides it."""
    return application_transition(
        actor=actor_for(account), application=application, action="appeal", version=version, reason=reason
    )
