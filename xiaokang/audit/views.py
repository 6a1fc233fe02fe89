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
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_GET, require_POST

from xiaokang.audit.actions import action_label, object_events, object_label, object_page
from xiaokang.audit.forms import AuditFilterForm
from xiaokang.audit.selectors import (
    EXPORT_CAP,
    PAGE_SIZE,
    AuditFilters,
    audit_actions,
    audit_chain_verify,
    audit_events,
    audit_export_events,
    recent_alerts,
)
from xiaokang.audit.services import log_action
from xiaokang.core.capabilities import check
from xiaokang.core.listing import EXPORT_PARAMETER, xlsx_export


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


def _filters(data: dict) -> AuditFilters:
    return AuditFilters(
        user=(data.get("user") or "").strip(),
        action=data.get("action") or "",
        person_id=data.get("person"),
        date_from=data.get("date_from"),
        date_to=data.get("date_to"),
        object_type=data.get("object_type") or "",
        object_id=(data.get("object_id") or "").strip(),
    )


def _event_row(viewer, event) -> dict:
    """One event as the list shows it: the action and the object in words, links to the object's page
    (when the viewer may open it) and to the object's own events (U11; no bare codes)."""
    has_object = bool(event.object_type or event.object_id)
    return {
        "event": event,
        "label": action_label(event.action),
        "object_label": object_label(event.object_type) if event.object_type else "",
        "object_url": object_page(viewer, event.object_type, event.object_id) if has_object else None,
        "object_events_url": object_events(event.object_type, event.object_id) if event.object_id else None,
        "details": readable_details(event.details),
    }


def _export(request, filters: AuditFilters):
    """The filtered events as xlsx (core.listing), newest first, capped; the export is itself recorded."""
    header = (
        _("Event"), _("Time"), _("User"), _("Action"), _("Action code"), _("Object"), _("Object number"),
        _("Person"), _("Client"), _("Details"),
    )  # fmt: skip
    rows = (
        (
            event.pk,
            timezone.localtime(event.occurred_at).strftime("%Y-%m-%d %H:%M:%S"),
            event.actor_label,
            action_label(event.action),
            event.action,
            object_label(event.object_type) if event.object_type else "",
            event.object_id,
            event.person_id,
            event.client,
            "; ".join(f"{name}: {text}" for name, text in readable_details(event.details)),
        )
        for event in audit_export_events(request.user, filters)
    )
    response, export = xlsx_export(
        filename=f"audit-{timezone.localdate().isoformat()}.xlsx",
        sheet=_("Audit trail"),
        header=header,
        rows=rows,
        cap=EXPORT_CAP,
        capped_note=lambda cap: (
            _("The export stops here at %(cap)s events: narrow the dates or the user to export the rest.")
            % {"cap": cap}
        ),
    )
    log_action(
        request.user,
        "audit.export",
        object_type="audit",
        details={"filters": filters.as_details(), "rows": export.rows, "truncated": export.truncated},
    )
    return response


@login_required
@require_GET
def audit_list(request):
    check(request, "audit.read")  # the auditor only; a refusal is recorded (8.1.4.3)
    form = AuditFilterForm(request.GET or None, actions=audit_actions(request.user))
    page = None
    query_filters = {k: v for k, v in request.GET.items() if k not in ("before", EXPORT_PARAMETER) and v}
    if not request.GET or form.is_valid():
        data = form.cleaned_data if request.GET else {}
        filters = _filters(data)
        if request.GET.get(EXPORT_PARAMETER) == "xlsx":
            return _export(request, filters)
        before = data.get("before")
        page = audit_events(request.user, filters, before, PAGE_SIZE)
        rows = [_event_row(request.user, event) for event in page.events]
        # The filters without the page position: the "older" link adds it, "newest" drops it.
        here = reverse("audit-list")
        older_url = (
            f"{here}?{urlencode({**query_filters, 'before': page.next_before})}" if page.next_before else None
        )
        newest_url = (f"{here}?{urlencode(query_filters)}" if query_filters else here) if before else None
    else:
        rows, older_url, newest_url, filters, before = [], None, None, None, None
    alerts = [
        {"event": event, "label": action_label(event.action), "details": readable_details(event.details)}
        for event in recent_alerts(request.user)
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
            "export_query": urlencode({**query_filters, EXPORT_PARAMETER: "xlsx"}),
            "export_cap": EXPORT_CAP,
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
