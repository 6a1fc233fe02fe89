"""The roster, outreach and review pages (P3, S5, R7) through Django's test client: scope (street B
sees nothing of street A), who may build and approve a roster (district staff; a street officer gets 403,
audited), an approved month refused when built again with nothing changed, a draft built again since the
page was read not approved, the xlsx download (two sheets, audited, full ID numbers for the district
administrator only), an outreach answer "applied" recording one application, review decisions, and
tasks out of scope answering 404, audited.

The pages are read in English (the msgids)."""

from __future__ import annotations

import datetime as dt
import io
import re

import pytest
from python_calamine import CalamineWorkbook

from xiaokang.accounts.actors import SystemActor
from xiaokang.audit.models import AuditEvent
from xiaokang.cases.enrolments import enrolments_after_run
from xiaokang.cases.models import (
    Application,
    Enrolment,
    OutreachTask,
    ReviewTask,
    Roster,
    RosterLine,
    State,
)
from xiaokang.cases.outreach import outreach_create
from xiaokang.cases.rosters import roster_approve, roster_build
from xiaokang.cases.services import application_submit, application_transition
from xiaokang.cases.tests.workflow import client_for, text
from xiaokang.policies import evaluation
from xiaokang.registry.models import Household, Person

pytestmark = pytest.mark.django_db

OCTOBER = dt.date(2025, 10, 1)
ROSTERS = "/staff/work/rosters/"
OUTREACH = "/staff/work/outreach/"
REVIEWS = "/staff/work/reviews/"


def table_rows(html: str, table_class: str, part: str = "tbody") -> list[str]:
    tables = re.findall(rf'<table class="{table_class}">(.*?)</table>', html, re.S)
    rows = []
    for table in tables:
        body = re.search(rf"<{part}>(.*?)</{part}>", table, re.S).group(1)
        rows += [text(row) for row in re.findall(r"<tr[^>]*>(.*?)</tr>", body, re.S)]
    return rows


def messages_of(html: str) -> str:
    """The messages' text as read: tags (the lang spans, a link) removed without adding spaces."""
    inner = re.search(r'<div class="messages"[^>]*>(.*?)</div>', html, re.S).group(1)
    return " ".join(re.sub(r"<[^>]+>", "", inner).split())


def enrolled(person, policy="living_subsidy") -> Enrolment:
    """An enrolment paid from October 2025 (the application received 2025-09-30)."""
    system = SystemActor("tests")
    application = application_submit(
        actor=system, person=person, policy_id=policy, channel="counter", received_on=dt.date(2025, 9, 30)
    ).application
    Application.objects.unscoped(reason="test").filter(pk=application.pk).update(state=State.APPROVED)
    application.refresh_from_db()
    application_transition(actor=system, application=application, action="enrol", version=application.version)
    return Enrolment.objects.get(application=application)


@pytest.fixture
def roster_people(people):
    """测试1 (street A) paid; 测试2 (street B) enrolled but deceased: held."""
    enrolled(people["a"])
    enrolled(people["b"])
    Person.objects.unscoped(reason="test").filter(pk=people["b"].pk).update(status="deceased")
    return people


def build(user, month="2025-10", policy="living_subsidy", **extra):
    return client_for(user).post(f"{ROSTERS}build/", {"policy": policy, "month": month, **extra})


def approve(user, roster, built=None):
    built = roster.built_at.isoformat() if built is None else built
    return client_for(user).post(f"{ROSTERS}{roster.pk}/approve/", {"built": built})


# ---------------------------------------------------------------------------------------------------
# Rosters


