"""Words, not codes (P2, P3, U11): no page shows developer text — file names, "second-hand source"
remarks, parameter identifiers, rule-version hashes — a person who does not qualify is shown "—", English
pages say tiers, reasons and answers in English, and a file that is not a spreadsheet is told so."""

import re

import pytest
from django.test import Client

from tests.helpers import STREET_A, person_row, write_csv
from xiaokang.core.importing.columns import Column
from xiaokang.core.importing.reader import FileRejected, read_table
from xiaokang.policies.engine.loader import person_policies, policies
from xiaokang.registry.models import Person
from xiaokang.registry.services import persons_import

pytestmark = pytest.mark.django_db

FILE_NAME = re.compile(r"\b[A-Z_]+\.md\b")
HASH = re.compile(r"(?<![0-9a-f#-])[0-9a-f]{12}(?![0-9a-f])")
CHINESE = re.compile(r"[\u4e00-\u9fff]")


def visible_text(response) -> str:
    """What a reader sees: the page without tags, scripts, styles and attribute values."""
    html = response.content.decode()
    html = re.sub(r"<(script|style)\b.*?</\1>", " ", html, flags=re.S)
    return re.sub(r"<[^>]+>", " ", html)


def client_for(user, language="zh-hans"):
    client = Client()
    client.force_login(user)
    client.cookies["django_language"] = language
    return client


@pytest.fixture
def person_a(tmp_path, system_actor):
    # 一般 household: qualifies for the care subsidy, not for the living subsidy (a provisional-valued cash
    # benefit), so the page has both an amount and a "—".
    rows = [person_row(1, 家庭经济状况="一般")]
    persons_import(actor=system_actor, path=write_csv(tmp_path / "p.csv", rows))
    return Person.objects.unscoped(reason="test").get(street__code=STREET_A)


# --- policy files and pages -------------------------------------------------------------------------


def test_no_policy_file_cites_a_document_of_the_project_or_a_second_hand_source():
    for policy in policies().values():
        texts = [*(n.get("zh", "") for n in policy.notes), *(n.get("en", "") for n in policy.notes)]
        for parameter in policy.parameters.values():
            texts += [value.citation for value in parameter.values]
        for text in texts:
            assert not FILE_NAME.search(text), (policy.id, text)
            assert "二手" not in text and "secondary source" not in text, (policy.id, text)


def test_the_english_labels_of_tiers_conditions_and_parameters_are_english():
    for policy in policies().values():
        labels = [rule.en for rule in policy.amounts]
        labels += [condition.en for condition in policy.conditions]
        labels += [parameter.en for parameter in policy.parameters.values()]
        labels += [note.get("en", "") for note in policy.notes]
        for label in labels:
            assert not CHINESE.search(label or ""), (policy.id, label)


@pytest.mark.parametrize("language", ["zh-hans", "en"])
def test_the_public_policy_pages_show_no_file_name_second_hand_source_or_identifier(client, language):
    client.cookies["django_language"] = language
    for policy in person_policies():
        text = visible_text(client.get(f"/policies/{policy.id}/"))
        assert not FILE_NAME.search(text) and "二手" not in text, policy.id
        for name in policy.parameters:
            assert name not in text, (policy.id, name)


def test_the_staff_policy_list_and_sheet_show_an_edition_by_date_not_a_hash(li_district_officer):
    client = client_for(li_district_officer)
    listing = visible_text(client.get("/staff/policies/", {"date": "2025-06-01"}))
    sheet = visible_text(client.get("/staff/policies/living_subsidy/", {"date": "2025-06-01"}))
    for text in (listing, sheet):
        assert not HASH.search(text)
    # living_subsidy: values from 2016-01-01, the 低保 standard from 2024-07-01.
    assert "第2版（2024-07-01起）" in sheet
    assert "二手" not in sheet and "DOMAIN.md" not in sheet


# --- the person page ------------------------------------------------------------------------------------


def test_the_person_page_shows_a_dash_not_a_provisional_zero_and_parameter_labels(person_a, wang_street_a):
    response = client_for(wang_street_a).get(
        f"/staff/persons/{person_a.pk}/", {"eligibility_date": "2025-06-01"}
    )

    text = visible_text(response)
    assert "0.00 暂定" not in text and not re.search(r"0\.00\s+暂定", text)
    summary = re.search(r"困难残疾人生活补贴.*?</tr>", response.content.decode(), flags=re.S).group(0)
    assert "—" in summary and "0.00" not in summary and "暂定" not in summary
    for name in ("high_tier_amount", "low_tier_amount", "dibao_group_a", "retirement_age"):
        assert name not in text
    assert "重度残疾人护理补贴高档月补贴" in text or "高档" in text  # the label instead of the identifier


