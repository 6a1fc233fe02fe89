"""The staff home as a dashboard (S4, S5, P2, P3) and the staff navigation (U11): menu groups, the staff
and portal menus kept apart, breadcrumbs from the menu registry; each widget counts the user's area only
(the attack: a street officer's dashboard shows nothing of another street)."""

from __future__ import annotations

import datetime as dt
import json
import re

import pytest
from django.core.exceptions import ImproperlyConfigured
from django.test import Client, RequestFactory
from django.utils import translation

from xiaokang.accounts.context import staff_menu
from xiaokang.audit.models import AuditEvent
from xiaokang.core import menu

pytestmark = pytest.mark.django_db


def _page(user, path="/staff/") -> str:
    client = Client()
    client.force_login(user)
    response = client.get(path, HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 200, path
    return response.content.decode()


def _context(user, path: str) -> dict:
    from django.urls import resolve

    request = RequestFactory().get(path)
    request.user = user
    request.resolver_match = resolve(path)
    with translation.override("en"):
        context = staff_menu(request)
        # Lazy labels as text, while English is on.
        for group in context["staff_menu_groups"]:
            group["label"] = str(group["label"])
        context["breadcrumbs"] = [{**crumb, "label": str(crumb["label"])} for crumb in context["breadcrumbs"]]
    return context


def _chart_data(page: str, chart: str) -> dict:
    """The data block (json_script) a chart is drawn from."""
    found = re.search(rf'<script id="{chart}-data" type="application/json">(.*?)</script>', page, re.S)
    return json.loads(found.group(1))


# --- the menu's groups (core.menu) --------------------------------------------------------------------
def test_every_menu_entry_is_in_one_of_the_six_groups():
    assert menu.GROUP_KEYS == ("persons", "benefits", "employment", "services", "reports", "administration")
    assert {entry.group for entry in menu.entries()} <= set(menu.GROUP_KEYS)
    with pytest.raises(ImproperlyConfigured):
        menu.register("no-such-page", "Nowhere", "person.read", order=999, group="miscellaneous")
    assert "no-such-page" not in [entry.url_name for entry in menu.entries()]


def test_grouped_keeps_the_groups_order_and_leaves_empty_groups_out():
    items = [
        {"url_name": "b", "group": "administration", "current": False},
        {"url_name": "a", "group": "persons", "current": True},
    ]
    groups = menu.grouped(items)
    assert [group["key"] for group in groups] == ["persons", "administration"]
    assert [group["current"] for group in groups] == [True, False]


def test_entry_for_path_is_the_longest_menu_url_that_starts_the_path():
    urls = {
        "application-list": "/staff/applications/",
        "application-dashboard": "/staff/applications/dashboard/",
    }
    assert menu.entry_for_path("/staff/applications/12/", urls) == "application-list"
    assert menu.entry_for_path("/staff/applications/dashboard/", urls) == "application-dashboard"
    assert menu.entry_for_path("/staff/persons/", urls) is None


def test_each_role_sees_only_the_groups_it_may_use(li_district_officer, wang_street_a, auditor_qian):
    district = [group["key"] for group in _context(li_district_officer, "/staff/")["staff_menu_groups"]]
    assert district == ["persons", "benefits", "employment", "services", "reports", "administration"]
    street_groups = _context(wang_street_a, "/staff/")["staff_menu_groups"]
    street_entries = {item["url_name"] for group in street_groups for item in group["items"]}
    assert "account-list" not in street_entries and "roster-list" in street_entries
    # The auditor (三权分立): the audit trail and role changes, no person, benefit or case.
    auditor = _context(auditor_qian, "/staff/")["staff_menu_groups"]
    assert [group["key"] for group in auditor] == ["administration"]


# --- staff and portal navigation apart, breadcrumbs -------------------------------------------------
def test_staff_pages_show_the_grouped_staff_menu_and_not_the_portal_menu(wang_street_a):
    page = _page(wang_street_a, "/staff/")
    nav = page[page.index('<nav class="site-nav staff-nav"') : page.index("</nav>")]
    assert "<summary>Persons</summary>" in nav and "<summary>Benefits and cases</summary>" in nav
    assert 'href="/staff/persons/"' in nav
    assert 'href="/screener/"' not in nav  # the residents' pages are not the staff menu
    assert 'class="site-nav portal-nav"' not in page


def test_portal_pages_show_the_portal_menu_even_to_signed_in_staff(wang_street_a):
    page = _page(wang_street_a, "/screener/")
    assert 'class="site-nav portal-nav"' in page and "staff-nav" not in page
    nav = page[page.index('<nav class="site-nav portal-nav"') : page.index("</nav>")]
    assert 'href="/screener/"' in nav and 'href="/staff/"' in nav
    assert 'href="/staff/persons/"' not in nav
    assert 'aria-label="Breadcrumb"' not in page


def test_breadcrumbs_come_from_the_menu_registry_by_url(wang_street_a):
    crumbs = _context(wang_street_a, "/staff/applications/")["breadcrumbs"]
    assert [(crumb["label"], crumb["url"], crumb["current"]) for crumb in crumbs] == [
        ("Staff home", "/staff/", False),
        ("Benefits and cases", None, False),
        ("Applications", "/staff/applications/", True),
    ]
    # A page under an entry: the entry is a link, not the current page.
    crumbs = _context(wang_street_a, "/staff/applications/12/")["breadcrumbs"]
    assert [crumb["label"] for crumb in crumbs] == ["Staff home", "Benefits and cases", "Applications"]
    assert not any(crumb["current"] for crumb in crumbs)
    assert _context(wang_street_a, "/staff/")["breadcrumbs"] == []  # the start needs none


def test_breadcrumbs_render_as_a_named_navigation_with_the_current_page(wang_street_a):
    page = _page(wang_street_a, "/staff/applications/")
    crumbs = page[page.index('<nav class="breadcrumbs" aria-label="Breadcrumb">') :]
    crumbs = crumbs[: crumbs.index("</nav>")]
    assert '<a href="/staff/">Staff home</a>' in crumbs
    assert '<a href="/staff/applications/" aria-current="page">Applications</a>' in crumbs


# --- the dashboard, per role and area ---------------------------------------------------------------
@pytest.fixture
def cases_world(people, system_actor):
    """An overdue application in street A (测试1) and in street B (测试2), an evaluation run (its
    outreach tasks), and 测试1 enrolled in the living subsidy."""
    from xiaokang.cases.models import Enrolment
    from xiaokang.cases.services import application_submit
    from xiaokang.policies import evaluation

    long_ago = dt.date.today() - dt.timedelta(days=60)
    for key in ("a", "b"):
        application_submit(
            actor=system_actor,
            person=people[key],
            policy_id="care_subsidy",
            channel="counter",
            received_on=long_ago,
        )
    evaluation.evaluate_registry(dt.date.today(), actor=system_actor)
    Enrolment.objects.create(
        person=people["a"], policy_id="living_subsidy", start_month=long_ago.replace(day=1)
    )
    return people


def test_a_street_officers_dashboard_shows_nothing_of_another_street(cases_world, wang_street_a):
    page = _page(wang_street_a)

    assert "测试1" in page  # their own street's overdue application, in their queue
    assert "测试2" not in page and "中关村街道" not in page  # street B: not a name, not a street
    queue = page[page.index('id="widget-my-queue"') : page.index('id="widget-deadlines"')]
    assert queue.count("<tr>") == 2  # the header and the one application of street A
    assert "overdue" in queue
    # The chart's data block holds street A only, too.
    data = _chart_data(page, "chart-coverage")
    assert data["categories"] == ["万寿路街道"]


def test_the_queue_names_the_required_documents_still_missing(cases_world, wang_street_a):
    from xiaokang.cases.evidence import required_documents
    from xiaokang.cases.models import Application
    from xiaokang.cases.tests.workflow import attach_required

    def queue() -> str:
        page = _page(wang_street_a)
        return page[page.index('id="widget-my-queue"') : page.index('id="widget-deadlines"')]

    application = Application.objects.unscoped(reason="test").get(person=cases_world["a"])
    required = [document["zh"] for document in required_documents(application.policy_id)]
    assert required  # the care subsidy asks for documents (its rule file)
    shown = queue()
    assert f"{len(required)} missing" in shown and all(name in shown for name in required)
    attach_required(application)
    shown = queue()
    assert "all attached" in shown and "missing" not in shown


def test_a_district_officers_dashboard_counts_every_street(cases_world, li_district_officer):
    page = _page(li_district_officer)

    overdue = page[page.index('id="overdue-caption"') :]
    assert "万寿路街道" in overdue and "中关村街道" in overdue  # overdue counts per street (S4)
    coverage = _chart_data(page, "chart-coverage")
    assert "中关村街道" in coverage["categories"]
    weekly = _chart_data(page, "chart-weekly-flow")
    assert len(weekly["categories"]) == 12 and [s["name"] for s in weekly["series"]] == [
        "Received",
        "Decided",
    ]
    assert 'id="widget-rosters"' in page and 'id="widget-outreach"' in page
    # The charts' scripts are the site's own (CSP script-src 'self'), loaded because a chart is shown.
    assert "/static/xiaokang/vendor/echarts/echarts.min.js" in page and "/static/xiaokang/charts.js" in page


def test_every_chart_has_its_table_and_an_image_name(cases_world, li_district_officer):
    page = _page(li_district_officer)

    for chart in ("chart-weekly-flow", "chart-coverage"):
        box = re.search(rf'<div class="[^"]*" id="{chart}"[^>]*>', page).group(0)
        assert 'role="img"' in box and 'aria-label="' in box and " hidden" in box
    assert page.count('<details class="chart-table" open data-chart-table>') == 2
    assert '<caption id="coverage-caption">' in page and '<caption id="weekly-caption">' in page


def test_the_coverage_counts_eligible_persons_enrolled(cases_world, li_district_officer):
    from xiaokang.cases.dashboard import subsidy_coverage

    run, rows = subsidy_coverage(li_district_officer)
    street_a = next(row for row in rows if row["street"].name == "万寿路街道")
    living = street_a["living_subsidy"]
    assert run is not None and living.eligible >= 1 and living.enrolled == 1
    assert living.percent == round(100 / living.eligible)


def test_the_queue_on_the_dashboard_is_audited(cases_world, wang_street_a):
    _page(wang_street_a)

    event = AuditEvent.objects.filter(action="application.list").latest("id")
    assert event.details["filters"] == {"widget": "my_queue"} and event.details["rows"] == 1


def test_the_auditors_dashboard_shows_no_person_data(cases_world, auditor_qian):
    page = _page(auditor_qian)

    assert "测试1" not in page and "测试2" not in page
    assert 'class="dashboard"' not in page and "echarts" not in page
    assert "does not read the registry" in page


def test_a_detail_page_adds_its_own_last_step(people, wang_street_a):
    page = _page(wang_street_a, f"/staff/persons/{people['a'].pk}/")
    crumbs = page[page.index('<nav class="breadcrumbs" aria-label="Breadcrumb">') :]
    crumbs = crumbs[: crumbs.index("</nav>")]
    assert '<a href="/staff/persons/">Persons</a>' in crumbs  # the list: a link now
    assert '<span aria-current="page" lang="zh-Hans">测试1</span>' in crumbs
    assert crumbs.count("aria-current") == 1


def test_a_community_workers_dashboard_counts_their_community(cases_world, sun_community_a, zhao_street_b):
    page = _page(sun_community_a)
    assert "测试1" in page and "测试2" not in page  # 测试1 lives in 测试社区 of street A
    assert _chart_data(page, "chart-coverage")["categories"] == ["万寿路街道"]
    # And the other way round: street B's officer sees street B only.
    page = _page(zhao_street_b)
    assert "测试1" not in page and "万寿路街道" not in page
    assert _chart_data(page, "chart-coverage")["categories"] == ["中关村街道"]
