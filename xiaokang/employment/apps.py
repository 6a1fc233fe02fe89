from django.apps import AppConfig


class EmploymentConfig(AppConfig):
    name = "xiaokang.employment"
    label = "employment"
    verbose_name = "Employment quota"

    def ready(self) -> None:
        # What can be done in this app, and by whom; its staff menu entries (core.capabilities, core.menu).
        from xiaokang.core import capabilities, menu
        from xiaokang.employment import permissions

        capabilities.register(self.label, permissions.CAPABILITIES)
        menu.register_all(permissions.MENU)
