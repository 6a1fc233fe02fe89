"""A deterministic synthetic Haidian population for demos, tests and benchmarks (`xiaokang seed`).

``build_population`` is pure: the same (persons, seed, today) always gives the same frames, and no
database is touched. ``seed_registry`` writes a population through the importer's own write path
(``persons_save_rows``), so seeded data obeys every rule imported data obeys.

Every mix below names its source, or says it is synthetic (a plausible choice of ours, no source).
The sources, and why each number was chosen, are in docs/synthetic-data.md. "2006 survey" means the
Second National Sample Survey on Disability (第二次全国残疾人抽样调查, 2006; 主要数据公报 第一号/第二号):
it describes all disabled persons in China, not certificate holders and not Haidian, so it is a
secondary guide here, used only where nothing closer is available.
"""

from __future__ import annotations

import datetime as dt
import random
from bisect import bisect_right
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from itertools import accumulate

import polars as pl
from django.db import transaction
from django.utils import timezone

from xiaokang.accounts.actors import Actor
from xiaokang.core.areas import STREETS, short_name, street_code
from xiaokang.core.bulk import fetch_in, insert_frame
from xiaokang.core.dates import anniversary
from xiaokang.core.identifiers import id_check_char
from xiaokang.core.models import Area, AreaLevel
from xiaokang.registry.importing.validate import ROW_SCHEMA, _valid_until
from xiaokang.registry.models import HouseholdHardship
from xiaokang.registry.services import ImportReport, persons_save_rows

# GB/T 2260 address code of Haidian District: every synthetic ID number is "issued" in Haidian.
HAIDIAN_ADDRESS_CODE = "110108"
SYNTHETIC_MARK = "（合成）"
MAX_AGE = 95

# Synthetic: communities (社区) per street and villages (村) per town. Haidian has roughly 600–700
# communities and villages in all (order of magnitude only; the real list is not bundled, DOMAIN.md).
COMMUNITIES_PER_STREET = (12, 32)
VILLAGES_PER_TOWN = (8, 24)

# 2006 survey: sex ratio of disabled persons 106.42 (male 51.55 %).
MALE_SHARE = 0.5155

# Age of a household's first member. Band shares from the 2006 survey (0–14: 4.66 %, 15–59: 42.10 %,
# 60+: 53.24 %, as widely quoted; not checked against the communiqué here). The shape inside each band is
# synthetic: prevalence rising with age up to 80, then fewer survivors each year to 95.
AGE_BANDS = ((0, 14, 4.66), (15, 59, 42.10), (60, MAX_AGE, 53.24))


def _age_shape(age: int) -> float:
    return 1 + age / 15 if age <= 80 else (1 + 80 / 15) * (MAX_AGE + 1 - age) / 16


def _age_weights() -> list[float]:
    weights = [0.0] * (MAX_AGE + 1)
    for low, high, share in AGE_BANDS:
        total = sum(_age_shape(a) for a in range(low, high + 1))
        for a in range(low, high + 1):
            weights[a] = share * _age_shape(a) / total
    return weights


# Category mix of certificate holders, by age group (0–17, 18–59, 60+). Synthetic. The 2006 survey's
# national mix of all disabled persons (visual 14.86, hearing 24.16, speech 1.53, physical 29.07,
# intellectual 6.68, mental 7.40, multiple 16.30 %) is the starting point; certificate holders differ
# (many older people with hearing loss never apply; physical disability is the largest certified group),
# so the weights lean to physical overall, to intellectual/speech/hearing among children and to
# mental among working-age adults. Order: CATEGORIES.
CATEGORIES = ("visual", "hearing", "speech", "physical", "intellectual", "mental", "multiple")
CATEGORY_WEIGHTS_BY_AGE = (
    (17, (5, 12, 8, 20, 30, 10, 15)),  # children; autism is certified as 精神 (mental)
    (59, (8, 7, 1, 42, 10, 18, 14)),
    (MAX_AGE, (15, 18, 1, 45, 2, 7, 12)),
)
# Grade 1 (most severe) … 4 by category. Synthetic, chosen so that grades 1–2 are about 40 % of holders:
# the care subsidy (grades 1–2 needing long-term care, 国发〔2015〕52号) reaches 16.40 M persons against
# about 38 M certificate holders nationally (DOMAIN.md "Scale"), so severe grades are well above a third.
GRADE_WEIGHTS = {
    "visual": (20, 20, 25, 35),
    "hearing": (15, 20, 30, 35),
    "speech": (10, 20, 30, 40),
    "physical": (12, 18, 30, 40),
    "intellectual": (12, 30, 35, 23),
    "mental": (8, 35, 40, 17),
    "multiple": (35, 35, 20, 10),
}
# Components of a 多重 certificate (digits 1–6, GB/T 26341-2010). Synthetic: hearing+speech (聋哑) is
# the commonest pair; otherwise 2 (80 %), 3 (17 %) or 4 (3 %) components weighted as below.
HEARING_SPEECH_SHARE = 0.25
COMPONENT_COUNT_WEIGHTS = ((2, 80), (3, 17), (4, 3))
COMPONENT_WEIGHTS = (("1", 15), ("2", 20), ("3", 10), ("4", 30), ("5", 15), ("6", 10))

