"""The person pages through Django's test client (R1–R4, U11; GB/T 22239-2019 8.1.4.2): every page with every
role (deny by default), the three actors (district, street A, street B), the audit of views and refused
access, history and the record on a past date, the forms (validated as the import is; nothing written on an
error; the optimistic version check) and the rule that ID and certificate numbers never reach a URL."""

from __future__ import annotations

import datetime as dt
import re
from html.parser import HTMLParser

import pytest
from django.test import Client
from django.urls import reverse

from tests.helpers import STREET_A, person_row, write_csv
from xiaokang.accounts.models import User
from xiaokang.audit.models import AuditEvent
from xiaokang.core.models import Area
from xiaokang.registry.importing.columns import PERSON_COLUMNS
from xiaokang.registry.models import Person, PersonHistory
from xiaokang.registry.services import person_save, persons_import

pytestmark = pytest.mark.django_db
PASSWORD = "Pass-word-123"
ZH_TO_FIELD = {c.zh: c.field for c in PERSON_COLUMNS}
ROW_A, ROW_B = person_row(1), person_row(2, 街道乡镇="中关村街道")
ID_A, ID_B = ROW_A["公民身份号码"], ROW_B["公民身份号码"]


@pytest.fixture
def registry(tmp_path, system_actor):
    """Person A in street A (万寿路街道), person B in street B (中关村街道)."""
    report = persons_import(actor=system_actor, path=write_csv(tmp_path / "p.csv", [ROW_A, ROW_B]))
    assert report.written, report.errors
    return {
        "a": Person.objects.unscoped(reason="test").get(street__code=STREET_A),
        "b": Person.objects.unscoped(reason="test").exclude(street__code=STREET_A).get(),
    }


@pytest.fixture
def users(registry, staff_by_role, zhao_street_b):
    """The named actors of tests/actors.py, one per role (after the registry: the community worker's
    community is the persons'), and street B's officer."""
    return {**staff_by_role, "officer_b": zhao_street_b}


def client_for(user: User | None) -> Client:
    client = Client()
    if user is not None:
        client.force_login(user)
    return client


def values(row: dict) -> dict:
    return {ZH_TO_FIELD[k]: v for k, v in row.items()}


def edit_post(person: Person, **changes) -> dict:
    """What the edit form posts: every field as the page shows it, with ``changes``."""
    data = {k: v for k, v in values(ROW_A if person.street.code == STREET_A else ROW_B).items()}
    data.pop("id_number")
    data["certificate_number"] = data["certificate_number"][18:]
    data["phone"] = ""
    data["version"] = str(person.version)
    data.update(changes)
    return data


def urls(person: Person) -> dict[str, str]:
    return {
        "list": reverse("person-list"),
        "detail": reverse("person-detail", args=[person.pk]),
        "create": reverse("person-create"),
        "edit": reverse("person-edit", args=[person.pk]),
        "reveal": reverse("person-reveal", args=[person.pk]),
    }


# ---------------------------------------------------------------------------------------------------
# Every page, every role (deny by default)

READERS = ["district_admin", "district_officer", "street_officer", "community_worker"]
# (page, method) pairs; reveal is POST-only.
PAGES = [("list", "get"), ("list", "post"), ("detail", "get"), ("create", "get"), ("create", "post")]
PAGES += [("edit", "get"), ("edit", "post"), ("reveal", "post")]


@pytest.mark.parametrize(("page", "method"), PAGES)
def test_anonymous_visitors_are_sent_to_the_login_page(registry, page, method):
    url = urls(registry["a"])[page]
    response = getattr(Client(), method)(url, {"id_number": ID_A} if method == "post" else {})

    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login") + "?next=")
    assert ID_A not in response["Location"]


