"""The batch pages through Django's test client (R5, R7; GB/T 22239-2019 8.1.4.2): import (upload, check,
confirm), data quality and export, with every role (deny by default), the three actors (district, street A,
street B), the audit of exports and refused access, and the stored upload that never outlives its use."""

from __future__ import annotations

import csv
import datetime as dt
import io
import re

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from tests.helpers import STREET_A, STREET_B, make_id, person_row, write_csv
from xiaokang.accounts.models import User
from xiaokang.audit.models import AuditEvent
from xiaokang.core.crypto import mask_id_number
from xiaokang.core.dates import anniversary
from xiaokang.core.models import Area
from xiaokang.registry.models import Person, certificate_valid_until
from xiaokang.registry.services import persons_import

pytestmark = pytest.mark.django_db
PASSWORD = "Pass-word-123"

ROW_A, ROW_B = person_row(1), person_row(2, 街道乡镇="中关村街道")
ID_A, ID_B = ROW_A["公民身份号码"], ROW_B["公民身份号码"]


@pytest.fixture(autouse=True)
def data_dir(settings, tmp_path):
    """Uploads go to a directory of this test only."""
    settings.DATA_DIR = tmp_path / "data"
    return settings.DATA_DIR


def uploads(data_dir) -> list:
    folder = data_dir / "uploads"
    return sorted(folder.iterdir()) if folder.exists() else []


@pytest.fixture
def registry(tmp_path, system_actor):
    """Person A in street A (万寿路街道), person B in street B (中关村街道)."""
    report = persons_import(actor=system_actor, path=write_csv(tmp_path / "seed.csv", [ROW_A, ROW_B]))
    assert report.written, report.errors
    return {
        "a": Person.objects.unscoped(reason="test").get(street__code=STREET_A),
        "b": Person.objects.unscoped(reason="test").get(street__code=STREET_B),
    }


@pytest.fixture
def users(registry, staff_by_role, zhao_street_b):
    """The named actors of tests/actors.py, one per role (after the registry: the community worker's
    community is the persons'), and street B's officer."""
    return {**staff_by_role, "officer_b": zhao_street_b}


def client_for(user: User | None) -> Client:
    # In English: the assertions name the msgids, which hold whatever the Chinese catalogue says.
    client = Client(headers={"accept-language": "en"})
    if user is not None:
        client.force_login(user)
    return client


def csv_upload(rows: list[dict], name: str = "persons.csv") -> SimpleUploadedFile:
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=list(rows[0]))
    writer.writeheader()
    writer.writerows(rows)
    return SimpleUploadedFile(name, buffer.getvalue().encode("utf-8-sig"), content_type="text/csv")


def upload(client: Client, file) -> str:
    response = client.post(reverse("registry-import"), {"file": file})
    assert response.status_code == 200
    return response.content.decode()


def row_html(page: str, number: int) -> str:
    """The <tr> of spreadsheet row ``number`` in the table of rows in error."""
    match = re.search(rf'<tr>\s*<th scope="row" class="num" id="row-{number}".*?</tr>', page, re.S)
    assert match, f"row {number} is not shown"
    return match.group(0)


def events(action: str) -> list[AuditEvent]:
    """Events of ``action`` by people (the fixtures' own imports run as a SystemActor)."""
    return list(AuditEvent.objects.filter(action=action).exclude(actor_label="system:tests").order_by("id"))


# ---------------------------------------------------------------------------------------------------
# Every page, every role (deny by default)