def test_a_street_officer_sees_only_their_streets_totals_and_held(
    roster_people, li_district_officer, wang_street_a, zhao_street_b
):
    roster_build(actor=li_district_officer, policy_id="living_subsidy", month=OCTOBER)

    district = client_for(li_district_officer).get(f"{ROSTERS}?month=2025-10").content.decode()
    street_a = client_for(wang_street_a).get(f"{ROSTERS}?month=2025-10").content.decode()
    street_b = client_for(zhao_street_b).get(f"{ROSTERS}?month=2025-10").content.decode()

    assert table_rows(district, "roster-totals") == ["万寿路街道 1 400.00 0", "中关村街道 0 0.00 1"]
    assert table_rows(district, "roster-totals", "tfoot") == ["All streets 1 400.00 1"]
    assert table_rows(street_a, "roster-totals") == ["万寿路街道 1 400.00 0"]
    assert table_rows(street_a, "roster-totals", "tfoot") == ["Your street 1 400.00 0"]
    assert "roster-held" not in street_a and "Nobody is held." in street_a
    assert "测试2" not in street_a and "中关村街道" not in street_a
    # Street B: its held person, with the condition not met in Chinese; nothing of street A.
    assert table_rows(street_b, "roster-totals") == ["中关村街道 0 0.00 1"]
    held = table_rows(street_b, "roster-held")
    assert held == [f"测试2 {roster_people['b'].id_number_masked} 测试社区 人员状态为正常（未迁出、未死亡）"]
    assert "测试1" not in street_b and "万寿路街道" not in street_b
    assert f'href="/staff/persons/{roster_people["b"].pk}/"' in street_b
    # Street officers only look: no build, approve or download forms.
    for page in (street_a, street_b):
        assert (
            "/staff/work/rosters/build/" not in page and "/approve/" not in page and "/download/" not in page
        )
    assert "Build the draft again" in district and "/approve/" in district and "/download/" in district
    assert "Draft" in district and "built on" in district
    # The other cash policy has no roster for the month: said so, with the district's build button.
    assert "No roster has been built for this month yet." in district
    assert 'name="policy" value="care_subsidy"' in district


def test_a_street_officer_cannot_build_or_approve(roster_people, li_district_officer, wang_street_a):
    roster = roster_build(actor=li_district_officer, policy_id="living_subsidy", month=OCTOBER).roster
    built_at = roster.built_at

    refused_build = build(wang_street_a, policy="care_subsidy")
    refused_approve = approve(wang_street_a, roster)
    refused_download = client_for(wang_street_a).post(f"{ROSTERS}{roster.pk}/download/")

    assert refused_build.status_code == refused_approve.status_code == refused_download.status_code == 403
    assert not Roster.objects.filter(policy_id="care_subsidy").exists()
    roster.refresh_from_db()
    assert not roster.approved and roster.built_at == built_at
    denied = AuditEvent.objects.filter(actor_label="street_a", action="access.denied")
    assert set(denied.values_list("person_id", flat=True)) == {None}  # a roster's id is no person's
    assert set(denied.values_list("object_id", flat=True)) == {
        "roster-build",
        "roster-approve",
        "roster-download",
    }


def test_the_district_builds_approves_and_building_again_is_refused(roster_people, li_district_officer):
    built = build(li_district_officer)

    assert built.status_code == 303 and built["Location"] == f"{ROSTERS}?month=2025-10"
    roster = Roster.objects.get(policy_id="living_subsidy", month=OCTOBER)
    page = client_for(li_district_officer).get(built["Location"]).content.decode()
    assert "The draft roster of 困难残疾人生活补贴 for 2025-10 has been built: 1 paid, 400.00 yuan" in text(
        page
    )
    assert '<span lang="zh-Hans">困难残疾人生活补贴</span>' in messages_of_html(page)

    approved = approve(li_district_officer, roster)

    assert approved.status_code == 303
    roster.refresh_from_db()
    assert roster.approved and roster.approved_by == li_district_officer
    page = client_for(li_district_officer).get(approved["Location"]).content.decode()
    assert (
        "Approved: the roster of 困难残疾人生活补贴 for 2025-10, 1 paid, 400.00 yuan in all; 1 held. "
        "It is locked now." in messages_of(page)
    )
    assert "It is locked: it cannot be built again." in text(page)
    assert "Build the draft again" not in page and f"{roster.pk}/approve/" not in page
    assert f"{roster.pk}/download/" in page  # an approved roster can still be downloaded
    lines = list(
        RosterLine.objects.unscoped(reason="test").order_by("pk").values_list("pk", "paid", "approved")
    )

    again = build(li_district_officer)

    assert again.status_code == 409
    html = again.content.decode()
    assert 'id="error-summary"' in html and "<title>Error: Payment rosters" in html
    assert "is approved and cannot be rebuilt" in html
    assert (
        list(RosterLine.objects.unscoped(reason="test").order_by("pk").values_list("pk", "paid", "approved"))
        == lines
    )
    assert Roster.objects.get().built_at == roster.built_at
    assert AuditEvent.objects.filter(action="roster.build").count() == 1
    assert AuditEvent.objects.filter(action="roster.approve", actor_label="district").count() == 1
    # Approving twice (a double click) is refused as well, and said so.
    twice = approve(li_district_officer, roster)
    assert twice.status_code == 409 and "already approved" in twice.content.decode()


