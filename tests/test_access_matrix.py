"""Every URL with every role (U11; GB/T 22239-2019 8.1.4.2: deny by default). Each named page must be declared
below by the capability that guards it (its roles come from the capability table, core.capabilities), or
as PUBLIC, POST_ONLY or ALL_ROLES (signed-in staff) where no capability applies; a page that is not declared
fails this test, so no page can appear without someone deciding who may use it. GET is tried for every role;
POST-only endpoints must refuse GET."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver
from django.utils import timezone

from tests.helpers import person_row, write_csv
from xiaokang.accounts.models import User
from xiaokang.accounts.services import grant_reject, user_update
from xiaokang.cases.documents import document_add
from xiaokang.cases.services import application_submit, application_transition
from xiaokang.core.capabilities import roles_for
from xiaokang.employment.models import Declaration, Employer
from xiaokang.interpreting.models import Booking
from xiaokang.interpreting.services import booking_create, interpreter_save, parse_times, slots_add
from xiaokang.registry.models import Person
from xiaokang.registry.services import persons_import

pytestmark = pytest.mark.django_db

ALL_ROLES = frozenset(
    {"district_admin", "district_officer", "street_officer", "community_worker", "auditor", "security_admin"}
)
PUBLIC = "public"
# url name → the capability whose roles may GET it, or ALL_ROLES (any signed-in staff member), PUBLIC (anyone,
# signed in or not), POST_ONLY (GET answers 405).
POST_ONLY = "post-only"
ACCESS = {
    "home": PUBLIC,
    "login": PUBLIC,
    # The second factor (U11): the code step serves a pending sign-in only (else back to the login);
    # enrolment serves a pending sign-in or any signed-in staff member.
    "login-code": PUBLIC,
    "two-factor-enrol": ALL_ROLES,
    "set_language": PUBLIC,  # a GET just redirects back
    "logout": POST_ONLY,
    "staff-home": ALL_ROLES,
    "person-list": "person.read",
    "person-create": "person.write",
    "person-detail": "person.read",
    "person-edit": "person.write",
    "person-reveal": POST_ONLY,
    # transfers between streets (R6, S4): street officers and the district; the district decides
    "person-transfer": "transfer.request",
    "transfer-list": "transfer.request",
    "transfer-request": "transfer.request",
    "transfer-decide": POST_ONLY,
    "transfer-cancel": POST_ONLY,
    "registry-import": "registry.import",
    "registry-import-confirm": POST_ONLY,
    "registry-import-errors": POST_ONLY,
    "registry-import-template": "registry.import",  # the empty template (R5), from the import page
    "registry-quality": "registry.quality",
    "registry-quality-download": POST_ONLY,
    "registry-export": "registry.export",
    "audit-list": "audit.read",
    "audit-verify": POST_ONLY,
    "account-list": "account.manage",
    "account-create": "account.manage",
    "account-edit": "account.manage",
    "account-unlock": POST_ONLY,
    "account-two-factor-reset": POST_ONLY,
    # role changes (三权分立): district administrators decide, the auditor reads; everyone's own password
    "grant-list": "grant.decide",
    "grant-approve": POST_ONLY,
    "grant-reject": POST_ONLY,
    "enrolment-code-issue": POST_ONLY,  # district administrators issue second-factor enrolment codes
    "audit-grant-list": "grant.audit",
    "password-change": ALL_ROLES,
    "policy-list": "policy.read",
    "policy-detail": "policy.read",
    "policy-what-if": "policy.what_if",
    "application-list": "application.read",
    "application-dashboard": "application.read",
    "application-detail": "application.read",
    "application-transition": POST_ONLY,
    "application-create": "application.create",
    "application-notice": "application.read",
    "application-notice-pdf": "application.read",
    "application-receipt": "application.read",
    "application-receipt-pdf": "application.read",
    "application-document-upload": POST_ONLY,
    "application-document": "application.read",
    "roster-list": "roster.read",
    "roster-build": POST_ONLY,
    "roster-approve": POST_ONLY,
    "roster-download": POST_ONLY,
    "outreach-list": "outreach.read",
    "outreach-answer": POST_ONLY,
    "review-list": "enrolment.review",
    "review-decide": POST_ONLY,
    "temporary-list": "temporary.read",
    "temporary-create": "temporary.grant",
    "temporary-review": POST_ONLY,
    # employers (E1)
    "employer-list": "employer.read",
    "employer-detail": "employer.read",
    "employer-create": "employer.write",
    "employer-edit": "employer.write",
    "employer-import": "employer.write",
    "employer-import-confirm": POST_ONLY,
    "employer-import-template": "employer.write",  # the empty template (R5), from the import page
    "employer-export": "employer.read",
    # declarations (E1)
    "declaration-list": "declaration.read",
    "declaration-create": "declaration.write",
    "declaration-detail": "declaration.read",
    "declaration-correct": "declaration.write",
    "declaration-recheck": POST_ONLY,
    "declaration-approve": POST_ONLY,
    "declaration-conflicts": "declaration.read",
    "declaration-conflict-resolve": POST_ONLY,
    # disclosure and member units (E2, E3, T2)
    "disclosure-years": PUBLIC,
    "disclosure-page": PUBLIC,
    "disclosure-xlsx": PUBLIC,
    "disclosure-credit-csv": PUBLIC,
    "disclosure-credit-json": PUBLIC,
    "member-units-latest": "member_units.read",
    "member-units": "member_units.read",
    "member-units-xlsx": "member_units.read",
    # the public portal (U11; docs/portal.md)
    "display-settings": POST_ONLY,
    "policy-guide": PUBLIC,
    "policy-guide-detail": PUBLIC,
    "screener": PUBLIC,
    "status": PUBLIC,
    # applicants' accounts (S4, U11): their own session, not a staff login; a staff user or an
    # anonymous visitor is sent to the applicant sign-in (302). xiaokang/portal/tests/test_applicants.py.
    "applicant-register": PUBLIC,
    "applicant-login": PUBLIC,
    "applicant-logout": POST_ONLY,
    "applicant-home": PUBLIC,
    "applicant-application": PUBLIC,
    "applicant-receipt": PUBLIC,
    "applicant-notice-pdf": PUBLIC,
    "applicant-receipt-pdf": PUBLIC,
    "applicant-appeal": POST_ONLY,
    "applicant-document-upload": POST_ONLY,
    "applicant-apply": PUBLIC,
    "applicant-apply-policy": PUBLIC,
    "applicant-verify": PUBLIC,
    "applicant-verify-send": POST_ONLY,
    # portal account verification on the person page (U11): print a code, unlink an account
    "person-portal-code": POST_ONLY,
    "person-portal-unlink": "portal_account.manage",
    # sign-language interpretation (U11): public booking, the federation's district staff
    "interpreting-book": PUBLIC,
    "interpreting-booking-new": PUBLIC,
    "interpreting-booking": PUBLIC,
    "interpreting-staff": "interpreting.manage",
    "interpreting-booking-detail": "interpreting.manage",
    "interpreting-booking-confirm": POST_ONLY,
    "interpreting-booking-reassign": POST_ONLY,
    "interpreting-booking-cancel": POST_ONLY,
    "interpreting-booking-reveal": POST_ONLY,
    "interpreting-interpreters": "interpreting.manage",
    "interpreting-interpreter-create": "interpreting.manage",
    "interpreting-interpreter-edit": "interpreting.manage",
    "interpreting-slots": "interpreting.manage",
    "interpreting-slot-withdraw": POST_ONLY,
}


def _named_patterns(resolver=None, prefix=""):
    resolver = resolver or get_resolver()
    for entry in resolver.url_patterns:
        if isinstance(entry, URLResolver):
            if entry.namespace == "api":  # the API has its own tests (xiaokang/registry/tests/test_api.py)
                continue
            yield from _named_patterns(entry, prefix + str(entry.pattern))
        elif isinstance(entry, URLPattern) and entry.name:
            yield entry.name, prefix + str(entry.pattern)


def _named_views(resolver=None):
    resolver = resolver or get_resolver()
    for entry in resolver.url_patterns:
        if isinstance(entry, URLResolver):
            if entry.namespace != "api":
                yield from _named_views(entry)
        elif isinstance(entry, URLPattern) and entry.name:
            yield entry.name, entry.callback


def _url(pattern: str, kwargs: dict) -> str:
    url = "/" + pattern.replace("^", "").replace("$", "")
    for key, value in kwargs.items():
        for converter in ("id", "int", "slug", "str"):
            url = url.replace(f"<{converter}:{key}>", str(value))
    return url


@pytest.fixture
def world(tmp_path, system_actor, settings):
    persons_import(actor=system_actor, path=write_csv(tmp_path / "p.csv", [person_row(1)]))
    person = Person.objects.unscoped(reason="test").get()
    # An application of that person, for the pages of one application (application-*: its id).
    application = application_submit(
        actor=system_actor,
        person=person,
        policy_id="living_subsidy",
        channel="counter",
        received_on=dt.date(2025, 9, 30),
    ).application
    users = {}
    for role in sorted(ALL_ROLES):
        area = None
        if role == "street_officer":
            area = person.street
        elif role == "community_worker":
            area = person.community
        users[role] = User.objects.create_user(f"u_{role}", password="Pass-word-123", role=role, area=area)
    # A decided and a pending role change, so that the lists of role changes show both kinds.
    proposals = [
        user_update(
            actor=users["security_admin"],
            user=users[subject],
            role=role,
            area_code=None,
            is_active=True,
            reason="access-matrix test",
        )
        for subject, role in (("auditor", "security_admin"), ("district_officer", "district_admin"))
    ]
    grant_reject(actor=users["district_admin"], grant=proposals[0])
    # Decided, so that it has a decision notice (application-notice), with one document attached
    # (application-document: its id).
    # Whoever accepted does not do the community review (separation of duties, U11, G2): a second
    # community worker forwards it.
    actors = {
        **users,
        "reviewer": User.objects.create_user(
            "u_reviewer", password="Pass-word-123", role="community_worker", area=person.community
        ),
    }
    for role, action in (
        ("community_worker", "accept"),
        ("reviewer", "forward"),
        ("street_officer", "forward"),
        ("district_officer", "approve"),
    ):
        # The required documents are not attached: the approval is an explicit override (S4, G2).
        override = {"override": True, "override_reason": "access-matrix test"} if action == "approve" else {}
        application = application_transition(
            actor=actors[role],
            application=application,
            action=action,
            version=application.version,
            **override,
        )
    settings.XIAOKANG_DOCUMENTS_DIR = tmp_path / "documents"
    document_add(
        actor=system_actor,
        application=application,
        upload=SimpleUploadedFile("a.pdf", b"%PDF-1.4\n%test\n", content_type="application/pdf"),
    )
    # An employer of the person's street with a declaration (employer-*, declaration-*: their ids).
    employer = Employer.objects.create(
        uscc="91110108551385082Q",
        name="测试单位",
        employer_type="enterprise",
        street=person.street,
        committee_member=True,
    )
    Declaration.objects.create(
        employer=employer,
        levy_year=2025,
        headcount=Decimal("100"),
        total_wages=Decimal("10000000"),
        submitted_on=dt.date(2025, 3, 10),
    )
    # An interpreter with a free slot of the day after tomorrow, booked (interpreting-*: their ids).
    interpreter = interpreter_save(actor=system_actor, name="示例译员", languages="中国手语")
    slot = slots_add(
        actor=system_actor,
        interpreter=interpreter,
        day=timezone.localdate() + dt.timedelta(days=2),
        times=parse_times("9:00-10:00"),
    )[0]
    booking_create(
        actor=system_actor,
        slot=slot,
        requester_kind="person",
        requester_name="张三",
        phone="13812345678",
        purpose="hospital",
    )
    return person, users


def _allowed_roles(declared) -> frozenset[str] | str:
    """A declared capability → its roles (an unknown name raises); the other declarations as they are."""
    if declared in (PUBLIC, POST_ONLY) or isinstance(declared, frozenset):
        return declared
    return roles_for(declared)


def test_every_named_page_is_declared():
    undeclared = sorted({name for name, _ in _named_patterns()} - set(ACCESS))
    assert undeclared == [], f"declare who may open: {undeclared}"


def test_each_page_is_declared_by_the_capability_its_view_requires():
    """A view guarded by ``@requires(name)`` is declared here by that same name: the matrix cannot drift from
    the code (a page guarded inside its body, by ``check``, is tried below with every role)."""
    mismatched = []
    for name, view in _named_views():
        capability = getattr(view, "capability", None)
        if capability is not None and ACCESS[name] not in (capability, POST_ONLY):
            mismatched.append((name, ACCESS[name], capability))
        _allowed_roles(ACCESS[name])  # every declared capability exists
    assert mismatched == []


def test_every_page_with_every_role(world):
    person, users = world
    # roster_pk, task_pk: any id (those pages are POST only).
    kwargs = {"pk": person.pk, "policy_id": "living_subsidy", "roster_pk": 1, "task_pk": 1}
    application = person.applications.get()
    application_kwargs = {
        "pk": application.pk,
        "person_pk": person.pk,
        "document_pk": application.documents.get().pk,
    }
    failures = []
    for name, pattern in _named_patterns():
        allowed = _allowed_roles(ACCESS[name])
        if name.startswith("account-"):
            url = _url(pattern, {"pk": users["district_officer"].pk})
        elif name.startswith("application-"):
            url = _url(pattern, application_kwargs)
        elif name.startswith("employer-"):
            url = _url(pattern, {"pk": Employer.objects.unscoped(reason="test").get().pk, "year": 2025})
        elif name.startswith("declaration-"):
            url = _url(pattern, {"pk": Declaration.objects.unscoped(reason="test").get().pk, "year": 2025})
        elif name.startswith("disclosure-") or name.startswith("member-units"):
            url = _url(pattern, {"year": 2025})
        elif name.startswith("interpreting-"):
            booking = Booking.objects.get()
            pk = booking.slot.interpreter_id if name == "interpreting-interpreter-edit" else booking.pk
            url = _url(pattern, {"pk": pk, "slot_id": booking.slot_id, "token": booking.access_token})
        else:
            url = _url(pattern, kwargs)
        anonymous = Client().get(url)
        if allowed == POST_ONLY:
            expected_anonymous = {302, 405}
        elif allowed == PUBLIC:
            expected_anonymous = {200, 302}
        else:
            expected_anonymous = {302}
        if anonymous.status_code not in expected_anonymous:
            failures.append((name, "anonymous", anonymous.status_code))
        for role, user in users.items():
            client = Client()
            client.force_login(user)
            status = client.get(url).status_code
            if allowed == POST_ONLY:
                ok = status in (403, 405)  # refused either way: a wrong role or a GET
            elif allowed == PUBLIC:
                ok = status in (200, 302)
            elif role in allowed:
                ok = status == 200
            else:
                ok = status == 403
            if not ok:
                failures.append((name, role, status))
    assert failures == [], "\n".join(map(str, failures))


def test_statistics_are_scoped(tmp_path, system_actor, wang_street_a, zhao_street_b, li_district_officer):
    persons_import(actor=system_actor, path=write_csv(tmp_path / "p.csv", [person_row(1), person_row(2)]))
    pages = {}
    for user in (wang_street_a, zhao_street_b, li_district_officer):
        client = Client()
        client.force_login(user)
        pages[user.username] = client.get("/staff/").content.decode()
    assert "万寿路街道" in pages["street_a"] and "万寿路街道" in pages["district"]
    assert "万寿路街道" not in pages["street_b"]
