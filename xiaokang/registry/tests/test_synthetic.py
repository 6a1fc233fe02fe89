"""The synthetic population (`xiaokang seed`): deterministic, valid by the importer's own rules, households
consistent, every street covered, and seeding twice changes nothing. Timing is measured in
docs/synthetic-data.md, not asserted here."""

from __future__ import annotations

import datetime as dt

import polars as pl
import pytest

from xiaokang.core.areas import STREETS, street_code
from xiaokang.core.identifiers import parse_id_number
from xiaokang.registry.importing.validate import AreaDirectory, validate_persons
from xiaokang.registry.models import Certificate, Household, Person, PersonHistory, certificate_valid_until
from xiaokang.registry.synthetic import ROW_SCHEMA, build_population, seed_registry
from xiaokang.registry.vocabulary import (
    CATEGORY_CODE,
    CATEGORY_ZH,
    ECONOMIC_STATUS_ZH,
    EMPLOYMENT_ZH,
    HUKOU_ZH,
    RELATION_ZH,
    STATUS_ZH,
)

TODAY = dt.date(2025, 6, 30)
CATEGORY_DIGIT = {k: str(v) for k, v in CATEGORY_CODE.items()}


@pytest.fixture(scope="module")
def population():
    return build_population(3000, 7, today=TODAY)


def _as_import_frame(rows: pl.DataFrame) -> pl.DataFrame:
    """The population as a person file would carry it: Chinese labels, certificate numbers, 是/否."""
    street_names = {street_code(suffix): name for suffix, name, _ in STREETS}
    yes_no = {True: "是", False: "否"}
    return rows.select(
        pl.col("row").alias("__row"),
        pl.col("name"),
        pl.col("id_number"),
        pl.concat_str(
            "id_number",
            pl.col("category").replace_strict(CATEGORY_DIGIT),
            pl.col("grade").cast(pl.Utf8),
            "cert_reissue",
        ).alias("certificate_number"),
        pl.col("category").replace_strict(CATEGORY_ZH).alias("category"),
        pl.when(pl.col("components") != "")
        .then(pl.col("components").str.split("").list.join("、"))
        .alias("multiple_categories"),
        pl.col("grade").cast(pl.Utf8).alias("grade"),
        pl.col("issued_on").cast(pl.Utf8).alias("certificate_issued"),
        pl.col("hukou").replace_strict(HUKOU_ZH).alias("hukou"),
        pl.col("street_code").replace_strict(street_names).alias("street"),
        pl.col("community_name").alias("community"),
        pl.col("household"),
        pl.col("relation").replace_strict(RELATION_ZH).alias("relation"),
        pl.col("economic_status").replace_strict(ECONOMIC_STATUS_ZH).alias("economic_status"),
        pl.col("family_planning_hardship").replace_strict(yes_no).alias("family_planning_hardship"),
        pl.col("dangerous_house").replace_strict(yes_no).alias("dangerous_house"),
        pl.col("employment").replace_strict(EMPLOYMENT_ZH).alias("employment"),
        pl.col("self_care").replace_strict({True: "能", False: "不能"}).alias("self_care"),
        pl.col("work_injury_care").replace_strict(yes_no).alias("work_injury_care"),
        pl.col("phone"),
        pl.col("address"),
        pl.col("status").replace_strict(STATUS_ZH).alias("status"),
    )


def _directory(population) -> AreaDirectory:
    streets = {name: street_code(suffix) for suffix, name, _ in STREETS}
    return AreaDirectory(
        street_codes=streets,
        communities=population.communities.select("street_code", "community_name", "community_code"),
    )


def test_same_seed_gives_identical_frames_and_another_seed_differs():
    first = build_population(500, 3, today=TODAY)
    again = build_population(500, 3, today=TODAY)
    other = build_population(500, 4, today=TODAY)

    assert first.rows.equals(again.rows)
    assert first.communities.equals(again.communities)
    assert not first.rows.equals(other.rows)
    assert first.rows.height == other.rows.height == 500


def test_population_stays_the_same_within_a_month_so_reseeding_changes_nothing():
    """Dates are drawn back from the first day of the month: a re-seed later in the month is a no-op."""
    early = build_population(200, 3, today=dt.date(2025, 6, 1))
    late = build_population(200, 3, today=dt.date(2025, 6, 30))
    next_month = build_population(200, 3, today=dt.date(2025, 7, 1))

    assert early.rows.equals(late.rows)
    assert not early.rows.equals(next_month.rows)
    assert late.rows.get_column("issued_on").max() <= dt.date(2025, 6, 1)


