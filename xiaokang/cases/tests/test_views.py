"""The application pages (S4) through Django's test client: the queue (scoped, sorted by the
next deadline, overdue and nearly-due flagged in words), the deadlines per street, an application's page
(404 out of scope, audited) with its timeline and actions, transitions (303 on success, 409 when stale,
422 when illegal or without a required reason, nothing applied on error), and recording an application
(one per submission token, a future date refused on its field).

The pages are read in English (the msgids): the words checked are the ones a screen reader says."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from django.test import Client
from django.utils import timezone

from tests.actors import make_staff
from xiaokang.audit.models import AuditEvent
from xiaokang.cases.models import Application, State
from xiaokang.cases.tests.workflow import move, submit

pytestmark = pytest.mark.django_db


def client_for(user) -> Client:
    client = Client()
    client.force_login(user)
    client.cookies["django_language"] = "en"
    return client


def text(html: str) -> str:
    """The page's text, tags removed and spaces collapsed."""
    return " ".join(re.sub(r"<[^>]+>", " ", html).split())


def body_rows(html: str, table_class: str) -> list[str]:
    table = re.search(rf'<table class="{table_class}">(.*?)</table>', html, re.S).group(1)
    body = re.search(r"<tbody>(.*?)</tbody>", table, re.S).group(1)
    return [text(row) for row in re.findall(r"<tr[^>]*>(.*?)</tr>", body, re.S)]


def footer_row(html: str, table_class: str) -> str:
    table = re.search(rf'<table class="{table_class}">(.*?)</table>', html, re.S).group(1)
    return text(re.search(r"<tfoot>(.*?)</tfoot>", table, re.S).group(1))


def detail_url(application) -> str:
    return f"/staff/applications/{application.pk}/"


def post_action(client, application, action, *, version=None, reason=""):
    return client.post(
        f"/staff/applications/{application.pk}/transition/",
        {"action": action, "version": application.version if version is None else version, "reason": reason},
    )


# ---------------------------------------------------------------------------------------------------
# The queue


def test_the_queue_shows_only_the_officers_street(people, system_actor, wang_street_a, zhao_street_b):
    in_a = submit(system_actor, people["a"])
    in_b = submit(system_actor, people["b"])

    page_a = client_for(wang_street_a).get("/staff/applications/")
    page_b = client_for(zhao_street_b).get("/staff/applications/")

    assert page_a.status_code == page_b.status_code == 200
    assert "no-store" in page_a["Cache-Control"]  # personal data: not kept in a shared cache
    assert in_a.number in page_a.content.decode() and in_b.number not in page_a.content.decode()
    assert in_b.number in page_b.content.decode() and in_a.number not in page_b.content.decode()
    assert "测试1" not in page_b.content.decode()  # not even the name of street A's applicant


def test_the_queue_is_sorted_by_the_next_deadline_and_flags_it_in_words(
    people, system_actor, sun_community_a, wang_street_a
):
    today = timezone.localdate()
    worker = sun_community_a
    later = submit(system_actor, people["a"], "health_check")
    soon = move(worker, submit(system_actor, people["a"], "care_subsidy"), "accept")
    overdue = submit(system_actor, people["a"], "living_subsidy")
    done = move(worker, submit(system_actor, people["a"], "medical_assistance"), "return", reason="x")
    # Deadlines set directly: overdue for acceptance, a decision due tomorrow, an acceptance far ahead.
    Application.objects.unscoped(reason="test").filter(pk=overdue.pk).update(
        accept_by=today - dt.timedelta(days=1)
    )
    Application.objects.unscoped(reason="test").filter(pk=soon.pk).update(
        decide_by=today + dt.timedelta(days=1), accept_by=today
    )
    Application.objects.unscoped(reason="test").filter(pk=later.pk).update(
        accept_by=today + dt.timedelta(days=60)
    )

    html = client_for(wang_street_a).get("/staff/applications/").content.decode()
    rows = body_rows(html, "queue")

    assert [row.split()[0] for row in rows] == [overdue.number, soon.number, later.number]
    assert done.number not in html  # returned: no longer being handled, not in the default queue
    assert "accept by" in rows[0] and "overdue" in rows[0]
    assert "decide by" in rows[1] and "due within 3 working days" in rows[1] and "overdue" not in rows[1]
    assert "overdue" not in rows[2] and "due within" not in rows[2]
    assert "困难残疾人生活补贴" in rows[0] and "测试1" in rows[0] and "counter" in rows[0]
    assert 'class="overdue"' in html and 'class="due-soon"' in html  # the row is tinted as well

    everything = client_for(wang_street_a).get("/staff/applications/?state=all").content.decode()
    assert body_rows(everything, "queue")[-1].split()[0] == done.number  # no deadline running: last
    returned = client_for(wang_street_a).get("/staff/applications/?state=returned").content.decode()
    assert [row.split()[0] for row in body_rows(returned, "queue")] == [done.number]
    by_policy = client_for(wang_street_a).get("/staff/applications/?policy=care_subsidy").content.decode()
    assert [row.split()[0] for row in body_rows(by_policy, "queue")] == [soon.number]


