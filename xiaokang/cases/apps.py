from django.apps import AppConfig


class CasesConfig(AppConfig):
    name = "xiaokang.cases"
    label = "cases"
    verbose_name = "Cases"

    def ready(self) -> None:
        # The person page's "Applications" section (registry pages know sections, not the cases app).
        # Registered by name, imported on first use: starting Django for a CLI command skips the views.
        from xiaokang.registry import sections

        sections.register_person_section("xiaokang.cases.views.applications_section")

        # What can be done in this app, and by whom; its staff menu entries (core.capabilities, core.menu).
        from xiaokang.cases import permissions
        from xiaokang.core import capabilities, menu

        capabilities.register(self.label, permissions.CAPABILITIES)
        menu.register_all(permissions.MENU)
