"""The anonymous benefit screener (P2, P3, S1, S2, U2): a resident's answers, in the values
of the registry import template, become a registry record, and the policy engine's interpreter decides
every person policy for it on today's date, exactly as it decides for a registered person.

Assumptions the issue fixes: the certificate is valid (issued today), the person's status is 正常, the
age is in completed years, and whoever does not say is able to care for themselves (生活自理 能, the
import template's default). Nothing entered is stored or logged: the answers live only in the request.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from xiaokang.core.dates import anniversary
from xiaokang.core.day_field import DayField
from xiaokang.core.language import is_chinese
from xiaokang.policies.engine import interpreter
from xiaokang.policies.engine.loader import Policy, person_policies
from xiaokang.registry.forms import mark_required
from xiaokang.registry.importing.validate import (
    CATEGORY_VALUES,
    COMPONENT_DIGIT,
    COMPONENT_SEPARATORS,
    ECONOMIC_VALUES,
    EMPLOYMENT_VALUES,
    GRADE_VALUES,
    HUKOU_VALUES,
    YES_NO_VALUES,
)
from xiaokang.registry.models import certificate_valid_until
from xiaokang.registry.vocabulary import (
    CATEGORY_CODE,
    CATEGORY_ZH,
    ECONOMIC_STATUS_ZH,
    EMPLOYMENT_ZH,
    GRADE_ZH,
    HUKOU_ZH,
)

AGE_MAX = 120

# The question, in the page's language, for each value list; the values stay the template's Chinese.
CATEGORY_EN = {
    "visual": "visual",
    "hearing": "hearing",
    "speech": "speech",
    "physical": "physical",
    "intellectual": "intellectual",
    "mental": "mental (psychiatric)",
    "multiple": "multiple",
}
HUKOU_EN = {"beijing_urban": "Beijing, urban", "beijing_rural": "Beijing, rural", "non_local": "not Beijing"}
ECONOMIC_EN = {
    "dibao": "minimum living guarantee (低保)",
    "low_income": "low income (低收入)",
    "extremely_poor": "extremely poor, state-supported (特困)",
    "ordinary": "none of these (一般)",
}
EMPLOYMENT_EN = {
    "employed": "employed",
    "self_employed": "self-employed (own business)",
    "flexible": "flexible employment",
    "unemployed_registered": "registered unemployed",
    "not_employed": "not employed",
    "student": "student",
    "retired": "retired",
}


def _choices(zh: dict, en: dict) -> list[tuple[str, str]]:
    """(value sent, label shown): the value is always the template's Chinese word, the label follows the
    page's language (evaluated per request, so the form is built per request)."""
    chinese = is_chinese()
    return [(label_zh, label_zh if chinese else f"{en[key]} – {label_zh}") for key, label_zh in zh.items()]


def _lookup(mapping: dict[str, str], raw: str) -> str | None:
    value = (raw or "").strip()
    return mapping.get(value) or mapping.get(value.lower())