# Rows (disabled persons) per household. 2006 survey: 8.76 M of the 70.50 M households with a disabled
# member had two or more (12.43 %). The split of that 12.5 % over 2, 3, 4 is synthetic.
HOUSEHOLD_SIZE_WEIGHTS = ((1, 87.5), (2, 10.5), (3, 1.6), (4, 0.4))
# Synthetic: relation of the 2nd… row to the head (the first row); ages follow from the relation.
RELATION_WEIGHTS = (("spouse", 45), ("child", 35), ("parent", 20))

# Household economic status. Synthetic (no published Haidian figure): 低保 ~8 %, 低收入 ~6 %, 特困 ~1 %.
# 特困 (extremely poor) means no family able to support the person, so only single-row households.
ECONOMIC_WEIGHTS = (("dibao", 8), ("low_income", 6), ("extremely_poor", 1), ("ordinary", 85))
# Synthetic: 计生特殊困难家庭 (parents of a lost or disabled only child, so heads aged 49+).
FAMILY_PLANNING_HARDSHIP_SHARE = 0.03
# Synthetic: 危房 is a rural-housing programme, so mostly households with Beijing rural hukou.
DANGEROUS_HOUSE_SHARE = {"beijing_rural": 0.06, "beijing_urban": 0.002, "non_local": 0.002}
# Synthetic: household registration, by kind of street (towns keep many village households).
HUKOU_WEIGHTS = {
    "street": (("beijing_urban", 94), ("beijing_rural", 2), ("non_local", 4)),
    "town": (("beijing_urban", 50), ("beijing_rural", 45), ("non_local", 5)),
}

# Synthetic: certificates are valid 10 years (《残疾人证管理办法》 art. 19); issue dates spread over the last
# 11.5 years, so about one certificate in eight has expired and awaits renewal.
ISSUE_SPAN_DAYS = int(11.5 * 365.2425)
REISSUE_WEIGHTS = (("", 97.7), ("B1", 2.0), ("B2", 0.3))  # synthetic
PHONE_SHARE = 0.88  # synthetic
MOVED_OUT_SHARE = 0.015  # synthetic
DECEASED_SHARE_BY_AGE = ((59, 0.005), (79, 0.02), (MAX_AGE, 0.05))  # synthetic, rising with age
# Synthetic: share unable to care for themselves, by grade 1…4.
NO_SELF_CARE_BY_GRADE = (0.65, 0.35, 0.10, 0.03)
WORK_INJURY_CARE_SHARE = 0.03  # synthetic: of adults with a grade 1–2 physical or multiple certificate
# Synthetic: employment by age (upper bound of the age group, weights).
EMPLOYMENT_BY_AGE = (
    (5, (("not_employed", 1),)),
    (17, (("student", 85), ("not_employed", 15))),
    (
        22,
        (
            ("student", 35),
            ("employed", 15),
            ("flexible", 5),
            ("unemployed_registered", 5),
            ("not_employed", 40),
        ),
    ),
    (
        49,
        (
            ("employed", 30),
            ("self_employed", 3),
            ("flexible", 10),
            ("unemployed_registered", 7),
            ("not_employed", 50),
        ),
    ),
    (
        59,
        (
            ("employed", 22),
            ("self_employed", 3),
            ("flexible", 7),
            ("unemployed_registered", 5),
            ("not_employed", 38),
            ("retired", 25),
        ),
    ),
    (MAX_AGE, (("retired", 60), ("not_employed", 40))),
)
WORKING = frozenset({"employed", "self_employed", "flexible"})

