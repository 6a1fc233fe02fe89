"""The staff home page of the registry. Views parse, call one selector and
render (ARCHITECTURE rule 1); scoping lives in the selector, never here."""

from django.contrib.auth.decorators import login_required
from django.shortcuts import render

from xiaokang.core.capabilities import can
from xiaokang.registry.selectors import registry_summary

SUMMARY_COLUMNS = ("total", "normal", "moved_out", "deceased")


@login_required
def staff_home(request):
    user = request.user
    # 三权分立: the auditor and the security administrator are told why they see no persons,
    # rather than shown an empty table that looks like an empty district.
    reads_registry = can(user, "person.read")
    rows = registry_summary(user) if reads_registry else []
    context = {
        "reads_registry": reads_registry,
        "area": user.area,  # None for district-wide roles: the template says "District-wide"
        "rows": rows,
        # The footer line of the table: sums of the rows already fetched, not a second query.
        "totals": {column: sum(row[column] for row in rows) for column in SUMMARY_COLUMNS},
    }
    return render(request, "registry/staff_home.html", context)