PAGES = {
    ("registry-import", "get"),
    ("registry-import", "post"),
    ("registry-import-confirm", "post"),
    ("registry-import-errors", "post"),
    ("registry-quality", "get"),
    ("registry-quality-download", "post"),
    ("registry-export", "get"),
    ("registry-export", "post"),
}
IMPORTERS = {"district_admin", "district_officer", "street_officer"}
READERS = IMPORTERS | {"community_worker"}
ROLES = [
    "district_admin",
    "district_officer",
    "street_officer",
    "community_worker",
    "auditor",
    "security_admin",
]
ALLOWED = {page: (IMPORTERS if page[0].startswith("registry-import") else READERS) for page in PAGES}
# What an allowed request without a file or a pending upload answers.
ANSWER = {
    ("registry-import", "get"): 200,
    ("registry-import", "post"): 200,  # the form again: no file chosen
    ("registry-import-confirm", "post"): 302,  # nothing checked yet: back to the upload
    ("registry-import-errors", "post"): 302,
    ("registry-quality", "get"): 200,
    ("registry-quality-download", "post"): 200,
    ("registry-export", "get"): 200,
    ("registry-export", "post"): 200,  # the download
}


@pytest.mark.parametrize(("name", "method"), sorted(PAGES))
def test_anonymous_visitors_are_sent_to_the_login_page(registry, name, method):
    url = reverse(name)
    response = getattr(Client(), method)(url, {"format": "csv"} if method == "post" else {})

    assert response.status_code == 302
    assert response["Location"] == f"{reverse('login')}?next={url}"


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize(("name", "method"), sorted(PAGES))
def test_every_page_with_every_role(users, role, name, method):
    response = getattr(client_for(users[role]), method)(
        reverse(name), {"format": "csv"} if method == "post" else {}
    )

    if role in ALLOWED[(name, method)]:
        assert response.status_code == ANSWER[(name, method)]
        assert not events("access.denied")
    else:
        assert response.status_code == 403
        denied = events("access.denied")
        assert [(e.actor_id, e.object_type) for e in denied] == [(users[role].pk, "page")]
        assert "测试1" not in response.content.decode()


@pytest.mark.parametrize(("name", "method"), [("registry-import", "put"), ("registry-quality", "post")])
def test_other_methods_are_refused(users, name, method):
    response = getattr(client_for(users["district_officer"]), method)(reverse(name))

    assert response.status_code == 405


def test_the_menu_shows_each_role_its_pages(users):
    import_url, quality_url = reverse("registry-import"), reverse("registry-quality")
    for role in ROLES:
        page = client_for(users[role]).get(reverse("staff-home")).content.decode()
        assert (f'href="{import_url}"' in page) == (role in IMPORTERS), role
        assert (f'href="{quality_url}"' in page) == (role in READERS), role


# ---------------------------------------------------------------------------------------------------
# Import: upload → check → confirm


def test_planted_errors_are_reported_by_row_and_column_and_nothing_is_written(users, data_dir):
    rows = [
        person_row(11),
        person_row(12, 残疾等级="九级"),
        person_row(13),
        person_row(14, 残疾类别="飞行", 人员状态="失踪"),
    ]
    client = client_for(users["district_officer"])
    persons_before = Person.objects.unscoped(reason="test").count()

    page = upload(client, csv_upload(rows))

    assert "<title>Error: Check of the file – Import persons" in page
    # The errors table: row, column as written in the file, the rule in Chinese and English.
    errors = re.findall(
        r'<th scope="row" class="num"><a href="#(cell-\d+-\d+)">'
        r'<span class="visually-hidden">Show row </span>(\d+)</a></th>\s*<td>([^<]*)</td>',
        page,
    )
    assert [(row, column) for _anchor, row, column in errors] == [
        ("3", "残疾等级"),
        ("5", "残疾类别"),
        ("5", "人员状态"),
    ]
    # Each links to its marked cell.
    for anchor, _row, _column in errors:
        assert f'<td class="cell-error" id="{anchor}" tabindex="-1">' in page
    assert "未知残疾等级“九级” / unknown grade “九级”" in page
    # The rows in error, with the wrong cells marked by a symbol, a hidden "Error:" and the message.
    row3 = row_html(page, 3)
    assert row3.count('class="cell-error"') == 1
    assert re.search(
        r'<td class="cell-error" id="cell-3-\d+" tabindex="-1">'
        r'<span class="cell-error-mark" aria-hidden="true">✗</span> '
        r'<span class="visually-hidden">Error: </span><span class="cell-value">九级</span>',
        row3,
    )
    assert row_html(page, 5).count('class="cell-error"') == 2
    assert 'id="row-2"' not in page and 'id="row-4"' not in page  # only rows with errors
    # Nothing is written, and there is nothing to confirm.
    assert Person.objects.unscoped(reason="test").count() == persons_before
    assert reverse("registry-import-confirm") not in page
    assert not events("registry.import")