# Common surnames (王 李 张 刘 陈 lead every national ranking) and given-name characters. Synthetic names.
SURNAMES = (
    ("王", 72),
    ("李", 70),
    ("张", 66),
    ("刘", 53),
    ("陈", 46),
    ("杨", 33),
    ("赵", 20),
    ("黄", 17),
    ("周", 17),
    ("吴", 16),
    ("徐", 14),
    ("孙", 13),
    ("胡", 12),
    ("朱", 11),
    ("高", 11),
    ("林", 10),
    ("何", 10),
    ("郭", 10),
    ("马", 10),
    ("罗", 8),
    ("梁", 8),
    ("宋", 7),
    ("郑", 7),
    ("谢", 6),
    ("韩", 6),
    ("唐", 6),
    ("冯", 6),
    ("于", 6),
    ("董", 5),
    ("萧", 5),
    ("程", 5),
    ("曹", 5),
    ("袁", 5),
    ("邓", 5),
    ("许", 5),
    ("傅", 4),
    ("沈", 4),
    ("曾", 4),
    ("彭", 4),
    ("吕", 4),
)
GIVEN_MALE = "伟强磊军洋勇杰涛明超刚平辉鹏华飞鑫波斌宇浩凯健俊帆帅旭宁龙林欢阳建国志文博"
GIVEN_FEMALE = "芳娜敏静丽艳娟霞秀英玲桂兰红梅琳燕婷雪慧颖倩洁萍淑珍凤琴云莹晶欣悦怡佳"

COMMUNITY_SCHEMA = {"street_code": pl.Utf8, "community_code": pl.Utf8, "community_name": pl.Utf8}
_EPOCH = dt.date(1970, 1, 1).toordinal()
_FIRST_ROW = 2  # the row a spreadsheet of the population would give each person (row 1 = headers)


@dataclass
class Population:
    communities: pl.DataFrame  # street_code, community_code, community_name: one row per community
    rows: pl.DataFrame  # the validated row format of validate_persons (ROW_SCHEMA), one row per person


class _Picker:
    """Weighted choice by one uniform draw and a binary search: several times faster than
    ``random.choices`` in the generator's inner loop."""

    def __init__(self, rng: random.Random, pairs: Sequence[tuple[object, float]]):
        self.values = [v for v, _ in pairs]
        self.cum = list(accumulate(w for _, w in pairs))
        self.total = self.cum[-1]
        self.random = rng.random

    def __call__(self):
        return self.values[bisect_right(self.cum, self.random() * self.total)]


def community_name(street_name: str, number: int, *, is_town: bool) -> str:
    """``万寿路第3社区（合成）`` under a street, ``温泉第3村（合成）`` under a town: says it is synthetic."""
    return f"{short_name(street_name)}第{number}{'村' if is_town else '社区'}{SYNTHETIC_MARK}"


def _communities() -> list[tuple[str, str, str, str, bool, int]]:
    """(street code, street name, community code, community name, is_town, number) for every street.
    The count under each street depends only on the street, not on the seed, so populations built with
    different seeds share one community list."""
    out = []
    for suffix, name, kind in STREETS:
        is_town = kind == "town"
        low, high = VILLAGES_PER_TOWN if is_town else COMMUNITIES_PER_STREET
        count = random.Random(f"xiaokang communities {suffix}").randint(low, high)
        code = street_code(suffix)
        for number in range(1, count + 1):
            out.append(
                (
                    code,
                    name,
                    f"{code[:9]}{number:03d}",
                    community_name(name, number, is_town=is_town),
                    is_town,
                    number,
                )
            )
    return out