@pytest.mark.parametrize("role", ["auditor", "security_admin"])
@pytest.mark.parametrize(("page", "method"), PAGES)
def test_the_auditor_and_the_security_administrator_get_403_everywhere(users, registry, role, page, method):
    before = Person.objects.unscoped(reason="test").get(pk=registry["a"].pk).version
    response = getattr(client_for(users[role]), method)(urls(registry["a"])[page], edit_post(registry["a"]))

    assert response.status_code == 403
    assert "测试1" not in response.content.decode()
    assert Person.objects.unscoped(reason="test").get(pk=registry["a"].pk).version == before
    assert not AuditEvent.objects.filter(action="person.view").exists()
    refused = AuditEvent.objects.get(action="access.denied")  # every refused access is recorded
    assert (refused.actor_label, refused.object_type, refused.object_id) == (
        users[role].username,
        "page",
        f"person-{page}",
    )


@pytest.mark.parametrize("role", READERS)
def test_every_registry_reader_can_use_the_pages_of_a_person_in_their_area(users, registry, role):
    client = client_for(users[role])
    pages = urls(registry["a"])

    for page in ("list", "detail", "create", "edit"):
        response = client.get(pages[page])
        assert response.status_code == 200, page
        assert_accessible_structure(response.content.decode(), page)
    reveal = client.post(pages["reveal"])
    assert reveal.status_code == (200 if role == "district_admin" else 403)


def test_the_person_menu_entry_appears_for_readers_only(users):
    assert reverse("person-list") in client_for(users["street_officer"]).get("/staff/").content.decode()
    assert reverse("person-list") not in client_for(users["auditor"]).get("/staff/").content.decode()


@pytest.mark.parametrize("method", ["put", "delete", "patch"])
def test_other_methods_are_refused(users, registry, method):
    client = client_for(users["district_officer"])
    for page in ("list", "detail", "edit", "create"):
        assert getattr(client, method)(urls(registry["a"])[page]).status_code == 405


def test_the_reveal_page_answers_get_with_405(users, registry):
    assert client_for(users["district_admin"]).get(urls(registry["a"])["reveal"]).status_code == 405


# ---------------------------------------------------------------------------------------------------
# Three actors: the district officer, the officer of street A, the officer of street B


def test_each_officer_lists_exactly_their_area(users, registry):
    def listed(user):
        return rows_of(client_for(user).get(reverse("person-list")).content.decode())

    assert listed(users["district_officer"]) == ["测试1", "测试2"]
    assert listed(users["street_officer"]) == ["测试1"]
    assert listed(users["officer_b"]) == ["测试2"]
    assert listed(users["community_worker"]) == ["测试1"]


def test_street_b_gets_404_on_a_persons_detail_and_edit_and_is_audited(users, registry):
    person = registry["a"]
    client = client_for(users["officer_b"])
    before = Person.objects.unscoped(reason="test").values().get(pk=person.pk)
    history = PersonHistory.objects.count()

    for response in (
        client.get(urls(person)["detail"]),
        client.get(urls(person)["edit"]),
        client.post(urls(person)["edit"], edit_post(person, name="改名")),
        client.get(reverse("person-detail", args=[person.pk + 1000])),  # missing: the same answer
    ):
        assert response.status_code == 404
        assert "测试1" not in response.content.decode()

    assert Person.objects.unscoped(reason="test").values().get(pk=person.pk) == before  # nothing changed
    assert PersonHistory.objects.count() == history
    denied = AuditEvent.objects.filter(action="access.denied").order_by("id")
    assert [(e.actor_label, e.object_id) for e in denied] == [("street_b", str(person.pk))] * 3 + [
        ("street_b", str(person.pk + 1000))
    ]
    assert [e.person_id for e in denied] == [person.pk] * 3 + [None]
    assert not AuditEvent.objects.filter(action="person.view", actor_label="street_b").exists()


