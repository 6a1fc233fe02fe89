"""Linking an applicant account to its registry person needs proof outside the website (U11, GB/T
22239-2019 8.1.4.1 identification and authentication; PIPL art. 51 measures against unauthorised
access; P3). A name and an ID number are not secret, so they only say *which* person an account
claims; the link is made when the resident also

- enters the six-digit code sent by SMS to the phone number the **registry** holds for that person
  (never the phone typed at registration), or
- enters the eight-character code that staff whose scope covers the person printed at the office.

Until then the account sees nothing of the person (``account.person`` stays empty, so every read in
portal.applicants returns nothing). Staff can unlink (and close) an account on the person page, so the
rightful owner can reclaim their record. Every step is audited. docs/portal-accounts.md."""

from __future__ import annotations

import datetime as dt
import hmac
import secrets
from dataclasses import dataclass

from django.conf import settings
from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from xiaokang.audit.services import log_action
from xiaokang.core import crypto, sms
from xiaokang.core.errors import FieldError, ServiceError
from xiaokang.core.ratelimit import Limit, attempt
from xiaokang.portal.applicants import actor_for, log_applicant, registry_person_for
from xiaokang.portal.models import ApplicantAccount, CodeKind, VerificationCode
from xiaokang.registry.models import Person

SMS_CODE_DIGITS = 6
SMS_CODE_LIFETIME = dt.timedelta(minutes=10)
OFFICE_CODE_LENGTH = 8
OFFICE_CODE_LIFETIME = dt.timedelta(days=14)
MAX_FAILED_ATTEMPTS = 5
# No 0/O, 1/I/L: a printed code is copied by hand.
OFFICE_ALPHABET = "ABCDEFGHJKMNPQRSTUVWXYZ23456789"


class VerificationError(ServiceError, ValueError):
    """A refused step (a ServiceError); ``message`` is in the page's language and names what to do."""

    def __init__(self, message: str, *, field: str = ""):
        super().__init__("invalid", [FieldError(field, message)])


def _hash(salt: str, code: str) -> str:
    # Keyed (the blind-index key lives outside the database): a copy of the table does not let anyone
    # try the million six-digit codes offline.
    return crypto.blind_index(f"portal-code:{salt}:{code}")


def normalise_code(value: str) -> str:
    return "".join(ch for ch in (value or "").upper() if ch.isalnum())


def _new_code(kind: str) -> str:
    if kind == CodeKind.SMS:
        return f"{secrets.randbelow(10**SMS_CODE_DIGITS):0{SMS_CODE_DIGITS}d}"
    return "".join(secrets.choice(OFFICE_ALPHABET) for _ in range(OFFICE_CODE_LENGTH))


def _store(
    kind: str, person: Person, account: ApplicantAccount | None, issued_by: str
) -> tuple[str, VerificationCode]:
    now = timezone.now()
    live = VerificationCode.objects.filter(kind=kind, used_at__isnull=True, invalidated_at__isnull=True)
    # A new code invalidates the older ones: the account's SMS codes, the person's office codes.
    (live.filter(account=account) if kind == CodeKind.SMS else live.filter(person=person)).update(
        invalidated_at=now
    )
    code = _new_code(kind)
    salt = secrets.token_hex(16)
    row = VerificationCode.objects.create(
        kind=kind,
        person=person,
        account=account,
        salt=salt,
        code_hash=_hash(salt, code),
        issued_by=issued_by[:64],
        created_at=now,
        expires_at=now + (SMS_CODE_LIFETIME if kind == CodeKind.SMS else OFFICE_CODE_LIFETIME),
    )
    return code, row


def format_office_code(code: str) -> str:
    return f"{code[:4]}-{code[4:]}"


# ---------------------------------------------------------------------------------------------------
# What the resident is told


@dataclass
class Status:
    linked: bool
    person: Person | None  # the registry person the account's name and ID number point at
    phone_masked: str  # the registry's mask of that person's phone ("" when it holds none)
    sms_possible: bool


def verification_status(account: ApplicantAccount) -> Status:
    if account.person_id is not None:
        return Status(True, account.person, "", False)
    person = registry_person_for(account)
    phone = person.phone_masked if person is not None and person.phone_encrypted else ""
    return Status(False, person, phone, bool(phone) and sms.available())


# ---------------------------------------------------------------------------------------------------
# SMS codes


