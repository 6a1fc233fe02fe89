"""The staff home page: the user's facts and the widgets the apps register (core/widgets.py) that the
user may see. Views parse, call one selector and render (ARCHITECTURE rule 1); scoping lives in the
selectors the widgets call, never here."""

from django.contrib.auth.decorators import login_required
from django.shortcuts import render

from xiaokang.core.capabilities import can
from xiaokang.core.widgets import has_charts, widgets_for


@login_required
def staff_home(request):
    user = request.user
    context = {
        # 三权分立: the auditor and the security administrator are told why they see no persons,
        # rather than shown an empty table that looks like an empty district.
        "reads_registry": can(user, "person.read"),
        "area": user.area,  # None for district-wide roles: the template says "District-wide"
        "widgets": widgets_for(request),
    }
    context["has_charts"] = has_charts(context["widgets"])
    return render(request, "registry/staff_home.html", context)
