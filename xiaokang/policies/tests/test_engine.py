"""The policy engine (P1–P3) reads without Django: a newcomer can load, type-check, decide and compile
every shipped policy in a plain Python process, and its fact schema lists the same values as the
registry's vocabularies."""

import datetime as dt
import os
import subprocess
import sys
import textwrap
from pathlib import Path

from xiaokang.policies.engine import facts, loader
from xiaokang.registry import vocabulary

REPO = Path(__file__).resolve().parents[3]

# Every module of the engine, used the way a reader would: load the shipped files, decide a record in
# Python, compile a policy to SQL, build its one-page sheet, decide the levy of an employer.
PLAIN_PYTHON = textwrap.dedent(
    """
    import datetime as dt
    import sys

    from xiaokang.policies.engine import employers, facts, interpreter, language, loader, sheet, sql

    day = dt.date(2025, 6, 1)
    shipped, errors = loader.load_all()
    assert shipped and not errors, errors
    living = shipped["living_subsidy"]
    record = {"birth_date": dt.date(1980, 1, 1), "hukou": "beijing_urban", "category": "physical",
              "grade": 1, "issued_on": dt.date(2020, 1, 1), "economic_status": "dibao"}
    assert interpreter.decide_record(living, record, day).eligible
    assert "SELECT" in sql.decisions_select(living, living.parameters_on(day), "facts", "sqlite")
    assert sheet.build_sheet(living, day).policy is living
    levy = shipped[employers.LEVY_POLICY]
    employer = employers.case_employer({"headcount": 100, "total_wages": 10_000_000})
    python = employers.decide_employer(levy, employer, 2025)
    [row] = employers.decide_records_sql(levy, [employer], 2025)  # DuckDB in process
    assert row["amount_fen"] == int(python.amount * 100) > 0, (row, python)
    assert isinstance(language.T_BOOL, language.Type) and "age" in facts.FIELDS
    loaded = sorted(name for name in sys.modules if name == "django" or name.startswith(("django.", "ninja")))
    print("DJANGO:", loaded)
    """
)


def test_the_engine_runs_in_a_python_process_without_django():
    env = {key: value for key, value in os.environ.items() if key != "DJANGO_SETTINGS_MODULE"}
    result = subprocess.run(
        [sys.executable, "-c", PLAIN_PYTHON], cwd=REPO, env=env, capture_output=True, text=True, timeout=120
    )

    assert result.returncode == 0, result.stderr
    assert "DJANGO: []" in result.stdout, result.stdout


def test_the_fact_values_are_the_registry_vocabularies():
    def values(name):
        return facts.FIELDS[name].type.values

    assert values("hukou") == frozenset(vocabulary.Hukou.values)
    assert values("status") == frozenset(vocabulary.PersonStatus.values)
    assert values("economic_status") == frozenset(vocabulary.EconomicStatus.values)
    assert values("employment") == frozenset(vocabulary.Employment.values)
    assert values("category") == (frozenset(vocabulary.Category.values) - {"multiple"}) | {facts.NO_CATEGORY}
    # The Chinese labels (xiaokang.core.vocabulary) cover exactly the registry's choices.
    for choices, labels in (
        (vocabulary.Category, vocabulary.CATEGORY_ZH),
        (vocabulary.Category, vocabulary.CATEGORY_CODE),
        (vocabulary.Hukou, vocabulary.HUKOU_ZH),
        (vocabulary.PersonStatus, vocabulary.STATUS_ZH),
        (vocabulary.Employment, vocabulary.EMPLOYMENT_ZH),
        (vocabulary.EconomicStatus, vocabulary.ECONOMIC_STATUS_ZH),
        (vocabulary.Relation, vocabulary.RELATION_ZH),
        (vocabulary.HardshipCause, vocabulary.HARDSHIP_CAUSE_ZH),
    ):
        assert set(choices.values) == set(labels), choices


def test_the_shipped_policy_files_are_still_read_from_policies_rules():
    assert loader.RULES_DIR == REPO / "xiaokang" / "policies" / "rules"
    assert (loader.RULES_DIR / loader.COMMON_FILE).is_file()
    assert loader.policies()  # the cached load of the shipped files
    assert facts.certificate_valid_on(
        {"category": "visual", "issued_on": dt.date(2015, 3, 1)}, dt.date(2025, 2, 28)
    )
