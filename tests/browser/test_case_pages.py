"""The application pages in a real browser (S4, U11): the journey with the keyboard (a
community worker opens a person, records an application and accepts it (and is not offered the forward:
separation of duties); a second worker forwards it; the street officer forwards it; a district officer
approves it, a second one enrols it and builds the roster of the month it starts,
where the person is paid what the rules give), a refused action and a conflict, the queue and the
deadlines, each checked by axe-core and for sideways scrolling (check_page), also 400 px wide.
Screenshots go to /tmp/case-shots/ as well.

The registry and some applications are written in fixtures that run before the browser starts (see the
browser fixture in conftest.py): 测试1 and 测试2 in 万寿路街道 (测试社区), 测试3 in 中关村街道; 测试2 has an
application overdue for acceptance (received 2025-09-30) and one in community review due tomorrow.

The pages are read in English (the language cookie, as the language form sets it), so that the assertions
name the msgids whatever the Chinese catalogue says; the menu and the person page are also checked in
Chinese."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from playwright.sync_api import expect

from tests.browser.menu import menu_link

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True, serialized_rollback=True)]

SHOTS = Path("/tmp/case-shots")
LIVING = "困难残疾人生活补贴"


@pytest.fixture
def case_data(system_actor, tmp_path) -> dict:
    """The persons, a community worker of 测试社区, and two applications of 测试2; returns record ids."""
    from tests.helpers import person_row, write_csv
    from xiaokang.accounts.models import User
    from xiaokang.cases.models import Application
    from xiaokang.cases.services import application_submit, application_transition
    from xiaokang.registry.models import Person
    from xiaokang.registry.services import persons_import

    rows = [person_row(1), person_row(2), person_row(3, 街道乡镇="中关村街道")]
    report = persons_import(actor=system_actor, path=write_csv(tmp_path / "persons.csv", rows))
    assert report.written, report.errors
    ids = dict(Person.objects.unscoped(reason="test").values_list("name", "pk"))
    second = Person.objects.unscoped(reason="test").get(name="测试2")
    worker = User.objects.create_user(
        "community_a", password="Pass-word-123", role="community_worker", area=second.community
    )
    # Whoever accepted does not forward (separation of duties, U11, G2): a second worker reviews.
    User.objects.create_user(
        "community_a2", password="Pass-word-123", role="community_worker", area=second.community
    )
    # The approver does not enrol: a second district officer does.
    User.objects.create_user("district2", password="Pass-word-123", role="district_officer")
    overdue = application_submit(
        actor=system_actor,
        person=second,
        policy_id="living_subsidy",
        channel="counter",
        received_on=dt.date(2025, 9, 30),
    ).application
    soon = application_submit(
        actor=system_actor,
        person=second,
        policy_id="care_subsidy",
        channel="outreach",
        received_on=dt.date.today(),
    ).application
    soon = application_transition(actor=worker, application=soon, action="accept", version=1)
    Application.objects.unscoped(reason="test").filter(pk=soon.pk).update(
        decide_by=dt.date.today() + dt.timedelta(days=1)
    )
    return {"persons": ids, "overdue": overdue.number, "soon": soon.number, "soon_pk": soon.pk}


@pytest.fixture
def check(check_page):
    """check_page (axe-core, no sideways scrolling, a screenshot), and a full-page picture in SHOTS."""

    def run(page, name: str) -> None:
        check_page(page, f"cases-{name}")
        SHOTS.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(SHOTS / f"{name}.png"), full_page=True)

    return run


@pytest.fixture
def signed_in(new_page, log_in, live_server):
    """A new page (own cookies) signed in as ``username``, reading English."""

    def make(username: str, *, english: bool = True):
        page = new_page()
        log_in(page, username)
        if english:
            page.context.add_cookies([{"name": "django_language", "value": "en", "url": live_server.url}])
        return page

    return make


def focused(page) -> dict:
    return page.evaluate(
        "(() => { const e = document.activeElement;"
        " return {tag: e.tagName.toLowerCase(), id: e.id, text: e.textContent.trim()}; })()"
    )


def state_of(page) -> str:
    return page.locator("dl.record dt:text-is('State') + dd").inner_text()


def act_by_keyboard(page, action: str, note: str = "") -> None:
    """Into the action's reason field, type, Tab to its button, Enter: the page that answers."""
    page.locator(f"#reason-{action}").focus()
    if note:
        page.keyboard.type(note)
    page.keyboard.press("Tab")
    button = page.locator(f"form:has(input[name=action][value={action}]) button[type=submit]")
    expect(button).to_be_focused()
    with page.expect_navigation():
        page.keyboard.press("Enter")