def test_the_english_person_page_says_tiers_and_facts_in_english(person_a, wang_street_a):
    response = client_for(wang_street_a, "en").get(
        f"/staff/persons/{person_a.pk}/", {"eligibility_date": "2025-06-01"}
    )
    html = response.content.decode()
    used = re.findall(r'<ul class="used"[^>]*>(.*?)</ul>', html, flags=re.S)
    assert used and not any(CHINESE.search(block) for block in used)
    assert "economic status: ordinary" in html
    assert "high tier" in html  # the care subsidy's tier, in English


def test_the_english_screener_says_reasons_answers_and_tiers_in_english(client):
    client.cookies["django_language"] = "en"
    html = client.get(
        "/screener/",
        {"age": "45", "hukou": "本市城镇", "category": "肢体", "grade": "一级", "economic_status": "一般"},
    ).content.decode()
    reasons = re.findall(r'<ul class="reasons">(.*?)</ul>', html, flags=re.S)
    assert reasons and not any(CHINESE.search(block) for block in reasons)
    assert "economic status: ordinary" in html
    assert "The amount is the one for: high tier" in html


# --- import and export pages --------------------------------------------------------------------------

COLUMNS = (Column("name", "姓名", required=True),)


@pytest.mark.parametrize(
    ("content", "what"),
    [
        (b"\x89PNG\r\n\x1a\n" + bytes(range(256)) * 4, "PNG"),
        (b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj << /Type /Catalog >> endobj\n" * 20, "PDF"),
        (bytes((i * 37 + 11) % 251 for i in range(5000)).replace(b"\x00", b"\x01"), ""),  # random binary
    ],
)
def test_a_file_that_is_not_a_spreadsheet_is_told_so_whatever_its_name(tmp_path, content, what):
    path = tmp_path / "persons.xlsx"  # named like a workbook: the content decides
    path.write_bytes(content)
    with pytest.raises(FileRejected) as caught:
        read_table(path, COLUMNS)
    assert "this file is not a spreadsheet (xlsx or csv)" in caught.value.en
    assert "这个文件不是电子表格（xlsx或csv）" in caught.value.zh
    assert what in caught.value.en


def test_a_csv_is_still_read(tmp_path):
    path = tmp_path / "persons.csv"
    path.write_text("姓名\n张三\n", encoding="utf-8")
    read_table(path, COLUMNS)  # no FileRejected: text is still a CSV


def test_the_import_page_links_the_template_and_the_template_downloads(li_district_officer):
    client = client_for(li_district_officer)
    page = client.get("/staff/registry/import/").content.decode()
    assert 'href="/staff/registry/import/template/"' in page
    download = client.get("/staff/registry/import/template/")
    assert download.status_code == 200
    assert b"".join(download.streaming_content).startswith(b"PK")


def test_a_street_officer_without_import_right_cannot_download_the_template(sun_community_a):
    # Whoever may not import gets no template from the import page's link either.
    response = client_for(sun_community_a).get("/staff/registry/import/template/")
    assert response.status_code in (403, 404)


def test_the_export_page_says_a_masked_export_cannot_be_imported_again(li_district_officer):
    text = visible_text(client_for(li_district_officer).get("/staff/registry/export/"))
    assert "the file can be corrected and imported again" not in text
    assert "可修改后重新导入" not in text
    assert "脱敏导出的文件不能重新导入" in text


# --- dates ----------------------------------------------------------------------------------------------


def _every_form_class():
    """Every Form class the project defines: each app module imported, then the subclasses walked."""
    import importlib
    import pkgutil

    import django.forms

    import xiaokang

    for module in pkgutil.walk_packages(xiaokang.__path__, "xiaokang."):
        if ".tests" in module.name or ".migrations" in module.name or module.name.endswith(".cli"):
            continue
        importlib.import_module(module.name)
    seen, todo = set(), [django.forms.Form, django.forms.ModelForm]
    while todo:
        for sub in todo.pop().__subclasses__():
            if sub not in seen:
                seen.add(sub)
                todo.append(sub)
    return [form for form in seen if form.__module__.startswith("xiaokang.")]


def test_every_date_on_every_form_is_typed_the_same_way():
    from django import forms

    from xiaokang.core.day_field import DayField, DayInput

    forms_with_dates = []
    for form in _every_form_class():
        for name, field in form.base_fields.items():
            if isinstance(field, forms.DateField):
                forms_with_dates.append(form)
                assert isinstance(field, DayField), f"{form.__module__}.{form.__name__}.{name}"
                assert type(field.widget) is DayInput, f"{form.__module__}.{form.__name__}.{name}"
                assert field.help_text, f"{form.__module__}.{form.__name__}.{name}"
    assert len(forms_with_dates) >= 6  # the walk found the forms (policies, registry, cases, audit …)


def test_no_template_uses_the_browsers_date_control():
    from pathlib import Path

    import xiaokang

    root = Path(xiaokang.__file__).parent / "templates"
    for template in root.rglob("*.html"):
        assert 'type="date"' not in template.read_text(encoding="utf-8"), template


def test_the_employer_import_page_links_its_template(li_district_officer):
    client = client_for(li_district_officer)
    page = client.get("/staff/employers/import/").content.decode()
    assert 'href="/staff/employers/import/template/"' in page
    download = client.get("/staff/employers/import/template/")
    assert download.status_code == 200
    assert b"".join(download.streaming_content).startswith(b"PK")


def test_the_employer_form_lists_its_types_in_words_not_import_spellings(li_district_officer):
    html = client_for(li_district_officer, "en").get("/staff/employers/new/").content.decode()
    assert "government_organ" not in html and "private_non_enterprise" not in html


# --- every page, both languages ---------------------------------------------------------------------------

# The pages whose subject is the rules as code (P1: anyone can read the rules): the staff policy sheets
# and the what-if name conditions and parameters by identifier next to their labels, on purpose. The audit
# list's action codes are the audit list's own business (its page is checked by its own tests).
RULES_AS_CODE = re.compile(r"^/staff/policies/|^/staff/audit/")
SKIPPED = re.compile(r"logout|/export|/download|/template/|/errors/|\.(xlsx|csv|pdf)$|^/api/|^/static/")


def _parameter_names() -> set[str]:
    names = set()
    for policy in policies().values():
        names |= {name for name in policy.parameters if "_" in name}
    return names


def _crawl(client, starts, limit=250):
    seen, queue, pages = set(), list(starts), {}
    shapes: dict[str, int] = {}
    while queue and len(seen) < limit:
        url = queue.pop(0)
        if url in seen or SKIPPED.search(url):
            continue
        seen.add(url)
        response = client.get(url)
        if response.status_code != 200 or "html" not in response.get("Content-Type", ""):
            continue
        pages[url] = response
        for href in re.findall(r'href="(/[^"#]*)"', response.content.decode()):
            href = href.replace("&amp;", "&")
            shape = re.sub(r"\d+", "N", href.split("?")[0])
            if href not in seen and shapes.get(shape, 0) < 2:
                shapes[shape] = shapes.get(shape, 0) + 1
                queue.append(href)
    return pages


@pytest.mark.parametrize("language", ["zh-hans", "en"])
def test_no_page_shows_developer_text(person_a, li_district_officer, language):
    identifiers = _parameter_names()
    for who, starts in ((li_district_officer, ["/staff/", "/staff/policies/"]), (None, ["/", "/screener/"])):
        client = client_for(who, language) if who else Client()
        client.cookies["django_language"] = language
        pages = _crawl(client, starts)
        assert len(pages) > (20 if who else 5)
        if who:  # the person page, with its eligibility section, is among them
            assert any(re.match(r"^/staff/persons/\d+/$", url) for url in pages), sorted(pages)
        for url, response in pages.items():
            text = visible_text(response)
            assert not FILE_NAME.search(text), (url, FILE_NAME.search(text).group(0))
            assert "二手" not in text and "secondary source" not in text, url
            assert not re.search(r"0\.00\s*(暂定|provisional)", text), url
            if RULES_AS_CODE.search(url):
                continue
            assert not HASH.search(text), (url, HASH.search(text).group(0))
            assert not re.search(r"\bapplication\.[a-z_]+\b", text), url
            found = sorted(name for name in identifiers if re.search(rf"\b{name}\b", text))
            assert not found, (url, found)


def test_the_english_policy_page_gives_units_in_english(client):
    client.cookies["django_language"] = "en"
    text = visible_text(client.get("/policies/living_subsidy/"))
    assert "yuan per month" in text and "元/月" not in text
    client.cookies["django_language"] = "zh-hans"
    assert "元/月" in visible_text(client.get("/policies/living_subsidy/"))


def test_the_person_forms_certificate_issue_date_is_typed_like_every_date(li_district_officer):
    from xiaokang.core.day_field import DAY_HINT, DayInput
    from xiaokang.registry.forms import PersonForm

    form = PersonForm(actor=li_district_officer)
    assert type(form.fields["certificate_issued"].widget) is DayInput
    assert form.fields["certificate_issued"].help_text == DAY_HINT