def messages_of_html(html: str) -> str:
    return re.search(r'<div class="messages"[^>]*>(.*?)</div>', html, re.S).group(1)


def test_a_draft_built_again_after_the_page_was_read_is_not_approved(roster_people, li_district_officer):
    roster = roster_build(actor=li_district_officer, policy_id="living_subsidy", month=OCTOBER).roster
    read = roster.built_at.isoformat()
    roster_build(actor=li_district_officer, policy_id="living_subsidy", month=OCTOBER)  # someone rebuilt it

    response = approve(li_district_officer, roster, built=read)

    assert response.status_code == 409
    assert "was built again after you opened the page" in text(response.content.decode())
    roster.refresh_from_db()
    assert (
        not roster.approved and not RosterLine.objects.unscoped(reason="test").filter(approved=True).exists()
    )


def test_a_wrong_month_or_policy_is_an_error_not_a_crash(people, li_district_officer):
    page = client_for(li_district_officer).get(f"{ROSTERS}?month=2025-13")
    posted = build(li_district_officer, month="October")
    other = build(li_district_officer, policy="health_check")  # not a cash benefit

    assert page.status_code == 200
    html = page.content.decode()
    assert '<a href="#id_month">Month: Enter a month as year-month, for example 2025-10.</a>' in html
    assert 'aria-invalid="true"' in re.search(r'<input[^>]*id="id_month"[^>]*>', html).group(0)
    assert "<section" not in html  # no roster shown for a month that could not be read
    assert posted.status_code == other.status_code == 422
    assert not Roster.objects.exists()


def test_the_page_defaults_to_this_month_and_can_show_one_policy(people, li_district_officer):
    from django.utils import timezone

    html = client_for(li_district_officer).get(ROSTERS).content.decode()
    one = client_for(li_district_officer).get(f"{ROSTERS}?month=2025/10&policy=care_subsidy").content.decode()

    assert f'value="{timezone.localdate():%Y-%m}"' in html
    assert 'id="roster-living_subsidy"' in html and 'id="roster-care_subsidy"' in html
    assert 'id="roster-care_subsidy"' in one and 'id="roster-living_subsidy"' not in one
    assert 'value="2025-10"' in one  # the month as the page reads it
    assert 'name="show" value="care_subsidy"' in one  # the build keeps the filter on the way back


def workbook(response) -> CalamineWorkbook:
    return CalamineWorkbook.from_filelike(io.BytesIO(b"".join(response.streaming_content)))


