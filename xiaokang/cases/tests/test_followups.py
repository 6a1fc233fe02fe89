"""What a stored evaluation run of the current rules means for the cases app (P3, S5), as a service that
`xiaokang evaluate` (and a scheduled run) call through policies.followups, not as steps of the command."""

from __future__ import annotations

import datetime as dt

import pytest

from tests.helpers import person_row, write_csv
from xiaokang.cases.models import Enrolment, OutreachTask
from xiaokang.cases.tests.workflow import enrol
from xiaokang.policies import evaluation, followups
from xiaokang.registry.models import Person
from xiaokang.registry.services import persons_import

pytestmark = pytest.mark.django_db


@pytest.fixture
def one_enrolled_one_died(tmp_path, system_actor, district_officer, officer_a):
    persons_import(actor=system_actor, path=write_csv(tmp_path / "p.csv", [person_row(1), person_row(2)]))
    enrol(officer_a, district_officer, Person.objects.unscoped(reason="test").order_by("pk"))
    # died after enrolment
    Person.objects.unscoped(reason="test").filter(name="测试2").update(status="deceased")


def test_a_run_of_the_current_rules_creates_outreach_tasks_and_ends_the_enrolment_of_the_deceased(
    one_enrolled_one_died, system_actor
):
    run = evaluation.evaluate_registry(dt.date.today(), actor=system_actor).run

    (result,) = followups.after_run(actor=system_actor, run=run)

    assert result.outreach_tasks == OutreachTask.objects.unscoped(reason="test").count() == 1
    assert (result.enrolments.terminated, result.enrolments.suspended) == (1, 0)
    assert Enrolment.objects.get(person__name="测试2").status == "terminated"
    assert result.lines()[0] == "1 new outreach tasks / 新增主动服务任务"


def test_a_what_if_run_changes_no_task_and_no_enrolment(one_enrolled_one_died, system_actor):
    overrides = {"living_subsidy": {"monthly_amount": "1"}}
    run = evaluation.evaluate_registry(dt.date.today(), actor=system_actor).run
    run.overrides = overrides

    assert followups.after_run(actor=system_actor, run=run) == []
    assert OutreachTask.objects.unscoped(reason="test").count() == 0
    assert Enrolment.objects.get(person__name="测试2").status == "active"
