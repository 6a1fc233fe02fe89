"""Public pages of the portal (P2, S4, U11): home, the policy guide, the screener and the status lookup.
No login; nothing a visitor enters into the screener is stored or logged (the server's access log
carries paths without query strings, accounts.commands.cmd_serve)."""

from __future__ import annotations

from django import forms
from django.http import Http404
from django.shortcuts import render
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_GET, require_http_methods

from xiaokang.accounts.forms import client_address
from xiaokang.cases.models import OPEN_STATES, State
from xiaokang.core.language import is_chinese
from xiaokang.policies.engine.loader import person_policies, policies
from xiaokang.policies.engine.sheet import PERIOD_EN, PERIOD_ZH, build_sheet
from xiaokang.portal.screener import ScreenerForm, certificate_expired_on, screen
from xiaokang.portal.states import NEXT_STEPS, progress_for
from xiaokang.portal.status import (
    ID_TAIL_SHAPE,
    NUMBER_SHAPE,
    last_change,
    normalise,
    status_lookup,
)


@require_GET
def home(request):
    return render(request, "portal/home.html")


# --- The policy guide (generated from the policy files: never written by hand) ------------------------


def _guide_entry(policy, day):
    sheet = build_sheet(policy, day)
    return {
        "policy": policy,
        "sheet": sheet,
        "period": PERIOD_ZH[policy.period] if is_chinese() else PERIOD_EN[policy.period],
    }


@require_GET
def policy_guide(request):
    day = timezone.localdate()
    entries = [_guide_entry(policy, day) for policy in person_policies()]
    return render(request, "portal/policy_guide.html", {"entries": entries, "day": day, "zh": is_chinese()})


@require_GET
def policy_guide_detail(request, policy_id: str):
    policy = policies().get(policy_id)
    if policy is None or policy.entity != "person":
        raise Http404
    day = timezone.localdate()
    entry = _guide_entry(policy, day)
    conditions = {"common": [], "condition": [], "exclusion": []}
    for condition in policy.conditions:
        conditions[condition.group].append(condition)
    return render(
        request,
        "portal/policy_detail.html",
        {**entry, "day": day, "zh": is_chinese(), "conditions": conditions},
    )


# --- The screener -------------------------------------------------------------------------------------


@require_GET
def screener(request):
    """A GET form (works without script, a result can be bookmarked): with no answers the empty form;
    with answers, the errors next to their fields or every person policy decided for them today."""
    asked = any(name in request.GET for name in ScreenerForm.base_fields)
    form = ScreenerForm(
        request.GET if asked else None, multiple_values=request.GET.getlist("multiple_categories")
    )
    results = None
    expired_on = None
    if asked and form.is_valid():
        results = screen(form.cleaned_data, timezone.localdate())
        expired_on = certificate_expired_on(form.cleaned_data, timezone.localdate())
    return render(
        request,
        "portal/screener.html",
        {
            "form": form,
            "results": results,
            "certificate_expired_on": expired_on,
            "eligible_count": sum(1 for r in results if r.decision.eligible) if results else 0,
            "day": timezone.localdate(),
            "zh": is_chinese(),
            "ticked": set(request.GET.getlist("multiple_categories")),
        },
    )


# --- Status lookup --------------------------------------------------------------------------------------


class StatusForm(forms.Form):
    number = forms.CharField(
        label=_("Application number"),
        help_text=_("As on your receipt, e.g. HD-2025-000123."),
        max_length=20,
        widget=forms.TextInput(attrs={"autocomplete": "off", "spellcheck": "false"}),
    )
    id_tail = forms.CharField(
        label=_("The last six characters of the applicant's ID number"),
        help_text=_("Six characters; the last may be X."),
        max_length=6,
        widget=forms.TextInput(attrs={"autocomplete": "off", "class": "short", "spellcheck": "false"}),
    )

    def clean_number(self):
        number = normalise(self.cleaned_data["number"])
        if not NUMBER_SHAPE.match(number):
            raise forms.ValidationError(_("An application number looks like HD-2025-000123."))
        return number

    def clean_id_tail(self):
        tail = normalise(self.cleaned_data["id_tail"])
        if not ID_TAIL_SHAPE.match(tail):
            raise forms.ValidationError(_("Enter six characters: five digits, then a digit or X."))
        return tail


@require_http_methods(["GET", "POST"])
def status(request):
    """POST, so that the ID digits are not kept in the browser's history or a shared link."""
    form = StatusForm(request.POST if request.method == "POST" else None)
    context = {"form": form, "zh": is_chinese()}
    status_code = 200
    if request.method == "POST" and form.is_valid():
        lookup = status_lookup(
            number=form.cleaned_data["number"],
            id_tail=form.cleaned_data["id_tail"],
            sender_address=client_address(request),
        )
        context["looked_up"] = True
        if lookup.limited:
            context["limited"] = True
            status_code = 429
        elif lookup.application is not None:
            application = lookup.application
            policy = policies().get(application.policy_id)
            context.update(
                application=application,
                policy=policy,
                state_label=State(application.state).label,
                state_explained=NEXT_STEPS.get(application.state, ""),
                # The decision deadline runs while the application is still being decided.
                deciding=application.state in OPEN_STATES and application.state != State.APPROVED,
                last_change=last_change(application),
                progress=progress_for(application),
            )
    return render(request, "portal/status.html", context, status=status_code)
