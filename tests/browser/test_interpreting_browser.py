"""Sign-language interpretation booking (U11; docs/interpreting.md) in a real browser: a slot
booked end to end in Chinese and in English, without JavaScript and with the keyboard alone; a double
booking refused (two visitors, one slot); the federation's staff confirming with the meeting details (the
requester's page shows them), moving and cancelling a booking. Every public page is checked by
``check_portal_page`` (axe-core: no violation at all; one h1; no sideways scroll; under 150 KB), every
staff page by ``check_page``.

The fields are found by their ids, not their Chinese labels, so the tests do not depend on the wording of
the translation catalogue. The data is written in fixtures that run before the browser starts."""

from __future__ import annotations

import datetime as dt

import pytest
from playwright.sync_api import expect

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True, serialized_rollback=True)]

PHONE = "13812345678"


@pytest.fixture
def slots(db):
    """One interpreter with three free times the day after tomorrow."""
    from django.utils import timezone

    from xiaokang.accounts.actors import SystemActor
    from xiaokang.interpreting.services import interpreter_save, parse_times, slots_add

    actor = SystemActor("tests")
    interpreter = interpreter_save(actor=actor, name="测试译员", languages="中国手语")
    day = timezone.localdate() + dt.timedelta(days=2)
    return slots_add(
        actor=actor,
        interpreter=interpreter,
        day=day,
        times=parse_times("09:00-10:00, 10:30-11:30, 14:00-15:00"),
    )


@pytest.fixture
def booking(slots):
    from xiaokang.accounts.actors import SystemActor
    from xiaokang.interpreting.services import booking_create

    return booking_create(
        actor=SystemActor("tests"),
        slot=slots[0],
        requester_kind="person",
        requester_name="张三",
        phone=PHONE,
        purpose="hospital",
        details="海淀医院",
    )


def _bookings():
    from xiaokang.interpreting.models import Booking

    return list(Booking.objects.select_related("slot").order_by("id"))


def fill_booking_form(page, name: str = "张三", phone: str = PHONE) -> None:
    page.locator("#id_requester_kind_0").check()
    page.locator("#id_requester_name").fill(name)
    page.locator("#id_phone").fill(phone)
    page.locator("#id_purpose_0").check()
    page.locator("#id_details").fill("海淀医院 耳鼻喉科")


def book_through_pages(page, check, language: str, mode: str = "plain") -> str:
    """From the service's page to the requester's own page; returns its URL."""
    page.goto("/interpreting/")
    check(page, f"interpreting-start-{language}-{mode}")
    page.locator("a[href*='/interpreting/slots/']").first.click()
    expect(page.locator("#chosen-time")).to_be_visible()
    check(page, f"interpreting-form-{language}-{mode}")
    # Sent empty: the errors, linked to their fields, nothing booked.
    page.locator("form.application-form button[type=submit]").click()
    expect(page.locator("#error-summary")).to_be_visible()
    assert page.title().startswith("错误" if language == "zh" else "Error")
    expect(page.locator("#id_phone_error")).to_be_visible()
    check(page, f"interpreting-form-errors-{language}-{mode}")
    assert _bookings() == []
    fill_booking_form(page)
    page.locator("form.application-form button[type=submit]").click()
    page.wait_for_url("**/interpreting/bookings/**")
    check(page, f"interpreting-booking-{language}-{mode}")
    return page.url


def test_booking_end_to_end_in_chinese(slots, portal_page, check_portal_page):
    page = portal_page(language="zh")
    url = book_through_pages(page, check_portal_page, "zh")
    (booking,) = _bookings()
    expect(page.locator("h1")).to_contain_text(booking.reference)
    expect(page.locator("#chosen-time, #booking-record")).to_contain_text("09:00–10:00")
    day = booking.slot.starts_at.astimezone(dt.timezone(dt.timedelta(hours=8))).date()
    expect(page.locator("#booking-record")).to_contain_text(f"{day.year}年{day.month}月{day.day}日")
    expect(page.locator("#booking-record")).to_contain_text("138****5678")
    expect(page.locator("#booking-record")).not_to_contain_text("测试译员")  # no interpreter's name
    expect(page.locator(".messages")).to_contain_text(booking.reference)
    assert url.endswith(f"/interpreting/bookings/{booking.access_token}/")
    # The booked time is no longer offered.
    page.goto("/interpreting/")
    assert page.locator("a[href*='/interpreting/slots/']").count() == 2