def test_the_journey_from_the_counter_to_the_roster_with_the_keyboard(
    case_data, community_worker_user, officer_a, district_officer, signed_in, check
):
    from xiaokang.cases.models import Application, Enrolment, RosterLine

    # The community worker: the person's page, its "Applications" section, "New application".
    worker = signed_in(community_worker_user.username)
    worker.goto(f"/staff/persons/{case_data['persons']['测试1']}/")
    section = worker.locator("section:has(h2#applications)")
    expect(section.locator("p")).to_contain_text("No applications")
    assert worker.locator(".contents a[href='#applications']").count() == 1
    check(worker, "person-section-empty")
    section.get_by_role("link", name="New application").focus()
    worker.keyboard.press("Enter")
    worker.wait_for_url("**/staff/applications/new/*/")

    expect(worker.locator("h1")).to_have_count(1)
    for control in worker.locator("main form select, main form input:not([type=hidden])").all():
        assert worker.locator(f"label[for='{control.get_attribute('id')}']").count() == 1
    assert worker.locator("#id_received_on").input_value() == dt.date.today().isoformat()
    check(worker, "new")
    # The policy by keyboard: down the list to the living subsidy; the channel stays "counter".
    options = worker.locator("#id_policy option").evaluate_all("(os) => os.map((o) => o.value)")
    worker.locator("#id_policy").focus()
    for _ in range(options.index("living_subsidy")):
        worker.keyboard.press("ArrowDown")
    assert worker.locator("#id_policy").input_value() == "living_subsidy"
    worker.keyboard.press("Tab")
    expect(worker.locator("#id_channel")).to_be_focused()
    worker.keyboard.press("Tab")
    expect(worker.locator("#id_received_on")).to_be_focused()
    with worker.expect_navigation():
        worker.keyboard.press("Enter")

    application = Application.objects.unscoped(reason="test").get(person_id=case_data["persons"]["测试1"])
    worker.wait_for_url(f"**/staff/applications/{application.pk}/")
    expect(worker.locator(".messages .success")).to_contain_text(f"Application {application.number}")
    assert state_of(worker) == "submitted"
    assert LIVING in worker.locator("h1").inner_text()
    check(worker, "detail-submitted")

    act_by_keyboard(worker, "accept", "材料齐全")
    assert state_of(worker) == "community review"
    expect(worker.locator(".messages .success")).to_contain_text("Accept the application")
    # Separation of duties: the worker who accepted is told another officer forwards it, no form.
    expect(worker.locator("#action-forward-blocked")).to_contain_text(
        "you accepted this application; another officer must forward it"
    )
    assert worker.locator("form:has(input[name=action][value=forward])").count() == 0
    check(worker, "detail-accepted-by-me")

    # A second community worker does the community review.
    reviewer = signed_in("community_a2")
    reviewer.goto(f"/staff/applications/{application.pk}/")
    act_by_keyboard(reviewer, "forward")
    assert state_of(reviewer) == "street review"
    assert reviewer.locator("#actions").locator("xpath=..").locator("form").count() == 0
    check(reviewer, "detail-after-community")

    # The street officer: a send-back without its reason is refused on the field, then forwards.
    street = signed_in(officer_a.username)
    street.goto(f"/staff/applications/{application.pk}/")
    act_by_keyboard(street, "send_back")
    expect(street.locator("#error-summary")).to_be_focused()
    assert street.title().startswith("Error")
    assert street.locator("#reason-send_back").get_attribute("aria-invalid") == "true"
    assert "reason-send_back-error" in street.locator("#reason-send_back").get_attribute("aria-describedby")
    assert state_of(street) == "street review"
    check(street, "detail-reason-missing")
    street.locator("#error-summary a").click()  # the summary's link takes you to the field
    expect(street.locator("#reason-send_back")).to_be_focused()
    act_by_keyboard(street, "forward")
    assert state_of(street) == "district decision"

    # The district officer: the queue from the menu, the application, approve.
    district = signed_in(district_officer.username)
    district.goto("/staff/")
    menu_link(district, "/staff/applications/").click()
    district.wait_for_url("**/staff/applications/")
    numbers = district.locator("table.queue tbody th[scope=row]").all_inner_texts()
    assert numbers[:2] == [case_data["overdue"], case_data["soon"]]  # the nearest deadline first
    assert application.number in numbers
    check(district, "queue")
    district.locator("table.queue").get_by_role("link", name=application.number).focus()
    district.keyboard.press("Enter")
    district.wait_for_url(f"**/staff/applications/{application.pk}/")
    # The documents the policy requires are attached (S4; the override without them is in
    # test_decision_browser.py), then the page is read again.
    from xiaokang.cases.tests.workflow import attach_required

    attach_required(application)
    district.reload()
    expect(district.locator("table.required-documents .document-missing")).to_have_count(0)
    act_by_keyboard(district, "approve", "符合条件")
    assert state_of(district) == "approved"
    timeline = district.locator("table.timeline tbody tr")
    expect(timeline).to_have_count(5)
    assert [row.locator("td").nth(1).inner_text() for row in timeline.all()] == [
        "Received",
        "Accepted",
        "Forwarded",
        "Forwarded",
        "Approved",
    ]
    check(district, "detail-approved")

    # The approver does not enrol (the living subsidy's policy file does not say enrolment_by_approver).
    expect(district.locator("#action-enrol-blocked")).to_contain_text(
        "you approved this application; another officer must enrol it"
    )
    # Enrolment by a second district officer, then the roster of the month the benefit starts: the
    # person is paid what the rules give.
    district = signed_in("district2")
    district.goto(f"/staff/applications/{application.pk}/")
    act_by_keyboard(district, "enrol")
    assert state_of(district) == "enrolled"
    start = Enrolment.objects.get(application=application).start_month
    district.goto(f"/staff/work/rosters/?month={start:%Y-%m}")
    living = district.locator("section:has(h2#roster-living_subsidy)")
    build = living.get_by_role("button", name="Build the draft")
    build.focus()
    with district.expect_navigation():
        district.keyboard.press("Enter")
    expect(district.locator(".messages .success")).to_contain_text("1 paid, 400.00 yuan")
    line = RosterLine.objects.unscoped(reason="test").get(person_id=case_data["persons"]["测试1"])
    assert (line.paid, line.amount_fen, line.month) == (True, 40000, start)
    check(district, "roster-with-the-new-enrolment")

    # Back on the person's page: the section lists it, enrolled.
    worker.goto(f"/staff/persons/{case_data['persons']['测试1']}/#applications")
    row = worker.locator("table.person-applications tbody tr")
    expect(row).to_have_count(1)
    assert application.number in row.inner_text() and "enrolled" in row.inner_text()
    check(worker, "person-section")
    worker.locator("section:has(h2#applications)").screenshot(path=str(SHOTS / "person-section-only.png"))


