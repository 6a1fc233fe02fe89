"""Staff pages of the policy engine (P1–P3): the policy sheets, each person's eligibility with its
reasons (a section of the person page), and the what-if for officers, over the persons in their scope."""

from __future__ import annotations

import datetime as dt

from django import forms
from django.http import Http404
from django.shortcuts import render
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_GET

from xiaokang.accounts.actors import scope_of
from xiaokang.core.capabilities import can, requires
from xiaokang.core.day_field import DayField
from xiaokang.core.language import is_chinese
from xiaokang.policies import evaluation
from xiaokang.policies.engine.loader import (
    NoValueOnDay,
    PolicyError,
    coerce,
    overrides_by_policy,
    person_policies,
    policies,
)
from xiaokang.policies.engine.sheet import KIND_EN, KIND_ZH, PERIOD_EN, PERIOD_ZH, build_sheet
from xiaokang.policies.selectors import decisions_for_person, latest_run, run_totals


class DateForm(forms.Form):
    date = DayField(
        label=_("Date"),
        required=False,
        help_text=_("Year-month-day, for example 2025-06-30. Empty: today."),
    )


def _day(request, field: str = "date") -> tuple[dt.date, DateForm]:
    data = {"date": request.GET.get(field, "")}
    form = DateForm(data if data["date"] else None)
    if form.is_bound and form.is_valid() and form.cleaned_data["date"]:
        return form.cleaned_data["date"], form
    return timezone.localdate(), form


def rules_error_text(exc: PolicyError) -> str:
    """Why the rules cannot be applied, in the page's language: a parameter without a value on the day is
    named by its label, with the day its first value takes effect (U11: words, not codes)."""
    if isinstance(exc, NoValueOnDay):
        parameter = exc.parameter
        label = parameter.zh if is_chinese() or not parameter.en else parameter.en
        return _("“%(label)s” has no value on %(day)s: its first value takes effect on %(first)s.") % {
            "label": label,
            "day": exc.day.isoformat(),
            "first": exc.first.isoformat(),
        }
    return exc.message


def kind_label(policy) -> str:
    return KIND_ZH[policy.kind] if is_chinese() else KIND_EN[policy.kind]


# ---------------------------------------------------------------------------------------------------
# The person page's eligibility section


def eligibility_section(request, person) -> dict | None:
    if not can(request.user, "policy.read"):
        return None
    day, form = _day(request, "eligibility_date")
    form.fields["date"].widget.attrs["id"] = "id_eligibility_date"
    try:
        decisions = decisions_for_person(person, day)
        error = ""
    except PolicyError as exc:
        decisions, error = [], rules_error_text(exc)
    return {
        "template": "policies/_person_eligibility.html",
        "anchor": "eligibility",
        "title": _("Benefits and services"),
        "decisions": decisions,
        "day": day,
        "date_form": form,
        "error": error,
        "zh": is_chinese(),
    }


# ---------------------------------------------------------------------------------------------------
# Policy sheets


@require_GET
@requires("policy.read")
def policy_list(request):
    day, form = _day(request)
    run = latest_run()
    counts = run_totals(request.user, run) if run else {}
    rows = []
    for policy in policies().values():
        sheet = build_sheet(policy, day)
        rows.append(
            {
                "policy": policy,
                "kind": kind_label(policy),
                "period": PERIOD_ZH[policy.period] if is_chinese() else PERIOD_EN[policy.period],
                "unverified": sheet.unverified,
                "run": counts.get(policy.id),
            }
        )
    return render(
        request,
        "policies/list.html",
        {
            "rows": rows,
            "day": day,
            "date_form": form,
            "run": run,
            "district_wide": scope_of(request.user).kind == "all",
            "zh": is_chinese(),
        },
    )


@require_GET
@requires("policy.read")
def policy_detail(request, policy_id: str):
    policy = policies().get(policy_id)
    if policy is None:
        raise Http404
    day, form = _day(request)
    return render(
        request,
        "policies/detail.html",
        {
            "policy": policy,
            "sheet": build_sheet(policy, day),
            "kind": kind_label(policy),
            "period": PERIOD_ZH[policy.period] if is_chinese() else PERIOD_EN[policy.period],
            "day": day,
            "date_form": form,
            "zh": is_chinese(),
        },
    )


# ---------------------------------------------------------------------------------------------------
# What-if


class WhatIfForm(forms.Form):
    """The date and every parameter of every person policy, prefilled with the values in force."""

    def __init__(self, data, *, day: dt.date):
        super().__init__(data)
        self.day = day
        self.current: dict[str, object] = {}
        self.parameters = {}
        for policy in person_policies():
            values = policy.parameters_on(day)
            for name, parameter in policy.parameters.items():
                key = f"{policy.id}.{name}"
                self.current[key] = values[name]
                self.parameters[key] = (policy, parameter)
                zh = is_chinese()
                label = f"{policy.zh if zh else policy.en}: {parameter.zh if zh else parameter.en}"
                if parameter.type.kind == "bool":
                    field = forms.TypedChoiceField(
                        label=label,
                        choices=[("true", _("yes")), ("false", _("no"))],
                        required=False,
                        coerce=str,
                    )
                    initial = "true" if values[name] else "false"
                else:
                    field = forms.CharField(label=label, required=False, max_length=30)
                    field.widget.attrs.update({"class": "short", "inputmode": "decimal"})
                    initial = str(values[name])
                field.initial = initial
                field.help_text = parameter.unit
                self.fields[key] = field

    def clean(self):
        cleaned = super().clean()
        self.overrides: list[tuple[str, str, object]] = []
        for key, (policy, parameter) in self.parameters.items():
            raw = (cleaned.get(key) or "").strip()
            if not raw:
                continue
            try:
                value = coerce(parameter, raw, parameter.zh)
            except ValueError:
                self.add_error(
                    key, _("Enter a number.") if parameter.type.kind != "bool" else _("Choose yes or no.")
                )
                continue
            if value != self.current[key]:
                self.overrides.append((policy.id, parameter.name, value))
        return cleaned

    def grouped(self):
        groups: dict[str, dict] = {}
        for key, (policy, _parameter) in self.parameters.items():
            group = groups.setdefault(policy.id, {"policy": policy, "fields": []})
            group["fields"].append(self[key])
        return list(groups.values())


@require_GET
@requires("policy.what_if")
def what_if(request):
    day, date_form = _day(request)
    date_ok = not date_form.is_bound or date_form.is_valid()
    # The fields hold the values in force on the date they were filled for (``values_for``): after the
    # date is changed they are refilled, not taken as changes.
    values_for = request.GET.get("values_for", "")
    date_changed = "run" in request.GET and date_ok and values_for not in ("", day.isoformat())
    submitted = "run" in request.GET and not date_changed
    context = {
        "date_form": date_form,
        "day": day,
        "comparisons": None,
        "changes": [],
        "submitted": submitted,
        "date_changed": date_changed,
        "rules_error": "",
        "zh": is_chinese(),
    }
    try:
        form = WhatIfForm(request.GET if submitted else None, day=day)
    except PolicyError as exc:
        context.update(form=None, rules_error=rules_error_text(exc))
        return render(request, "policies/what_if.html", context)
    context["form"] = form
    if submitted and date_ok and form.is_valid():
        overrides = overrides_by_policy(form.overrides)
        context["changes"] = [
            {"key": f"{policy_id}.{name}", "old": form.current[f"{policy_id}.{name}"], "new": value}
            for policy_id, name, value in form.overrides
        ]
        context["comparisons"] = evaluation.what_if(day, actor=request.user, overrides=overrides)
    return render(request, "policies/what_if.html", context)