def test_a_valid_file_is_checked_then_written_on_confirm_and_the_upload_deleted(users, data_dir):
    client = client_for(users["district_officer"])
    changed_a = dict(ROW_A, 联系电话="13812345678")

    page = upload(client, csv_upload([changed_a, ROW_B, person_row(21), person_row(22)]))

    assert "<title>Check of the file – Import persons" in page
    assert re.search(r"<dt>Rows</dt>\s*<dd>4</dd>", page)
    assert re.search(r"<dt>New persons \(to be created\)</dt>\s*<dd>2</dd>", page)
    assert re.search(r"<dt>Changed persons \(to be updated\)</dt>\s*<dd>1</dd>", page)
    assert re.search(r"<dt>Unchanged</dt>\s*<dd>1</dd>", page)
    assert reverse("registry-import-confirm") in page
    assert Person.objects.unscoped(reason="test").count() == 2  # the check wrote nothing
    stored = uploads(data_dir)
    assert len(stored) == 1 and "persons" not in stored[0].name  # a random name, never the user's

    response = client.post(reverse("registry-import-confirm"))

    assert response.status_code == 200
    page = response.content.decode()
    assert "<title>Import done – Import persons" in page
    assert re.search(r"<dt>New persons</dt>\s*<dd>2</dd>", page)
    assert Person.objects.unscoped(reason="test").count() == 4
    assert (
        Person.objects.unscoped(reason="test")
        .get(pk=Person.objects.unscoped(reason="test").get(street__code=STREET_A, name=ROW_A["姓名"]).pk)
        .phone_masked
    )
    assert uploads(data_dir) == []
    assert "registry_import" not in client.session
    (event,) = events("registry.import")
    assert event.actor_id == users["district_officer"].pk
    assert event.details["created"] == 2 and event.details["updated"] == 1
    assert event.details["file"] == event.object_id == "persons.csv"  # the user's name, not the stored one

    # The same confirm again finds nothing waiting.
    again = client.post(reverse("registry-import-confirm"), follow=True)
    assert "There is no checked file waiting to be imported" in again.content.decode()
    assert len(events("registry.import")) == 1


def test_a_street_officers_row_of_another_street_is_an_error_and_nothing_is_written(users, data_dir):
    client = client_for(users["street_officer"])  # street A

    page = upload(client, csv_upload([person_row(31), person_row(32, 街道乡镇="中关村街道")]))

    row3 = row_html(page, 3)
    assert "cell-error" in row3 and "cannot be registered here" in row3
    assert 'id="row-2"' not in page
    assert reverse("registry-import-confirm") not in page
    assert Person.objects.unscoped(reason="test").count() == 2

    # Confirming anyway (a crafted request) writes nothing either: validation runs again.
    client.post(reverse("registry-import-confirm"))
    assert Person.objects.unscoped(reason="test").count() == 2
    assert uploads(data_dir) == []