def test_street_b_never_finds_a_person_of_street_a(users, registry):
    client = client_for(users["officer_b"])
    list_url = reverse("person-list")

    by_name = client.get(list_url, {"name": "测试1"})
    by_id = client.post(list_url, {"id_number": ID_A})
    by_certificate = client.post(list_url, {"certificate_number": ROW_A["残疾人证号"]})
    by_street = client.get(list_url, {"street": STREET_A})  # not one of B's choices: a form error

    for response in (by_name, by_id, by_certificate, by_street):
        assert response.status_code == 200
        assert rows_of(response.content.decode()) == []
        assert registry["a"].id_number_masked not in response.content.decode()
        assert urls(registry["a"])["detail"] not in response.content.decode()
    assert "error-summary" in by_street.content.decode()
    # The district officer finds the same person by the same numbers.
    district = client_for(users["district_officer"])
    assert district.post(list_url, {"id_number": ID_A})["Location"] == urls(registry["a"])["detail"]


def test_a_community_worker_sees_only_their_community(users, registry, system_actor):
    person_save(actor=system_actor, values=values(person_row(3, 社区村="另一社区")))
    response = client_for(users["community_worker"]).get(reverse("person-list"))

    assert rows_of(response.content.decode()) == ["测试1"]


def test_members_of_a_household_are_shown_only_within_the_actors_area(users, registry, system_actor):
    spouse = values(person_row(3, 街道乡镇="中关村街道", 家庭编号="H1", 与户主关系="配偶"))
    assert person_save(actor=system_actor, values=spouse).errors == []

    district_page = client_for(users["district_officer"]).get(urls(registry["a"])["detail"]).content.decode()
    street_page = client_for(users["street_officer"]).get(urls(registry["a"])["detail"]).content.decode()

    assert "测试3" in district_page
    assert "测试3" not in street_page


# ---------------------------------------------------------------------------------------------------
# Search, filters and pagination


def test_the_id_number_search_is_post_only_and_never_reaches_a_url(users, registry):
    client = client_for(users["district_officer"])
    list_url = reverse("person-list")

    found = client.post(list_url, {"id_number": ID_A.lower()}, follow=True)
    by_certificate = client.post(list_url, {"certificate_number": ROW_A["残疾人证号"]}, follow=True)
    missing = client.post(list_url, {"id_number": ID_A[:-2] + "00"})
    in_query = client.get(list_url, {"id_number": ID_A})  # a GET with the number is not a search

    for response in (found, by_certificate):
        assert response.redirect_chain == [(urls(registry["a"])["detail"], 303)]
        assert response.request["PATH_INFO"] == urls(registry["a"])["detail"]
    assert missing.status_code == 200
    assert rows_of(missing.content.decode()) == []
    assert rows_of(in_query.content.decode()) == ["测试1", "测试2"]  # ignored: the whole list
    for response in (found, by_certificate, missing, in_query):
        for url in [url for url, _status in getattr(response, "redirect_chain", [])] + links(response):
            assert ID_A not in url.upper() and ROW_A["残疾人证号"] not in url.upper()
    # The search form itself posts to the bare list address, with the CSRF token.
    page = client.get(list_url).content.decode()
    number_form = re.search(
        r'<form[^>]*method="post"[^>]*action="([^"]*)"[^>]*aria-labelledby="number-title"', page
    )
    assert number_form.group(1) == list_url
    assert 'name="csrfmiddlewaretoken"' in page[number_form.start() :]


def test_the_number_search_needs_a_number_and_the_csrf_token(users, registry):
    client = client_for(users["district_officer"])
    empty = client.post(reverse("person-list"), {"id_number": "", "certificate_number": ""})
    assert empty.status_code == 200
    assert 'role="alert"' in empty.content.decode()

    strict = Client(enforce_csrf_checks=True)
    strict.force_login(users["district_officer"])
    assert strict.post(reverse("person-list"), {"id_number": ID_A}).status_code == 403