def test_a_wrong_filter_value_is_an_error_not_a_crash(people, wang_street_a):
    response = client_for(wang_street_a).get("/staff/applications/?state=flying")

    assert response.status_code == 200
    assert 'id="error-summary"' in response.content.decode()


# ---------------------------------------------------------------------------------------------------
# The deadlines per street


def test_the_dashboard_counts_per_street_with_totals(
    people,
    system_actor,
    sun_community_a,
    zheng_community_a,
    wang_street_a,
    li_district_officer,
    zhao_street_b,
):
    today = timezone.localdate()
    worker = sun_community_a
    submit(system_actor, people["a"], "living_subsidy")  # received 2025-09-30: overdue for acceptance
    submit(system_actor, people["a"], "health_check", received_on=today)  # not yet due
    reviewed = move(worker, submit(system_actor, people["a"], "care_subsidy"), "accept")
    assert reviewed.decide_by < today  # in review, overdue for decision
    on_time = move(worker, submit(system_actor, people["ordinary"], received_on=today), "accept")
    assert on_time.state == State.COMMUNITY_REVIEW
    approved = move(worker, submit(system_actor, people["a"], "medical_assistance"), "accept")
    approved = move(zheng_community_a, approved, "forward")
    move(li_district_officer, move(wang_street_a, approved, "forward"), "approve")
    submit(system_actor, people["b"], received_on=today)

    html = client_for(li_district_officer).get("/staff/applications/dashboard/").content.decode()
    rows = {row.split()[0]: row.split()[1:] for row in body_rows(html, "deadlines")}

    # not yet accepted, of which overdue; in review, of which overdue; approved awaiting enrolment
    assert rows["万寿路街道"] == ["2", "1", "2", "1", "1"]
    assert rows["中关村街道"] == ["1", "0", "0", "0", "0"]
    assert "甘家口街道" in rows and rows["甘家口街道"] == ["0", "0", "0", "0", "0"]  # every street shown
    assert footer_row(html, "deadlines").split()[-5:] == ["3", "1", "2", "1", "1"]

    street_b = client_for(zhao_street_b).get("/staff/applications/dashboard/").content.decode()
    assert list({row.split()[0] for row in body_rows(street_b, "deadlines")}) == ["中关村街道"]
    assert footer_row(street_b, "deadlines").split()[-5:] == ["1", "0", "0", "0", "0"]


def test_a_community_worker_sees_their_street_counting_their_community(people, system_actor, sun_community_a):
    submit(system_actor, people["a"])

    html = client_for(sun_community_a).get("/staff/applications/dashboard/").content.decode()

    assert [row.split()[0] for row in body_rows(html, "deadlines")] == ["万寿路街道"]
    assert "your community only" in html


# ---------------------------------------------------------------------------------------------------
# One application


