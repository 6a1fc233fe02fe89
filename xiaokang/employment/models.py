"""Employers, their annual quota declarations and the disabled employees they list (E1–E4, T2).

A declaration is for a levy year Y and carries last year's figures (Y−1): average headcount (fractional
allowed), total wages, and the disabled employees one by one. Approval fixes the levy: the decision of
the ``employment_levy`` policy (the engine's interpreter) is stored with the parameter values it used,
so a later change of the rules never changes an approved levy. Corrections keep their history
(``DeclarationChange``)."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from xiaokang.accounts.scoping import AreaScopedManager
from xiaokang.core.models import Area
from xiaokang.policies.engine.facts import EMPLOYER_TYPE_ZH as FACT_EMPLOYER_TYPE_ZH


class EmployerType(models.TextChoices):
    # The vocabulary of the levy policy's ``employer_type`` fact (policies.facts.EMPLOYER_FIELDS).
    ENTERPRISE = "enterprise", _("enterprise (企业)")
    GOVERNMENT_ORGAN = "government_organ", _("government organ (机关)")
    PUBLIC_INSTITUTION = "public_institution", _("public institution (事业单位)")
    SOCIAL_ORGANIZATION = "social_organization", _("social organization (社会团体)")
    PRIVATE_NON_ENTERPRISE = "private_non_enterprise", _("private non-enterprise unit (民办非企业单位)")


# The Chinese names as written in import files and on public pages: one table, the levy policy's
# vocabulary of ``employer_type`` (a type added there is a type here).
EMPLOYER_TYPE_ZH = FACT_EMPLOYER_TYPE_ZH
assert set(EMPLOYER_TYPE_ZH) == set(EmployerType.values)


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

    objects = AreaScopedManager(community=None)  # an employer has a street, no community

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
    # Recorded outside the declaration window (settings.XIAOKANG_DECLARATION_WINDOW, 1 March – 31 October
    # of the levy year): staff may record it, with a warning (docs/declarations.md).
    outside_window = models.BooleanField(_("recorded outside the declaration window"), default=False)
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

    objects = AreaScopedManager(street="employer__street_id", community=None)  # its employer's street

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
    # The certificate number holds its holder's ID number, so it is kept as the registry keeps ID numbers
    # (docs/architecture.md "Sensitive data"): AES-GCM ciphertext, the masked form lists show, and the
    # keyed blind index of the holder's ID number (the registry's ``Person.id_number_index``), which finds
    # the person and the same person on another employer's declaration.
    certificate_encrypted = models.TextField()
    certificate_masked = models.CharField(_("certificate number"), max_length=22)
    holder_index = models.CharField(max_length=32, db_index=True)
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
            # One row per person (not per number: a reissued B1 number is the same person).
            models.UniqueConstraint(
                fields=["declaration", "holder_index"], name="employee_once_per_declaration"
            )
        ]

    def __str__(self) -> str:
        return f"{self.declaration_id} {self.certificate_masked}"

    @property
    def problem_codes(self) -> list[str]:
        return [code for code in self.problems.split(";") if code]


class DeclarationChange(models.Model):
    """A staff correction of a declaration (E1, dated and attributable as R6 asks): which field, the value
    before and after, who, when and why."""

    declaration = models.ForeignKey(Declaration, models.CASCADE, related_name="changes")
    at = models.DateTimeField(auto_now_add=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, models.PROTECT, null=True, blank=True, related_name="+"
    )
    actor_label = models.CharField(max_length=150)
    field = models.CharField(max_length=60)
    # The employee row concerned, by its masked certificate number ("" for the declaration's figures).
    subject = models.CharField(max_length=22, blank=True)
    old_value = models.TextField(blank=True)
    new_value = models.TextField(blank=True)
    reason = models.CharField(max_length=500)

    class Meta:
        ordering = ["at", "id"]

    def __str__(self) -> str:
        return f"{self.declaration_id} {self.field}"


class ConflictResolution(models.Model):
    """Staff's choice of the declaration that counts a person listed by two or more employers for one
    levy year (a disabled employee counts for one employer only); the others get ``not_counted``
    (``counted_for_other_employer``). Kept so that a re-check applies it again."""

    person = models.ForeignKey("registry.Person", models.PROTECT, related_name="+")
    levy_year = models.PositiveSmallIntegerField()
    declaration = models.ForeignKey(Declaration, models.CASCADE, related_name="+")
    resolved_at = models.DateTimeField(auto_now_add=True)
    resolved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, models.PROTECT, null=True, blank=True, related_name="+"
    )
    actor_label = models.CharField(max_length=150)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["person", "levy_year"], name="one_resolution_per_person_year")
        ]

    def __str__(self) -> str:
        return f"{self.person_id} {self.levy_year} → {self.declaration_id}"
