from django.apps import AppConfig

from xiaokang.core.mounts import ApiMount, UrlMount


class CasesConfig(AppConfig):
    name = "xiaokang.cases"
    label = "cases"
    verbose_name = "Cases"
    # Where the app's pages and API routers are mounted (core/mounts.py; order: across all apps).
    url_mounts = (
        UrlMount("staff/applications/", "xiaokang.cases.urls.applications", order=90),
        UrlMount("staff/work/", "xiaokang.cases.urls.work", order=100),
    )
    api_mounts = (ApiMount("/applications", "xiaokang.cases.api.router", order=40),)

    def ready(self) -> None:
        # The person page's "Applications" section (registry pages know sections, not the cases app).
        # Registered by name, imported on first use: starting Django for a CLI command skips the views.
        from xiaokang.registry import sections

        sections.register_person_section("xiaokang.cases.views.applications.applications_section")
        # The staff home's widgets (core/widgets.py), and what a stored evaluation run of the
        # current rules means for outreach and enrolments (policies.followups; P3, S5).
        from xiaokang.core import widgets
        from xiaokang.policies import followups

        # The staff home's dashboard (S4, S5, P2, P3; cases/widgets.py): the user's queue first, then
        # deadlines, the weekly flow, this month's rosters, outreach and the subsidies' coverage.
        for name, capability, order, wide in (
            ("my_queue", "application.read", 5, True),
            ("deadlines", "application.read", 20, False),
            ("weekly_flow", "application.read", 30, False),
            ("rosters", "roster.read", 40, False),
            ("outreach", "outreach.read", 50, False),
            ("coverage", "application.read", 60, True),
        ):
            widgets.register(
                f"cases.{name}",
                f"xiaokang.cases.widgets.{name}_widget",
                capability=capability,
                order=order,
                wide=wide,
            )
        followups.register_after_run("xiaokang.cases.followups.after_evaluation", order=10)

        # What can be done in this app, and by whom; its staff menu entries (core.capabilities, core.menu).
        from xiaokang.cases import permissions
        from xiaokang.core import capabilities, menu

        capabilities.register(self.label, permissions.CAPABILITIES)
        menu.register_all(permissions.MENU)