def test_booking_end_to_end_in_english(slots, portal_page, check_portal_page):
    page = portal_page(language="en")
    book_through_pages(page, check_portal_page, "en")
    expect(page.locator("#booking-status")).to_contain_text("Requested")
    # The requester cancels from their own page; the time is free again.
    page.get_by_label("Reason (optional)").fill("No longer needed")
    page.get_by_role("button", name="Cancel the booking").click()
    expect(page.locator("#booking-status")).to_contain_text("Cancelled")
    check_portal_page(page, "interpreting-booking-cancelled-en")
    page.goto("/interpreting/")
    assert page.locator("a[href*='/interpreting/slots/']").count() == 3


@pytest.mark.parametrize("mode", ["contrast", "large", "both"])
def test_booking_pages_in_each_display_mode(slots, portal_page, check_portal_page, mode):
    page = portal_page(language="zh", mode=mode)
    book_through_pages(page, check_portal_page, "zh", mode)


def test_booking_without_javascript(slots, portal_page, screenshot):
    """The same journey with JavaScript off. axe-core is itself a script and cannot run in such a page
    (its evaluation never returns), so the pages are checked by the tests above with the same HTML; here
    each page is kept as a picture."""
    page = portal_page(language="zh", javascript=False)
    book_through_pages(page, lambda page, name: screenshot(page, name, full_page=True), "zh", "nojs")
    (booking,) = _bookings()
    assert booking.requester_name == "张三" and booking.slot_id == slots[0].pk


def test_double_booking_is_refused(slots, portal_page, check_portal_page):
    first, second = portal_page(language="zh"), portal_page(language="en")
    for page in (first, second):
        page.goto(f"/interpreting/slots/{slots[1].pk}/book/")
        fill_booking_form(page, phone=PHONE if page is first else "13900001111")
    first.locator("form.application-form button[type=submit]").click()
    first.wait_for_url("**/interpreting/bookings/**")
    second.locator("form.application-form button[type=submit]").click()
    expect(second.locator("#error-summary")).to_contain_text("just been booked by someone else")
    expect(second.locator("#slot-taken")).to_be_visible()
    assert second.title().startswith("Error")
    check_portal_page(second, "interpreting-double-booking-en")
    (booking,) = _bookings()
    assert booking.slot_id == slots[1].pk and booking.requester_name == "张三"
    # Opening the form of the taken time later says so at once, with a way back to the free times.
    second.goto(f"/interpreting/slots/{slots[1].pk}/book/")
    expect(second.locator("#slot-taken")).to_be_visible()
    assert second.locator("form.application-form").count() == 0


def tab_to(page, selector: str, limit: int = 80) -> None:
    """Press Tab until the element matching ``selector`` has the focus."""
    for _ in range(limit):
        page.keyboard.press("Tab")
        if page.evaluate("(s) => document.activeElement.matches(s)", selector):
            return
    raise AssertionError(f"Tab never reached {selector}")


def test_booking_with_the_keyboard_alone(slots, portal_page, check_portal_page):
    page = portal_page(language="en")
    page.goto("/interpreting/")
    tab_to(page, "a[href*='/interpreting/slots/']")
    page.keyboard.press("Enter")
    page.wait_for_url("**/book/")
    tab_to(page, "#id_requester_kind_0")
    page.keyboard.press("Space")
    expected = ["id_requester_name", "id_organisation", "id_phone", "id_email", "id_contact_by_0"]
    texts = {"id_requester_name": "Zhang San", "id_phone": PHONE}
    for element_id in expected:
        page.keyboard.press("Tab")
        assert page.evaluate("document.activeElement.id") == element_id
        if element_id in texts:
            page.keyboard.type(texts[element_id])
    page.keyboard.press("Tab")  # out of the contact group (SMS stays chosen) into the purpose group
    assert page.evaluate("document.activeElement.name") == "purpose"
    page.keyboard.press("Space")  # the group's first choice (none was chosen): hospital or clinic
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.id") == "id_details"
    page.keyboard.type("Interview at a street office")
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.tagName") == "BUTTON"
    page.keyboard.press("Enter")
    page.wait_for_url("**/interpreting/bookings/**")
    check_portal_page(page, "interpreting-keyboard-booking-en")
    (booking,) = _bookings()
    assert (booking.requester_name, booking.purpose, booking.contact_by) == ("Zhang San", "hospital", "sms")


# ---------------------------------------------------------------------------------------------------
# Staff