def test_rows_pass_the_importers_validation_unchanged(population):
    """Written as a person file and validated by the real importer, the population has no error and
    normalises back to exactly the same frame (same columns, dtypes and values)."""
    validation = validate_persons(_as_import_frame(population.rows), {}, _directory(population), today=TODAY)

    assert validation.errors.to_dicts() == []
    assert validation.rows.schema == population.rows.schema == pl.Schema(ROW_SCHEMA)
    assert validation.rows.equals(population.rows)


def test_id_numbers_are_unique_valid_haidian_numbers_matching_birth_date_and_sex(population):
    rows = population.rows

    assert rows.get_column("id_number").n_unique() == rows.height
    for id_number, birth_date, sex in rows.select("id_number", "birth_date", "sex").iter_rows():
        parsed = parse_id_number(id_number, today=TODAY)
        assert id_number.startswith("110108")
        assert (parsed.birth_date, parsed.sex) == (birth_date, sex)
        age = TODAY.year - birth_date.year - ((TODAY.month, TODAY.day) < (birth_date.month, birth_date.day))
        assert 0 <= age <= 95


def test_certificates_are_plausible(population):
    rows = population.rows

    assert set(rows.get_column("category")) <= set(CATEGORY_CODE)
    assert set(rows.get_column("grade")) == {1, 2, 3, 4}
    assert set(rows.get_column("cert_reissue")) <= {"", "B1", "B2"}
    for category, components in rows.select("category", "components").iter_rows():
        if category == "multiple":
            assert len(set(components)) == len(components) >= 2
            assert list(components) == sorted(components) and set(components) <= set("123456")
        else:
            assert components == ""
    for birth, issued, valid_until in rows.select("birth_date", "issued_on", "valid_until").iter_rows():
        assert birth <= issued <= TODAY
        assert valid_until == certificate_valid_until(issued)


def test_households_agree_on_household_fields_and_have_one_to_four_members(population):
    per_household = population.rows.group_by("household").agg(
        pl.len().alias("members"),
        *[
            pl.col(c).n_unique().alias(c)
            for c in (
                "economic_status",
                "family_planning_hardship",
                "dangerous_house",
                "street_code",
                "community_code",
                "address",
                "hukou",
            )
        ],
        (pl.col("relation") == "head").sum().alias("heads"),
        pl.col("relation").first().alias("first_relation"),
    )

    assert per_household.get_column("members").is_between(1, 4).all()
    assert per_household.filter(pl.col("members") > 1).height > 0
    for column in (
        "economic_status",
        "family_planning_hardship",
        "dangerous_house",
        "street_code",
        "community_code",
        "address",
        "hukou",
    ):
        assert (per_household.get_column(column) == 1).all(), column
    # The first row is the head, except a lone disabled child whose parent (the head) has no certificate.
    assert (per_household.get_column("heads") <= 1).all()
    lone_children = per_household.filter(pl.col("heads") == 0)
    assert (lone_children.get_column("first_relation") == "child").all()
    assert (lone_children.get_column("members") == 1).all()
    assert population.rows.get_column("household").str.contains(r"^HD\d{7}$").all()


def test_every_street_and_town_gets_synthetic_communities_under_its_code(population):
    communities = population.communities

    assert set(communities.get_column("street_code")) == {street_code(suffix) for suffix, _, _ in STREETS}
    assert communities.get_column("community_code").n_unique() == communities.height
    for street, code, name in communities.iter_rows():
        assert code[:9] == street[:9] and code[9:] != "000"
        assert name.endswith("（合成）")
    towns = {street_code(suffix) for suffix, _, kind in STREETS if kind == "town"}
    town_names = communities.filter(pl.col("street_code").is_in(towns)).get_column("community_name")
    assert town_names.str.contains("村").all()
    assert "万寿路第3社区（合成）" in communities.get_column("community_name").to_list()
    # Persons live only in communities of the list, under their own street.
    used = population.rows.select("street_code", "community_code", "community_name").unique()
    unknown = used.join(communities, on=["street_code", "community_code", "community_name"], how="anti")
    assert unknown.height == 0


