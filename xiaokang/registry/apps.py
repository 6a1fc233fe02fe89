from django.apps import AppConfig

from xiaokang.core.mounts import ApiMount, UrlMount


class RegistryConfig(AppConfig):
    name = "xiaokang.registry"
    label = "registry"
    verbose_name = "Registry"
    # Where the app's pages and API routers are mounted (core/mounts.py; order: across all apps).
    url_mounts = (UrlMount("", "xiaokang.registry.urls", order=60),)
    api_mounts = (
        ApiMount("/persons", "xiaokang.registry.api.router", order=20),
        ApiMount("/transfers", "xiaokang.registry.api_transfers.router", order=60),
    )

    def ready(self) -> None:
        # The staff home's registry summary (core/widgets.py), by name: imported on first use.
        from xiaokang.core import widgets

        widgets.register(
            "registry.summary",
            "xiaokang.registry.widgets.registry_summary_widget",
            capability="person.read",
            order=70,
            wide=True,
        )

        # What can be done in this app, and by whom; its staff menu entries (core.capabilities, core.menu).
        from xiaokang.core import capabilities, menu
        from xiaokang.registry import permissions

        capabilities.register(self.label, permissions.CAPABILITIES)
        menu.register_all(permissions.MENU)