def test_staff_confirm_shows_details_to_the_requester(
    booking, district_officer, page, log_in, check_page, portal_page, check_portal_page
):
    log_in(page, district_officer.username)
    page.goto("/staff/interpreting/")
    check_page(page, "interpreting-staff-list")
    page.locator(f"a:has-text('{booking.reference}')").click()
    expect(page.locator("#booking-record")).to_contain_text("138****5678")
    check_page(page, "interpreting-staff-detail")
    # Confirm without details: refused next to the field, nothing changed.
    page.locator("form[action$='/confirm/'] button[type=submit]").click()
    expect(page.locator("#confirm-meeting_details-error")).to_be_visible()
    check_page(page, "interpreting-staff-confirm-error")
    page.locator("#confirm-meeting_details").fill("腾讯会议 123-456-789，密码 2468")
    page.locator("form[action$='/confirm/'] button[type=submit]").click()
    expect(page.locator("#meeting-details")).to_contain_text("腾讯会议 123-456-789")
    # The full phone number, to send the details: on request, audited.
    page.locator("form[action$='/reveal/'] button").click()
    expect(page.locator("#booking-phone")).to_have_text(PHONE)

    requester = portal_page(language="zh")
    requester.goto(f"/interpreting/bookings/{booking.access_token}/")
    expect(requester.locator("#meeting-details")).to_contain_text("腾讯会议 123-456-789，密码 2468")
    check_portal_page(requester, "interpreting-booking-confirmed-zh")


def test_staff_reassign_and_cancel(booking, slots, district_officer, page, log_in, check_page, portal_page):
    log_in(page, district_officer.username)
    page.goto(f"/staff/interpreting/bookings/{booking.pk}/")
    page.locator("#reassign-slot").select_option(str(slots[2].pk))
    page.locator("#reassign-meeting_details").fill("视频链接 https://example.org/m/1")
    page.locator("form[action$='/reassign/'] button[type=submit]").click()
    expect(page.locator("#booking-record")).to_contain_text("14:00–15:00")
    expect(page.locator("#meeting-details")).to_contain_text("https://example.org/m/1")
    # A stale form (another tab read the booking before the move) is refused, nothing applied.
    page.go_back()
    page.reload()  # the form as it is now …
    version = page.locator("form[action$='/cancel/'] input[name=version]").get_attribute("value")
    page.evaluate(
        "() => document.querySelector(\"form[action$='/cancel/'] input[name=version]\").value = '1'"
    )  # … as if read before the move
    page.locator("#cancel-reason").fill("译员生病")
    page.locator("form[action$='/cancel/'] button[type=submit]").click()
    expect(page.locator("#error-summary")).to_be_visible()
    check_page(page, "interpreting-staff-stale")
    assert _bookings()[0].status == "confirmed"
    assert version != "1"
    page.locator("#cancel-reason").fill("译员生病，请改约其他时间")
    page.locator("form[action$='/cancel/'] button[type=submit]").click()
    expect(page.locator("form[action$='/cancel/']")).to_have_count(0)  # nothing more to do
    (cancelled,) = _bookings()
    assert cancelled.status == "cancelled" and cancelled.slot_id == slots[2].pk

    requester = portal_page(language="en")
    requester.goto(f"/interpreting/bookings/{booking.access_token}/")
    expect(requester.locator("#booking-status")).to_contain_text("Cancelled")
    expect(requester.locator("main")).to_contain_text("译员生病，请改约其他时间")


def test_staff_interpreter_and_slot_pages(slots, district_officer, page, log_in, check_page):
    log_in(page, district_officer.username)
    page.goto("/staff/interpreting/interpreters/")
    check_page(page, "interpreting-staff-interpreters")
    page.locator("a[href$='/interpreters/new/']").first.click()
    page.locator("#id_name").fill("新译员")
    page.locator("#id_languages").fill("北京手语")
    page.locator("form.application-form button[type=submit]").click()
    expect(page.locator("main table")).to_contain_text("新译员")
    page.goto("/staff/interpreting/slots/")
    check_page(page, "interpreting-staff-slots")
    page.locator("#id_interpreter").select_option(label="新译员")
    page.locator("#id_day").fill((dt.date.today() + dt.timedelta(days=3)).isoformat())
    page.locator("#id_times").fill("09:00-10:00, 09:30-10:30")  # overlapping: refused
    page.locator("form.application-form button[type=submit]").click()
    expect(page.locator("#id_times_error")).to_be_visible()
    check_page(page, "interpreting-staff-slots-error")
    page.locator("#id_times").fill("09:00-10:00, 10:30-11:30")
    page.locator("form.application-form button[type=submit]").click()
    expect(page.locator("main table")).to_contain_text("新译员")
    from xiaokang.interpreting.models import Slot

    assert Slot.objects.filter(interpreter__name="新译员").count() == 2