def test_the_detail_is_404_out_of_scope_and_audited(people, system_actor, wang_street_a, zhao_street_b):
    application = submit(system_actor, people["a"])

    refused = client_for(zhao_street_b).get(detail_url(application))
    missing = client_for(zhao_street_b).get("/staff/applications/99999999999999999999999/")
    shown = client_for(wang_street_a).get(detail_url(application))

    assert refused.status_code == 404 and missing.status_code == 404
    assert AuditEvent.objects.filter(
        actor_label="street_b",
        action="access.denied",
        object_type="application",
        object_id=str(application.pk),
    ).exists()
    assert shown.status_code == 200
    view = AuditEvent.objects.get(actor_label="street_a", action="application.view")
    assert (view.object_id, view.person_id) == (application.number, people["a"].pk)
    html = shown.content.decode()
    for expected in (application.number, "2025-09-30", "2025-10-14", "2025-11-04", "submitted"):
        assert expected in html
    assert f'href="/staff/persons/{people["a"].pk}/"' in html
    assert 'href="/staff/policies/living_subsidy/"' in html
    assert "overdue" in html  # the acceptance deadline has passed


def test_the_detail_offers_only_the_actions_of_the_role_and_state(
    people, system_actor, sun_community_a, wang_street_a, li_district_officer
):
    application = submit(system_actor, people["a"])

    worker = client_for(sun_community_a).get(detail_url(application)).content.decode()
    district = client_for(li_district_officer).get(detail_url(application)).content.decode()

    assert re.findall(r'name="action" value="(\w+)"', worker) == ["accept", "return"]
    assert f'name="version" value="{application.version}"' in worker
    assert 'name="csrfmiddlewaretoken"' in worker
    # The reason's label says when it is required.
    assert re.search(r'<label for="reason-return">Reason <span class="required">\(required\)', worker)
    assert re.search(r'<label for="reason-accept">Note <span class="required">\(optional\)', worker)
    assert 'name="action"' not in district  # the district does not accept at the counter
    assert "nothing for you to do" in district


def test_a_transition_moves_it_on_and_the_timeline_shows_it(people, system_actor, sun_community_a):
    application = submit(system_actor, people["a"])
    client = client_for(sun_community_a)

    response = post_action(client, application, "accept", reason="材料齐全")

    assert response.status_code == 303 and response["Location"] == detail_url(application)
    application.refresh_from_db()
    assert (application.state, application.version) == (State.COMMUNITY_REVIEW, 2)
    html = client.get(response["Location"]).content.decode()
    assert "Done: Accept the application. The application is now: community review." in html
    timeline = body_rows(html, "timeline")
    assert len(timeline) == 2
    assert "tests" in timeline[0] and "Received" in timeline[0] and "submitted" in timeline[0]
    assert "community_a" in timeline[1] and "Accepted" in timeline[1] and "材料齐全" in timeline[1]
    assert "submitted → changed to community review" in timeline[1]  # the arrow is aria-hidden
    # Separation of duties: whoever accepted does not forward; the page says so and offers no form.
    assert re.findall(r'name="action" value="(\w+)"', html) == []
    assert "you accepted this application; another officer must forward it" in html
    assert AuditEvent.objects.filter(action="application.accept", actor_label="community_a").count() == 1


def test_a_stale_version_is_409_and_changes_nothing(people, system_actor, sun_community_a, wang_street_a):
    application = submit(system_actor, people["a"])
    move(wang_street_a, application, "accept")  # another officer acted first

    response = post_action(client_for(sun_community_a), application, "return", version=1, reason="缺材料")

    assert response.status_code == 409
    html = response.content.decode()
    assert "Someone else changed this application" in html
    assert "It is now: <strong>community review</strong> (version 2)" in html
    assert 'role="alert"' in html and "<title>Error: Application" in html
    assert 'name="version" value="2"' in html  # the forms now carry the current version
    application.refresh_from_db()
    assert (application.state, application.version) == (State.COMMUNITY_REVIEW, 2)
    assert not application.events.filter(action="return").exists()
    assert not AuditEvent.objects.filter(action="application.return").exists()


