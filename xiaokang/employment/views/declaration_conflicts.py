"""The persons listed by two employers in one levy year, and a district decision on which one counts
(E1; docs/declarations.md)."""

from __future__ import annotations

from django.contrib import messages
from django.http import Http404
from django.shortcuts import render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from xiaokang.accounts.actors import scope_of
from xiaokang.core.capabilities import can, requires
from xiaokang.core.ids import safe_id
from xiaokang.employment.declaration_selectors import (
    conflicts_for,
    declaration_for,
)
from xiaokang.employment.declarations import (
    DeclarationError,
    conflict_resolve,
)
from xiaokang.employment.forms_declarations import (
    ConflictResolveForm,
)
from xiaokang.employment.views.declarations import problem_entries
from xiaokang.registry.selectors import person_for
from xiaokang.registry.views_persons import _see_other

# ---------------------------------------------------------------------------------------------------
# Persons listed by two employers


def _render_conflicts(request, year: int, *, status=200, problem=None, conflict=False):
    groups = conflicts_for(request.user, year)
    show_names = scope_of(request.user).kind == "all"
    return render(
        request,
        "employment/declarations/conflicts.html",
        {
            "year": year,
            "groups": groups,
            "can_resolve": can(request.user, "declaration.resolve_conflict"),
            "show_names": show_names,
            "problem": problem,
            "conflict": conflict,
        },
        status=status,
    )


@require_GET
@requires("declaration.read")
def declaration_conflicts(request, year: int):
    if not 1900 <= year <= 9999:
        raise Http404("no such year")
    return _render_conflicts(request, year)


@require_POST
@requires("declaration.resolve_conflict")
def declaration_conflict_resolve(request, year: int):
    form = ConflictResolveForm(request.POST)
    if not form.is_valid():
        message = _("Choose the employer that counts this person.")
        return _render_conflicts(request, year, status=422, problem={"entries": [{"message": message}]})
    data = form.cleaned_data
    declaration = declaration_for(request.user, safe_id(data["declaration"]))
    if declaration.levy_year != year:
        raise Http404("not a declaration of this year")
    person = person_for(request.user, safe_id(data["person"]))
    try:
        conflict_resolve(
            actor=request.user,
            person=person,
            levy_year=year,
            declaration=declaration,
            reason=data["reason"],
        )
    except DeclarationError as error:
        if error.kind == "stale":
            return _render_conflicts(request, year, status=409, conflict=True)
        entries = problem_entries(error, lambda item: "")
        return _render_conflicts(request, year, status=422, problem={"entries": entries})
    messages.success(
        request,
        _("Decided: %(name)s counts this person for %(year)s; the other declarations do not.")
        % {"name": declaration.employer.name, "year": year},
    )
    return _see_other(reverse("declaration-conflicts", args=[year]))
