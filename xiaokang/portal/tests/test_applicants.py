"""Applicants' accounts on the public portal (U11; S4, G2): registration and linking, sign-in with
lockout, session separation from staff, the dashboard, applying online, documents, appeals, audit."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.utils import timezone

from tests.helpers import make_id, person_row, write_csv
from xiaokang.accounts.actors import SystemActor
from xiaokang.accounts.models import LoginFailure
from xiaokang.audit.models import AuditEvent
from xiaokang.cases.models import (
    Application,
    ApplicationDocument,
    Enrolment,
    Roster,
    RosterLine,
    State,
)
from xiaokang.cases.services import application_submit, application_transition
from xiaokang.core import crypto
from xiaokang.portal.applicants import applicant_register, registry_person_for
from xiaokang.portal.models import ApplicantAccount
from xiaokang.portal.verification import code_verify, office_code_issue
from xiaokang.registry.models import Person
from xiaokang.registry.services import persons_import

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("documents_dir")]

PASSWORD = "Applicant-pass-1"
PDF = b"%PDF-1.4\n1 0 obj <<>> endobj\ntrailer <<>>\n%%EOF\n"
UNKNOWN_ID = make_id("11010819800101123")  # valid, not in the registry


def id_of(person) -> str:
    return crypto.decrypt(person.id_number_encrypted)


def verify(account):
    """Link the account as the office does (U11): a code printed for its person, entered by the account."""
    code, _ = office_code_issue(actor=SystemActor("test office"), person=registry_person_for(account))
    return code_verify(account=account, code=code)


def register(person=None, *, name=None, id_number=None, phone="13800001234", verified=True):
    """An account made through the service and, when the registry has its person, verified."""
    account = applicant_register(
        name=name if name is not None else person.name,
        id_number=id_number if id_number is not None else id_of(person),
        phone=phone,
        password=PASSWORD,
    )
    if verified and registry_person_for(account) is not None:
        account = verify(account)
    return account


def signed_in(account) -> Client:
    client = Client()
    response = client.post(
        "/account/login/",
        {"id_number": crypto.decrypt(account.id_number_encrypted), "password": PASSWORD},
    )
    assert response.status_code == 303, response.content.decode()[:2000]
    return client


def form_data(person, **overrides) -> dict:
    data = {
        "name": person.name,
        "id_number": id_of(person),
        "phone": "138 0000 1234",
        "password": PASSWORD,
        "password_again": PASSWORD,
    }
    data.update(overrides)
    return data


@pytest.fixture
def staff(people, sun_community_a, zheng_community_a, wang_street_a, li_district_officer):
    """The named actors who review person a's applications. Whoever accepted does not do the community
    review (separation of duties, U11, G2): Zheng reviews what Sun accepted."""
    return {
        "community": sun_community_a,
        "reviewer": zheng_community_a,
        "street": wang_street_a,
        "district": li_district_officer,
    }


def rejected_application(person, staff, *, rejected_days_ago: int = 0) -> Application:
    """An online-style application moved through the review by staff and rejected."""
    application = application_submit(
        actor=staff["community"],
        person=person,
        policy_id="living_subsidy",
        channel="counter",
        received_on=timezone.localdate(),
    ).application
    for who, action, reason in (
        ("community", "accept", ""),
        ("reviewer", "forward", ""),
        ("street", "forward", ""),
        ("district", "reject", "收入超过标准"),
    ):
        application = application_transition(
            actor=staff[who],
            application=application,
            action=action,
            version=application.version,
            reason=reason,
        )
    if rejected_days_ago:
        Application.objects.unscoped(reason="test").filter(pk=application.pk).update(
            rejected_on=timezone.localdate() - dt.timedelta(days=rejected_days_ago)
        )
        application.refresh_from_db()
    return application


# ---------------------------------------------------------------------------------------------------
# Registration and linking


def test_registration_errors_are_given_per_field(people):
    client = Client()
    response = client.post("/account/register/", {})
    assert response.status_code == 422
    form = response.context["form"]
    assert set(form.errors) == {"name", "id_number", "phone", "password", "password_again"}
    page = response.content.decode()
    assert "<title>Error: " in page or "<title>错误" in page or "Error:" in page
    assert 'aria-invalid="true"' in page

    bad_check = id_of(people["a"])[:17] + ("0" if id_of(people["a"])[17] != "0" else "1")
    response = client.post(
        "/account/register/",
        form_data(people["a"], id_number=bad_check, phone="12", password="short", password_again="other"),
    )
    errors = response.context["form"].errors
    assert "校验位" in errors["id_number"][0]
    assert set(errors) == {"id_number", "phone", "password"}  # password_again: only after a valid password

    response = client.post("/account/register/", form_data(people["a"], password_again="Different-pass-9"))
    assert set(response.context["form"].errors) == {"password_again"}
    assert ApplicantAccount.objects.count() == 0


def test_registration_never_links_and_a_code_links_only_when_name_and_id_number_match(people):
    # U11: name and ID number only say which person an account claims; the link needs a code.
    client = Client()
    response = client.post("/account/register/", form_data(people["a"], name=" 测试1 "))
    assert response.status_code == 303 and response["Location"] == "/account/verify/"
    account = ApplicantAccount.objects.get()
    assert account.person is None and account.verified_at is None
    assert registry_person_for(account) == people["a"]
    assert account.id_number_index == people["a"].id_number_index
    assert account.id_number_masked == crypto.mask_id_number(id_of(people["a"]))
    assert account.phone_masked == "138****1234"
    assert crypto.decrypt(account.phone_encrypted) == "13800001234"
    assert account.password != PASSWORD and account.password.startswith("md5$")
    # Signed in at once, as the applicant: never a staff session.
    assert client.session["applicant_id"] == account.pk and "_auth_user_id" not in client.session
    account = verify(account)
    assert account.person == people["a"] and account.verified_by == "office"

    wrong_name = register(people["b"], name="别人")
    unknown = register(name="测试1", id_number=UNKNOWN_ID)
    assert wrong_name.person is None and unknown.person is None
    assert registry_person_for(wrong_name) is None and registry_person_for(unknown) is None

    # One account per ID number.
    response = Client().post("/account/register/", form_data(people["a"]))
    assert response.status_code == 422 and "id_number" in response.context["form"].errors
    assert ApplicantAccount.objects.count() == 3


def test_registration_attempts_are_limited_per_client(people, settings):
    # The answer says whether an ID number has an account: a client cannot try ID numbers at will.
    settings.XIAOKANG_REGISTER_RATE_LIMIT = (2, 60)
    assert (
        Client(REMOTE_ADDR="10.0.0.7").post("/account/register/", form_data(people["a"])).status_code == 303
    )
    client = Client(REMOTE_ADDR="10.0.0.7")
    taken = client.post("/account/register/", form_data(people["a"]))
    assert taken.status_code == 422 and "id_number" in taken.context["form"].errors
    refused = client.post("/account/register/", form_data(people["b"]))
    assert refused.status_code == 422 and refused.context["form"].non_field_errors()
    assert "id_number" not in refused.context["form"].errors  # nothing said about the number
    assert ApplicantAccount.objects.count() == 1
    # Another client is not held back.
    assert (
        Client(REMOTE_ADDR="10.0.0.8").post("/account/register/", form_data(people["b"])).status_code == 303
    )


def test_registration_is_audited_without_the_clear_numbers(people):
    account = register(people["a"])
    events = AuditEvent.objects.filter(object_type="applicant", object_id=str(account.pk))
    assert set(events.values_list("action", flat=True)) == {"applicant.register", "applicant.link"}
    assert set(events.values_list("actor_label", flat=True)) == {f"applicant:{account.pk}"}
    for event in AuditEvent.objects.all():
        text = f"{event.details} {event.object_id}"
        assert id_of(people["a"]) not in text and "13800001234" not in text


def test_a_person_imported_later_is_linked_by_a_code_and_a_changed_record_unlinks(
    people, tmp_path, system_actor
):
    newcomer = person_row(40)
    account = register(name=newcomer["姓名"], id_number=newcomer["公民身份号码"])
    assert account.person is None
    client = signed_in(account)
    assert "not-linked" in client.get("/account/").content.decode()

    # Imported later: signing in does not link (U11), the account can now verify.
    persons_import(actor=system_actor, path=write_csv(tmp_path / "late.csv", [newcomer]))
    client = signed_in(account)
    account.refresh_from_db()
    assert account.person is None
    account = verify(account)
    assert account.person == Person.objects.unscoped(reason="test").get(name=newcomer["姓名"])
    assert AuditEvent.objects.filter(action="applicant.link", object_id=str(account.pk)).exists()

    # A record whose name no longer matches unlinks at the next sign-in (P2); verify again after.
    Person.objects.unscoped(reason="test").filter(pk=account.person_id).update(name="改名40")
    signed_in(account)
    account.refresh_from_db()
    assert account.person is None and account.verified_at is None
    assert AuditEvent.objects.filter(action="applicant.unlink", object_id=str(account.pk)).exists()


# ---------------------------------------------------------------------------------------------------
# Sign-in, lockout, sessions


def test_five_failures_lock_the_id_number_and_the_message_never_says_whether_it_exists(people):
    account = register(people["a"])
    number = id_of(people["a"])
    client = Client()
    wrong = client.post("/account/login/", {"id_number": number, "password": "Wrong-pass-123"})
    unknown = client.post("/account/login/", {"id_number": UNKNOWN_ID, "password": "Wrong-pass-123"})
    assert wrong.status_code == unknown.status_code == 422
    assert wrong.context["form"].non_field_errors() == unknown.context["form"].non_field_errors()
    for _ in range(4):
        client.post("/account/login/", {"id_number": number, "password": "Wrong-pass-123"})
    locked = client.post("/account/login/", {"id_number": number, "password": PASSWORD})
    assert locked.status_code == 422
    assert "15" in locked.context["form"].non_field_errors()[0]
    assert "applicant_id" not in client.session
    # Counted under the blind index, never the clear number; staff usernames are never touched.
    keys = set(LoginFailure.objects.values_list("username", flat=True))
    assert all(key.startswith("applicant:") for key in keys)
    assert not any(number in key for key in keys)
    assert AuditEvent.objects.filter(action="applicant.login.locked").exists()
    assert AuditEvent.objects.filter(action="applicant.login.failure").count() == 6  # 5 + the unknown one
    account.refresh_from_db()
    assert account.last_login_at is None


def test_a_success_clears_the_failures_and_is_audited(people):
    account = register(people["a"])
    Client().post("/account/login/", {"id_number": id_of(people["a"]), "password": "Wrong-pass-123"})
    signed_in(account)
    assert LoginFailure.objects.count() == 0
    assert AuditEvent.objects.filter(
        action="applicant.login.success", actor_label=f"applicant:{account.pk}"
    ).exists()


def test_an_inactive_account_cannot_sign_in(people):
    account = register(people["a"])
    ApplicantAccount.objects.filter(pk=account.pk).update(is_active=False)
    response = Client().post("/account/login/", {"id_number": id_of(people["a"]), "password": PASSWORD})
    assert response.status_code == 422


def test_an_applicant_session_never_reaches_a_staff_page(people):
    client = signed_in(register(people["a"]))
    for url in ("/staff/", "/staff/applications/", f"/staff/persons/{people['a'].pk}/"):
        response = client.get(url)
        assert response.status_code == 302 and response["Location"].startswith("/login/"), url
    assert client.get("/account/").status_code == 200


def test_a_staff_session_is_not_an_applicant(people, staff):
    client = Client()
    client.force_login(staff["district"])
    session = client.session
    session["applicant_id"] = register(people["a"]).pk
    session.save()
    response = client.get("/account/")
    assert response.status_code == 302 and response["Location"].startswith("/account/login/")


def test_the_pages_need_a_signed_in_applicant(people):
    response = Client().get("/account/apply/")
    assert response.status_code == 302 and response["Location"] == "/account/login/?next=/account/apply/"
    assert Client().get("/account/logout/").status_code == 405
    assert Client().get("/account/register/").status_code == 200
    assert Client().get("/account/login/").status_code == 200


def test_sign_in_rotates_the_session_and_goes_only_to_an_applicant_page(people):
    account = register(people["a"])
    client = Client()
    client.get("/account/login/")
    client.session.save()
    before = client.session.session_key
    response = client.post(
        "/account/login/?next=https://evil.example/",
        {"id_number": id_of(people["a"]), "password": PASSWORD, "next": "https://evil.example/"},
    )
    assert response["Location"] == "/account/"
    assert client.session.session_key != before
    response = client.post(
        "/account/login/",
        {"id_number": id_of(people["a"]), "password": PASSWORD, "next": "/account/apply/"},
    )
    assert response.status_code == 302 and response["Location"] == "/account/apply/"  # already signed in
    client.post("/account/logout/")
    assert "applicant_id" not in client.session
    assert AuditEvent.objects.filter(action="applicant.logout", object_id=str(account.pk)).exists()


# ---------------------------------------------------------------------------------------------------
# Applying online


def test_applying_online_records_one_application_with_its_deadlines(people):
    account = register(people["a"])
    client = signed_in(account)
    choose = client.get("/account/apply/").content.decode()
    assert "困难残疾人生活补贴" in choose and "重度残疾人护理补贴" in choose
    assert "临时救助" not in choose  # granted on the spot, never applied for here
    page = client.get("/account/apply/living_subsidy/")
    assert page.status_code == 200
    token = page.context["form"]["submission_token"].value()
    data = {"consent": "on", "submission_token": token}

    first = client.post("/account/apply/living_subsidy/", data)
    second = client.post("/account/apply/living_subsidy/", data)

    application = Application.objects.unscoped(reason="test").get()
    assert first.status_code == second.status_code == 303
    assert first["Location"] == second["Location"] == f"/account/applications/{application.pk}/"
    assert application.channel == "online" and application.person == people["a"]
    assert application.received_on == timezone.localdate()
    assert application.accept_by > application.received_on and application.decide_by >= application.accept_by
    assert application.created_by_label == f"applicant:{account.pk}"
    assert AuditEvent.objects.filter(
        action="application.submit", actor_label=f"applicant:{account.pk}", object_id=application.number
    ).exists()
    detail = client.get(f"/account/applications/{application.pk}/").content.decode()
    assert application.number in detail and application.accept_by.isoformat() in detail


def test_consent_is_required(people):
    client = signed_in(register(people["a"]))
    response = client.post("/account/apply/living_subsidy/", {"submission_token": "t1"})
    assert response.status_code == 422 and "consent" in response.context["form"].errors
    assert not Application.objects.unscoped(reason="test").exists()


def test_documents_are_stored_with_the_application(people, documents_dir):
    client = signed_in(register(people["a"]))
    response = client.post(
        "/account/apply/living_subsidy/",
        {
            "consent": "on",
            "submission_token": "t2",
            "documents": [SimpleUploadedFile("证明.pdf", PDF), SimpleUploadedFile("b.pdf", PDF)],
        },
    )
    assert response.status_code == 303
    application = Application.objects.unscoped(reason="test").get()
    assert sorted(application.documents.values_list("name", flat=True)) == ["b.pdf", "证明.pdf"]
    assert len(list(documents_dir.rglob("*.pdf"))) == 2


def test_a_bad_document_records_no_application_and_names_the_file(people, documents_dir):
    client = signed_in(register(people["a"]))
    response = client.post(
        "/account/apply/living_subsidy/",
        {
            "consent": "on",
            "submission_token": "t3",
            "documents": [
                SimpleUploadedFile("good.pdf", PDF),
                SimpleUploadedFile("virus.exe", b"MZ\x90\x00"),
            ],
        },
    )
    assert response.status_code == 422
    errors = response.context["form"].errors["documents"]
    assert "virus.exe" in errors[0]
    assert (
        not Application.objects.unscoped(reason="test").exists() and not ApplicationDocument.objects.exists()
    )
    assert not [path for path in documents_dir.rglob("*") if path.is_file()]
    assert not AuditEvent.objects.filter(action="application.submit").exists()


def test_an_open_application_is_not_offered_again(people):
    client = signed_in(register(people["a"]))
    client.post("/account/apply/living_subsidy/", {"consent": "on", "submission_token": "t4"})
    number = Application.objects.unscoped(reason="test").get().number
    page = client.get("/account/apply/living_subsidy/")
    assert page.context["offer"]["open_application"].number == number
    assert 'enctype="multipart/form-data"' not in page.content.decode()
    # A form sent again with another token (an old tab): refused by the workflow, named.
    response = client.post("/account/apply/living_subsidy/", {"consent": "on", "submission_token": "t5"})
    assert response.status_code == 422 and number in str(response.context["form"].non_field_errors())
    assert Application.objects.unscoped(reason="test").count() == 1


def test_the_rules_say_whether_one_may_qualify_and_one_may_still_apply(people):
    client = signed_in(register(people["ordinary"]))
    offers = {o["policy"].id: o for o in client.get("/account/apply/").context["offers"]}
    assert offers["living_subsidy"]["eligible"] is False and offers["living_subsidy"]["failed"]
    response = client.post("/account/apply/living_subsidy/", {"consent": "on", "submission_token": "t6"})
    assert response.status_code == 303
    assert Application.objects.unscoped(reason="test").get().person == people["ordinary"]


def test_only_cash_policies_can_be_applied_for(people):
    client = signed_in(register(people["a"]))
    for policy_id in ("temporary_assistance", "health_check", "employment_levy", "nonsense"):
        assert client.get(f"/account/apply/{policy_id}/").status_code == 404


def test_an_unlinked_account_cannot_apply(people):
    client = signed_in(register(name="测试1", id_number=UNKNOWN_ID))
    for url in ("/account/apply/", "/account/apply/living_subsidy/"):
        response = client.get(url)
        assert response.status_code == 200 and "not-linked" in response.content.decode()
    response = client.post("/account/apply/living_subsidy/", {"consent": "on", "submission_token": "t7"})
    assert not Application.objects.unscoped(reason="test").exists()


def test_documents_can_be_added_while_the_application_is_handled(people):
    client = signed_in(register(people["a"]))
    client.post("/account/apply/living_subsidy/", {"consent": "on", "submission_token": "t8"})
    application = Application.objects.unscoped(reason="test").get()
    url = f"/account/applications/{application.pk}/documents/"
    assert client.post(url, {}).status_code == 422
    bad = client.post(url, {"documents": [SimpleUploadedFile("a.txt", b"hello")]})
    assert bad.status_code == 422 and "a.txt" in bad.context["document_form"].errors["documents"][0]
    good = client.post(url, {"documents": [SimpleUploadedFile("a.pdf", PDF)]})
    assert good.status_code == 303 and application.documents.count() == 1


# ---------------------------------------------------------------------------------------------------
# One application, appeals


def test_someone_elses_application_is_not_found(people, staff, zhao_street_b, wu_community_b):
    other = rejected_application(people["b"], {**staff, "street": zhao_street_b, "community": wu_community_b})
    account = register(people["a"])
    client = signed_in(account)
    missing = client.get("/account/applications/999999/")
    theirs = client.get(f"/account/applications/{other.pk}/")
    assert missing.status_code == theirs.status_code == 404
    appeal = client.post(
        f"/account/applications/{other.pk}/appeal/", {"version": other.version, "reason": "x"}
    )
    assert appeal.status_code == 404
    other.refresh_from_db()
    assert other.state == State.REJECTED
    assert AuditEvent.objects.filter(
        action="access.denied", actor_label=f"applicant:{account.pk}", object_id=str(other.pk)
    ).exists()


def test_an_appeal_within_the_period(people, staff):
    application = rejected_application(people["a"], staff)
    account = register(people["a"])
    client = signed_in(account)
    page = client.get(f"/account/applications/{application.pk}/").content.decode()
    assert "收入超过标准" in page and 'action="/account/applications/' in page
    for user in staff.values():  # the offices, never who
        assert user.username not in page

    url = f"/account/applications/{application.pk}/appeal/"
    empty = client.post(url, {"version": application.version, "reason": "  "})
    assert empty.status_code == 422 and "reason" in empty.context["appeal_form"].errors

    response = client.post(url, {"version": application.version, "reason": "我的收入已经减少"})
    assert response.status_code == 303
    application.refresh_from_db()
    assert application.state == State.APPEAL_REVIEW
    event = application.events.get(action="appeal")
    assert event.actor_label == f"applicant:{account.pk}" and event.reason == "我的收入已经减少"
    assert AuditEvent.objects.filter(
        action="application.appeal", actor_label=f"applicant:{account.pk}"
    ).exists()


def test_an_appeal_after_the_period_is_refused(people, staff):
    application = rejected_application(people["a"], staff, rejected_days_ago=61)
    client = signed_in(register(people["a"]))
    page = client.get(f"/account/applications/{application.pk}/")
    assert page.context["appeal"]["open"] is False
    response = client.post(
        f"/account/applications/{application.pk}/appeal/", {"version": application.version, "reason": "复议"}
    )
    assert response.status_code == 422
    application.refresh_from_db()
    assert application.state == State.REJECTED


# ---------------------------------------------------------------------------------------------------
# The dashboard


def test_payments_are_listed_only_from_approved_rosters(people):
    person = people["a"]
    enrolment = Enrolment.objects.create(
        person=person, policy_id="living_subsidy", start_month=dt.date(2025, 1, 1)
    )
    now = timezone.now()
    for month, approved, paid, amount in (
        (dt.date(2025, 1, 1), True, True, 40000),
        (dt.date(2025, 2, 1), True, True, 41100),
        (dt.date(2025, 3, 1), False, True, 99900),  # a draft: not paid yet
        (dt.date(2025, 4, 1), True, False, 0),  # held
    ):
        roster = Roster.objects.create(
            policy_id="living_subsidy",
            month=month,
            approved_at=now if approved else None,
            built_at=now,
            built_by_label="tests",
        )
        RosterLine.objects.create(
            roster=roster,
            enrolment=enrolment,
            person=person,
            policy_id="living_subsidy",
            month=month,
            paid=paid,
            amount_fen=amount,
            street=person.street,
            community=person.community,
            approved=approved,
        )
    client = signed_in(register(person))
    response = client.get("/account/")
    months = [row["month"] for row in response.context["payments"]]
    assert months == [dt.date(2025, 2, 1), dt.date(2025, 1, 1)]
    page = response.content.decode()
    assert "400.00" in page and "411.00" in page and "999.00" not in page
    assert "困难残疾人生活补贴" in page

    # Someone else sees none of it.
    other = signed_in(register(people["b"]))
    assert other.get("/account/").context["payments"] == []


def test_the_dashboard_lists_the_persons_applications_whatever_the_channel(people, staff):
    counter = application_submit(
        actor=staff["community"],
        person=people["a"],
        policy_id="care_subsidy",
        channel="counter",
        received_on=timezone.localdate(),
    ).application
    client = signed_in(register(people["a"]))
    page = client.get("/account/").content.decode()
    assert counter.number in page
    assert "测试2" not in page
