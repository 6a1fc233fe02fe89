from django.apps import AppConfig

from xiaokang.core.mounts import ApiMount, UrlMount


class AccountsConfig(AppConfig):
    name = "xiaokang.accounts"
    label = "accounts"
    verbose_name = "Accounts"
    # Where the app's pages and API routers are mounted (core/mounts.py; order: across all apps).
    url_mounts = (UrlMount("", "xiaokang.accounts.urls", order=50),)
    api_mounts = (ApiMount("/auth", "xiaokang.accounts.api.router", order=10),)

    def ready(self) -> None:
        # What can be done in this app, and by whom; its staff menu entries (core.capabilities, core.menu).
        from xiaokang.accounts import permissions
        from xiaokang.core import capabilities, menu

        capabilities.register(self.label, permissions.CAPABILITIES)
        menu.register_all(permissions.MENU)