def test_filters_and_the_count(users, registry, system_actor):
    person_save(actor=system_actor, values=values(person_row(3, 人员状态="死亡", 家庭经济状况="一般")))
    client = client_for(users["district_officer"])
    list_url = reverse("person-list")

    def names(**query):
        return rows_of(client.get(list_url, query).content.decode())

    assert names(name="测试") == ["测试1", "测试2", "测试3"]
    assert names(status="deceased") == ["测试3"]
    assert names(economic_status="ordinary") == ["测试3"]
    assert names(street="110108011000") == ["测试2"]
    assert names(category="physical", grade="1") == ["测试1", "测试2", "测试3"]
    assert names(category="visual") == []
    assert names(community=registry["a"].community.code) == ["测试1", "测试3"]
    page = client.get(list_url, {"status": "deceased"}).content.decode()
    assert "1" in re.search(r'id="result-count">(.*?)</p>', page, re.S).group(1)
    assert client.get(list_url, {"grade": "9"}).status_code == 200  # a bad choice is a form error


def test_keyset_pagination_carries_after_and_the_filters(users, registry, system_actor, tmp_path):
    rows = [person_row(n, 姓名=f"王{n:02d}") for n in range(10, 62)]  # 52 persons named 王
    persons_import(actor=system_actor, path=write_csv(tmp_path / "many.csv", rows))
    client = client_for(users["district_officer"])

    # Whatever else a query string holds is not carried on to the next page.
    first = client.get(reverse("person-list"), {"name": "王", "id_number": "x"}).content.decode()
    next_link = re.search(r'<a href="([^"]*)" rel="next">', first).group(1).replace("&amp;", "&")
    second = client.get(next_link).content.decode()

    assert len(rows_of(first)) == 50
    assert next_link.startswith(reverse("person-list") + "?")
    assert "after=" in next_link and "name=" in next_link
    assert "id_number" not in next_link
    assert len(rows_of(second)) == 2
    assert set(rows_of(first)).isdisjoint(rows_of(second))
    assert 'rel="next"' not in second
    pagination = second[second.index('class="pagination"') :]
    first_page = re.search(r'<a href="([^"]*)">', pagination).group(1)
    assert first_page.replace("&amp;", "&") == reverse("person-list") + "?name=%E7%8E%8B"
    assert "52" in re.search(r'id="result-count">(.*?)</p>', second, re.S).group(1)


def test_the_list_shows_masked_numbers_and_labels(users, registry):
    page = client_for(users["district_officer"]).get(reverse("person-list")).content.decode()

    assert registry["a"].id_number_masked in page
    assert ID_A not in page
    assert "<caption" in page and 'scope="col"' in page and 'scope="row"' in page
    assert urls(registry["a"])["detail"] in page


# ---------------------------------------------------------------------------------------------------
# Detail: audit, certificate, history, record as of a date, who viewed it, full number


def test_viewing_a_person_is_audited_and_listed_under_who_viewed(users, registry):
    person = registry["a"]
    client_for(users["street_officer"]).get(urls(person)["detail"])
    page = client_for(users["district_officer"]).get(urls(person)["detail"]).content.decode()

    views = AuditEvent.objects.filter(action="person.view").order_by("id")
    assert [(e.actor_label, e.object_type, e.object_id, e.person_id, e.client) for e in views] == [
        ("street_a", "person", str(person.pk), person.pk, "127.0.0.1"),
        ("district", "person", str(person.pk), person.pk, "127.0.0.1"),
    ]
    viewers = page[page.index('id="viewers"') :]
    assert viewers.index("district") < viewers.index("street_a")  # newest first


def test_opening_the_edit_form_is_recorded_as_a_view(users, registry):
    person = registry["a"]
    client_for(users["street_officer"]).get(urls(person)["edit"])

    view = AuditEvent.objects.get(action="person.view")
    assert (view.actor_label, view.person_id, view.details) == ("street_a", person.pk, {"page": "edit"})


