"""The outreach and review task pages (P3, S5, R7): one list page each, one POST form per task.

- Outreach (主动救助): the open tasks in the user's area, each with a form for the answer (applied,
  declined, unreachable); "applied" records an outreach application on the person's behalf.
- Reviews: the suspended enrolments waiting for a street officer's decision (reinstate or terminate).

Scope comes from ``for_actor`` (``outreach_worklist`` over ``open_tasks_for``, ``review_tasks_for``,
``outreach_task_for``, ``review_task_for``): a task outside the user's area answers 404 as if it did not
exist, and the attempt is audited. Both pages are one mechanism (``_render_tasks``, ``_answer``) with
what differs passed in."""

from __future__ import annotations

from dataclasses import dataclass
from functools import partial

from django.contrib import messages
from django.core.paginator import Paginator
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone
from django.utils.html import format_html
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from xiaokang.cases.enrolments import review_resolve, review_task_for, review_tasks_for
from xiaokang.cases.forms.work import OutreachAnswerForm, OutreachFilterForm, ReviewDecisionForm
from xiaokang.cases.outreach import (
    OUTREACH,
    OutreachFilters,
    outreach_record_outcome,
    outreach_task_for,
    outreach_worklist,
)
from xiaokang.cases.services import WorkflowError
from xiaokang.cases.views.common import (
    PAGE_SIZE,
    capped_note,
    condition_labels,
    policy_name,
    record_list,
    see_other,
    zh,
)
from xiaokang.core.capabilities import requires
from xiaokang.core.language import in_page_language
from xiaokang.core.listing import EXPORT_PARAMETER, SORT_PARAMETER, xlsx_export
from xiaokang.registry.reading import record_read
from xiaokang.registry.selectors import disclosure_for


@dataclass
class Answering:
    """The form of the task that was just posted, with its errors, shown again in its place."""

    pk: int
    form: object


def _page_of(request) -> str:
    """The page of the list the form was posted from (the paginator reads anything else as page 1)."""
    return request.POST.get("page", "")[:10]


def _list_url(name: str, page: str) -> str:
    """Back to the list, on the page the form was posted from."""
    url = reverse(name)
    return f"{url}?{urlencode({'page': page})}" if page.isdigit() and page != "1" else url


def _render_tasks(
    request,
    tasks,
    form_class,
    row,
    *,
    audit: str,
    template: str,
    page_number,
    status,
    answering,
    problem,
    extra: dict | None = None,
    audit_details: dict | None = None,
):
    """A page of ``tasks``, each row ``row(task)`` with its form (the one just posted, with its errors,
    in its place); one audit event for the page, a list of persons (U11)."""
    page = Paginator(tasks, PAGE_SIZE).get_page(page_number)
    rows = []
    for task in page.object_list:
        if answering is not None and answering.pk == task.pk:
            form = answering.form
        else:
            form = form_class(auto_id=f"task-{task.pk}-%s")
        rows.append({**row(task), "task": task, "form": form, "title_id": f"task-{task.pk}-title"})
    record_list(request, audit, len(rows), page, audit.split(".")[0], details=audit_details)
    return render(
        request,
        template,
        {"rows": rows, "page": page, "problem": problem, "area": request.user.area, **(extra or {})},
        status=status,
    )


def _problem(pk: int, form, message: str = "", *, field: str = "") -> dict:
    """What the error summary lists: the form's errors, each linking to its field in the task's form
    (a group of radio buttons: its first button), or one message (linking to ``field`` if given)."""

    def target(name: str) -> str:
        if name in ("outcome", "decision"):
            return f"#task-{pk}-{name}_0"
        return f"#task-{pk}-{name}" if name in ("note",) else ""

    entries = []
    if form is not None:
        for name, errors in form.errors.items():
            label = form[name].label if name in form.fields else ""
            entries += [{"href": target(name), "label": label, "message": error} for error in errors]
    if message:
        entries.append({"href": target(field), "label": "", "message": message})
    return {"pk": pk, "entries": entries}