def test_confirm_checks_again_and_writes_nothing_when_the_check_now_fails(users, data_dir):
    officer = users["street_officer"]
    client = client_for(officer)
    page = upload(client, csv_upload([person_row(41), person_row(42)]))
    assert reverse("registry-import-confirm") in page
    # Between the check and the confirmation, the officer is moved to street B. A change of area ends
    # the account's sessions (User.get_session_auth_hash); the officer signs in again, and the upload
    # checked before still waits in the new session.
    pending = client.session["registry_import"]
    User.objects.filter(pk=officer.pk).update(area=Area.objects.get(code=STREET_B))
    client.force_login(User.objects.get(pk=officer.pk))
    session = client.session
    session["registry_import"] = pending
    session.save()

    response = client.post(reverse("registry-import-confirm"))

    page = response.content.decode()
    assert "2 errors: nothing will be written" in page
    assert "the registry has changed since the file was checked" in page
    assert Person.objects.unscoped(reason="test").count() == 2
    assert not events("registry.import")
    assert uploads(data_dir) == []


def test_an_unusable_file_shows_its_message_and_is_not_kept(users, data_dir):
    client = client_for(users["district_officer"])
    legacy = SimpleUploadedFile("old.xls", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 100)

    page = upload(client, legacy)

    assert "<title>Error: Import persons" in page
    assert "不支持旧版.xls文件，请另存为.xlsx / legacy .xls files are not supported; save as .xlsx" in page
    assert 'aria-invalid="true"' in page and 'aria-describedby="id_file_helptext id_file_error"' in page
    assert uploads(data_dir) == []
    assert "registry_import" not in client.session


def test_no_file_chosen_is_a_form_error(users):
    page = upload(client_for(users["district_officer"]), b"")

    assert 'role="alert"' in page and "Choose the file to import." in page


def test_a_file_over_the_size_limit_is_refused_before_it_is_stored(users, data_dir, settings):
    settings.XIAOKANG_IMPORT_MAX_BYTES = 2048
    client = client_for(users["district_officer"])
    big = csv_upload([person_row(n) for n in range(50, 90)])
    assert big.size > 2048

    page = upload(client, big)

    assert "The file is larger than the limit of 2.0\xa0KB" in page
    assert uploads(data_dir) == []
    assert Person.objects.unscoped(reason="test").count() == 2


def test_an_upload_without_the_csrf_token_is_refused(users, data_dir):
    # The upload view turns Django's CSRF middleware off to install its size limit first, then checks
    # the token itself: a forged cross-site upload must still fail.
    client = Client(enforce_csrf_checks=True)
    client.force_login(users["district_officer"])

    response = client.post(reverse("registry-import"), {"file": csv_upload([person_row(56)])})

    assert response.status_code == 403
    assert uploads(data_dir) == []


def test_a_new_upload_starts_over_and_deletes_the_previous_file(users, data_dir):
    client = client_for(users["district_officer"])
    upload(client, csv_upload([person_row(51)]))
    (first,) = uploads(data_dir)

    page = upload(client, csv_upload([person_row(52), person_row(53)]))

    (second,) = uploads(data_dir)
    assert second != first and not first.exists()
    assert re.search(r"<dt>Rows</dt>\s*<dd>2</dd>", page)
    client.post(reverse("registry-import-confirm"))
    assert set(Person.objects.unscoped(reason="test").values_list("name", flat=True)) == {
        "测试1",
        "测试2",
        "测试52",
        "测试53",
    }


def test_forgotten_uploads_are_deleted_at_the_next_upload(users, data_dir):
    import os
    import time

    client = client_for(users["district_officer"])
    upload(client, csv_upload([person_row(54)]))
    (forgotten,) = uploads(data_dir)
    old = time.time() - 3 * 3600
    os.utime(forgotten, (old, old))

    upload(client_for(users["district_admin"]), csv_upload([person_row(55)]))

    assert not forgotten.exists() and len(uploads(data_dir)) == 1


def test_the_list_of_errors_downloads_as_csv(users):
    client = client_for(users["district_officer"])
    upload(client, csv_upload([person_row(61, 残疾等级="九级"), person_row(62, 残疾类别="=cmd")]))

    response = client.post(reverse("registry-import-errors"))

    assert response.status_code == 200
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    lines = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))
    assert lines[0] == ["行 row", "列 column", "错误 error"]
    assert [line[:2] for line in lines[1:]] == [["2", "残疾等级"], ["3", "残疾类别"]]
    assert not any(cell.startswith("=") for line in lines for cell in line)


