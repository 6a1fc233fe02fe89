"""The roster, outreach and review pages in a real browser (P3, S5, R7), with the keyboard alone: a
district officer opens the rosters from the menu, chooses a month, builds the draft and approves it; a
community worker answers an outreach task "applied" and follows the message's link to the new
application; a street officer is refused a termination without a reason, then reinstates a suspended
benefit. Every page is checked by axe-core and for sideways scrolling (check_page), also 400 px wide.
Screenshots go to /tmp/work-shots/ as well.

The data is written in a fixture that runs before the browser starts (see the browser fixture in
conftest.py): 测试1, 测试2 and 测试4 in 万寿路街道 (测试社区), 测试3 in 中关村街道. 测试1, 测试3
and 测试4 receive the living subsidy from October 2025. An evaluation run then suspends 测试4's
(household no longer 低保: a review task for street A) and gives outreach tasks to those who qualify
without applying (测试2's living subsidy among them); 测试3 has died since, so the October roster
holds them.

The pages are read in English (the language cookie), so that the assertions name the msgids."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from playwright.sync_api import expect

from tests.browser.menu import menu_link

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True, serialized_rollback=True)]

SHOTS = Path("/tmp/work-shots")
LIVING = "困难残疾人生活补贴"


def _enrol(person, policy="living_subsidy"):
    from xiaokang.accounts.actors import SystemActor
    from xiaokang.cases.models import Application, State
    from xiaokang.cases.services import application_submit, application_transition

    system = SystemActor("tests")
    application = application_submit(
        actor=system, person=person, policy_id=policy, channel="counter", received_on=dt.date(2025, 9, 30)
    ).application
    Application.objects.unscoped(reason="test").filter(pk=application.pk).update(state=State.APPROVED)
    application.refresh_from_db()
    application_transition(actor=system, application=application, action="enrol", version=application.version)


@pytest.fixture
def work_data(system_actor, tmp_path) -> dict:
    """The persons, enrolments, an evaluation run's outreach and review tasks, and a community worker of
    测试社区; returns record ids."""
    from tests.helpers import person_row, write_csv
    from xiaokang.accounts.models import User
    from xiaokang.cases.enrolments import enrolments_after_run
    from xiaokang.cases.models import OutreachTask, ReviewTask
    from xiaokang.cases.outreach import outreach_create
    from xiaokang.policies import evaluation
    from xiaokang.registry.models import Household, Person
    from xiaokang.registry.services import persons_import

    rows = [person_row(1), person_row(2), person_row(3, 街道乡镇="中关村街道"), person_row(4)]
    report = persons_import(actor=system_actor, path=write_csv(tmp_path / "persons.csv", rows))
    assert report.written, report.errors
    persons = {person.name: person for person in Person.objects.unscoped(reason="test").all()}
    for name in ("测试1", "测试3", "测试4"):
        _enrol(persons[name])
    Household.objects.filter(pk=persons["测试4"].household_id).update(economic_status="ordinary")
    run = evaluation.evaluate_registry(dt.date.today(), actor=system_actor).run
    enrolments_after_run(actor=system_actor, run=run)
    outreach_create(actor=system_actor, run=run)
    Person.objects.unscoped(reason="test").filter(pk=persons["测试3"].pk).update(status="deceased")
    User.objects.create_user(
        "community_a", password="Pass-word-123", role="community_worker", area=persons["测试1"].community
    )
    return {
        "persons": {name: person.pk for name, person in persons.items()},
        "outreach": OutreachTask.objects.unscoped(reason="test")
        .get(person=persons["测试2"], policy_id="living_subsidy")
        .pk,
        "review": ReviewTask.objects.unscoped(reason="test").get(enrolment__person=persons["测试4"]).pk,
    }


@pytest.fixture
def october_draft(work_data, district_officer):
    """The living subsidy's draft roster of October 2025, built by the district officer (before the
    browser starts)."""
    from xiaokang.cases.rosters import roster_build

    return roster_build(actor=district_officer, policy_id="living_subsidy", month=dt.date(2025, 10, 1)).roster


@pytest.fixture
def check(check_page):
    """check_page (axe-core, no sideways scrolling, a screenshot), and a full-page picture in SHOTS."""

    def run(page, name: str) -> None:
        check_page(page, f"work-{name}")
        SHOTS.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(SHOTS / f"{name}.png"), full_page=True)

    return run


@pytest.fixture
def signed_in(new_page, log_in, live_server):
    """A new page (own cookies) signed in as ``username``, reading English."""

    def make(username: str):
        page = new_page()
        log_in(page, username)
        page.context.add_cookies([{"name": "django_language", "value": "en", "url": live_server.url}])
        return page

    return make


def press_enter_on(page, locator) -> None:
    """Focus a link or button (as Tab would reach it), check it has focus, press Enter: the next page."""
    locator.focus()
    expect(locator).to_be_focused()
    with page.expect_navigation():
        page.keyboard.press("Enter")


def answer_by_keyboard(page, task_pk: int, choice: str, index: int, note: str = "") -> None:
    """In a task's form: onto the radio button ``index`` of the group ``choice`` (the arrow keys move and
    choose), Space, Tab to the note and type, Tab to the button, Enter."""
    page.locator(f"#task-{task_pk}-{choice}_0").focus()
    for _ in range(index):
        page.keyboard.press("ArrowDown")
    page.keyboard.press("Space")
    expect(page.locator(f"#task-{task_pk}-{choice}_{index}")).to_be_checked()
    page.keyboard.press("Tab")
    expect(page.locator(f"#task-{task_pk}-note")).to_be_focused()
    if note:
        page.keyboard.press("Control+A")
        page.keyboard.press("Backspace")
        page.keyboard.type(note)
    page.keyboard.press("Tab")
    expect(page.locator(f"form[action='/staff/work/{page_kind(page)}/{task_pk}/'] button")).to_be_focused()
    with page.expect_navigation():
        page.keyboard.press("Enter")


def page_kind(page) -> str:
    return "outreach" if "/outreach/" in page.url else "reviews"


def test_the_district_builds_and_approves_a_months_roster_with_the_keyboard(
    work_data, district_officer, signed_in, check
):
    from xiaokang.cases.models import Roster

    page = signed_in(district_officer.username)
    page.goto("/staff/")
    press_enter_on(page, menu_link(page, "/staff/work/rosters/"))
    assert page.locator(".site-nav a[aria-current=page]").get_attribute("href") == "/staff/work/rosters/"
    check(page, "rosters-this-month")

    # The month by keyboard: replace it, Enter submits the form (GET).
    page.locator("#id_month").focus()
    page.keyboard.press("Control+A")
    page.keyboard.type("2025-10")
    with page.expect_navigation():
        page.keyboard.press("Enter")
    assert "month=2025-10" in page.url
    living = page.locator("section:has(h2#roster-living_subsidy)")
    expect(living.locator(".roster-state")).to_contain_text("No roster has been built for this month yet.")

    press_enter_on(page, living.get_by_role("button", name="Build the draft"))
    expect(page.locator(".messages .success")).to_contain_text("has been built: 1 paid, 400.00 yuan")
    living = page.locator("section:has(h2#roster-living_subsidy)")
    expect(living.locator(".roster-state")).to_contain_text("Draft")
    totals = living.locator("table.roster-totals tbody tr")
    assert [" ".join(row.inner_text().split()) for row in totals.all()] == [
        "万寿路街道 1 400.00 0",
        "中关村街道 0 0.00 1",
    ]
    held = living.locator("table.roster-held tbody tr")
    expect(held).to_have_count(1)
    expect(held).to_contain_text("测试3")
    expect(held).to_contain_text("人员状态为正常（未迁出、未死亡）")
    assert living.locator("table.roster-totals caption").count() == 1
    check(page, "rosters-draft")

    press_enter_on(page, living.get_by_role("button", name="Approve"))
    expect(page.locator(".messages .success")).to_contain_text(
        "Approved: the roster of 困难残疾人生活补贴 for 2025-10, 1 paid, 400.00 yuan in all; 1 held."
    )
    living = page.locator("section:has(h2#roster-living_subsidy)")
    expect(living.locator(".roster-state")).to_contain_text("It is locked: it cannot be built again.")
    expect(living.get_by_role("button", name="Build the draft again")).to_have_count(0)
    expect(living.get_by_role("button", name="Approve")).to_have_count(0)
    assert Roster.objects.get(policy_id="living_subsidy").approved
    check(page, "rosters-approved")

    # The download: an xlsx file, by keyboard.
    button = living.get_by_role("button", name="Download (Excel)")
    button.focus()
    with page.expect_download() as download:
        page.keyboard.press("Enter")
    assert download.value.suggested_filename == "roster-living_subsidy-2025-10-approved.xlsx"


def test_a_street_officer_sees_their_street_only_and_changes_nothing(
    october_draft, officer_b, signed_in, check
):
    page = signed_in(officer_b.username)
    page.goto("/staff/work/rosters/?month=2025-10")

    living = page.locator("section:has(h2#roster-living_subsidy)")
    rows = living.locator("table.roster-totals tbody tr")
    assert [" ".join(row.inner_text().split()) for row in rows.all()] == ["中关村街道 0 0.00 1"]
    expect(page.locator("main")).not_to_contain_text("万寿路街道")
    expect(page.locator("main button[type=submit]")).to_have_count(1)  # "Show the rosters" only
    check(page, "rosters-street-b")


def test_a_community_worker_answers_an_outreach_task_applied(work_data, signed_in, check):
    from xiaokang.cases.models import Application, OutreachTask

    page = signed_in("community_a")
    page.goto("/staff/")
    press_enter_on(page, menu_link(page, "/staff/work/outreach/"))
    task = page.locator(f"#task-{work_data['outreach']}")
    expect(task.locator("h2")).to_contain_text("测试2")
    expect(task.locator("h2")).to_contain_text(LIVING)
    expect(page.locator("main")).not_to_contain_text("测试3")  # street B's person: not in this community
    for control in page.locator("main form input[type=radio], main form textarea").all():
        assert page.locator(f"label[for='{control.get_attribute('id')}']").count() == 1
    check(page, "outreach")

    # First without an outcome: refused on the group, the summary focused and linking to it.
    page.locator(f"#task-{work_data['outreach']}-note").focus()
    page.keyboard.type("电话联系")
    page.keyboard.press("Tab")
    with page.expect_navigation():
        page.keyboard.press("Enter")
    expect(page.locator("#error-summary")).to_be_focused()
    assert page.title().startswith("Error")
    assert page.locator(f"#task-{work_data['outreach']}-note").input_value() == "电话联系"
    check(page, "outreach-error")
    page.locator("#error-summary a").focus()
    page.keyboard.press("Enter")
    expect(page.locator(f"#task-{work_data['outreach']}-outcome_0")).to_be_focused()

    answer_by_keyboard(page, work_data["outreach"], "outcome", 0, "电话联系，同意申请")
    application = Application.objects.unscoped(reason="test").get(
        person_id=work_data["persons"]["测试2"], policy_id="living_subsidy"
    )
    message = page.locator(".messages .success")
    expect(message).to_contain_text(f"Application {application.number} is waiting to be accepted.")
    expect(page.locator(f"#task-{work_data['outreach']}")).to_have_count(0)
    assert OutreachTask.objects.unscoped(reason="test").get(pk=work_data["outreach"]).status == "applied"
    check(page, "outreach-answered")

    press_enter_on(page, message.get_by_role("link", name=application.number))
    page.wait_for_url(f"**/staff/applications/{application.pk}/")
    assert page.locator("dl.record dt:text-is('Channel') + dd").inner_text() == "outreach"


def test_a_street_officer_reinstates_a_suspended_benefit(work_data, officer_a, signed_in, check):
    from xiaokang.cases.models import ReviewTask

    page = signed_in(officer_a.username)
    page.goto("/staff/")
    press_enter_on(page, menu_link(page, "/staff/work/reviews/"))
    task = page.locator(f"#task-{work_data['review']}")
    expect(task.locator("h2")).to_contain_text("测试4")
    expect(task.locator(".task-facts")).to_contain_text("家庭为低保或低收入家庭")
    check(page, "reviews")

    # Terminate without a reason: refused on the reason field.
    answer_by_keyboard(page, work_data["review"], "decision", 1)
    expect(page.locator("#error-summary")).to_be_focused()
    note = page.locator(f"#task-{work_data['review']}-note")
    assert note.get_attribute("aria-invalid") == "true"
    assert f"task-{work_data['review']}-note_error" in note.get_attribute("aria-describedby")
    assert ReviewTask.objects.unscoped(reason="test").get(pk=work_data["review"]).status == "open"
    check(page, "reviews-error")

    answer_by_keyboard(page, work_data["review"], "decision", 0, "低保复核中，恢复发放")
    expect(page.locator(".messages .success")).to_contain_text(
        "Reinstated: 测试4 receives 困难残疾人生活补贴 again from the next roster."
    )
    expect(page.locator("#result-count")).to_have_text("0 reviews waiting")
    task = ReviewTask.objects.unscoped(reason="test").select_related("enrolment").get(pk=work_data["review"])
    assert (task.status, task.enrolment.status) == ("resolved", "active")
    check(page, "reviews-done")


PAGES = {
    "rosters": ("district", "/staff/work/rosters/?month=2025-10"),
    "rosters-street": ("street_a", "/staff/work/rosters/?month=2025-10"),
    "outreach": ("community_a", "/staff/work/outreach/"),
    "reviews": ("street_a", "/staff/work/reviews/"),
}


@pytest.mark.parametrize("name", list(PAGES))
def test_the_pages_at_400_px(work_data, october_draft, officer_a, signed_in, check, name):
    username, url = PAGES[name]
    page = signed_in(username)
    page.set_viewport_size({"width": 400, "height": 800})
    page.goto(url)
    check(page, f"w400-{name}")