def _post_answer(
    request, task, form_class, render_list, act, note, *, stale_message: str, field: str, back: str
):
    """What outreach answers and review decisions share: an incomplete form (422), a task someone else
    answered first (409), a refusal by the service (422), each on the list page the form was posted
    from; else the message ``note(cleaned_data, what act returned)`` and back to that page.
    ``act(cleaned_data)``: the service call."""
    page_number = _page_of(request)
    render = partial(render_list, request, page_number=page_number)
    form = form_class(request.POST, auto_id=f"task-{task.pk}-%s")
    if not form.is_valid():
        return render(status=422, answering=Answering(task.pk, form), problem=_problem(task.pk, form))
    try:
        done = act(form.cleaned_data)
    except WorkflowError as error:
        if error.kind == "stale":
            return render(status=409, problem=_problem(task.pk, None, stale_message))
        problem = _problem(task.pk, None, in_page_language(error.message), field=field)
        return render(status=422, answering=Answering(task.pk, form), problem=problem)
    messages.success(request, note(form.cleaned_data, done))
    return see_other(_list_url(back, page_number))


# ---------------------------------------------------------------------------------------------------
# Outreach


def _outreach_row(disclosure):
    def row(task) -> dict:
        policy = policy_name(task.policy_id)
        return {
            "policy": policy,
            "detail": f"{task.person.name} {policy}",
            "phone": disclosure.phone(task.person),
        }

    return row


def _outreach_filters(form: OutreachFilterForm) -> OutreachFilters:
    if not (form.is_bound and form.is_valid()):
        return OutreachFilters()
    data = form.cleaned_data
    return OutreachFilters(street=data["street"], community=data["community"], policy=data["policy"])


def _export_outreach(request, tasks, filters: OutreachFilters, sort, disclosure):
    """The filtered outreach list as xlsx (core.listing): ID and phone numbers as the role may see them,
    audited with its filters and row count."""
    header = (
        _("Person"), _("ID number"), _("Phone"), _("Street or town"), _("Community or village"),
        _("Policy"), _("Task created"),
    )  # fmt: skip
    rows = (
        (
            task.person.name,
            disclosure.id_number(task.person),
            disclosure.phone(task.person),
            task.street.name,
            task.community.name,
            policy_name(task.policy_id),
            timezone.localtime(task.created_at).date(),
        )
        for task in tasks.iterator(chunk_size=2000)
    )
    response, export = xlsx_export(
        filename=f"outreach-{timezone.localdate().isoformat()}.xlsx",
        sheet=_("Outreach"),
        header=header,
        rows=rows,
        cap=OUTREACH.export_cap,
        capped_note=capped_note,
    )
    record_read(
        request.user,
        "outreach.export",
        rows=export.rows,
        details={
            "filters": filters.as_query(),
            "sort": OUTREACH.sort_key(sort),
            "truncated": export.truncated,
            "full_id_numbers": disclosure.full_id,
            "full_phones": disclosure.full_phone,
        },
        limited=False,
        object_type="outreach",
    )
    return response


def _render_outreach(request, *, page_number=None, status=200, answering=None, problem=None):
    form = OutreachFilterForm(request.GET or None, actor=request.user)
    filters = _outreach_filters(form)
    sort = request.GET.get(SORT_PARAMETER)
    disclosure = disclosure_for(request.user)
    tasks = outreach_worklist(request.user, filters, sort)
    if request.method == "GET" and request.GET.get(EXPORT_PARAMETER) == "xlsx":
        return _export_outreach(request, tasks, filters, sort, disclosure)
    query = filters.as_query()
    sort_key = OUTREACH.sort_key(sort)
    if sort_key != OUTREACH.default_sort:
        query[SORT_PARAMETER] = sort_key
    return _render_tasks(
        request,
        tasks,
        OutreachAnswerForm,
        _outreach_row(disclosure),
        audit="outreach.list",
        template="cases/work/outreach.html",
        page_number=page_number,
        status=status,
        answering=answering,
        problem=problem,
        extra={
            "filter_form": form,
            "page_query": urlencode(query),
            "export_query": urlencode({**query, EXPORT_PARAMETER: "xlsx"}),
            "export_cap": OUTREACH.export_cap,
            "ids_masked": not disclosure.full_id,
            "sort_links": OUTREACH.headers(query, sort),
        },
        audit_details={"filters": filters.as_query(), "sort": sort_key},
    )


