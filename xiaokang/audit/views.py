"""The audit page (U11; GB/T 22239-2019 8.1.4.3): for auditors only (三权分立: not even the district
administrator or the security administrator). Views parse, call the selector and render (ARCHITECTURE rule 1).

The audit layer may not import accounts (rule 3): the role is checked by its value in the selector."""

from __future__ import annotations

import json
from urllib.parse import urlencode

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_GET, require_POST

from xiaokang.audit.forms import ACTION_LABELS, AuditFilterForm
from xiaokang.audit.selectors import (
    PAGE_SIZE,
    AuditFilters,
    audit_actions,
    audit_chain_verify,
    audit_events,
    recent_alerts,
)
from xiaokang.core.capabilities import check


def _value_text(value) -> str:
    if value is None or value in ("", {}, []):
        return "—"
    if isinstance(value, str):
        return value
    if isinstance(value, list) and len(value) == 2 and not any(isinstance(v, dict | list) for v in value):
        return f"{_value_text(value[0])} → {_value_text(value[1])}"  # an [old, new] change
    return json.dumps(value, ensure_ascii=False)


def readable_details(details) -> list[tuple[str, str]]:
    """An event's details as (name, text) lines; a nested dict (e.g. "changes") gives one line per key.
    Sensitive values were masked when the event was written (services.mask_details)."""
    lines: list[tuple[str, str]] = []
    for key, value in (details or {}).items():
        if isinstance(value, dict) and value:
            lines.extend((f"{key}.{inner}", _value_text(v)) for inner, v in value.items())
        else:
            lines.append((key, _value_text(value)))
    return lines


@login_required
@require_GET
def audit_list(request):
    check(request, "audit.read")  # the auditor only; a refusal is recorded (8.1.4.3)
    form = AuditFilterForm(request.GET or None, actions=audit_actions(request.user))
    page = None
    if not request.GET or form.is_valid():
        data = form.cleaned_data if request.GET else {}
        filters = AuditFilters(
            user=(data.get("user") or "").strip(),
            action=data.get("action") or "",
            person_id=data.get("person"),
            date_from=data.get("date_from"),
            date_to=data.get("date_to"),
        )
        before = data.get("before")
        page = audit_events(request.user, filters, before, PAGE_SIZE)
        rows = [
            {
                "event": event,
                "label": ACTION_LABELS.get(event.action),
                "details": readable_details(event.details),
            }
            for event in page.events
        ]
        # The filters without the page position: the "older" link adds it, "newest" drops it.
        query = {k: v for k, v in request.GET.items() if k != "before" and v}
        here = reverse("audit-list")
        older_url = f"{here}?{urlencode({**query, 'before': page.next_before})}" if page.next_before else None
        newest_url = (f"{here}?{urlencode(query)}" if query else here) if before else None
    else:
        rows, older_url, newest_url, filters, before = [], None, None, None, None
    alerts = [
        {"event": event, "details": readable_details(event.details)} for event in recent_alerts(request.user)
    ]
    return render(
        request,
        "audit/list.html",
        {
            "alerts": alerts,
            "alerts_url": f"{reverse('audit-list')}?{urlencode({'action': 'alert.bulk_read'})}",
            "form": form,
            "rows": rows,
            "page": page,
            "filtered": bool(filters and filters.as_details()),
            "paged": bool(before),
            "older_url": older_url,
            "newest_url": newest_url,
        },
    )


@login_required
@require_POST
def audit_verify(request):
    check(request, "audit.read")
    result = audit_chain_verify(request.user)
    if result.broken_id is None:
        messages.success(
            request,
            ngettext(
                "The audit chain is intact: %(checked)s event verified.",
                "The audit chain is intact: %(checked)s events verified.",
                result.checked,
            )
            % {"checked": result.checked},
        )
    else:
        # services.verify_chain names the fault (in English, for the command line) and its code: say it
        # here in the page's language.
        reason = {
            "altered": _("its content does not match its hash (the event was altered)"),
            "link": _("its link to the previous event is broken (an event was removed or reordered)"),
            "switch": _(
                "it does not match the recorded end of the older SHA-256 part of the chain "
                "(forged or rewritten, or another audit key)"
            ),
        }.get(result.code, result.reason)
        intact = ngettext(
            "The %(checked)s event before it is intact.",
            "The %(checked)s events before it are intact.",
            result.checked,
        ) % {"checked": result.checked}
        messages.error(
            request,
            _("The audit chain is BROKEN at event %(event)s: %(reason)s.")
            % {"event": result.broken_id, "reason": reason}
            + " "
            + intact,
        )
    if result.gaps:
        ids = ", ".join(str(a) if a == b else f"{a}–{b}" for a, b in result.gaps[:20])
        messages.warning(
            request,
            _(
                "Event numbers missing from the audit trail: %(ids)s (deleted events, or numbers drawn by "
                "a transaction that was rolled back)."
            )
            % {"ids": ids},
        )
    return redirect("audit-list")
