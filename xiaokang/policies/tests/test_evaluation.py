"""Batch evaluation over the registry (P2, P3): stored runs agree with the per-person interpreter,
report the changes since the previous run, and what-ifs stay within the actor's scope."""

import datetime as dt

import pytest

from tests.helpers import STREET_A
from xiaokang.audit.models import AuditEvent
from xiaokang.core.models import Area
from xiaokang.policies import evaluation
from xiaokang.policies.models import EvaluationResult, EvaluationRun, RunPolicy
from xiaokang.policies.selectors import decisions_for_person
from xiaokang.registry.models import Household, Person
from xiaokang.registry.synthetic import seed_registry

pytestmark = pytest.mark.django_db

DAY = dt.date(2025, 6, 1)


@pytest.fixture
def population(system_actor):
    seed_registry(actor=system_actor, persons=400, seed=7)
    return Person.objects.unscoped(reason="test").select_related("household").prefetch_related("certificates")


def test_a_stored_run_holds_for_every_person_what_the_interpreter_decides(population, system_actor):
    report = evaluation.evaluate_registry(DAY, actor=system_actor)

    stored = {
        (row["run_policy__policy_id"], row["person_id"]): row
        for row in EvaluationResult.objects.filter(run_policy__run=report.run).values(
            "run_policy__policy_id", "person_id", "eligible", "amount_fen", "failed"
        )
    }
    assert len(stored) == 11 * population.count() == 11 * report.run.persons
    for person in population:
        for decision in decisions_for_person(person, DAY):
            row = stored[(decision.policy.id, person.pk)]
            assert (row["eligible"], row["amount_fen"], row["failed"]) == (
                decision.eligible,
                decision.amount_fen,
                ";".join(decision.failed),
            ), (decision.policy.id, person.pk)
    assert sum(change.eligible for change in report.policies) > 0


def test_a_run_records_versions_parameters_overrides_and_an_audit_event(population, system_actor):
    report = evaluation.evaluate_registry(
        DAY, actor=system_actor, overrides={"living_subsidy": {"dibao_standard": 1500}}
    )

    living = RunPolicy.objects.get(run=report.run, policy_id="living_subsidy")
    assert living.parameters["dibao_standard"] == "1500"
    assert living.parameters["dibao_group_a"] == "400"
    assert len(living.version) == 12
    assert report.run.overrides == {"living_subsidy.dibao_standard": "1500"}
    event = AuditEvent.objects.get(action="policy.evaluate")
    assert event.object_id == str(report.run.pk) and event.details["persons"] == population.count()


def test_the_second_run_counts_the_newly_and_no_longer_eligible(population, system_actor):
    first = evaluation.evaluate_registry(DAY, actor=system_actor)
    assert all(change.newly_eligible is None for change in first.policies)
    # One 一般 household becomes 低保, one 低保 household becomes 一般.
    gaining = Household.objects.filter(economic_status="ordinary", members__status="normal").first()
    losing = Household.objects.filter(economic_status="dibao").exclude(pk=gaining.pk).first()
    Household.objects.filter(pk=gaining.pk).update(economic_status="dibao")
    Household.objects.filter(pk=losing.pk).update(economic_status="ordinary")

    second = evaluation.evaluate_registry(DAY, actor=system_actor)

    medical = next(change for change in second.policies if change.policy.id == "medical_assistance")
    before = {
        r.person_id: r.eligible
        for r in EvaluationResult.objects.filter(
            run_policy__run=first.run, run_policy__policy_id="medical_assistance"
        )
    }
    after = {
        r.person_id: r.eligible
        for r in EvaluationResult.objects.filter(
            run_policy__run=second.run, run_policy__policy_id="medical_assistance"
        )
    }
    assert medical.newly_eligible == sum(1 for pk in after if after[pk] and not before[pk]) > 0
    assert medical.no_longer_eligible == sum(1 for pk in after if before[pk] and not after[pk]) > 0
    assert second.previous == first.run


def test_a_what_if_changes_only_the_overridden_policy_and_stores_nothing(population, li_district_officer):
    comparisons = evaluation.what_if(
        DAY, actor=li_district_officer, overrides={"living_subsidy": {"dibao_standard": 2000}}
    )

    by_id = {comparison.policy.id: comparison for comparison in comparisons}
    living = by_id["living_subsidy"].total
    assert by_id["living_subsidy"].changed and not by_id["care_subsidy"].changed
    assert living.what_if_eligible == living.current_eligible
    assert living.what_if_fen > living.current_fen  # low-income group A is paid the 低保 standard
    care = by_id["care_subsidy"].total
    assert (care.current_eligible, care.current_fen) == (care.what_if_eligible, care.what_if_fen)
    assert EvaluationRun.objects.count() == 0 and EvaluationResult.objects.count() == 0


def test_a_street_officers_what_if_covers_only_their_street(population, wang_street_a, li_district_officer):
    street_a = Area.objects.get(code=STREET_A)
    in_a = Person.objects.unscoped(reason="test").filter(street=street_a).count()
    assert 0 < in_a < population.count()

    mine = evaluation.what_if(DAY, actor=wang_street_a, overrides={})
    everyone = evaluation.what_if(DAY, actor=li_district_officer, overrides={})

    accident_mine = next(c for c in mine if c.policy.id == "accident_insurance")
    accident_all = next(c for c in everyone if c.policy.id == "accident_insurance")
    assert {row.street_id for row in accident_mine.streets} == {street_a.pk}
    [row_a] = [row for row in accident_all.streets if row.street_id == street_a.pk]
    assert accident_mine.streets[0].current_eligible == row_a.current_eligible
    assert len(accident_all.streets) > 1


# serialized_rollback as in the browser tests: a plain transactional test would leave the next
# serialized_rollback test restoring content types on top of re-created ones.
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_outside_a_transaction_sqlite_runs_with_temporary_tables_on_disk_and_restores_the_default(
    system_actor, monkeypatch
):
    from django.db import connection

    if connection.vendor != "sqlite":
        pytest.skip("a SQLite setting")
    seen = []
    original = evaluation.build_facts

    def spy(cursor, *args, **kwargs):
        cursor.execute("PRAGMA temp_store")
        seen.append(cursor.fetchone()[0])
        return original(cursor, *args, **kwargs)

    monkeypatch.setattr(evaluation, "build_facts", spy)

    evaluation.evaluate_registry(DAY, actor=system_actor)

    with connection.cursor() as cursor:
        cursor.execute("PRAGMA temp_store")
        assert (seen, cursor.fetchone()[0]) == ([1], 2)  # 1 FILE during the run, 2 MEMORY after