def build_population(persons: int, seed: int, *, today: dt.date) -> Population:
    """``persons`` synthetic disabled persons in households across every street of Haidian. Pure and
    deterministic for (persons, seed, today); in fact ``today`` counts only through its month (dates are
    drawn back from the month's first day), so one month's runs give one population."""
    if persons < 0:
        raise ValueError("persons must be 0 or more")
    rng = random.Random(seed)
    rand = rng.random

    # ``random.randrange``/``randint`` cost several times a bare ``random()``; these are the generator's
    # hot path (a dozen draws per person), hence the arithmetic on one uniform draw.
    def below(n: int) -> int:
        return int(rand() * n)

    def between(low: int, high: int) -> int:
        return low + int(rand() * (high - low + 1))

    communities = _communities()
    # Synthetic: communities differ in size (0.5–1.5 × the mean).
    pick_community = _Picker(rng, [(c, 0.5 + rand()) for c in communities])
    pick_age = _Picker(rng, list(enumerate(_age_weights())))
    pick_category = [
        (limit, _Picker(rng, list(zip(CATEGORIES, w, strict=True)))) for limit, w in CATEGORY_WEIGHTS_BY_AGE
    ]
    pick_grade = {c: _Picker(rng, list(zip((1, 2, 3, 4), w, strict=True))) for c, w in GRADE_WEIGHTS.items()}
    pick_component_count = _Picker(rng, COMPONENT_COUNT_WEIGHTS)
    pick_component = _Picker(rng, COMPONENT_WEIGHTS)
    pick_size = _Picker(rng, HOUSEHOLD_SIZE_WEIGHTS)
    pick_relation = _Picker(rng, RELATION_WEIGHTS)
    pick_economic = _Picker(rng, ECONOMIC_WEIGHTS)
    pick_hukou = {kind: _Picker(rng, w) for kind, w in HUKOU_WEIGHTS.items()}
    pick_reissue = _Picker(rng, REISSUE_WEIGHTS)
    pick_employment = [(limit, _Picker(rng, w)) for limit, w in EMPLOYMENT_BY_AGE]
    pick_surname = _Picker(rng, SURNAMES)

    # Dates are drawn back from the first day of today's month, not from today: the population (and
    # so every ID number, which holds the birth date) stays the same all month, so re-running the seed
    # on another day of the month still changes nothing. Nothing is dated after today.
    anchor_ord = today.replace(day=1).toordinal()
    # The oldest birth date that is still 95 on today (MAX_AGE).
    oldest_ord = anniversary(today, -(MAX_AGE + 1)).toordinal() + 1
    used_sequences: dict[int, set[int]] = {}  # birth ordinal × 2 + male → sequence numbers taken

    col: dict[str, list] = {name: [] for name in ROW_SCHEMA if name not in ("row", "valid_until")}
    append = {name: values.append for name, values in col.items()}

    def given_name(male: bool) -> str:
        pool = GIVEN_MALE if male else GIVEN_FEMALE
        if rand() < 0.8:
            return pool[below(len(pool))] + pool[below(len(pool))]
        return pool[below(len(pool))]

    def add_person(age: int, male: bool, surname: str, relation: str, household: tuple) -> None:
        key, code_street, code_community, name_community, hukou, economic, fph, dangerous, address = household
        # Birth date: ``age`` full years old at the anchor, at least 60 days old (certificates are not
        # issued at birth). ID numbers must be unique: the sequence (odd = male, GB 11643-1999) is drawn
        # among those still free on that birth date; a full date (499 taken) moves the birth a day later.
        birth_ord = max(oldest_ord, anchor_ord - max(60, int((age + rand()) * 365.2425)))
        while True:
            taken = used_sequences.setdefault(birth_ord * 2 + male, set())
            if len(taken) < 499:
                break
            birth_ord += 1
        while True:
            sequence = 1 + 2 * below(500) if male else 2 + 2 * below(499)
            if sequence not in taken:
                taken.add(sequence)
                break
        birth = dt.date.fromordinal(birth_ord)
        body = f"{HAIDIAN_ADDRESS_CODE}{birth.year:04d}{birth.month:02d}{birth.day:02d}{sequence:03d}"

        for limit, picker in pick_category:
            if age <= limit:
                category = picker()
                break
        grade = pick_grade[category]()
        components = ""
        if category == "multiple":
            if rand() < HEARING_SPEECH_SHARE:
                components = "23"
            else:
                count, chosen = pick_component_count(), set()
                while len(chosen) < count:
                    chosen.add(pick_component())
                components = "".join(sorted(chosen))
        # Issued on or after the birth date and not after the anchor (so not after today).
        issued_ord = anchor_ord - int(rand() * min(ISSUE_SPAN_DAYS, anchor_ord - birth_ord))

        for limit, picker in pick_employment:
            if age <= limit:
                employment = picker()
                break
        if grade == 1 and employment in WORKING and rand() < 0.7:
            employment = "not_employed"
        self_care = rand() >= NO_SELF_CARE_BY_GRADE[grade - 1] + (0.15 if age >= 80 else 0.0)
        work_injury = (
            age >= 18
            and grade <= 2
            and category in ("physical", "multiple")
            and rand() < WORK_INJURY_CARE_SHARE
        )
        phone = f"1{'358'[below(3)]}{below(10**9):09d}" if rand() < PHONE_SHARE else None
        for limit, share in DECEASED_SHARE_BY_AGE:
            if age <= limit:
                deceased_share = share
                break
        draw = rand()
        if draw < deceased_share:
            status = "deceased"
        elif draw < deceased_share + MOVED_OUT_SHARE:
            status = "moved_out"
        else:
            status = "normal"

        append["name"](surname + given_name(male))
        append["id_number"](body + id_check_char(body))
        append["birth_date"](birth_ord - _EPOCH)
        append["sex"]("male" if male else "female")
        append["category"](category)
        append["grade"](grade)
        append["components"](components)
        append["cert_reissue"](pick_reissue())
        append["issued_on"](issued_ord - _EPOCH)
        append["hukou"](hukou)
        append["street_code"](code_street)
        append["community_code"](code_community)
        append["community_name"](name_community)
        append["household"](key)
        append["relation"](relation)
        append["economic_status"](economic)
        append["family_planning_hardship"](fph)
        append["dangerous_house"](dangerous)
        append["employment"](employment)
        append["self_care"](self_care)
        append["work_injury_care"](work_injury)
        append["phone"](phone)
        append["address"](address)
        append["status"](status)

    made, household_number = 0, 0
    while made < persons:
        household_number += 1
        size = min(pick_size(), persons - made)
        code_street, name_street, code_community, name_community, is_town, number = pick_community()
        hukou = pick_hukou["town" if is_town else "street"]()
        economic = pick_economic()
        if economic == "extremely_poor" and size > 1:
            economic = "dibao"
        dangerous = rand() < DANGEROUS_HOUSE_SHARE[hukou]
        if is_town:
            address = f"北京市海淀区{name_street}第{number}村{between(1, 400)}号"
        else:
            address = (
                f"北京市海淀区{name_street}第{number}社区{between(1, 40)}号楼{between(1, 6)}单元"
                f"{between(1, 18)}{between(1, 4):02d}室"
            )
        age = pick_age()
        male = rand() < MALE_SHARE
        surname = pick_surname()
        # A household's first row is its head (户主), except a child whose head (a parent) has no
        # certificate and so is not in the registry: then the row is the head's child.
        if age < 18 and size > 1:
            # A disabled child with a disabled parent: the parent heads the household.
            members = [(max(18, age + between(22, 38)), rand() < MALE_SHARE, "head"), (age, male, "child")]
        else:
            members = [(age, male, "head" if age >= 18 else "child")]
        head_age, head_male = members[0][0], members[0][1]
        fph = head_age >= 49 and rand() < FAMILY_PLANNING_HARDSHIP_SHARE
        while len(members) < size:
            relation = pick_relation()
            if relation == "child" and head_age < 38:
                relation = "spouse"
            if relation == "parent" and head_age > MAX_AGE - 20:
                relation = "spouse"
            if relation == "spouse":
                member_age, member_male = min(MAX_AGE, max(18, head_age + between(-5, 5))), not head_male
            elif relation == "child":
                member_age, member_male = head_age - between(20, min(40, head_age)), rand() < MALE_SHARE
            else:
                member_age, member_male = min(MAX_AGE, head_age + between(20, 35)), rand() < MALE_SHARE
            members.append((member_age, member_male, relation))
        household = (
            f"HD{household_number:07d}",
            code_street,
            code_community,
            name_community,
            hukou,
            economic,
            fph,
            dangerous,
            address,
        )
        for member_age, member_male, relation in members:
            # Children mostly take the head's surname; spouses and parents keep their own.
            same_family = relation in ("head", "child") and rand() < 0.9
            member_surname = surname if same_family else pick_surname()
            add_person(member_age, member_male, member_surname, relation, household)
        made += len(members)

    rows = pl.DataFrame(
        {name: values for name, values in col.items()},
        schema={
            **{name: ROW_SCHEMA[name] for name in col},
            "birth_date": pl.Int32,
            "issued_on": pl.Int32,  # days since 1970-01-01, cast below (fast)
        },
    )
    rows = (
        rows.with_columns(
            pl.int_range(_FIRST_ROW, _FIRST_ROW + rows.height, dtype=pl.Int64).alias("row"),
            pl.col("birth_date").cast(pl.Date),
            pl.col("issued_on").cast(pl.Date),
        )
        .with_columns(
            # The importer's own rule (validate._valid_until), so seeded and imported certificates agree.
            _valid_until(pl.col("issued_on")).alias("valid_until"),
        )
        .select(list(ROW_SCHEMA))
    )
    community_frame = pl.DataFrame(
        [(s, c, n) for s, _, c, n, _, _ in communities], schema=COMMUNITY_SCHEMA, orient="row"
    )
    return Population(communities=community_frame, rows=rows)