def test_the_detail_page_masks_numbers_and_shows_the_certificate(users, registry, system_actor):
    person = registry["a"]
    person_save(actor=system_actor, values={"phone": "13911112222"}, person_id=person.pk)
    page = client_for(users["district_officer"]).get(urls(person)["detail"]).content.decode()

    assert ID_A not in page and "13911112222" not in page
    assert person.id_number_masked + "41" in page  # masked certificate number: masked ID + 4 + 1
    assert "139****2222" in page
    assert "2029-12-31" in page  # valid until: ten years less a day after 2020-01-01
    assert page.count("<h1") == 1


def test_only_the_district_administrator_sees_the_full_number_and_it_is_audited(users, registry):
    person = registry["a"]
    page = client_for(users["district_admin"]).post(urls(person)["reveal"])
    detail = client_for(users["district_admin"]).get(urls(person)["detail"]).content.decode()

    assert page.status_code == 200
    assert ID_A in page.content.decode() and ROW_A["残疾人证号"] in page.content.decode()
    assert page["Cache-Control"].count("no-store") == 1
    assert ID_A not in detail  # shown on the response to the POST only
    reveal = AuditEvent.objects.get(action="person.reveal")
    assert (reveal.actor_label, reveal.person_id) == ("admin", person.pk)
    assert ID_A not in str(reveal.details)
    assert client_for(users["district_officer"]).post(urls(person)["reveal"]).status_code == 403
    assert AuditEvent.objects.filter(action="person.reveal").count() == 1
    refused = AuditEvent.objects.filter(action="access.denied").get()
    assert (refused.actor_label, refused.object_id, refused.person_id) == (
        "district",
        "person-reveal",
        person.pk,
    )


def test_history_names_who_when_source_and_each_change(users, registry):
    person = registry["a"]
    saved = person_save(
        actor=users["street_officer"], values={"name": "新名", "status": "死亡"}, person_id=person.pk
    )
    assert saved.errors == []

    page = client_for(users["district_officer"]).get(urls(person)["detail"]).content.decode()
    history = page[page.index('id="history"') : page.index('id="as-of"')]

    assert "street_a" in history and "system:tests" in history
    assert re.search(r"测试1\s*<span aria-hidden=\"true\">→</span>.*?新名", history, re.S)
    assert "姓名" in history  # the field's label, not its identifier
    assert "deceased" not in history  # values by their labels too (死亡)
    assert "死亡" in history


def test_the_record_as_it_stood_on_a_past_date(users, registry):
    person = registry["a"]
    person_save(actor=users["street_officer"], values={"name": "新名"}, person_id=person.pk)
    # Registered in 2020, renamed now.
    PersonHistory.objects.filter(person=person, action="create").update(
        recorded_at=dt.datetime(2020, 1, 1, tzinfo=dt.UTC)
    )
    client = client_for(users["district_officer"])
    yesterday = dt.date.today() - dt.timedelta(days=1)

    before = client.get(urls(person)["detail"], {"as_of": yesterday.isoformat()}).content.decode()
    earlier = client.get(urls(person)["detail"], {"as_of": "2019-12-31"}).content.decode()
    invalid = client.get(urls(person)["detail"], {"as_of": "2024-02-30"})

    as_of = before[before.index('id="as-of"') : before.index('id="viewers"')]
    assert "测试1" in as_of and "新名" not in as_of
    assert "not yet registered" in earlier or "尚未" in earlier or "2019-12-31" in earlier
    assert 'id="as-of-caption"' not in earlier
    assert invalid.status_code == 200
    assert 'aria-invalid="true"' in invalid.content.decode()
    assert 'role="alert"' in invalid.content.decode()


# ---------------------------------------------------------------------------------------------------
# Register and edit


