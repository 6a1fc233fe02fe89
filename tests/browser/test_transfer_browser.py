"""A transfer between streets in a real browser (R6, S4): street A's officer asks from the person's page,
the district officer approves it in the Transfers queue, and the record's history shows the move. Both
pages pass axe-core and do not scroll sideways. Fixtures: tests/browser/conftest.py (``persons``: 测试1
lives in 万寿路街道; 测试3 in 中关村街道, whose community is where 测试1 moves)."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from tests.browser.menu import menu_link

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True, serialized_rollback=True)]


def test_a_street_requests_a_transfer_and_the_district_approves_it(
    new_page, log_in, officer_a, district_officer, persons, check_page
):
    from xiaokang.core.models import Area
    from xiaokang.registry.models import Person

    person = Person.objects.unscoped(reason="test").get(name="测试1")
    target = Person.objects.unscoped(reason="test").get(name="测试3").community
    street_b = Area.objects.get(pk=target.parent_id)

    street = new_page()
    log_in(street, officer_a.username)
    street.goto(f"/staff/persons/{person.pk}/")
    street.get_by_role("link", name="申请转移到其他街道").click()
    street.get_by_label("迁入的社区村").select_option(target.code)
    street.get_by_label("理由").fill("搬家")
    check_page(street, "transfer-request")
    street.get_by_role("button", name="提交转移申请").click()
    expect(street.get_by_text("已申请转移，由区残联决定。")).to_be_visible()

    district = new_page()
    log_in(district, district_officer.username)
    menu_link(district, "/staff/registry/transfers/").click()
    row = district.get_by_role("row").filter(has_text="测试1")
    expect(row).to_contain_text(target.name)
    check_page(district, "transfer-queue")
    row.get_by_role("button", name="批准", exact=True).click()
    expect(district.get_by_text("已批准转移，此人已迁至新的街道和社区村。")).to_be_visible()

    district.goto(f"/staff/persons/{person.pk}/")
    expect(district.locator("#history").locator("..")).to_contain_text("跨街道转移")
    person.refresh_from_db()
    assert person.street_id == street_b.pk and person.community_id == target.pk
