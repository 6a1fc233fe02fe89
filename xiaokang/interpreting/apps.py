from django.apps import AppConfig

from xiaokang.core.mounts import UrlMount


class InterpretingConfig(AppConfig):
    name = "xiaokang.interpreting"
    label = "interpreting"
    verbose_name = "Sign-language interpretation"
    # Where the app's pages and API routers are mounted (core/mounts.py; order: across all apps).
    url_mounts = (
        UrlMount("interpreting/", "xiaokang.interpreting.urls", order=30),
        UrlMount("staff/interpreting/", "xiaokang.interpreting.urls_staff", order=40),
    )

    def ready(self) -> None:
        # What can be done in this app, and by whom; its staff menu entries (core.capabilities, core.menu).
        from xiaokang.core import capabilities, menu
        from xiaokang.interpreting import permissions

        capabilities.register(self.label, permissions.CAPABILITIES)
        menu.register_all(permissions.MENU)