def test_mixes_are_roughly_as_documented():
    rows = build_population(20000, 1, today=TODAY).rows
    share = {k: v / rows.height for k, v in rows.group_by("category").len().iter_rows()}
    economic = {k: v / rows.height for k, v in rows.group_by("economic_status").len().iter_rows()}

    assert max(share, key=share.get) == "physical"
    assert 0.05 < economic["dibao"] < 0.12 and 0.75 < economic["ordinary"] < 0.92
    dangerous_rural = rows.filter(pl.col("dangerous_house")).get_column("hukou").value_counts()
    assert dict(dangerous_rural.iter_rows())["beijing_rural"] > dangerous_rural.get_column("count").sum() / 2
    assert rows.filter(pl.col("status") == "normal").height > 0.9 * rows.height


def test_zero_persons_gives_empty_rows_in_the_row_format():
    population = build_population(0, 1, today=TODAY)

    assert population.rows.height == 0
    assert population.rows.schema == pl.Schema(ROW_SCHEMA)
    assert population.communities.height > 0


@pytest.mark.django_db
def test_seed_writes_persons_certificates_and_communities_and_a_second_run_changes_nothing(system_actor):
    from xiaokang.core.models import Area

    stages = []
    report = seed_registry(
        actor=system_actor,
        persons=300,
        seed=5,
        progress=lambda stage, done, total: stages.append((stage, done, total)),
    )

    assert (report.rows, report.created, report.updated, report.unchanged) == (300, 300, 0, 0)
    assert Person.objects.unscoped(reason="test").count() == 300
    assert Certificate.objects.filter(status="active").count() == 300
    assert (
        Household.objects.count()
        == Person.objects.unscoped(reason="test").values("household").distinct().count()
    )
    synthetic = Area.objects.filter(level="community", synthetic=True)
    assert synthetic.count() == build_population(0, 5, today=TODAY).communities.height
    assert synthetic.values("parent").distinct().count() == len(STREETS)
    person = Person.objects.unscoped(reason="test").select_related("community").first()
    assert person.community.parent_id == person.street_id and person.community.synthetic
    assert ("persons", 300, 300) in stages

    history = PersonHistory.objects.count()
    areas = Area.objects.count()
    again = seed_registry(actor=system_actor, persons=300, seed=5)

    assert (again.created, again.updated, again.unchanged) == (0, 0, 300)
    counts = (
        Person.objects.unscoped(reason="test").count(),
        PersonHistory.objects.count(),
        Area.objects.count(),
    )
    assert counts == (300, history, areas)
    assert Certificate.objects.count() == 300


@pytest.mark.django_db
def test_seed_keeps_an_existing_community_with_the_same_code(system_actor):
    from xiaokang.core.models import Area

    street = Area.objects.get(code="110108001000")
    Area.objects.create(code="110108001001", name="真实社区", level="community", parent=street)

    seed_registry(actor=system_actor, persons=50, seed=2)

    assert Area.objects.get(code="110108001001").name == "真实社区"
    assert not Area.objects.get(code="110108001001").synthetic
    assert Area.objects.filter(parent=street, synthetic=True).exists()


@pytest.mark.django_db
def test_seed_with_no_persons_creates_only_the_communities(system_actor):
    from xiaokang.core.models import Area

    report = seed_registry(actor=system_actor, persons=0, seed=1)

    assert (report.rows, report.created, report.updated, report.unchanged) == (0, 0, 0, 0)
    assert not Person.objects.unscoped(reason="test").exists()
    expected = build_population(0, 1, today=TODAY).communities.height
    assert Area.objects.filter(synthetic=True).count() == expected


@pytest.mark.django_db
def test_seeded_households_in_difficulty_get_one_dated_hardship_cause_once(system_actor):
    from xiaokang.registry.models import Household, HouseholdHardship
    from xiaokang.registry.synthetic import seed_registry

    seed_registry(actor=system_actor, persons=400, seed=5)
    in_difficulty = Household.objects.exclude(economic_status="ordinary").count()
    assert in_difficulty > 0
    assert HouseholdHardship.objects.count() == in_difficulty
    assert not HouseholdHardship.objects.filter(household__economic_status="ordinary").exists()
    seed_registry(actor=system_actor, persons=400, seed=5)
    assert HouseholdHardship.objects.count() == in_difficulty