def _ensure_communities(communities: pl.DataFrame) -> int:
    """Create the synthetic communities whose codes do not exist yet; return how many were created."""
    existing = set(Area.objects.filter(level=AreaLevel.COMMUNITY).values_list("code", flat=True))
    streets = {a.code: a for a in Area.objects.filter(level=AreaLevel.STREET)}
    new = [
        Area(code=code, name=name, level=AreaLevel.COMMUNITY, parent=streets[street], synthetic=True)
        for street, code, name in communities.iter_rows()
        if code not in existing
    ]
    # A name is unique under its street: a free code whose synthetic name is already used by another
    # community (renamed or re-coded by hand) cannot be created, and its persons would have no community.
    wanted = {(a.parent_id, a.name) for a in new}
    taken = Area.objects.filter(parent_id__in={p for p, _ in wanted}, name__in={n for _, n in wanted})
    clash = next((a for a in taken if (a.parent_id, a.name) in wanted), None)
    if clash is not None:
        raise ValueError(
            f"community name {clash.name!r} is already used by {clash.code}; "
            f"the synthetic community cannot be created"
        )
    Area.objects.bulk_create(new, batch_size=1000)
    return len(new)


def _no_progress(stage: str, done: int, total: int) -> None:
    return None


def seed_registry(
    *, actor: Actor, persons: int, seed: int, progress: Callable[[str, int, int], None] | None = None
) -> ImportReport:
    """Build the population of (persons, seed, today) and write it with the importer's write path, all
    in one transaction. A second run with the same arguments on the same day changes nothing."""
    progress = progress or _no_progress
    progress("population", 0, persons)
    population = build_population(persons, seed, today=timezone.localdate())
    progress("population", persons, persons)
    with transaction.atomic():
        total = population.communities.height
        progress("communities", 0, total)
        _ensure_communities(population.communities)
        progress("communities", total, total)
        progress("persons", 0, persons)
        report = persons_save_rows(actor=actor, rows=population.rows, source="seed")
        progress("persons", persons, persons)
        _seed_hardships(population.rows, seed=seed, today=timezone.localdate())
    return report


