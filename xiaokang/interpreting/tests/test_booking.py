"""Sign-language interpretation booking (U11; docs/interpreting.md): the services (book,
confirm, move, cancel; no double booking by the service and by the database), slots (no overlap, not in
the past), the public pages (booking, the requester's page by token, cancel) and the staff pages (roles,
actions with versions), and the audit trail without the phone in clear."""

from __future__ import annotations

import datetime as dt
import json
import re

import pytest
from django.db import IntegrityError, transaction
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from tests.helpers import STREET_A
from xiaokang.accounts.actors import SystemActor
from xiaokang.accounts.models import User
from xiaokang.audit.models import AuditEvent
from xiaokang.core.crypto import decrypt
from xiaokang.core.models import Area
from xiaokang.interpreting.models import Booking, Interpreter, Slot, Status
from xiaokang.interpreting.services import (
    MAX_OPEN_BOOKINGS_PER_PHONE,
    InterpretingError,
    bookable_slots,
    booking_cancel,
    booking_confirm,
    booking_create,
    booking_reassign,
    interpreter_save,
    parse_times,
    slot_withdraw,
    slots_add,
)
from xiaokang.interpreting.synthetic import seed_interpreters

pytestmark = pytest.mark.django_db

ACTOR = SystemActor("tests")
PHONE = "13812345678"


def _future_day(days: int = 3) -> dt.date:
    return timezone.localdate() + dt.timedelta(days=days)


@pytest.fixture
def interpreter():
    return interpreter_save(actor=ACTOR, name="测试译员", languages="中国手语")


@pytest.fixture
def slots(interpreter):
    return slots_add(
        actor=ACTOR,
        interpreter=interpreter,
        day=_future_day(),
        times=parse_times("09:00-10:00, 10:30-11:30, 14:00-15:00"),
    )


def _book(slot, phone=PHONE, **extra) -> Booking:
    values = {
        "actor": ACTOR,
        "slot": slot,
        "requester_kind": "person",
        "requester_name": "张三",
        "phone": phone,
        "purpose": "hospital",
        "details": "海淀医院 耳鼻喉科",
    }
    return booking_create(**(values | extra))


def _past_slot(interpreter) -> Slot:
    start = timezone.now() - dt.timedelta(hours=2)
    return Slot.objects.create(
        interpreter=interpreter, starts_at=start, ends_at=start + dt.timedelta(hours=1)
    )


# ---------------------------------------------------------------------------------------------------
# Services


def test_booking_creates_one_booking(slots):
    booking = _book(slots[0])
    assert Booking.objects.count() == 1
    assert re.fullmatch(rf"SY-{timezone.localdate().year}-000001", booking.reference)
    assert booking.status == Status.REQUESTED
    assert booking.phone_masked == "138****5678"
    assert PHONE not in booking.phone_encrypted and decrypt(booking.phone_encrypted) == PHONE
    assert len(booking.access_token) >= 32
    assert _book(slots[1], phone="13900001111").reference.endswith("000002")
    assert slots[0].pk not in set(bookable_slots().values_list("pk", flat=True))


def test_second_booking_of_a_slot_is_refused_by_the_service(slots):
    _book(slots[0])
    with pytest.raises(InterpretingError) as refused:
        _book(slots[0], phone="13900001111", requester_name="李四")
    assert refused.value.kind == "taken"
    assert "just been booked" in refused.value.message
    assert Booking.objects.count() == 1


def _row(slot, reference: str, token: str) -> Booking:
    """A booking written straight to the database, past the service's check."""
    return Booking.objects.create(
        reference=reference,
        slot=slot,
        requester_kind="person",
        requester_name="李四",
        phone_encrypted="x",
        phone_index="y",
        phone_masked="z",
        purpose="other",
        access_token=token,
    )


def test_the_database_refuses_a_second_active_booking(slots):
    first = _book(slots[0])
    with pytest.raises(IntegrityError), transaction.atomic():
        _row(slots[0], "SY-X-1", "another-token")
    # A cancelled booking does not hold the slot: the database lets a new one in.
    Booking.objects.filter(pk=first.pk).update(status=Status.CANCELLED)
    _row(slots[0], "SY-X-2", "third-token")


