from django.apps import AppConfig

from xiaokang.core.mounts import UrlMount


class PortalConfig(AppConfig):
    name = "xiaokang.portal"
    label = "portal"
    verbose_name = "Public portal"
    # Where the app's pages and API routers are mounted (core/mounts.py; order: across all apps).
    url_mounts = (
        UrlMount("", "xiaokang.portal.urls", order=10),
        UrlMount("account/", "xiaokang.portal.urls_applicants", order=20),
    )

    def ready(self) -> None:
        # The person page's "Portal account" section (U11: office code, unlink), registered by name.
        from xiaokang.registry import sections

        sections.register_person_section("xiaokang.portal.views.staff.portal_account_section")

        # What can be done in this app, and by whom; its staff menu entries (core.capabilities, core.menu).
        from xiaokang.core import capabilities, menu
        from xiaokang.portal import permissions

        capabilities.register(self.label, permissions.CAPABILITIES)
        menu.register_all(permissions.MENU)