class ScreenerForm(forms.Form):
    """The screener's fields, named as the issue names them (a bookmarked or linked result keeps working).
    A choice field accepts every spelling the import template accepts (名称 or digit, e.g. ``category=肢体``
    or ``4``, ``grade=一级`` or ``1``), not only the options the page offers."""

    age = forms.CharField(
        label=_("Age in completed years"),
        help_text=_("A whole number from 0 to 120."),
        max_length=3,
        widget=forms.TextInput(attrs={"inputmode": "numeric", "autocomplete": "off", "class": "short"}),
    )
    hukou = forms.CharField(label=_("Household registration (hukou)"))
    category = forms.CharField(label=_("Disability category on the certificate"))
    multiple_categories = forms.CharField(
        label=_("For a multiple disability: its categories"),
        help_text=_("Only for the category 多重 (multiple): tick two or more."),
        required=False,
    )
    grade = forms.CharField(label=_("Disability grade"))
    economic_status = forms.CharField(label=_("The household's economic status"))
    employment = forms.CharField(label=_("Employment"), required=False)
    family_planning_hardship = forms.CharField(
        label=_("A family-planning special-hardship household (计生特殊困难家庭)"), required=False
    )
    dangerous_house = forms.CharField(label=_("The home is a dangerous house (危房)"), required=False)
    work_injury_care = forms.CharField(
        label=_("Receives the work-injury insurance care allowance"), required=False
    )
    # P3: a resident whose certificate has expired learns it here, with what to do, rather than from a
    # refused application. Optional: empty, the certificate is taken as valid.
    certificate_issued = DayField(
        label=_("Issue date of the disability certificate (optional)"),
        help_text=_(
            "As printed on the certificate, year-month-day, for example 2016-03-01. Empty: "
            "the certificate is taken as valid."
        ),
        required=False,
    )

    # Which fields are a single choice, and the option lists the page shows (value, label).
    CHOICES = ("hukou", "category", "grade", "economic_status", "employment")
    YES_NO = ("family_planning_hardship", "dangerous_house", "work_injury_care")

    def __init__(self, data=None, *, multiple_values: list[str] | None = None):
        super().__init__(data)
        self.multiple_values = multiple_values or []
        mark_required(self, "age", "hukou", "category", "grade", "economic_status")
        self.options = {
            "hukou": _choices(HUKOU_ZH, HUKOU_EN),
            "category": _choices(CATEGORY_ZH, CATEGORY_EN),
            "grade": [
                (label, label if is_chinese() else f"grade {grade} – {label}")
                for grade, label in GRADE_ZH.items()
            ],
            "economic_status": _choices(ECONOMIC_STATUS_ZH, ECONOMIC_EN),
            "employment": _choices(EMPLOYMENT_ZH, EMPLOYMENT_EN),
            "yes_no": [("是", _("Yes")), ("否", _("No"))],
            "components": [
                (label_zh, label_zh if is_chinese() else f"{CATEGORY_EN[key]} – {label_zh}")
                for key, label_zh in CATEGORY_ZH.items()
                if key != "multiple"
            ],
        }

    def shown(self) -> dict[str, str]:
        """The answer each question shows as chosen: the template's Chinese word for a valid answer (so
        ``category=4`` in a link ticks 肢体), else what was sent."""
        cleaned = getattr(self, "cleaned_data", {}) if self.is_bound else {}
        labels = {
            "hukou": HUKOU_ZH,
            "category": CATEGORY_ZH,
            "grade": GRADE_ZH,
            "economic_status": ECONOMIC_STATUS_ZH,
            "employment": EMPLOYMENT_ZH,
        }
        shown = {}
        for name, zh in labels.items():
            if name in cleaned:
                shown[name] = zh[cleaned[name]]
            elif self.is_bound:
                shown[name] = (self.data.get(name) or "").strip()
        for name in self.YES_NO:
            if name in cleaned:
                shown[name] = "是" if cleaned[name] else "否"
            elif self.is_bound:
                shown[name] = (self.data.get(name) or "").strip()
        if not self.is_bound:
            shown.update(employment="未就业", **{name: "否" for name in self.YES_NO})
        elif not shown.get("employment"):
            shown["employment"] = "未就业"
        return shown

    @staticmethod
    def _invalid(field_label: str):
        return forms.ValidationError(
            _("Choose one of the answers offered for “%(field)s”."), params={"field": field_label}
        )

    def clean_age(self):
        raw = (self.cleaned_data.get("age") or "").strip()
        if not raw.isdigit() or int(raw) > AGE_MAX:
            raise forms.ValidationError(_("Enter the age as a whole number from 0 to 120, e.g. 45."))
        return int(raw)

    def _choice(self, name: str, mapping: dict[str, str], default: str | None = None) -> str:
        raw = (self.cleaned_data.get(name) or "").strip()
        if not raw and default is not None:
            raw = default
        value = _lookup(mapping, raw)
        if value is None:
            raise self._invalid(self.fields[name].label)
        return value

    def clean_hukou(self):
        return self._choice("hukou", HUKOU_VALUES)

    def clean_category(self):
        return self._choice("category", CATEGORY_VALUES)

    def clean_grade(self):
        return int(self._choice("grade", GRADE_VALUES))

    def clean_economic_status(self):
        return self._choice("economic_status", ECONOMIC_VALUES)

    def clean_employment(self):
        return self._choice("employment", EMPLOYMENT_VALUES, default="未就业")

    def _yes_no(self, name: str) -> bool:
        return self._choice(name, YES_NO_VALUES, default="否") == "1"

    def clean_family_planning_hardship(self):
        return self._yes_no("family_planning_hardship")

    def clean_dangerous_house(self):
        return self._yes_no("dangerous_house")

    def clean_work_injury_care(self):
        return self._yes_no("work_injury_care")

    def clean_certificate_issued(self):
        issued = self.cleaned_data.get("certificate_issued")
        if issued is not None and issued > timezone.localdate():
            raise forms.ValidationError(_("The issue date cannot be after today."))
        return issued

    def clean(self):
        cleaned = super().clean()
        # 多重残疾类别: the template's rules (import validation): only for 多重, two or more different single
        # categories, none of them 多重 itself.
        # A form sends one value per ticked box; a link may carry one cell as the template writes it.
        words = [w.strip() for raw in self.multiple_values for w in re.split(COMPONENT_SEPARATORS, raw)]
        words = [w for w in words if w]
        digits = [COMPONENT_DIGIT.get(word) or COMPONENT_DIGIT.get(word.lower()) for word in words]
        category = cleaned.get("category")
        if any(digit is None for digit in digits):
            self.add_error("multiple_categories", _("One of the categories is not a known category."))
        elif str(CATEGORY_CODE["multiple"]) in digits:
            self.add_error("multiple_categories", _("A part of a multiple disability cannot be 多重 itself."))
        elif category == "multiple" and len(set(digits)) < 2:
            self.add_error(
                "multiple_categories",
                _("For a multiple disability, tick the two or more categories it is made of."),
            )
        elif category and category != "multiple" and digits:
            self.add_error(
                "multiple_categories",
                _("Only tick categories here when the category above is 多重 (multiple)."),
            )
        else:
            cleaned["components"] = "".join(sorted(set(digits)))
        return cleaned