def test_the_race_the_service_cannot_see_is_refused_by_the_database(slots, monkeypatch):
    """Two requesters pass the service's check at once: the database lets one in."""
    _book(slots[0])
    from xiaokang.interpreting import services

    monkeypatch.setattr(services, "_check_bookable", lambda slot, field="": None)
    with pytest.raises(InterpretingError) as refused:
        _book(slots[0], phone="13900001111")
    assert refused.value.kind == "taken"
    assert Booking.objects.count() == 1


def test_cancelled_booking_frees_the_slot(slots):
    booking = _book(slots[0])
    booking_cancel(actor=ACTOR, booking=booking, version=booking.version, reason="不需要了")
    assert slots[0].pk in set(bookable_slots().values_list("pk", flat=True))
    again = _book(slots[0], phone="13900001111")
    assert again.status == Status.REQUESTED
    assert Booking.objects.filter(slot=slots[0]).count() == 2


def test_the_same_form_twice_books_once(slots):
    first = _book(slots[0], submission_key="abc")
    assert _book(slots[0], submission_key="abc").pk == first.pk
    assert Booking.objects.count() == 1


def test_booking_checks_its_input(slots):
    cases = [
        ({"requester_kind": "martian"}, "requester_kind"),
        ({"requester_name": " "}, "requester_name"),
        ({"requester_kind": "office"}, "organisation"),
        ({"phone": ""}, "phone"),
        ({"phone": "12ab"}, "phone"),
        ({"email": "nope"}, "email"),
        ({"contact_by": "email"}, "email"),
        ({"purpose": "party"}, "purpose"),
        ({"purpose": "other", "details": ""}, "details"),
    ]
    for extra, field in cases:
        with pytest.raises(InterpretingError) as refused:
            _book(slots[0], **extra)
        assert refused.value.field == field, extra
    assert not Booking.objects.exists()
    office = _book(
        slots[0], requester_kind="office", organisation="海淀区某街道办事处", email="a@example.com"
    )
    assert office.email_masked == "a***@example.com" and decrypt(office.email_encrypted) == "a@example.com"


def test_past_withdrawn_and_inactive_slots_are_refused(interpreter, slots):
    with pytest.raises(InterpretingError) as refused:
        _book(_past_slot(interpreter))
    assert refused.value.kind == "taken" and "passed" in refused.value.message
    slot_withdraw(actor=ACTOR, slot=slots[0])
    with pytest.raises(InterpretingError):
        _book(slots[0])
    interpreter_save(
        actor=ACTOR,
        interpreter=interpreter,
        name=interpreter.name,
        languages=interpreter.languages,
        active=False,
        version=interpreter.version,
    )
    with pytest.raises(InterpretingError):
        _book(slots[1])
    assert not Booking.objects.exists()
    assert not bookable_slots().exists()


def test_a_booked_slot_is_not_withdrawn(slots):
    _book(slots[0])
    with pytest.raises(InterpretingError):
        slot_withdraw(actor=ACTOR, slot=slots[0])


def test_open_bookings_per_phone_are_limited(interpreter):
    many = slots_add(
        actor=ACTOR,
        interpreter=interpreter,
        day=_future_day(4),
        times=[(dt.time(8 + n), dt.time(8 + n, 45)) for n in range(MAX_OPEN_BOOKINGS_PER_PHONE + 1)],
    )
    for slot in many[:MAX_OPEN_BOOKINGS_PER_PHONE]:
        _book(slot, phone="138 1234 5678")  # spaces: the same number
    with pytest.raises(InterpretingError) as refused:
        _book(many[-1])
    assert refused.value.kind == "limit"


def test_confirm_requires_meeting_details(slots):
    booking = _book(slots[0])
    with pytest.raises(InterpretingError) as refused:
        booking_confirm(actor=ACTOR, booking=booking, version=booking.version, meeting_details="  ")
    assert refused.value.field == "meeting_details"
    booking.refresh_from_db()
    assert booking.status == Status.REQUESTED
    booking = booking_confirm(
        actor=ACTOR, booking=booking, version=booking.version, meeting_details="腾讯会议 123-456-789"
    )
    assert booking.status == Status.CONFIRMED and booking.meeting_details == "腾讯会议 123-456-789"
    assert booking.version == 2


