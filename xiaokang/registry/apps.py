from django.apps import AppConfig


class RegistryConfig(AppConfig):
    name = "xiaokang.registry"
    label = "registry"
    verbose_name = "Registry"

    def ready(self) -> None:
        # What can be done in this app, and by whom; its staff menu entries (core.capabilities, core.menu).
        from xiaokang.core import capabilities, menu
        from xiaokang.registry import permissions

        capabilities.register(self.label, permissions.CAPABILITIES)
        menu.register_all(permissions.MENU)
