from django.apps import AppConfig


class PortalConfig(AppConfig):
    name = "xiaokang.portal"
    label = "portal"
    verbose_name = "Public portal"

    def ready(self) -> None:
        # The person page's "Portal account" section (U11: office code, unlink), registered by name.
        from xiaokang.registry import sections

        sections.register_person_section("xiaokang.portal.views_staff.portal_account_section")

        # What can be done in this app, and by whom; its staff menu entries (core.capabilities, core.menu).
        from xiaokang.core import capabilities, menu
        from xiaokang.portal import permissions

        capabilities.register(self.label, permissions.CAPABILITIES)
        menu.register_all(permissions.MENU)