# ---------------------------------------------------------------------------------------------------
# Data quality


@pytest.fixture
def quality_data(registry, tmp_path, system_actor):
    """In street A: two persons with one name and birth date (suspected duplicates), a certificate that
    expires in 10 days, a deceased person with an active certificate. Street B: one duplicate pair too."""
    today = timezone.localdate()
    valid_until = today + dt.timedelta(days=10)
    issued = anniversary(valid_until + dt.timedelta(days=1), -10)
    assert certificate_valid_until(issued) == valid_until

    def twin(name, seq, n, **overrides):
        id_number = make_id(f"11010819800101{seq:03d}")
        return person_row(n, 姓名=name, 公民身份号码=id_number, 残疾人证号=id_number + "41", **overrides)

    rows = [
        twin("重复甲", 11, 71),
        twin("重复甲", 13, 72),
        person_row(73, 姓名="将到期", 发证日期=issued.isoformat()),
        person_row(74, 姓名="已故者", 人员状态="死亡"),
        twin("重复乙", 15, 75, 街道乡镇="中关村街道"),
        twin("重复乙", 17, 76, 街道乡镇="中关村街道"),
    ]
    report = persons_import(actor=system_actor, path=write_csv(tmp_path / "quality.csv", rows))
    assert report.written, report.errors
    return rows


def test_the_quality_page_lists_the_three_lists_with_masked_ids(users, quality_data):
    page = client_for(users["district_officer"]).get(reverse("registry-quality")).content.decode()

    assert page.count("<h1>") == 1
    for caption in (
        "Suspected duplicate persons: 4",
        "Certificates expiring soon: 1",
        "Deceased persons with data still active: 1",
    ):
        assert caption in page
    for name in ("重复甲", "重复乙", "将到期", "已故者"):
        assert name in page
    for row in quality_data[:2]:
        assert mask_id_number(row["公民身份号码"]) in page
        assert row["公民身份号码"] not in page


def test_an_officer_of_street_b_never_sees_street_a_in_the_quality_page(users, quality_data):
    page = client_for(users["officer_b"]).get(reverse("registry-quality")).content.decode()

    assert "重复乙" in page
    for name in ("重复甲", "将到期", "已故者", "万寿路"):
        assert name not in page
    for row in quality_data[:4]:
        assert mask_id_number(row["公民身份号码"]) not in page
    assert "Suspected duplicate persons: 2" in page


def test_the_quality_report_downloads_as_xlsx_and_is_audited(users, quality_data):
    response = client_for(users["officer_b"]).post(reverse("registry-quality-download"))

    assert response.status_code == 200
    assert response["Content-Disposition"].startswith('attachment; filename="data-quality-')
    content = b"".join(response.streaming_content)
    assert content.startswith(b"PK")
    (event,) = events("registry.quality_export")
    assert event.actor_id == users["officer_b"].pk
    assert event.details["duplicates"] == 2 and event.details["expiring"] == 0


# ---------------------------------------------------------------------------------------------------
# Export


def export(client: Client, **data) -> tuple[int, str]:
    response = client.post(reverse("registry-export"), {"format": "csv", **data})
    if response.status_code != 200 or not response.has_header("Content-Disposition"):
        return response.status_code, response.content.decode()
    content = b"".join(response.streaming_content)
    if data.get("format") == "xlsx":
        return response.status_code, content
    return response.status_code, content.decode("utf-8-sig")


def test_an_export_is_masked_by_default_and_audited(users):
    status, content = export(client_for(users["district_officer"]))

    assert status == 200
    assert mask_id_number(ID_A) in content and mask_id_number(ID_B) in content
    assert ID_A not in content and ID_B not in content
    (event,) = events("registry.export")
    assert event.actor_id == users["district_officer"].pk
    assert event.details == {"rows": 2, "full": False, "street": "", "format": "csv"}