def test_an_illegal_action_is_422_and_changes_nothing(people, system_actor, sun_community_a):
    application = submit(system_actor, people["a"])
    client = client_for(sun_community_a)

    illegal = post_action(client, application, "approve")
    no_reason = post_action(client, application, "return", reason="   ")
    broken = client.post(f"/staff/applications/{application.pk}/transition/", {"action": "accept"})

    assert illegal.status_code == 422
    assert "approve is not possible in state submitted" in illegal.content.decode()
    assert no_reason.status_code == 422
    html = no_reason.content.decode()
    assert '<a href="#reason-return">Enter a reason: this action needs one.</a>' in html  # the summary
    field = re.search(r"<textarea[^>]*id=\"reason-return\"[^>]*>", html).group(0)
    assert 'aria-invalid="true"' in field and "reason-return-error" in field
    assert broken.status_code == 422
    application.refresh_from_db()
    assert (application.state, application.version) == (State.SUBMITTED, 1)
    assert application.events.count() == 1


def test_a_transition_out_of_scope_is_404_and_applies_nothing(people, system_actor, zhao_street_b):
    application = submit(system_actor, people["a"])

    response = post_action(client_for(zhao_street_b), application, "accept")

    assert response.status_code == 404
    application.refresh_from_db()
    assert (application.state, application.version) == (State.SUBMITTED, 1)


def test_a_get_of_the_transition_is_405(people, system_actor, sun_community_a):
    application = submit(system_actor, people["a"])

    assert (
        client_for(sun_community_a).get(f"/staff/applications/{application.pk}/transition/").status_code
        == 405
    )


def test_a_rejection_lists_the_failed_conditions_with_their_citations(
    people, system_actor, sun_community_a, zheng_community_a, wang_street_a, li_district_officer
):
    application = submit(system_actor, people["ordinary"])  # 一般: no living subsidy
    move(sun_community_a, application, "accept")
    move(zheng_community_a, Application.objects.unscoped(reason="test").get(pk=application.pk), "forward")
    move(wang_street_a, Application.objects.unscoped(reason="test").get(pk=application.pk), "forward")
    response = post_action(
        client_for(li_district_officer),
        Application.objects.unscoped(reason="test").get(pk=application.pk),
        "reject",
        reason="不符合条件",
    )

    assert response.status_code == 303
    html = client_for(li_district_officer).get(detail_url(application)).content.decode()
    rejection = body_rows(html, "timeline")[-1]
    assert "Rejected" in rejection and "不符合条件" in rejection
    assert "Conditions not met:" in rejection and "国发〔2015〕52号" in rejection


def test_whoever_rejected_is_not_offered_the_appeal_decision(
    people,
    system_actor,
    sun_community_a,
    zheng_community_a,
    wang_street_a,
    li_district_officer,
    liu_district_officer,
):
    application = submit(system_actor, people["ordinary"])
    application = move(sun_community_a, application, "accept")
    application = move(zheng_community_a, application, "forward")
    application = move(wang_street_a, application, "forward")
    application = move(li_district_officer, application, "reject", reason="不符合条件")
    move(sun_community_a, application, "appeal", reason="申请复议")

    rejecter = client_for(li_district_officer).get(detail_url(application)).content.decode()
    other = client_for(liu_district_officer).get(detail_url(application)).content.decode()

    assert 'name="action"' not in rejecter
    assert "you rejected this application; another officer must decide the appeal" in rejecter
    assert re.findall(r'name="action" value="(\w+)"', other) == ["approve", "reject"]


# ---------------------------------------------------------------------------------------------------
# A new application


def new_url(person) -> str:
    return f"/staff/applications/new/{person.pk}/"


def form_data(client, person, **changes) -> dict:
    html = client.get(new_url(person)).content.decode()
    token = re.search(r'name="submission_token" value="([0-9a-f]{32})"', html).group(1)
    return {
        "policy": "living_subsidy",
        "channel": "counter",
        "received_on": timezone.localdate().isoformat(),
        "submission_token": token,
    } | changes