def test_the_queue_flags_deadlines_in_words_and_the_dashboard_counts_them(
    case_data, district_officer, signed_in, check
):
    page = signed_in(district_officer.username)
    page.goto("/staff/applications/")

    overdue = page.locator("table.queue tbody tr").filter(has_text=case_data["overdue"])
    soon = page.locator("table.queue tbody tr").filter(has_text=case_data["soon"])
    assert "overdue" in overdue.locator(".deadline-flag").inner_text()
    assert "due within 3 working days" in soon.locator(".deadline-flag").inner_text()
    assert page.locator(".site-nav a[aria-current=page]").get_attribute("href") == "/staff/applications/"

    # Filters by keyboard: the policy select, then Enter on the button.
    options = page.locator("#id_policy option").evaluate_all("(os) => os.map((o) => o.value)")
    page.locator("#id_policy").focus()
    for _ in range(options.index("care_subsidy")):
        page.keyboard.press("ArrowDown")
    page.locator("main form button[type=submit]").focus()
    with page.expect_navigation():
        page.keyboard.press("Enter")
    assert page.locator("table.queue tbody th[scope=row]").all_inner_texts() == [case_data["soon"]]
    check(page, "queue-filtered")

    menu_link(page, "/staff/applications/dashboard/").click()
    page.wait_for_url("**/staff/applications/dashboard/")
    street_a = page.locator("table.deadlines tbody tr").filter(has_text="万寿路街道")
    cells = [c.strip() for c in street_a.locator("td").all_inner_texts()]
    assert cells == ["1", "1", "1", "0", "0"]
    assert page.locator("table.deadlines caption").count() == 1
    check(page, "dashboard")


