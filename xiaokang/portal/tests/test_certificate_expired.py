"""A resident whose certificate has expired is told so plainly, with what to do (P3, U11): on the
screener's result, the online application forms and the account page; the screener's result links to
applying online (S4)."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from tests.helpers import person_row, write_csv
from xiaokang.portal.tests.test_applicants import register, signed_in
from xiaokang.registry.models import Person
from xiaokang.registry.services import persons_import

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("documents_dir")]

EXPIRED_ZH = "您的残疾人证已过期"
RENEW_ZH = "到所在街道（乡镇）残联办理换证"
EXPIRED_EN = "Your disability certificate has expired"
RENEW_EN = "disabled persons' federation of your street (town)"


def _person(tmp_path, system_actor, issued: dt.date) -> Person:
    rows = [person_row(1, 发证日期=issued.isoformat())]
    persons_import(actor=system_actor, path=write_csv(tmp_path / "p.csv", rows))
    return Person.objects.unscoped(reason="test").get()


@pytest.fixture
def expired_person(tmp_path, system_actor):
    # Issued eleven years ago: valid ten years (残疾人证管理办法 art. 19), so expired about a year ago.
    return _person(tmp_path, system_actor, timezone.localdate().replace(day=1) - dt.timedelta(days=11 * 366))


@pytest.fixture
def valid_person(tmp_path, system_actor):
    return _person(tmp_path, system_actor, timezone.localdate().replace(day=1) - dt.timedelta(days=365))


def test_the_account_page_and_the_application_forms_say_the_certificate_expired(expired_person):
    client = signed_in(register(expired_person))
    for url in ("/account/", "/account/apply/", "/account/apply/living_subsidy/"):
        html = client.get(url).content.decode()
        assert EXPIRED_ZH in html and RENEW_ZH in html, url
        assert 'id="certificate-expired"' in html
    client.cookies["django_language"] = "en"
    html = client.get("/account/").content.decode()
    assert EXPIRED_EN in html and RENEW_EN in html


def test_a_valid_certificate_is_not_called_expired(valid_person):
    client = signed_in(register(valid_person))
    for url in ("/account/", "/account/apply/", "/account/apply/living_subsidy/"):
        assert 'id="certificate-expired"' not in client.get(url).content.decode(), url


ANSWERS = {"age": "45", "hukou": "本市城镇", "category": "肢体", "grade": "一级", "economic_status": "低保"}


def test_the_screener_says_an_expired_certificate_and_what_to_do(client):
    issued = (timezone.localdate() - dt.timedelta(days=11 * 366)).isoformat()
    html = client.get("/screener/", {**ANSWERS, "certificate_issued": issued}).content.decode()
    assert EXPIRED_ZH in html and RENEW_ZH in html
    # The certificate's own benefits are not granted on it (temporary assistance needs no certificate).
    assert 'data-policy="living_subsidy" data-eligible="false"' in html
    client.cookies["django_language"] = "en"
    html = client.get("/screener/", {**ANSWERS, "certificate_issued": issued}).content.decode()
    assert EXPIRED_EN in html and RENEW_EN in html


def test_the_screener_result_links_to_applying_online(client):
    html = client.get("/screener/", ANSWERS).content.decode()
    assert 'href="/account/apply/"' in html
    assert 'id="certificate-expired"' not in html  # no issue date given: taken as valid


def test_the_screener_refuses_an_issue_date_in_the_future(client):
    tomorrow = (timezone.localdate() + dt.timedelta(days=1)).isoformat()
    response = client.get("/screener/", {**ANSWERS, "certificate_issued": tomorrow})
    html = response.content.decode()
    assert "发证日期不能晚于今天" in html and "data-policy" not in html