def test_the_download_is_an_xlsx_with_two_sheets_audited(
    roster_people, li_district_officer, chen_district_admin
):
    roster = roster_build(actor=li_district_officer, policy_id="living_subsidy", month=OCTOBER).roster
    roster_approve(actor=li_district_officer, roster=roster)

    masked = client_for(li_district_officer).post(f"{ROSTERS}{roster.pk}/download/")
    full = client_for(chen_district_admin).post(f"{ROSTERS}{roster.pk}/download/")

    assert masked.status_code == 200
    assert 'filename="roster-living_subsidy-2025-10-approved.xlsx"' in masked["Content-Disposition"]
    assert "no-store" in masked["Cache-Control"]
    book = workbook(masked)
    assert book.sheet_names == ["发放名册", "暂停发放 held"]
    paid = book.get_sheet_by_index(0).to_python()
    held = book.get_sheet_by_index(1).to_python()
    assert paid[0] == ["id_number", "name", "street_code", "community", "policy", "month", "amount"]
    assert paid[1:] == [
        [
            roster_people["a"].id_number_masked,
            "测试1",
            "110108001",
            "测试社区",
            "living_subsidy",
            "2025-10",
            "400.00",
        ]
    ]
    assert [row[:2] for row in held[1:]] == [[roster_people["b"].id_number_masked, "测试2"]]
    assert held[1][-1] == "status_normal"
    full_paid = workbook(full).get_sheet_by_index(0).to_python()
    assert "*" not in full_paid[1][0] and len(full_paid[1][0]) == 18
    events = AuditEvent.objects.filter(action="roster.export").order_by("id")
    assert [(e.actor_label, e.details["full_id_numbers"]) for e in events] == [
        ("district", False),
        ("admin", True),
    ]


def test_a_get_of_the_roster_actions_is_405(people, li_district_officer):
    client = client_for(li_district_officer)

    assert client.get(f"{ROSTERS}build/").status_code == 405
    assert client.get(f"{ROSTERS}1/approve/").status_code == 405
    assert client.post(f"{ROSTERS}999999/approve/", {"built": "x"}).status_code == 404


# ---------------------------------------------------------------------------------------------------
# Outreach


@pytest.fixture
def tasks(people, system_actor):
    """Outreach tasks of the last run: 测试1 living and care subsidies (street A), 测试2 both (street B),
    测试3 the care subsidy (street A)."""
    run = evaluation.evaluate_registry(dt.date.today(), actor=system_actor).run
    outreach_create(actor=system_actor, run=run)
    return {
        (task.person.name, task.policy_id): task
        for task in OutreachTask.objects.unscoped(reason="test").select_related("person")
    }


def answer(user, task, outcome="", note="", **extra):
    data = {"note": note, **extra}
    if outcome:
        data["outcome"] = outcome
    return client_for(user).post(f"{OUTREACH}{task.pk}/", data)


def test_outreach_lists_the_open_tasks_in_scope(tasks, sun_community_a, zhao_street_b, li_district_officer):
    worker = client_for(sun_community_a).get(OUTREACH).content.decode()
    street_b = client_for(zhao_street_b).get(OUTREACH).content.decode()
    district = client_for(li_district_officer).get(OUTREACH).content.decode()

    titles = re.findall(r'<h2 id="task-\d+-title"[^>]*>(.*?)</h2>', worker, re.S)
    assert sorted(text(title) for title in titles) == [
        "测试1 – , 困难残疾人生活补贴",
        "测试1 – , 重度残疾人护理补贴",
        "测试3 – , 重度残疾人护理补贴",
    ]
    assert "3 open tasks" in worker and "测试2" not in worker
    assert "测试1" not in street_b and "测试3" not in street_b and "2 open tasks" in street_b
    assert "5 open tasks" in district
    task = tasks[("测试1", "living_subsidy")]
    assert f'action="/staff/work/outreach/{task.pk}/"' in worker
    assert f'id="task-{task.pk}-outcome_0"' in worker and f'<label for="task-{task.pk}-note">' in worker