@require_GET
@requires("outreach.read")
def outreach_list(request):
    return _render_outreach(request, page_number=request.GET.get("page"))


@require_POST
@requires("outreach.answer")
def outreach_answer(request, task_pk: int):
    task = outreach_task_for(request.user, task_pk)

    def note(data, application):
        names = {"person": zh(task.person.name), "policy": zh(policy_name(task.policy_id))}
        if data["outcome"] == "applied":
            link = format_html(
                '<a href="{}">{}</a>',
                reverse("application-detail", args=[application.pk]),
                application.number,
            )
            return format_html(
                _("Recorded: {person} applies for {policy}. Application {link} is waiting to be accepted."),
                link=link,
                **names,
            )
        if data["outcome"] == "declined":
            return format_html(_("Recorded: {person} does not want to apply for {policy}."), **names)
        return format_html(_("Recorded: {person} could not be reached about {policy}."), **names)

    return _post_answer(
        request,
        task,
        OutreachAnswerForm,
        _render_outreach,
        lambda data: outreach_record_outcome(
            actor=request.user, task=task, outcome=data["outcome"], note=data["note"]
        ),
        note,
        stale_message=_(
            "This task had already been answered, perhaps by a colleague: nothing has been recorded now."
        ),
        field="outcome",
        back="outreach-list",
    )


# ---------------------------------------------------------------------------------------------------
# Reviews


def _review_row(task) -> dict:
    enrolment = task.enrolment
    policy = policy_name(enrolment.policy_id)
    return {
        "enrolment": enrolment,
        "person": enrolment.person,
        "policy": policy,
        "failed": condition_labels(enrolment.policy_id, task.failed),
        "detail": f"{enrolment.person.name} {policy}",
    }


def _render_reviews(request, *, page_number=None, status=200, answering=None, problem=None):
    return _render_tasks(
        request,
        review_tasks_for(request.user)
        .select_related("enrolment__person", "community")
        .order_by("created_at", "community__code", "pk"),
        ReviewDecisionForm,
        _review_row,
        audit="review.list",
        template="cases/work/reviews.html",
        page_number=page_number,
        status=status,
        answering=answering,
        problem=problem,
    )


@require_GET
@requires("enrolment.review")
def review_list(request):
    return _render_reviews(request, page_number=request.GET.get("page"))


@require_POST
@requires("enrolment.review")
def review_decide(request, task_pk: int):
    task = review_task_for(request.user, task_pk)

    def note(data, _resolved):
        enrolment = task.enrolment
        names = {"person": zh(enrolment.person.name), "policy": zh(policy_name(enrolment.policy_id))}
        if data["decision"] == "reinstate":
            return format_html(
                _("Reinstated: {person} receives {policy} again from the next roster."), **names
            )
        return format_html(_("Terminated: {person} no longer receives {policy}."), **names)

    return _post_answer(
        request,
        task,
        ReviewDecisionForm,
        _render_reviews,
        lambda data: review_resolve(
            actor=request.user, task=task, decision=data["decision"], note=data["note"]
        ),
        note,
        stale_message=_(
            "This review had already been decided, perhaps by a colleague: nothing has been changed now."
        ),
        field="decision",
        back="review-list",
    )