def sms_code_send(*, account: ApplicantAccount) -> str:
    """Send a new six-digit code to the phone the registry holds for the account's person; the masked
    number it went to. Limited per account and per person (``XIAOKANG_SMS_RATE_LIMIT``). The code goes
    nowhere else: not to the phone typed at registration, not into the page, the audit or the logs."""
    if account.person_id is not None:
        raise VerificationError(_("Your account is already verified."))
    person = registry_person_for(account)
    if person is None or not person.phone_encrypted or not sms.available():
        # The same answer whether the registry has no such record or no phone for it.
        raise VerificationError(
            _("A code cannot be sent to you by text message: verify at your community office.")
        )
    per_account, per_person, minutes = settings.XIAOKANG_SMS_RATE_LIMIT
    window = dt.timedelta(minutes=minutes)
    keys = [f"sms:account:{account.pk}", f"sms:person:{person.pk}"]
    if not attempt(keys, {keys[0]: Limit(per_account, window), keys[1]: Limit(per_person, window)}):
        log_applicant(account, "applicant.verify.sms_limited", person_id=person.pk)
        raise VerificationError(
            _("Too many codes have been requested: please try again in %(minutes)d minutes.")
            % {"minutes": minutes}
        )
    with transaction.atomic():
        code, row = _store(CodeKind.SMS, person, account, actor_for(account).username)
    text = _(
        "Xiaokang portal: your verification code is %(code)s, valid for 10 minutes. Do not give it to "
        "anyone; staff never ask for it."
    ) % {"code": code}
    try:
        sms.send(crypto.decrypt(person.phone_encrypted), text)
    except sms.SmsError as error:
        VerificationCode.objects.filter(pk=row.pk).update(invalidated_at=timezone.now())
        log_applicant(
            account,
            "applicant.verify.sms_failed",
            person_id=person.pk,
            details={"error": error.reason[:200], "phone_masked": person.phone_masked},
        )
        raise VerificationError(_("The text message could not be sent. Please try again later.")) from None
    log_applicant(
        account,
        "applicant.verify.sms_sent",
        person_id=person.pk,
        details={"phone_masked": person.phone_masked},
    )
    return person.phone_masked


# ---------------------------------------------------------------------------------------------------
# Entering a code (either kind)


def code_verify(*, account: ApplicantAccount, code: str) -> ApplicantAccount:
    """Link the account to its person with a code: six digits are the SMS code last sent to this
    account, eight characters an office code printed for the person. A wrong entry counts against
    that code (5 spend it) and against the account (``XIAOKANG_VERIFY_RATE_LIMIT``); an expired, used
    or replaced code is refused. VerificationError says why and changes nothing else."""
    if account.person_id is not None:
        raise VerificationError(_("Your account is already verified."))
    value = normalise_code(code)
    if not value:
        raise VerificationError(_("Enter the code."), field="code")
    attempts, minutes = settings.XIAOKANG_VERIFY_RATE_LIMIT
    key = f"verify:account:{account.pk}"
    if not attempt([key], {key: Limit(attempts, dt.timedelta(minutes=minutes))}):
        raise VerificationError(
            _("Too many codes have been entered: please try again in %(minutes)d minutes.")
            % {"minutes": minutes},
            field="code",
        )
    person = registry_person_for(account)
    if value.isdigit() and len(value) == SMS_CODE_DIGITS:
        kind = CodeKind.SMS
    elif len(value) == OFFICE_CODE_LENGTH:
        kind = CodeKind.OFFICE
    else:
        raise VerificationError(
            _("A code has 6 digits (text message) or 8 letters and digits (printed at the office)."),
            field="code",
        )
    if person is None:
        log_applicant(account, "applicant.verify.failure", details={"kind": kind, "problem": "no_record"})
        raise VerificationError(_failure_message(kind, "none"), field="code")
    failure = _check_and_link(account, person, kind, value)
    if failure:
        raise VerificationError(failure, field="code")
    account.refresh_from_db()
    return account


