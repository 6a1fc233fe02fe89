"""The staff home's registry widget (R1): registered persons by street and status, registered in
RegistryConfig.ready() with core/widgets.py."""

from __future__ import annotations

SUMMARY_COLUMNS = ("total", "normal", "moved_out", "deceased")


def registry_summary_widget(request) -> dict:
    from xiaokang.registry.selectors import registry_summary

    rows = registry_summary(request.user)
    return {
        "template": "registry/_summary_widget.html",
        "rows": rows,
        # The footer line of the table: sums of the rows already fetched, not a second query.
        "totals": {column: sum(row[column] for row in rows) for column in SUMMARY_COLUMNS},
    }