def test_an_outreach_answer_applied_creates_the_application_once(tasks, sun_community_a):
    task = tasks[("测试1", "living_subsidy")]

    first = answer(sun_community_a, task, "applied", "电话联系，同意申请")

    assert first.status_code == 303 and first["Location"] == OUTREACH
    application = Application.objects.unscoped(reason="test").get(
        person=task.person, policy_id="living_subsidy"
    )
    assert (application.channel, application.state, application.created_by_label) == (
        "outreach",
        State.SUBMITTED,
        "community_a",
    )
    page = client_for(sun_community_a).get(OUTREACH).content.decode()
    message = messages_of_html(page)
    assert f'<a href="/staff/applications/{application.pk}/">{application.number}</a>' in message
    assert "Recorded: 测试1 applies for 困难残疾人生活补贴. Application HD-" in messages_of(page)
    assert f"/staff/work/outreach/{task.pk}/" not in page  # no longer open
    task.refresh_from_db()
    assert (task.status, task.note) == ("applied", "电话联系，同意申请")

    second = answer(sun_community_a, task, "applied")  # a double click, or Back and post again

    assert second.status_code == 409
    assert "This task had already been answered" in second.content.decode()
    assert Application.objects.unscoped(reason="test").filter(person=task.person).count() == 1
    assert AuditEvent.objects.filter(action="outreach.outcome").count() == 1


def test_an_outreach_answer_declined_or_unreachable_closes_the_task(tasks, sun_community_a):
    declined = answer(sun_community_a, tasks[("测试1", "care_subsidy")], "declined", "本人不愿申请")
    unreachable = answer(sun_community_a, tasks[("测试3", "care_subsidy")], "unreachable")

    assert declined.status_code == unreachable.status_code == 303
    statuses = dict(
        OutreachTask.objects.unscoped(reason="test")
        .filter(person__name__in=["测试1", "测试3"])
        .values_list("pk", "status")
    )
    assert statuses[tasks[("测试1", "care_subsidy")].pk] == "declined"
    assert statuses[tasks[("测试3", "care_subsidy")].pk] == "unreachable"
    assert not Application.objects.unscoped(reason="test").exists()
    html = client_for(sun_community_a).get(OUTREACH).content.decode()
    assert "could not be reached about" in messages_of(html)


def test_an_outreach_answer_without_an_outcome_is_refused_on_its_field(tasks, sun_community_a):
    task = tasks[("测试1", "living_subsidy")]

    response = answer(sun_community_a, task, note="未接通")

    assert response.status_code == 422
    html = response.content.decode()
    assert f'<a href="#task-{task.pk}-outcome_0">Outcome: Choose the outcome.</a>' in html
    fieldset = re.search(rf'<fieldset[^>]*aria-describedby="task-{task.pk}-outcome_error"[^>]*>', html)
    assert fieldset is not None and f'id="task-{task.pk}-outcome_error"' in html
    assert "未接通" in html  # the typed note is kept
    task.refresh_from_db()
    assert task.status == "open"


def test_an_outreach_task_out_of_scope_is_404_and_audited(tasks, zhao_street_b, sun_community_a):
    task = tasks[("测试1", "living_subsidy")]
    other_community = tasks[("测试2", "living_subsidy")]

    refused = answer(zhao_street_b, task, "declined")
    also_refused = answer(sun_community_a, other_community, "declined")

    assert refused.status_code == also_refused.status_code == 404
    assert OutreachTask.objects.unscoped(reason="test").filter(status="open").count() == 5
    denied = AuditEvent.objects.filter(action="access.denied", object_type="outreach")
    assert set(denied.values_list("actor_label", "object_id")) == {
        ("street_b", str(task.pk)),
        ("community_a", str(other_community.pk)),
    }


# ---------------------------------------------------------------------------------------------------
# Reviews


@pytest.fixture
def reviews(people, system_actor):
    """测试1 (street A) and 测试2 (street B) enrolled, then their households are no longer 低保: suspended."""
    enrolments = {"a": enrolled(people["a"]), "b": enrolled(people["b"])}
    Household.objects.filter(pk__in=[people["a"].household_id, people["b"].household_id]).update(
        economic_status="ordinary"
    )
    enrolments_after_run(
        actor=system_actor, run=evaluation.evaluate_registry(dt.date.today(), actor=system_actor).run
    )
    return {
        key: ReviewTask.objects.unscoped(reason="test").get(enrolment=enrolment)
        for key, enrolment in enrolments.items()
    }