def test_stale_version_is_refused_and_nothing_applied(slots):
    booking = _book(slots[0])
    stale = booking.version
    booking_confirm(actor=ACTOR, booking=booking, version=stale, meeting_details="视频链接 A")
    for call in (
        lambda: booking_confirm(actor=ACTOR, booking=booking, version=stale, meeting_details="B"),
        lambda: booking_cancel(actor=ACTOR, booking=booking, version=stale, reason="原因"),
        lambda: booking_reassign(actor=ACTOR, booking=booking, version=stale, slot=slots[1]),
    ):
        with pytest.raises(InterpretingError) as refused:
            call()
        assert refused.value.kind == "stale"
    booking.refresh_from_db()
    assert (booking.status, booking.meeting_details, booking.slot_id) == (
        "confirmed",
        "视频链接 A",
        slots[0].pk,
    )


def test_reassign_to_a_taken_slot_is_refused_to_a_free_one_works(slots):
    booking = _book(slots[0])
    booking = booking_confirm(actor=ACTOR, booking=booking, version=booking.version, meeting_details="旧链接")
    other = _book(slots[1], phone="13900001111")
    with pytest.raises(InterpretingError) as refused:
        booking_reassign(actor=ACTOR, booking=booking, version=booking.version, slot=slots[1])
    assert refused.value.kind == "taken"
    booking.refresh_from_db()
    assert booking.slot_id == slots[0].pk and booking.status == Status.CONFIRMED
    moved = booking_reassign(actor=ACTOR, booking=booking, version=booking.version, slot=slots[2])
    # Moved without new details: it waits to be confirmed again, the old details cleared.
    assert (moved.slot_id, moved.status, moved.meeting_details) == (slots[2].pk, Status.REQUESTED, "")
    assert slots[0].pk in set(bookable_slots().values_list("pk", flat=True))
    back = booking_reassign(
        actor=ACTOR, booking=moved, version=moved.version, slot=slots[0], meeting_details="新链接"
    )
    assert (back.slot_id, back.status, back.meeting_details) == (slots[0].pk, Status.CONFIRMED, "新链接")
    assert other.slot_id == slots[1].pk


def test_reassign_race_is_refused_by_the_database(slots, monkeypatch):
    booking = _book(slots[0])
    _book(slots[1], phone="13900001111")
    from xiaokang.interpreting import services

    monkeypatch.setattr(services, "_check_bookable", lambda slot, field="": None)
    with pytest.raises(InterpretingError) as refused:
        booking_reassign(actor=ACTOR, booking=booking, version=booking.version, slot=slots[1])
    assert refused.value.kind == "taken"
    booking.refresh_from_db()
    assert booking.slot_id == slots[0].pk and booking.version == 1


def test_cancel_needs_a_reason_from_staff_not_from_the_requester(slots):
    booking = _book(slots[0])
    with pytest.raises(InterpretingError) as refused:
        booking_cancel(actor=ACTOR, booking=booking, version=booking.version, reason="")
    assert refused.value.field == "reason"
    booking = booking_cancel(
        actor=ACTOR, booking=booking, version=booking.version, reason="", by_requester=True
    )
    assert booking.status == Status.CANCELLED and booking.cancelled_by_requester
    with pytest.raises(InterpretingError) as refused:
        booking_cancel(actor=ACTOR, booking=booking, version=booking.version, reason="again")
    assert refused.value.kind == "illegal"


def test_overlapping_and_past_slots_are_refused(interpreter, slots):
    day = _future_day()
    for text in ("09:30-10:15", "08:00-09:01", "11:00-11:45, 11:30-12:00", "16:00-15:00", "16:00-16:05"):
        with pytest.raises(InterpretingError) as refused:
            slots_add(actor=ACTOR, interpreter=interpreter, day=day, times=parse_times(text))
        assert refused.value.field == "times", text
    with pytest.raises(InterpretingError):
        slots_add(
            actor=ACTOR,
            interpreter=interpreter,
            day=timezone.localdate() - dt.timedelta(days=1),
            times=parse_times("09:00-10:00"),
        )
    with pytest.raises(InterpretingError):
        parse_times("nine to ten")
    assert Slot.objects.count() == 3
    # Back to back is not an overlap; another interpreter may have the same time.
    slots_add(actor=ACTOR, interpreter=interpreter, day=day, times=parse_times("10:00～10:30"))
    other = interpreter_save(actor=ACTOR, name="另一译员", languages="北京手语")
    slots_add(actor=ACTOR, interpreter=other, day=day, times=parse_times("09:00-10:00"))
    assert Slot.objects.count() == 5


def test_the_database_refuses_a_slot_that_ends_before_it_starts(interpreter):
    start = timezone.now() + dt.timedelta(days=1)
    with pytest.raises(IntegrityError), transaction.atomic():
        Slot.objects.create(interpreter=interpreter, starts_at=start, ends_at=start)