def test_the_form_offers_the_person_policies_in_chinese_and_today(people, sun_community_a):
    response = client_for(sun_community_a).get(new_url(people["a"]))

    assert response.status_code == 200
    html = response.content.decode()
    assert '<option value="living_subsidy" lang="zh-Hans">困难残疾人生活补贴</option>' in html
    assert re.search(r'<option value="online"', html) is None  # online is the public portal's
    assert f'value="{timezone.localdate().isoformat()}"' in html
    assert '<label for="id_received_on">' in html


def test_the_same_submission_token_twice_creates_one_application(people, sun_community_a):
    client = client_for(sun_community_a)
    data = form_data(client, people["a"])

    first = client.post(new_url(people["a"]), data)
    second = client.post(new_url(people["a"]), data)  # a double click

    assert first.status_code == second.status_code == 303
    application = Application.objects.unscoped(reason="test").get()
    assert first["Location"] == second["Location"] == detail_url(application)
    assert (application.created_by_label, application.channel) == ("community_a", "counter")
    assert application.received_on == timezone.localdate()
    html = client.get(second["Location"]).content.decode()
    assert "This form had already been sent" in html


def test_a_future_received_on_is_refused_on_its_field(people, sun_community_a):
    client = client_for(sun_community_a)
    tomorrow = (timezone.localdate() + dt.timedelta(days=1)).isoformat()

    response = client.post(new_url(people["a"]), form_data(client, people["a"], received_on=tomorrow))

    assert response.status_code == 422
    html = response.content.decode()
    assert '<a href="#id_received_on">Received on: The day received cannot be in the future.</a>' in html
    field = re.search(r'<input[^>]*id="id_received_on"[^>]*>', html).group(0)
    assert 'aria-invalid="true"' in field and f'value="{tomorrow}"' in field
    assert Application.objects.unscoped(reason="test").count() == 0


def test_a_second_open_application_is_refused_on_the_policy(people, system_actor, sun_community_a):
    existing = submit(system_actor, people["a"])
    client = client_for(sun_community_a)

    response = client.post(new_url(people["a"]), form_data(client, people["a"]))

    assert response.status_code == 422
    html = response.content.decode()
    assert f"an open application for this policy exists: {existing.number}" in html
    assert 'aria-invalid="true"' in re.search(r'<select[^>]*id="id_policy"[^>]*>', html).group(0)
    assert Application.objects.unscoped(reason="test").count() == 1


def test_a_person_out_of_scope_is_404(people, zhao_street_b):
    assert client_for(zhao_street_b).get(new_url(people["a"])).status_code == 404
    assert AuditEvent.objects.filter(action="access.denied", object_type="person").exists()


# ---------------------------------------------------------------------------------------------------
# The person page's section


def test_the_person_page_lists_the_applications_and_links_a_new_one(people, system_actor, sun_community_a):
    application = submit(system_actor, people["a"])

    html = client_for(sun_community_a).get(f"/staff/persons/{people['a'].pk}/").content.decode()

    assert '<a href="#applications">Applications</a>' in html  # in the page's contents
    rows = body_rows(html, "person-applications")
    assert rows == [f"{application.number} 困难残疾人生活补贴 submitted 2025-09-30"]
    assert f'href="{new_url(people["a"])}"' in html


def test_the_menu_has_the_queue_and_the_deadlines_for_readers_only(people, wang_street_a, auditor_qian):
    reader = client_for(wang_street_a).get("/staff/").content.decode()
    auditor = client_for(auditor_qian).get("/staff/").content.decode()

    assert 'href="/staff/applications/"' in reader and 'href="/staff/applications/dashboard/"' in reader
    assert "/staff/applications/" not in auditor


def test_a_refused_role_on_an_application_page_is_audited_without_taking_its_id_for_a_persons(
    application,
):
    auditor = make_staff("aud2", "auditor")

    assert client_for(auditor).get(f"/staff/applications/{application.pk}/").status_code == 403

    event = AuditEvent.objects.get(action="access.denied", object_type="page")
    assert (event.object_id, event.person_id) == ("application-detail", None)