def decide(user, task, decision="", note=""):
    data = {"note": note}
    if decision:
        data["decision"] = decision
    return client_for(user).post(f"{REVIEWS}{task.pk}/", data)


def test_the_reviews_are_scoped_with_the_conditions_not_met(
    reviews, wang_street_a, zhao_street_b, li_district_officer
):
    street_a = client_for(wang_street_a).get(REVIEWS).content.decode()
    district = client_for(li_district_officer).get(REVIEWS).content.decode()

    assert "1 review waiting" in street_a and "测试1" in street_a and "测试2" not in street_a
    assert "家庭为低保或低收入家庭" in street_a  # the condition's Chinese label, not its id
    assert "economic_status" not in street_a
    assert "2 reviews waiting" in district
    assert f'action="/staff/work/reviews/{reviews["a"].pk}/"' in street_a


def test_a_street_officer_reinstates_or_terminates(reviews, wang_street_a, zhao_street_b):
    reinstated = decide(wang_street_a, reviews["a"], "reinstate", "低保复核中，恢复发放")
    no_reason = decide(zhao_street_b, reviews["b"], "terminate")

    assert reinstated.status_code == 303 and reinstated["Location"] == REVIEWS
    enrolment = reviews["a"].enrolment
    enrolment.refresh_from_db()
    assert (enrolment.status, enrolment.status_reason) == ("active", "低保复核中，恢复发放")
    page = client_for(wang_street_a).get(REVIEWS).content.decode()
    assert "Reinstated: 测试1 receives 困难残疾人生活补贴 again from the next roster." in messages_of(page)
    assert "0 reviews waiting" in page

    assert no_reason.status_code == 422
    html = no_reason.content.decode()
    assert (
        f'<a href="#task-{reviews["b"].pk}-note">Reason: Enter the reason for stopping the benefit.</a>'
        in html
    )
    assert Enrolment.objects.get(pk=reviews["b"].enrolment_id).status == "suspended"

    terminated = decide(zhao_street_b, reviews["b"], "terminate", "家庭经济状况已改善")
    assert terminated.status_code == 303
    assert Enrolment.objects.get(pk=reviews["b"].enrolment_id).status == "terminated"
    assert AuditEvent.objects.filter(action="enrolment.terminate", actor_label="street_b").count() == 1

    again = decide(zhao_street_b, reviews["b"], "reinstate")
    assert again.status_code == 409 and "already been decided" in again.content.decode()
    assert Enrolment.objects.get(pk=reviews["b"].enrolment_id).status == "terminated"


def test_a_review_out_of_scope_is_404_and_audited_and_community_workers_get_403(
    reviews, zhao_street_b, sun_community_a
):
    refused = decide(zhao_street_b, reviews["a"], "reinstate")
    worker_page = client_for(sun_community_a).get(REVIEWS)
    worker_post = decide(sun_community_a, reviews["a"], "reinstate")

    assert refused.status_code == 404
    assert AuditEvent.objects.filter(
        action="access.denied", object_type="review", actor_label="street_b", object_id=str(reviews["a"].pk)
    ).exists()
    assert worker_page.status_code == worker_post.status_code == 403
    assert ReviewTask.objects.unscoped(reason="test").filter(status="open").count() == 2


# ---------------------------------------------------------------------------------------------------
# The menu


def test_the_menu_has_the_work_pages_by_role(people, li_district_officer, sun_community_a, wang_street_a):
    district = client_for(li_district_officer).get("/staff/").content.decode()
    street = client_for(wang_street_a).get("/staff/").content.decode()
    worker = client_for(sun_community_a).get("/staff/").content.decode()

    for page in (district, street):
        assert all(f'href="{url}"' in page for url in (ROSTERS, OUTREACH, REVIEWS))
    assert f'href="{OUTREACH}"' in worker
    assert f'href="{ROSTERS}"' not in worker and f'href="{REVIEWS}"' not in worker