def test_seed_is_synthetic_and_repeatable():
    first = seed_interpreters(days=14)
    assert first["interpreters"] == 3 and first["slots"] > 0
    assert set(Interpreter.objects.values_list("name", flat=True)) == {
        "示例译员一",
        "示例译员二",
        "示例译员三",
    }
    # The first time, bookings in every state (U11): two requested, two confirmed, one cancelled.
    assert first["bookings"] == 5
    assert sorted(Booking.objects.values_list("status", flat=True)) == [
        "cancelled",
        "confirmed",
        "confirmed",
        "requested",
        "requested",
    ]
    assert all("合成" in name for name in Booking.objects.values_list("requester_name", flat=True))
    assert seed_interpreters(days=14) == {"interpreters": 0, "slots": 0, "bookings": 0}
    assert Booking.objects.count() == 5


def test_audit_events_without_phone_or_token(slots):
    booking = _book(slots[0], email="zhang@example.com")
    booking = booking_confirm(actor=ACTOR, booking=booking, version=booking.version, meeting_details="链接")
    booking_cancel(actor=ACTOR, booking=booking, version=booking.version, reason="改期")
    actions = list(
        AuditEvent.objects.filter(object_type="booking", object_id=booking.reference)
        .order_by("id")
        .values_list("action", flat=True)
    )
    assert actions == ["interpreting.book", "interpreting.confirm", "interpreting.cancel"]
    text = json.dumps([e.details for e in AuditEvent.objects.all()], ensure_ascii=False)
    assert PHONE not in text and "5678" not in text and booking.access_token not in text
    assert "zhang@example.com" not in text


# ---------------------------------------------------------------------------------------------------
# Public pages


def _english() -> Client:
    client = Client()
    client.cookies["django_language"] = "en"
    return client


FORM = {
    "requester_kind": "person",
    "requester_name": "张三",
    "phone": PHONE,
    "contact_by": "sms",
    "purpose": "hospital",
    "details": "",
}


def test_public_pages_book_and_cancel(slots):
    client = _english()
    start = client.get(reverse("interpreting-book"))
    assert start.status_code == 200
    assert start.content.decode().count('href="/interpreting/slots/') == 3
    form = client.get(reverse("interpreting-booking-new", args=[slots[0].pk]))
    assert form.status_code == 200 and b'name="submission_token"' in form.content
    response = client.post(reverse("interpreting-booking-new", args=[slots[0].pk]), FORM)
    assert response.status_code == 303
    booking = Booking.objects.get()
    assert response["Location"] == reverse("interpreting-booking", args=[booking.access_token])
    page = client.get(response["Location"])
    text = page.content.decode()
    assert page.status_code == 200 and booking.reference in text and "Requested" in text
    assert "测试译员" not in text  # the interpreter's name is not published
    assert "no-store" in page["Cache-Control"] and page["X-Robots-Tag"] == "noindex"
    assert client.get(reverse("interpreting-book")).content.decode().count('href="/interpreting/slots/') == 2
    cancelled = client.post(response["Location"], {"version": booking.version, "reason": ""})
    assert cancelled.status_code == 303
    booking.refresh_from_db()
    assert booking.status == Status.CANCELLED and booking.cancelled_by_requester


def test_public_booking_errors_next_to_fields(slots):
    response = _english().post(reverse("interpreting-booking-new", args=[slots[0].pk]), {"phone": "abc"})
    assert response.status_code == 422
    text = response.content.decode()
    assert "<title>Error:" in text and 'id="error-summary"' in text
    assert 'id="id_phone_error"' in text and 'href="#id_requester_kind_0"' in text
    assert not Booking.objects.exists()


def test_booking_a_taken_slot_shows_the_error_and_books_nothing(slots):
    _book(slots[0])
    client = _english()
    page = client.get(reverse("interpreting-booking-new", args=[slots[0].pk]))
    assert b'id="slot-taken"' in page.content and b"<form method" not in page.content
    response = client.post(
        reverse("interpreting-booking-new", args=[slots[0].pk]), FORM | {"phone": "13900001111"}
    )
    assert response.status_code == 409
    assert "just been booked by someone else" in response.content.decode()
    assert Booking.objects.count() == 1