def test_register_with_an_error_writes_nothing_and_links_the_error_to_its_field(users, registry):
    client = client_for(users["street_officer"])
    new = values(person_row(5, 残疾等级="二级"))  # the certificate number says grade 1
    events = AuditEvent.objects.count()

    response = client.post(reverse("person-create"), new)

    page = response.content.decode()
    assert response.status_code == 200
    assert Person.objects.unscoped(reason="test").count() == 2 and AuditEvent.objects.count() == events
    assert 'role="alert"' in page and "autofocus" in page
    assert '<a href="#id_certificate_number">' in page
    field = re.search(r"<input[^>]*id=\"id_certificate_number\"[^>]*>", page).group(0)
    assert 'aria-invalid="true"' in field
    assert "id_certificate_number_error" in field
    assert 'id="id_certificate_number_error"' in page
    assert "等级位" in page or "grade digit" in page  # the import's own message


def test_register_then_land_on_the_new_record(users, registry):
    client = client_for(users["street_officer"])
    response = client.post(reverse("person-create"), values(person_row(5)), follow=True)

    person = Person.objects.unscoped(reason="test").get(name="测试5")
    assert response.redirect_chain == [(urls(person)["detail"], 303)]
    assert PersonHistory.objects.get(person=person).source == "form"
    assert AuditEvent.objects.filter(action="person.create", person_id=person.pk).exists()
    assert 'class="message success"' in response.content.decode()


def test_a_street_officer_cannot_register_someone_in_another_street(users, registry):
    response = client_for(users["street_officer"]).post(
        reverse("person-create"), values(person_row(5, 街道乡镇="中关村街道"))
    )
    assert response.status_code == 200
    assert not Person.objects.unscoped(reason="test").filter(name="测试5").exists()


def test_the_edit_form_starts_from_the_record_without_full_numbers(users, registry, system_actor):
    person = registry["a"]
    person_save(actor=system_actor, values={"phone": "13911112222"}, person_id=person.pk)
    person.refresh_from_db()
    page = client_for(users["street_officer"]).get(urls(person)["edit"]).content.decode()

    assert ID_A not in page and "13911112222" not in page
    assert person.id_number_masked in page and "139****2222" in page
    assert 'name="id_number"' not in page
    assert re.search(r'<input[^>]*name="certificate_number"[^>]*value="41"', page)
    assert re.search(rf'<input[^>]*name="version"[^>]*value="{person.version}"', page)
    assert re.search(r'<input[^>]*name="name"[^>]*value="测试1"', page)


def test_edit_saves_and_keeps_what_was_not_shown(users, registry, system_actor):
    person = registry["a"]
    person_save(actor=system_actor, values={"phone": "13911112222"}, person_id=person.pk)
    person.refresh_from_db()

    response = client_for(users["street_officer"]).post(
        urls(person)["edit"], edit_post(person, name="新名", phone="")
    )

    assert response.status_code == 303
    assert response["Location"] == urls(person)["detail"]
    person.refresh_from_db()
    assert (person.name, person.phone_masked, person.version) == ("新名", "139****2222", 3)
    entry = PersonHistory.objects.filter(person=person, actor_label="street_a").get()
    assert entry.changes == {"name": ["测试1", "新名"]}  # the ID number and the phone kept as they were


def test_edit_can_remove_the_phone_number(users, registry, system_actor):
    person = registry["a"]
    person_save(actor=system_actor, values={"phone": "13911112222"}, person_id=person.pk)
    person.refresh_from_db()

    client_for(users["street_officer"]).post(urls(person)["edit"], edit_post(person, remove_phone="on"))

    person.refresh_from_db()
    assert person.phone_masked == ""


def test_edit_with_an_error_writes_nothing(users, registry):
    person = registry["a"]
    before = Person.objects.unscoped(reason="test").values().get(pk=person.pk)
    events = AuditEvent.objects.count()

    response = client_for(users["street_officer"]).post(
        urls(person)["edit"], edit_post(person, name="新名", certificate_issued="2020-13-01")
    )

    assert response.status_code == 200
    assert Person.objects.unscoped(reason="test").values().get(pk=person.pk) == before
    assert AuditEvent.objects.count() == events
    page = response.content.decode()
    assert '<a href="#id_certificate_issued">' in page
    assert re.search(r'<input[^>]*name="name"[^>]*value="新名"', page)  # what was typed is kept
    assert ID_A not in page


