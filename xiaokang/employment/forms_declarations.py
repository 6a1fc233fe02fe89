"""Forms of the declaration pages (E1). They check the input's shape; the rules (the window, one
declaration per employer and year, the registry check, versions, roles) stay in ``declarations.py``."""

from __future__ import annotations

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from xiaokang.core.day_field import DayField
from xiaokang.core.ids import MAX_ROW_ID
from xiaokang.employment.declarations import FIRST_LEVY_YEAR, MAX_CONTRACT_MONTHS
from xiaokang.employment.models import DeclarationState, DeclaredEmployee

YES_NO = [("是", _("Yes")), ("否", _("No"))]
EMPLOYEE_LINES_HELP = _(
    "One employee per line: certificate number, contract length in months, pay at least the minimum "
    "wage (是 or 否), social insurance paid in full (是 or 否), separated by commas or spaces. For example: "
    "11010819900101001X42, 36, 是, 是"
)


def _year_field(label, *, required: bool) -> forms.IntegerField:
    return forms.IntegerField(
        label=label,
        required=required,
        min_value=FIRST_LEVY_YEAR,
        max_value=2100,
        widget=forms.TextInput(attrs={"class": "short", "inputmode": "numeric", "autocomplete": "off"}),
    )


class DeclarationFilterForm(forms.Form):
    year = _year_field(_("Levy year"), required=False)
    state = forms.ChoiceField(label=_("State"), required=False)
    street = forms.ChoiceField(label=_("Street or town"), required=False)

    def __init__(self, *args, streets=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["state"].choices = [("", _("All states")), *DeclarationState.choices]
        self.fields["street"].choices = [("", _("All streets"))] + [(s.code, s.name) for s in streets]


class DeclarationForm(forms.Form):
    """A declaration recorded by staff from the employer's paper or file."""

    employer = forms.CharField(
        label=_("Employer's unified social credit code"),
        max_length=18,
        help_text=_("18 characters, as on the employer's business licence. The employer must be registered."),
        widget=forms.TextInput(attrs={"autocomplete": "off", "spellcheck": "false", "class": "medium"}),
    )
    levy_year = _year_field(_("Levy year"), required=True)
    headcount = forms.DecimalField(
        label=_("Average headcount last year"),
        max_digits=12,
        decimal_places=2,
        help_text=_("The year before the levy year; fractions allowed, for example 123.5."),
        widget=forms.TextInput(attrs={"class": "short", "inputmode": "decimal"}),
    )
    total_wages = forms.DecimalField(
        label=_("Total wages last year (yuan)"),
        max_digits=16,
        decimal_places=2,
        widget=forms.TextInput(attrs={"class": "medium", "inputmode": "decimal"}),
    )
    submitted_on = DayField(
        label=_("Submitted on"),
        help_text=_("The day the employer declared, year-month-day, for example 2025-03-10."),
    )
    record_outside_window = forms.BooleanField(
        label=_("Record it even if it was submitted outside the declaration window"),
        required=False,
        help_text=_(
            "Declarations are made between 1 March and 31 October of the levy year. A declaration "
            "submitted outside that window is recorded only when this is ticked, and is marked as such."
        ),
    )
    employees_file = forms.FileField(
        label=_("Disabled employees: a file"),
        required=False,
        help_text=_(
            "An .xlsx or .csv file with the columns 残疾人证号, 劳动合同期限（月）, 工资不低于最低工资标准 "
            "(是/否) and 足额缴纳社会保险 (是/否)."
        ),
    )
    employees_text = forms.CharField(
        label=_("Disabled employees: typed in"),
        required=False,
        max_length=200_000,
        help_text=EMPLOYEE_LINES_HELP,
        widget=forms.Textarea(attrs={"rows": 6, "spellcheck": "false", "autocomplete": "off"}),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        today = timezone.localdate()
        self.fields["levy_year"].initial = today.year
        self.fields["submitted_on"].initial = today

    def clean(self):
        data = super().clean()
        if data.get("employees_file") and (data.get("employees_text") or "").strip():
            self.add_error(
                "employees_text",
                _("Give the employees either in a file or typed in, not both."),
            )
        return data


class CorrectionForm(forms.Form):
    """A correction of a declaration not yet approved: the figures, each listed employee (change or
    remove), employees to add, and the reason; decided on the version the officer read."""

    version = forms.IntegerField(widget=forms.HiddenInput, min_value=1, max_value=2**31 - 1)
    headcount = DeclarationForm.base_fields["headcount"]
    total_wages = DeclarationForm.base_fields["total_wages"]
    add_employees = forms.CharField(
        label=_("Employees to add"),
        required=False,
        max_length=200_000,
        help_text=EMPLOYEE_LINES_HELP,
        widget=forms.Textarea(attrs={"rows": 3, "spellcheck": "false", "autocomplete": "off"}),
    )
    reason = forms.CharField(
        label=_("Reason for the correction"),
        max_length=500,
        help_text=_("Kept with every change in the declaration's history."),
        widget=forms.Textarea(attrs={"rows": 3}),
    )

    def __init__(self, *args, employees: list[DeclaredEmployee], **kwargs):
        super().__init__(*args, **kwargs)
        self.employees = employees
        for employee in employees:
            number = employee.certificate_masked
            self.fields[f"e{employee.pk}_contract_months"] = forms.IntegerField(
                label=_("Contract length (months) of %(number)s") % {"number": number},
                min_value=1,
                max_value=MAX_CONTRACT_MONTHS,
                initial=employee.contract_months,
                widget=forms.TextInput(
                    attrs={"class": "short", "inputmode": "numeric", "autocomplete": "off"}
                ),
            )
            self.fields[f"e{employee.pk}_minimum_wage_met"] = forms.ChoiceField(
                label=_("Pay at least the minimum wage: %(number)s") % {"number": number},
                choices=YES_NO,
                initial="是" if employee.minimum_wage_met else "否",
            )
            self.fields[f"e{employee.pk}_social_insurance_paid"] = forms.ChoiceField(
                label=_("Social insurance paid in full: %(number)s") % {"number": number},
                choices=YES_NO,
                initial="是" if employee.social_insurance_paid else "否",
            )
            self.fields[f"e{employee.pk}_remove"] = forms.BooleanField(
                label=_("Remove %(number)s from the declaration") % {"number": number},
                required=False,
            )

    def employee_fields(self) -> list[dict]:
        """The bound fields of each listed employee, in order (for the template)."""
        return [
            {
                "employee": employee,
                "contract_months": self[f"e{employee.pk}_contract_months"],
                "minimum_wage_met": self[f"e{employee.pk}_minimum_wage_met"],
                "social_insurance_paid": self[f"e{employee.pk}_social_insurance_paid"],
                "remove": self[f"e{employee.pk}_remove"],
            }
            for employee in self.employees
        ]

    def employee_changes(self) -> dict:
        """The ``employees`` part of ``declaration_correct``'s changes (without the rows to add)."""
        data = self.cleaned_data
        remove = [e.pk for e in self.employees if data.get(f"e{e.pk}_remove")]
        change = {
            e.pk: {
                "contract_months": data[f"e{e.pk}_contract_months"],
                "minimum_wage_met": data[f"e{e.pk}_minimum_wage_met"],
                "social_insurance_paid": data[f"e{e.pk}_social_insurance_paid"],
            }
            for e in self.employees
            if e.pk not in remove
        }
        return {"remove": remove, "change": change}


class VersionForm(forms.Form):
    """An action on one declaration (approve), decided on the version the officer read."""

    version = forms.IntegerField(min_value=1, max_value=2**31 - 1)


class ConflictResolveForm(forms.Form):
    person = forms.IntegerField(min_value=1, max_value=MAX_ROW_ID)
    declaration = forms.IntegerField(
        label=_("The employer that counts this person"), min_value=1, max_value=MAX_ROW_ID
    )
    reason = forms.CharField(label=_("Note"), required=False, max_length=500)