def _check_and_link(account, person, kind: str, value: str) -> str:
    """'' when linked; else the message, the failed attempt committed (not rolled back with an error)."""
    now = timezone.now()
    actor = actor_for(account)
    with transaction.atomic():
        codes = VerificationCode.objects.select_for_update().filter(
            kind=kind, person=person, used_at__isnull=True, invalidated_at__isnull=True
        )
        if kind == CodeKind.SMS:
            codes = codes.filter(account=account)
        row = codes.order_by("-created_at", "-pk").first()
        problem = ""
        if row is None:
            problem = "none"
        elif row.expires_at <= now:
            problem = "expired"
        elif row.failed_attempts >= MAX_FAILED_ATTEMPTS:
            problem = "spent"
        elif not hmac.compare_digest(row.code_hash, _hash(row.salt, value)):
            row.failed_attempts += 1
            row.save(update_fields=["failed_attempts"])
            problem = "spent" if row.failed_attempts >= MAX_FAILED_ATTEMPTS else "wrong"
        if problem:
            log_applicant(
                account,
                "applicant.verify.failure",
                person_id=person.pk,
                details={"kind": kind, "problem": problem},
                actor=actor,
            )
        else:
            row.used_at = now
            row.account = account
            row.save(update_fields=["used_at", "account"])
            ApplicantAccount.objects.filter(pk=account.pk).update(
                person=person, verified_at=now, verified_by=kind
            )
            log_applicant(
                account,
                "applicant.link",
                person_id=person.pk,
                details={"method": kind, "code_id": row.pk},
                actor=actor,
            )
            return ""
    return _failure_message(kind, problem)


def _failure_message(kind: str, problem: str) -> str:
    if kind == CodeKind.SMS:
        return {
            "none": _("There is no valid code for your account: ask for a new code."),
            "expired": _(
                "This code has expired (codes sent by text message are valid for 10 minutes): ask for a "
                "new code."
            ),
            "spent": _("The code was entered wrongly 5 times and can no longer be used: ask for a new code."),
            "wrong": _("The code is not right. Check it and try again."),
        }[problem]
    return {
        "none": _(
            "This code is not valid for your account. Check it, or ask your community office for a new code."
        ),
        "expired": _(
            "This code has expired (office codes are valid for 14 days): ask your community office for "
            "a new one."
        ),
        "spent": _(
            "The code was entered wrongly 5 times and can no longer be used: ask your community office "
            "for a new one."
        ),
        "wrong": _("The code is not right. Check it and try again."),
    }[problem]


# ---------------------------------------------------------------------------------------------------
# Staff at the office (the views check that the person is in the user's scope: registry.person_for)


def office_code_issue(*, actor, person: Person) -> tuple[str, dt.datetime]:
    """A new office code for ``person`` (older ones invalidated) and when it expires; the clear code is
    returned once, for the printed letter, and never stored or audited."""
    with transaction.atomic():
        code, row = _store(CodeKind.OFFICE, person, None, actor.username)
        log_action(
            actor,
            "applicant.office_code.issue",
            object_type="person",
            object_id=str(person.pk),
            person_id=person.pk,
            details={"code_id": row.pk, "expires_at": row.expires_at.isoformat()},
        )
    return code, row.expires_at


def accounts_of_person(person: Person):
    """The active portal accounts linked to ``person`` or registered with its ID number (at most one of
    each: one account per ID number)."""
    return ApplicantAccount.objects.filter(
        Q(person=person) | Q(id_number_index=person.id_number_index), is_active=True
    ).order_by("pk")


def account_unlink(*, actor, person: Person, reason: str, close: bool = False) -> int:
    """Detach the portal accounts from ``person`` (the rightful owner reclaims the record, U11): they
    lose access at their next request (every page reads the account's link afresh). ``close`` also
    deactivates them and frees the ID number, so that the owner can register their own account. Their
    unused codes are invalidated. Audited with the reason; the number of accounts changed."""
    reason = (reason or "").strip()
    if not reason:
        raise VerificationError(_("Enter the reason for unlinking the account."), field="reason")
    now = timezone.now()
    changed = 0
    with transaction.atomic():
        for account in accounts_of_person(person).select_for_update():
            was_linked = account.person_id is not None
            account.person = None
            account.verified_at = None
            account.verified_by = ""
            fields = ["person", "verified_at", "verified_by"]
            if close:
                account.is_active = False
                account.id_number_index = f"closed:{account.pk}"
                fields += ["is_active", "id_number_index"]
            account.save(update_fields=fields)
            VerificationCode.objects.filter(
                account=account, used_at__isnull=True, invalidated_at__isnull=True
            ).update(invalidated_at=now)
            log_applicant(
                account,
                "applicant.unlink",
                person_id=person.pk,
                details={"reason": reason[:500], "closed": close, "was_linked": was_linked},
                actor=actor,
            )
            changed += 1
    return changed
