"""Stored evaluation runs (P2, P3): per person and policy the result, amount and failed conditions,
with the policy version and the parameter values used, so any decision can be explained later exactly
as it was made (ARCHITECTURE "The rules engine")."""

from __future__ import annotations

from django.conf import settings
from django.db import models


class EvaluationRun(models.Model):
    evaluated_on = models.DateField()  # the date D the rules and ages were taken at
    created_at = models.DateTimeField(auto_now_add=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, models.PROTECT, null=True, blank=True, related_name="+"
    )
    actor_label = models.CharField(max_length=150)
    overrides = models.JSONField(default=dict)  # {"policy.parameter": "value"}: a stored what-if
    persons = models.PositiveIntegerField(default=0)
    seconds = models.FloatField(default=0)

    class Meta:
        ordering = ["-id"]

    def __str__(self) -> str:
        return f"run {self.pk} on {self.evaluated_on}"


class RunPolicy(models.Model):
    """One policy within a run: its version and the parameter values it was evaluated with."""

    run = models.ForeignKey(EvaluationRun, models.CASCADE, related_name="policies")
    policy_id = models.CharField(max_length=64)
    version = models.CharField(max_length=12)  # loader.Policy.version: hash of the rules file
    parameters = models.JSONField(default=dict)  # {name: value as text}
    eligible = models.PositiveIntegerField(default=0)
    amount_fen = models.BigIntegerField(default=0)  # monthly total of the eligible

    class Meta:
        ordering = ["run_id", "policy_id"]
        constraints = [models.UniqueConstraint(fields=["run", "policy_id"], name="one_row_per_run_policy")]

    def __str__(self) -> str:
        return f"{self.run_id} {self.policy_id}"


class EvaluationResult(models.Model):
    # No database constraints on these two keys: a run writes millions of rows in one statement per
    # policy, and a per-row foreign-key check was most of its cost on PostgreSQL (bench/policy_bench.py).
    # The rows are written only by evaluation.evaluate_registry, in the transaction that creates their
    # RunPolicy; deleting a run deletes them through the ORM (CASCADE); persons are never deleted
    # (registry.Person is PROTECTed everywhere). The index below serves every lookup.
    run_policy = models.ForeignKey(
        RunPolicy, models.CASCADE, related_name="+", db_index=False, db_constraint=False
    )
    person = models.ForeignKey(
        "registry.Person", models.DO_NOTHING, related_name="+", db_constraint=False, db_index=False
    )
    street_id = models.BigIntegerField()
    category = models.CharField(max_length=12)  # the category decided as (多重: the most favourable)
    eligible = models.BooleanField()
    amount_fen = models.BigIntegerField()
    failed = models.CharField(max_length=400)  # failed condition ids, ";"-separated

    class Meta:
        indexes = [models.Index(fields=["run_policy", "person"], name="result_run_person")]

    def __str__(self) -> str:
        return f"{self.run_policy_id} {self.person_id} {self.eligible}"