def test_a_conflict_says_someone_else_acted_and_applies_nothing(
    case_data, community_worker_user, officer_a, signed_in, check
):
    from xiaokang.cases.models import Application

    pk = Application.objects.unscoped(reason="test").get(number=case_data["overdue"]).pk
    worker = signed_in(community_worker_user.username)
    street = signed_in(officer_a.username)
    worker.goto(f"/staff/applications/{pk}/")
    street.goto(f"/staff/applications/{pk}/")

    act_by_keyboard(street, "accept")  # the street officer is first
    act_by_keyboard(worker, "return", "缺少收入证明")

    expect(worker.locator("#error-summary")).to_be_focused()
    expect(worker.locator("#error-summary")).to_contain_text("Someone else changed this application")
    expect(worker.locator("#error-summary")).to_contain_text("community review")
    assert state_of(worker) == "community review"
    assert Application.objects.unscoped(reason="test").get(pk=pk).events.filter(action="return").count() == 0
    check(worker, "detail-conflict")


def test_the_menu_and_the_person_page_in_chinese(case_data, community_worker_user, signed_in, check):
    page = signed_in(community_worker_user.username, english=False)
    page.goto(f"/staff/persons/{case_data['persons']['测试2']}/#applications")

    assert page.locator("html").get_attribute("lang") == "zh-Hans"
    assert page.locator(".site-nav a[href='/staff/applications/']").count() == 1
    assert page.locator(".site-nav a[href='/staff/applications/dashboard/']").count() == 1
    expect(page.locator("table.person-applications tbody tr")).to_have_count(2)
    check(page, "zh-person-section")
    page.locator("section:has(h2#applications)").screenshot(path=str(SHOTS / "zh-person-section-only.png"))


PAGES = {
    "queue": lambda data: "/staff/applications/",
    "dashboard": lambda data: "/staff/applications/dashboard/",
    "detail": lambda data: f"/staff/applications/{data['soon_pk']}/",
    "new": lambda data: f"/staff/applications/new/{data['persons']['测试1']}/",
    "person": lambda data: f"/staff/persons/{data['persons']['测试2']}/#applications",
}


@pytest.mark.parametrize("name", list(PAGES))
def test_the_pages_at_400_px(case_data, community_worker_user, signed_in, check, name):
    page = signed_in(community_worker_user.username)
    page.set_viewport_size({"width": 400, "height": 800})
    page.goto(PAGES[name](case_data))
    check(page, f"w400-{name}")
    if name == "person":
        page.locator("section:has(h2#applications)").screenshot(path=str(SHOTS / "w400-person-section.png"))


@pytest.fixture
def community_worker_user(case_data):
    from xiaokang.accounts.models import User

    return User.objects.get(username="community_a")


@pytest.fixture
def decided(case_data, district_officer, system_actor):
    """测试2's overdue application rejected by the district (the decision notice exists)."""
    from xiaokang.cases.models import Application, State
    from xiaokang.cases.services import application_transition

    application = Application.objects.unscoped(reason="test").get(number=case_data["overdue"])
    Application.objects.unscoped(reason="test").filter(pk=application.pk).update(state=State.DISTRICT_REVIEW)
    application.refresh_from_db()
    application_transition(
        actor=district_officer,
        application=application,
        action="reject",
        version=application.version,
        reason="材料不全",
    )
    return application.pk


def test_the_decision_notice_and_the_documents_section_pass_axe_and_print_only_the_notice(
    decided, district_officer, signed_in, check
):
    page = signed_in(district_officer.username, english=False)
    page.goto(f"/staff/applications/{decided}/")
    notice_link = page.locator(".contents a[href$='/notice/']")
    expect(notice_link).to_have_count(1)
    expect(page.locator("#id_file")).to_have_attribute("aria-describedby", "id_file_helptext")
    check(page, "detail-with-documents")

    # Attaching nothing: the error summary takes focus and links to the file field.
    page.locator("form[enctype='multipart/form-data'] button[type=submit]").focus()
    with page.expect_navigation():
        page.keyboard.press("Enter")
    expect(page.locator("#document-error-summary")).to_be_focused()
    expect(page.locator("#id_file")).to_have_attribute("aria-invalid", "true")
    check(page, "detail-document-error")

    notice_link.focus()
    with page.expect_navigation():
        page.keyboard.press("Enter")
    expect(page.locator("h1")).to_contain_text("不予批准通知书")
    check(page, "notice")
    page.emulate_media(media="print")
    assert page.locator("header").evaluate("e => getComputedStyle(e).display") == "none"
    assert page.locator("article.notice").is_visible()
