from django.apps import AppConfig


class InterpretingConfig(AppConfig):
    name = "xiaokang.interpreting"
    label = "interpreting"
    verbose_name = "Sign-language interpretation"

    def ready(self) -> None:
        # What can be done in this app, and by whom; its staff menu entries (core.capabilities, core.menu).
        from xiaokang.core import capabilities, menu
        from xiaokang.interpreting import permissions

        capabilities.register(self.label, permissions.CAPABILITIES)
        menu.register_all(permissions.MENU)