def test_wrong_token_is_404(slots):
    _book(slots[0])
    assert Client().get(reverse("interpreting-booking", args=["not-the-token"])).status_code == 404
    assert Client().get(reverse("interpreting-booking", args=["x" * 100])).status_code == 404
    assert Client().get(reverse("interpreting-booking-new", args=[999999])).status_code == 404


def test_chinese_time_format(slots):
    page = Client().get(reverse("interpreting-book")).content.decode()
    day = _future_day()
    assert f"{day.year}年{day.month}月{day.day}日" in page and "09:00–10:00" in page


# ---------------------------------------------------------------------------------------------------
# Staff pages


@pytest.fixture
def staff(li_district_officer):
    client = _english()
    client.force_login(li_district_officer)
    return client


def test_staff_pages_refuse_street_and_community_roles(slots):
    booking = _book(slots[0])
    street = Area.objects.get(code=STREET_A)
    community = Area.objects.create(
        code=street.code[:9] + "901", name="测试社区", level="community", parent=street, synthetic=True
    )
    users = [
        User.objects.create_user("s", password="Pass-word-123", role="street_officer", area=street),
        User.objects.create_user("c", password="Pass-word-123", role="community_worker", area=community),
        User.objects.create_user("a", password="Pass-word-123", role="auditor"),
    ]
    urls = [
        reverse("interpreting-staff"),
        reverse("interpreting-booking-detail", args=[booking.pk]),
        reverse("interpreting-interpreters"),
        reverse("interpreting-interpreter-create"),
        reverse("interpreting-slots"),
    ]
    for user in users:
        client = Client()
        client.force_login(user)
        for url in urls:
            assert client.get(url).status_code == 403, (user.role, url)
        response = client.post(
            reverse("interpreting-booking-confirm", args=[booking.pk]), {"version": 1, "meeting_details": "x"}
        )
        assert response.status_code == 403
    assert Client().get(reverse("interpreting-staff")).status_code == 302  # to the login page
    booking.refresh_from_db()
    assert booking.status == Status.REQUESTED
    assert AuditEvent.objects.filter(action="access.denied").exists()


def test_staff_confirm_reassign_cancel(staff, slots):
    booking = _book(slots[0])
    listing = staff.get(reverse("interpreting-staff")).content.decode()
    assert booking.reference in listing and "138****5678" not in listing
    detail = staff.get(reverse("interpreting-booking-detail", args=[booking.pk]))
    assert detail.status_code == 200 and "138****5678" in detail.content.decode()
    assert PHONE not in detail.content.decode()

    url = reverse("interpreting-booking-confirm", args=[booking.pk])
    refused = staff.post(url, {"version": 1, "meeting_details": ""})
    assert refused.status_code == 422 and 'id="confirm-meeting_details-error"' in refused.content.decode()
    assert staff.post(url, {"version": 1, "meeting_details": "腾讯会议 123"}).status_code == 303
    stale = staff.post(url, {"version": 1, "meeting_details": "其他"})
    assert stale.status_code == 409 and "changed after you opened" in stale.content.decode()
    booking.refresh_from_db()
    assert booking.meeting_details == "腾讯会议 123"
    requester = _english().get(reverse("interpreting-booking", args=[booking.access_token])).content.decode()
    assert "腾讯会议 123" in requester and "Confirmed" in requester

    url = reverse("interpreting-booking-reassign", args=[booking.pk])
    assert staff.post(url, {"version": booking.version, "slot": ""}).status_code == 422
    assert staff.post(url, {"version": booking.version, "slot": slots[2].pk}).status_code == 303
    booking.refresh_from_db()
    assert booking.slot_id == slots[2].pk and booking.status == Status.REQUESTED

    url = reverse("interpreting-booking-cancel", args=[booking.pk])
    assert staff.post(url, {"version": booking.version, "reason": ""}).status_code == 422
    assert staff.post(url, {"version": booking.version, "reason": "译员生病"}).status_code == 303
    booking.refresh_from_db()
    assert booking.status == Status.CANCELLED
    requester = _english().get(reverse("interpreting-booking", args=[booking.access_token])).content.decode()
    assert "译员生病" in requester and "cancelled" in requester


def test_staff_reveal_is_post_and_audited(staff, slots):
    booking = _book(slots[0])
    url = reverse("interpreting-booking-reveal", args=[booking.pk])
    assert staff.get(url).status_code == 405
    response = staff.post(url)
    assert response.status_code == 200 and PHONE in response.content.decode()
    assert AuditEvent.objects.filter(action="interpreting.reveal", object_id=booking.reference).exists()


