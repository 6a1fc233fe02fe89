"""Employers, their annual quota declarations and the disabled employees they list (issue 6; E1–E4, T2).

A declaration is for a levy year Y and carries last year's figures (Y−1): average headcount (fractional
allowed), total wages, and the disabled employees one by one. Approval fixes the levy: the decision of
the ``employment_levy`` policy (the engine's interpreter) is stored with the parameter values it used,
so a later change of the rules never changes an approved levy. Corrections keep their history
(``DeclarationChange``)."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from xiaokang.core.models import Area


class EmployerType(models.TextChoices):
    # The vocabulary of the levy policy's ``employer_type`` fact (policies.facts.EMPLOYER_FIELDS).
    ENTERPRISE = "enterprise", _("enterprise (企业)")
    GOVERNMENT_ORGAN = "government_organ", _("government organ (机关)")
    PUBLIC_INSTITUTION = "public_institution", _("public institution (事业单位)")
    SOCIAL_ORGANIZATION = "social_organization", _("social organization (社会团体)")
    PRIVATE_NON_ENTERPRISE = "private_non_enterprise", _("private non-enterprise unit (民办非企业单位)")


# The Chinese names as written in import files and on public pages.
EMPLOYER_TYPE_ZH = {
    "enterprise": "企业",
    "government_organ": "机关",
    "public_institution": "事业单位",
    "social_organization": "社会团体",
    "private_non_enterprise": "民办非企业单位",
}


class Employer(models.Model):
    uscc = models.CharField(_("unified social credit code"), max_length=18, unique=True)  # GB 32100-2015
    name = models.CharField(_("name"), max_length=200)
    employer_type = models.CharField(_("type"), max_length=24, choices=EmployerType.choices)
    state_owned = models.BooleanField(_("state-owned"), default=False)
    street = models.ForeignKey(Area, models.PROTECT, related_name="+", verbose_name=_("street"))
    # 残工委成员单位 (E3, T2): a member unit of the district working committee on disability.
    committee_member = models.BooleanField(_("working-committee member unit"), default=False)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return f"{self.name} ({self.uscc})"


class DeclarationState(models.TextChoices):
    SUBMITTED = "submitted", _("submitted")
    APPROVED = "approved", _("approved")


class Declaration(models.Model):
    """按比例就业年审: one per employer and levy year."""

    employer = models.ForeignKey(Employer, models.PROTECT, related_name="declarations")
    levy_year = models.PositiveSmallIntegerField(_("levy year"))
    headcount = models.DecimalField(_("average headcount last year"), max_digits=12, decimal_places=2)
    total_wages = models.DecimalField(_("total wages last year (yuan)"), max_digits=16, decimal_places=2)
    state = models.CharField(
        _("state"), max_length=10, choices=DeclarationState.choices, default=DeclarationState.SUBMITTED
    )
    submitted_on = models.DateField(_("submitted on"))
    version = models.PositiveIntegerField(default=1)  # optimistic concurrency, as applications
    # Fixed at approval (the levy policy's decision; the figures it used stay readable below).
    approved_at = models.DateTimeField(null=True, blank=True)
    approved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, models.PROTECT, null=True, blank=True, related_name="+"
    )
    counted = models.PositiveIntegerField(_("counted disabled employees"), null=True, blank=True)
    levy_fen = models.BigIntegerField(_("levy (fen)"), null=True, blank=True)
    reduction = models.DecimalField(max_digits=3, decimal_places=2, null=True, blank=True)
    exempt = models.BooleanField(null=True, blank=True)
    decision = models.JSONField(default=dict, blank=True)  # the levy's figures, parameters and version
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-levy_year", "employer__name"]
        constraints = [
            models.UniqueConstraint(fields=["employer", "levy_year"], name="one_declaration_per_year"),
            models.CheckConstraint(
                condition=models.Q(headcount__gt=0), name="declaration_headcount_positive"
            ),
            models.CheckConstraint(
                condition=models.Q(total_wages__gte=0), name="declaration_wages_not_negative"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.employer.uscc} {self.levy_year}"


class EmployeeCheck(models.TextChoices):
    COUNTED = "counted", _("counted")
    NOT_COUNTED = "not_counted", _("not counted")
    CONFLICT = "conflict", _("listed by another employer")


class DeclaredEmployee(models.Model):
    """A disabled employee as the employer lists them, and what the registry check found (art. 7 of
    财税〔2015〕72号: contract ≥ 1 year, pay ≥ minimum wage, social insurance paid in full; a valid
    certificate on 31 December of Y−1; grade 1–2 counts as two)."""

    declaration = models.ForeignKey(Declaration, models.CASCADE, related_name="employees")
    certificate_number = models.CharField(_("certificate number"), max_length=22)
    contract_months = models.PositiveSmallIntegerField(_("contract length (months)"))
    minimum_wage_met = models.BooleanField(_("pay at least the minimum wage"))
    social_insurance_paid = models.BooleanField(_("social insurance paid in full"))
    # The registry check: the person, the grade of their certificate on 31 December of Y−1, the outcome.
    person = models.ForeignKey("registry.Person", models.PROTECT, null=True, blank=True, related_name="+")
    grade = models.PositiveSmallIntegerField(null=True, blank=True)
    outcome = models.CharField(
        max_length=12, choices=EmployeeCheck.choices, default=EmployeeCheck.NOT_COUNTED
    )
    problems = models.CharField(max_length=200, blank=True)  # ';'-separated reason codes
    counts_as = models.PositiveSmallIntegerField(default=0)  # 0, 1 or 2 (grade 1–2)

    class Meta:
        ordering = ["id"]
        constraints = [
            models.UniqueConstraint(
                fields=["declaration", "certificate_number"], name="employee_once_per_declaration"
            )
        ]

    def __str__(self) -> str:
        return f"{self.declaration_id} {self.certificate_number}"


class DeclarationChange(models.Model):
    """A staff correction of a declaration (the history issue 6 §2 asks for): which field, the value
    before and after, who, when and why."""

    declaration = models.ForeignKey(Declaration, models.CASCADE, related_name="changes")
    at = models.DateTimeField(auto_now_add=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, models.PROTECT, null=True, blank=True, related_name="+"
    )
    actor_label = models.CharField(max_length=150)
    field = models.CharField(max_length=60)
    old_value = models.TextField(blank=True)
    new_value = models.TextField(blank=True)
    reason = models.CharField(max_length=500)

    class Meta:
        ordering = ["at", "id"]

    def __str__(self) -> str:
        return f"{self.declaration_id} {self.field}"