def test_full_numbers_only_for_the_district_administrator(users):
    status, content = export(client_for(users["district_admin"]), full="on", format="xlsx")

    assert status == 200 and content.startswith(b"PK")
    (event,) = events("registry.export")
    assert event.details == {"rows": 2, "full": True, "street": "", "format": "xlsx"}
    status, content = export(client_for(users["district_admin"]), full="on")
    assert ID_A in content and ID_B in content


@pytest.mark.parametrize("role", ["district_officer", "street_officer", "community_worker"])
def test_anyone_else_asking_for_full_numbers_gets_403_and_is_recorded(users, role):
    status, content = export(client_for(users[role]), full="1")

    assert status == 403
    assert ID_A not in content
    assert not events("registry.export")
    (denied,) = events("access.denied")
    assert denied.actor_id == users[role].pk and denied.details == {"full": True}


def test_the_full_checkbox_is_offered_to_the_district_administrator_only(users):
    for role in READERS:
        page = client_for(users[role]).get(reverse("registry-export")).content.decode()
        assert ('name="full"' in page) == (role == "district_admin"), role


def test_street_officers_export_their_street_only(users):
    _status, content_a = export(client_for(users["street_officer"]))
    _status, content_b = export(client_for(users["officer_b"]))

    assert mask_id_number(ID_A) in content_a and mask_id_number(ID_B) not in content_a
    assert mask_id_number(ID_B) in content_b and mask_id_number(ID_A) not in content_b
    # A street filter is not theirs to choose: the field is not on their form, a posted one is ignored.
    page = client_for(users["officer_b"]).get(reverse("registry-export")).content.decode()
    assert 'name="street"' not in page
    _status, content = export(client_for(users["officer_b"]), street=STREET_A)
    assert mask_id_number(ID_A) not in content


def test_district_roles_filter_by_street(users):
    status, content = export(client_for(users["district_officer"]), street=STREET_B)

    assert status == 200
    assert mask_id_number(ID_B) in content and mask_id_number(ID_A) not in content
    assert events("registry.export")[0].details["street"] == STREET_B
    status, page = export(client_for(users["district_officer"]), street="999999999999")
    assert status == 200 and "<title>Error: Export persons" in page


def test_an_export_that_cannot_be_recorded_leaves_no_file(registry, tmp_path, monkeypatch, system_actor):
    from xiaokang.registry import exporting

    def fail(*args, **kwargs):
        raise RuntimeError("audit unavailable")

    monkeypatch.setattr(exporting, "log_action", fail)
    out = tmp_path / "full.csv"
    with pytest.raises(RuntimeError):
        exporting.export_persons(actor=system_actor, path=out, full=True)
    assert not out.exists()


def test_the_check_page_answers_a_takeover_row_as_any_out_of_area_row(users, data_dir):
    """U11: a row with street B's person's ID number and street A written in it, and a row of a person
    registered nowhere naming street B, get the same check page (the list of errors, word for word): no
    "change 1", nothing saying the person exists elsewhere."""
    client = client_for(users["street_officer"])  # street A
    takeover = person_row(40, 公民身份号码=ID_B, 残疾人证号=ID_B + "42", 残疾等级="二级", 姓名="冒名")
    elsewhere = person_row(41, 街道乡镇="中关村街道")

    pages = [upload(client, csv_upload([row])) for row in (takeover, elsewhere)]

    def error_list(page: str) -> str:
        match = re.search(r'<caption id="errors-caption">.*?</table>', page, re.S)
        assert match
        return match.group(0)

    assert error_list(pages[0]) == error_list(pages[1])
    assert "cannot be registered here" in pages[0]
    for page in pages:
        assert "Importing this file will add" not in page
    assert (
        Person.objects.unscoped(reason="test")
        .get(pk=Person.objects.unscoped(reason="test").get(street__code="110108011000").pk)
        .name
        == ROW_B["姓名"]
    )