def test_a_street_officer_cannot_move_a_person_to_another_street(users, registry):
    person = registry["a"]
    response = client_for(users["street_officer"]).post(
        urls(person)["edit"], edit_post(person, street="中关村街道")
    )
    assert response.status_code == 200  # 中关村街道 is not among street A's choices: a form error
    assert Person.objects.unscoped(reason="test").get(pk=person.pk).street.code == STREET_A


def test_the_edit_is_refused_when_another_officer_saved_first(users, registry):
    person = registry["a"]
    opened = edit_post(person, name="甲的改名")  # officer A opens the form at version 1
    # Meanwhile the district officer saves another change.
    assert (
        person_save(actor=users["district_officer"], values={"name": "乙的改名"}, person_id=person.pk).errors
        == []
    )

    response = client_for(users["street_officer"]).post(urls(person)["edit"], opened)

    page = response.content.decode()
    assert response.status_code == 200
    assert 'role="alert"' in page
    person.refresh_from_db()
    assert (person.name, person.version) == ("乙的改名", 2)  # nothing of officer A's was written
    assert re.search(r'<input[^>]*name="version"[^>]*value="2"', page)  # the form is now at version 2
    assert re.search(r'<input[^>]*name="name"[^>]*value="乙的改名"', page)  # showing the record as it is
    assert "甲的改名" in page  # and what officer A typed, so that nothing is lost
    # Saving again from the refreshed form works.
    again = client_for(users["street_officer"]).post(urls(person)["edit"], edit_post(person, name="甲的改名"))
    assert again.status_code == 303
    assert Person.objects.unscoped(reason="test").get(pk=person.pk).name == "甲的改名"


def test_the_id_number_cannot_be_changed_through_the_edit_form(users, registry):
    person = registry["a"]
    client_for(users["district_officer"]).post(
        urls(person)["edit"], edit_post(person, id_number=ID_B, certificate_number=ID_B + "41")
    )
    person.refresh_from_db()
    assert person.id_number_masked.endswith(ID_A[-4:])
    assert person.version == 1


# ---------------------------------------------------------------------------------------------------
# Helpers


def rows_of(page: str) -> list[str]:
    """The names in the results table (each row's header)."""
    body = re.search(r'<table class="results">.*?</table>', page, re.S)
    if body is None:
        return []
    return re.findall(r'<th scope="row"><a [^>]*>(.*?)</a></th>', body.group(0))


def links(response) -> list[str]:
    if not hasattr(response, "content"):
        return []
    return re.findall(r'(?:href|action)="([^"]*)"', response.content.decode())


class _Structure(HTMLParser):
    def __init__(self):
        super().__init__()
        self.h1 = 0
        self.tables = 0
        self.captions = 0
        self.labels: set[str] = set()
        self.controls: list[str] = []
        self.ids: list[str] = []

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if "id" in a:
            self.ids.append(a["id"])
        if tag == "h1":
            self.h1 += 1
        elif tag == "table":
            self.tables += 1
        elif tag == "caption":
            self.captions += 1
        elif tag == "label" and a.get("for"):
            self.labels.add(a["for"])
        elif tag in ("input", "select", "textarea") and a.get("type") not in ("hidden", "submit"):
            self.controls.append(a.get("id", "?"))


def assert_accessible_structure(page: str, name: str) -> None:
    """One h1, a caption on every table, a label for every control, no duplicate ids."""
    parsed = _Structure()
    parsed.feed(page)
    assert parsed.h1 == 1, name
    assert parsed.tables == parsed.captions, name
    assert [c for c in parsed.controls if c not in parsed.labels] == [], name
    assert len(parsed.ids) == len(set(parsed.ids)), name


def test_community_area_fixture_is_in_street_a(users):
    assert users["community_worker"].area.parent == Area.objects.get(code=STREET_A)
