from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "xiaokang.accounts"
    label = "accounts"
    verbose_name = "Accounts"

    def ready(self) -> None:
        # What can be done in this app, and by whom; its staff menu entries (core.capabilities, core.menu).
        from xiaokang.accounts import permissions
        from xiaokang.core import capabilities, menu

        capabilities.register(self.label, permissions.CAPABILITIES)
        menu.register_all(permissions.MENU)
