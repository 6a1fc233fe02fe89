"""Synthetic employers and their quota declarations for the demo database (``xiaokang seed --employers``;
docs/synthetic-data.md). Every name says it is synthetic. The employers are spread over the 29 streets;
the first ones are the district working committee's member units (E3, T2). Declarations are recorded and
approved through the same services as staff use (the registry check, the levy of the engine), for the
last two levy years, with real registry persons as the disabled employees, some not counted (a short
contract, pay below the minimum wage) and one person listed by two employers (a conflict to resolve)."""

from __future__ import annotations

import datetime as dt
import random
from dataclasses import dataclass
from decimal import Decimal

from django.db import transaction

from xiaokang.accounts.actors import Actor
from xiaokang.audit.services import log_action
from xiaokang.core import crypto
from xiaokang.core.identifiers import uscc_check_char
from xiaokang.core.models import Area, AreaLevel
from xiaokang.employment.declarations import declaration_approve, declaration_submit
from xiaokang.employment.models import Employer
from xiaokang.registry.models import Certificate
from xiaokang.registry.vocabulary import CATEGORY_CODE

# Member units of the district working committee on disability (a typical composition; synthetic data).
MEMBER_UNITS = (
    ("区委宣传部", "government_organ"),
    ("区发展和改革委员会", "government_organ"),
    ("区教育委员会", "government_organ"),
    ("区民政局", "government_organ"),
    ("区财政局", "government_organ"),
    ("区人力资源和社会保障局", "government_organ"),
    ("区卫生健康委员会", "government_organ"),
    ("区住房和城乡建设委员会", "government_organ"),
    ("区残疾人联合会", "social_organization"),
    ("区图书馆", "public_institution"),
)
TYPES = ("enterprise",) * 6 + ("public_institution", "social_organization", "private_non_enterprise")
WORDS = ("科技", "商贸", "物业", "餐饮", "文化", "建设", "医药", "信息", "教育", "物流")


@dataclass
class EmployerSeed:
    employers: int = 0
    declarations: int = 0
    approved: int = 0


def _uscc(number: int, employer_type: str) -> str:
    prefix = {"enterprise": "91", "government_organ": "11", "public_institution": "12"}.get(
        employer_type, "52"
    )
    first17 = f"{prefix}110108{number:09d}"
    return first17 + uscc_check_char(first17)


def _certificates(day: dt.date) -> tuple[list[str], str | None]:
    """The current certificate numbers of registry persons (holder's ID + category + grade), to list as
    employees, and one more kept apart, valid on ``day`` (31 December of last year), for the conflict."""
    numbers, reserved = [], None
    certificates = Certificate.objects.filter(status="active").exclude(category="multiple")
    for certificate in certificates.select_related("person").order_by("pk")[:2000]:
        id_number = crypto.decrypt(certificate.person.id_number_encrypted)
        number = f"{id_number}{CATEGORY_CODE[certificate.category]}{certificate.grade}"
        if reserved is None and certificate.issued_on <= day <= certificate.valid_until:
            reserved = number
        else:
            numbers.append(number)
    return numbers, reserved


def seed_employers(*, actor: Actor, employers: int, seed: int, today: dt.date) -> EmployerSeed:
    """Nothing if there are employers already (a demo database is seeded once)."""
    result = EmployerSeed()
    if employers <= 0 or Employer.objects.unscoped(reason="seed: are there employers").exists():
        return result
    rng = random.Random(seed)
    streets = list(Area.objects.filter(level=AreaLevel.STREET).order_by("code"))
    district_street = next((street for street in streets if street.name == "万寿路街道"), streets[0])
    created = []
    for number in range(1, employers + 1):
        if number <= len(MEMBER_UNITS):
            name, employer_type = MEMBER_UNITS[number - 1]
            name, street, member = f"{name}（合成）", district_street, True
        else:
            employer_type = rng.choice(TYPES)
            street = rng.choice(streets)
            kind = {
                "enterprise": "有限公司",
                "public_institution": "中心",
                "social_organization": "协会",
            }.get(employer_type, "服务社")
            name, member = f"海淀{rng.choice(WORDS)}{kind}{number:03d}（合成）", False
        created.append(
            Employer(
                uscc=_uscc(number, employer_type),
                name=name,
                employer_type=employer_type,
                state_owned=employer_type != "enterprise" or rng.random() < 0.1,
                street=street,
                committee_member=member,
            )
        )
    # The last two levy years whose declaration window has opened (before 1 March: the two before).
    latest = today.year if today >= dt.date(today.year, 3, 1) else today.year - 1
    certificates, conflict_certificate = _certificates(dt.date(latest - 1, 12, 31))
    with transaction.atomic():
        Employer.objects.bulk_create(created)
        log_action(actor, "employer.seed", details={"employers": len(created), "seed": seed})
        result.employers = len(created)
        employers_saved = list(
            Employer.objects.unscoped(reason="seed: the employers just made").order_by("uscc")
        )
        listed = 0
        for levy_year in (latest - 1, latest):
            window_end = min(dt.date(levy_year, 10, 31), today)
            for index, employer in enumerate(employers_saved):
                conflict_here = levy_year == latest and index in (0, 1) and conflict_certificate
                if rng.random() < 0.15 and not employer.committee_member and not conflict_here:
                    continue  # not declared (yet)
                headcount = Decimal(max(3, int(rng.paretovariate(1.3) * 12)))
                wage = rng.randint(80_000, 260_000)
                staff = []
                for _ in range(rng.choice((0, 0, 1, 1, 2, 3)) if certificates else 0):
                    staff.append(
                        {
                            "certificate_number": certificates[listed % len(certificates)],
                            "contract_months": rng.choice((36, 36, 24, 12, 6)),
                            "minimum_wage_met": rng.random() > 0.05,
                            "social_insurance_paid": rng.random() > 0.05,
                        }
                    )
                    listed += 1
                if conflict_here:
                    # One person (kept apart from the others) listed by two employers: a conflict.
                    staff.append(
                        {
                            "certificate_number": conflict_certificate,
                            "contract_months": 36,
                            "minimum_wage_met": True,
                            "social_insurance_paid": True,
                        }
                    )
                submitted_on = min(
                    dt.date(levy_year, 3, 1) + dt.timedelta(days=rng.randint(0, 200)), window_end
                )
                declaration = declaration_submit(
                    actor=actor,
                    employer=employer,
                    levy_year=levy_year,
                    headcount=headcount,
                    total_wages=headcount * wage,
                    submitted_on=submitted_on,
                    employees=staff,
                )
                result.declarations += 1
                if rng.random() < 0.85 and not conflict_here:
                    declaration_approve(actor=actor, declaration=declaration, version=declaration.version)
                    result.approved += 1
    return result