def test_staff_interpreters_and_slots_pages(staff):
    assert staff.get(reverse("interpreting-interpreters")).status_code == 200
    created = staff.post(
        reverse("interpreting-interpreter-create"),
        {"name": "新译员", "languages": "中国手语", "active": "on"},
    )
    assert created.status_code == 303
    interpreter = Interpreter.objects.get(name="新译员")
    edit_url = reverse("interpreting-interpreter-edit", args=[interpreter.pk])
    assert staff.get(edit_url).status_code == 200
    assert staff.post(edit_url, {"version": 1, "name": "", "languages": "x"}).status_code == 422
    page = staff.get(reverse("interpreting-slots"))
    assert page.status_code == 200
    day = _future_day(5).isoformat()
    added = staff.post(
        reverse("interpreting-slots"),
        {"interpreter": interpreter.pk, "day": day, "times": "09:00-10:00\n10:00-11:00"},
    )
    assert added.status_code == 303 and Slot.objects.count() == 2
    overlap = staff.post(
        reverse("interpreting-slots"), {"interpreter": interpreter.pk, "day": day, "times": "09:30-10:30"}
    )
    assert overlap.status_code == 422 and "overlaps" in overlap.content.decode()
    slot = Slot.objects.first()
    assert staff.post(reverse("interpreting-slot-withdraw", args=[slot.pk])).status_code == 303
    slot.refresh_from_db()
    assert slot.withdrawn


def test_staff_bookings_list_pages_keep_the_filter(staff, interpreter, monkeypatch):
    monkeypatch.setattr("xiaokang.interpreting.views_staff.PAGE_SIZE", 2)
    day = _future_day(4)
    for slot in slots_add(
        actor=ACTOR,
        interpreter=interpreter,
        day=day,
        times=parse_times("09:00-10:00, 10:30-11:30, 14:00-15:00"),
    ):
        _book(slot, phone=f"1381234{slot.pk:04d}")
    url = reverse("interpreting-staff")
    first = staff.get(url, {"status": "requested", "day": day.isoformat()}).content.decode()
    assert "Page 1 of 2" in first
    assert f"status=requested&amp;day={day.isoformat()}&amp;page=2" in first
    second = staff.get(url, {"status": "requested", "day": day.isoformat(), "page": 2}).content.decode()
    assert "Page 2 of 2" in second and "page=1" in second and 'rel="next"' not in second


def test_bookings_from_one_client_are_rate_limited(interpreter, monkeypatch):
    from xiaokang.core.ratelimit import Limit
    from xiaokang.interpreting import services

    monkeypatch.setattr(services, "CLIENT_LIMIT", Limit(attempts=1, window=dt.timedelta(hours=1)))
    day = slots_add(
        actor=ACTOR, interpreter=interpreter, day=_future_day(), times=parse_times("9:00-10:00, 11:00-12:00")
    )
    _book(day[0], sender_address="10.0.0.1")
    with pytest.raises(InterpretingError) as refused:
        _book(day[1], phone="13900001111", sender_address="10.0.0.1")
    assert refused.value.kind == "limit"
    _book(day[1], phone="13900001111", sender_address="10.0.0.2")


def test_the_public_list_shows_one_week_at_a_time(client, interpreter, slots):
    """However many times are offered, the page lists one week (U11: under 150 KB); the others
    are a link away."""
    later = slots_add(
        actor=ACTOR, interpreter=interpreter, day=_future_day(10), times=parse_times("09:00-10:00")
    )
    this_week = client.get("/interpreting/").content.decode()
    assert all(f'id="slot-{slot.pk}"' in this_week for slot in slots)
    assert f'id="slot-{later[0].pk}"' not in this_week
    assert 'href="?week=1#free-times"' in this_week and "?week=-1" not in this_week
    next_week = client.get("/interpreting/", {"week": "1"}).content.decode()
    assert f'id="slot-{later[0].pk}"' in next_week
    assert not any(f'id="slot-{slot.pk}"' in next_week for slot in slots)
    assert 'href="?week=0#free-times"' in next_week
    # A week that is not a number, or beyond the booking horizon, is this week.
    assert client.get("/interpreting/", {"week": "x"}).content.decode().count('id="slot-') == len(slots)
    assert client.get("/interpreting/", {"week": "999"}).status_code == 200