def record_from_answers(answers: dict, day: dt.date) -> dict:
    """The answers as a registry record (policies.facts.record_for_person's keys) on ``day``: born
    ``age`` years before it (so the age on ``day`` is exactly ``age``), certificate issued that day."""
    return {
        "birth_date": anniversary(day, -answers["age"]),
        "status": "normal",
        "hukou": answers["hukou"],
        "category": answers["category"],
        "grade": answers["grade"],
        "components": answers.get("components", ""),
        "issued_on": answers.get("certificate_issued") or day,
        "certificate_active": True,
        "economic_status": answers["economic_status"],
        "employment": answers["employment"],
        "family_planning_hardship": answers["family_planning_hardship"],
        "dangerous_house": answers["dangerous_house"],
        "work_injury_care": answers["work_injury_care"],
        "self_care": True,
    }


@dataclass
class ScreenerResult:
    policy: Policy
    decision: interpreter.Decision

    @property
    def amount_text(self) -> str:
        """Yuan with two decimals ("0.00" when not eligible or not a cash benefit): data-amount."""
        amount = self.decision.amount if self.decision.eligible and self.policy.is_cash else 0
        return f"{amount:.2f}"

    @property
    def failed(self) -> list[interpreter.ConditionResult]:
        return [result for result in self.decision.conditions if not result.passed]

    @property
    def met(self) -> list[interpreter.ConditionResult]:
        return [result for result in self.decision.conditions if result.passed]


def certificate_expired_on(answers: dict, day: dt.date) -> dt.date | None:
    """The certificate's last valid day when the answers give an issue date and it has passed by ``day``."""
    issued = answers.get("certificate_issued")
    if issued is None:
        return None
    valid_until = certificate_valid_until(issued)
    return valid_until if valid_until < day else None


def screen(answers: dict, day: dt.date) -> list[ScreenerResult]:
    """Every person policy decided for the answers on ``day`` by the interpreter (the same call the staff
    person page makes), eligible ones first, then by name."""
    record = record_from_answers(answers, day)
    results = [
        ScreenerResult(policy, interpreter.decide_record(policy, record, day)) for policy in person_policies()
    ]
    return sorted(results, key=lambda r: (not r.decision.eligible, -r.decision.amount_fen, r.policy.zh))
