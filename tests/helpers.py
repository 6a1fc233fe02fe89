"""Test data helpers: valid ID numbers and rows of the person import format (importable from any test)."""

from __future__ import annotations

import csv
import datetime as dt
from pathlib import Path

from xiaokang.core.identifiers import id_check_char
from xiaokang.policies.engine.facts import age_on, certificate_valid_on
from xiaokang.registry.vocabulary import (
    CATEGORY_BY_CODE,
    CATEGORY_ZH,
    ECONOMIC_STATUS_ZH,
    EMPLOYMENT_ZH,
    GRADE_ZH,
    HUKOU_ZH,
)

STREET_A = "110108001000"  # 万寿路街道
STREET_B = "110108011000"  # 中关村街道


def make_id(body17: str) -> str:
    """A valid ID number from its first 17 digits."""
    return body17 + id_check_char(body17)


def person_row(n: int = 1, **overrides) -> dict:
    """One valid row of the import format (Chinese headers), person number ``n``."""
    id_number = make_id(f"110108{1950 + n % 60:04d}0{1 + n % 9}1{n % 10}{n % 1000:03d}"[:17])
    row = {
        "姓名": f"测试{n}",
        "公民身份号码": id_number,
        "残疾人证号": id_number + "41",
        "残疾类别": "肢体",
        "多重残疾类别": "",
        "残疾等级": "一级",
        "发证日期": "2020-01-01",
        "户籍类型": "本市城镇",
        "街道乡镇": "万寿路街道",
        "社区村": "测试社区",
        "家庭编号": f"H{n}",
        "与户主关系": "户主",
        "家庭经济状况": "低保",
        "计生特殊困难家庭": "否",
        "危房": "否",
        "就业状况": "未就业",
        "生活自理": "能",
        "享受工伤护理费": "否",
        "联系电话": "",
        "现住址": "",
        "人员状态": "正常",
    }
    row.update(overrides)
    return row


def write_csv(path: Path, rows: list[dict], *, bom: bool = True) -> Path:
    headers = list(rows[0].keys()) if rows else list(person_row().keys())
    with open(path, "w", newline="", encoding="utf-8-sig" if bom else "utf-8") as handle:
        writer = csv.DictWriter(handle, fieldnames=headers)
        writer.writeheader()
        writer.writerows(rows)
    return path


def signed_in(user, *, language: str | None = None):
    """A test client signed in as ``user`` (a staff actor), reading the pages in ``language`` if given
    (the msgids in English, so assertions name the words a screen reader says)."""
    from django.test import Client

    client = Client()
    client.force_login(user)
    if language:
        client.cookies["django_language"] = language
    return client


# --- The portal screener (P2, P3): a policy test case's person as the screener's answers ---------


def screener_answers(record: dict, day: dt.date) -> dict[str, str | list[str]]:
    """A registry record as the screener's GET answers, in the import template's Chinese values."""
    answers = {
        "age": str(age_on(record["birth_date"], day)),
        "hukou": HUKOU_ZH[record["hukou"]],
        "category": CATEGORY_ZH[record["category"]],
        "grade": GRADE_ZH[int(record["grade"])],
        "economic_status": ECONOMIC_STATUS_ZH[record["economic_status"]],
        "employment": EMPLOYMENT_ZH[record["employment"]],
        "family_planning_hardship": "是" if record["family_planning_hardship"] else "否",
        "dangerous_house": "是" if record["dangerous_house"] else "否",
        "work_injury_care": "是" if record["work_injury_care"] else "否",
    }
    if record.get("components"):
        answers["multiple_categories"] = [CATEGORY_ZH[CATEGORY_BY_CODE[int(d)]] for d in record["components"]]
    return answers


def representable(record: dict, day: dt.date) -> bool:
    """What the screener assumes (P2, P3): status 正常, a valid certificate, able to care for
    themselves; a case about anything else cannot be asked of it."""
    return (
        record["status"] == "normal"
        and certificate_valid_on(record, day)
        and record.get("self_care", True) is not False
        and bool(record.get("category"))
    )


def id_tail(application) -> str:
    """The last six characters of an application's applicant's ID number (the status lookup's check)."""
    from xiaokang.core import crypto

    return crypto.decrypt(application.person.id_number_encrypted)[-6:]


# --- The second factor (U11): a known TOTP secret for tests that sign in through the pages ----------

TEST_TOTP_SECRET = "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP"  # base32; tests only


def enrol_totp(user, secret: str = TEST_TOTP_SECRET) -> str:
    """Give ``user`` a confirmed second factor with ``secret``; returns its otpauth:// URI."""
    from xiaokang.accounts.actors import SystemActor
    from xiaokang.accounts.twofactor import enrol_with_secret

    return enrol_with_secret(actor=SystemActor("tests"), user=user, secret=secret)


def totp_code(secret: str = TEST_TOTP_SECRET, step: int | None = None) -> str:
    """The code of ``secret`` for a time step (the current one by default)."""
    import pyotp

    from xiaokang.accounts.twofactor import current_step

    return pyotp.TOTP(secret).generate_otp(current_step() if step is None else step)


def fresh_code(user, secret: str = TEST_TOTP_SECRET) -> str:
    """A code the sign-in accepts now: the current step's, or the next step's when the current one was
    just used (a test signing in twice within 30 seconds; one step of drift is accepted)."""
    from xiaokang.accounts.models import TotpDevice
    from xiaokang.accounts.twofactor import current_step

    last = TotpDevice.objects.filter(user=user).values_list("last_step", flat=True).first()
    step = current_step()
    if last is not None and last >= step:
        step = last + 1
    return totp_code(secret, step)