# R4 hardship causes for households in difficulty. Illness dominates: the 2015 national registration of
# poor households found 因病致贫/因病返贫 in about 42 % of them (National Health and Family Planning
# Commission, 2016; secondary). The other weights are synthetic.
HARDSHIP_CAUSE_WEIGHTS = {"illness": 0.55, "disaster": 0.1, "schooling": 0.15, "other": 0.2}


def _seed_hardships(rows: pl.DataFrame, *, seed: int, today: dt.date) -> int:
    """One dated hardship cause for each household in difficulty (低保, 低收入, 特困) that has none yet."""
    keys = (
        rows.filter(pl.col("economic_status") != "ordinary")
        .get_column("household")
        .unique(maintain_order=True)
    ).to_list()
    if not keys:
        return 0
    ids = dict(fetch_in("SELECT key, id FROM registry_household WHERE key IN ({in_})", keys))
    has_cause = {
        h
        for (h,) in fetch_in(
            "SELECT DISTINCT household_id FROM registry_householdhardship WHERE household_id IN ({in_})",
            list(ids.values()),
        )
    }
    rng = random.Random(f"hardship-{seed}")
    causes, weights = list(HARDSHIP_CAUSE_WEIGHTS), list(HARDSHIP_CAUSE_WEIGHTS.values())
    first_of_month = today.replace(day=1)
    records = []
    for key in keys:
        cause = rng.choices(causes, weights)[0]
        started = first_of_month - dt.timedelta(days=30 * rng.randint(1, 120))
        if ids[key] not in has_cause:
            records.append((ids[key], cause, started.replace(day=1)))
    frame = pl.DataFrame(
        records, schema={"household_id": pl.Int64, "cause": pl.Utf8, "started_on": pl.Date}, orient="row"
    )
    return insert_frame(HouseholdHardship, frame, constants={"note": "合成数据 synthetic"})
