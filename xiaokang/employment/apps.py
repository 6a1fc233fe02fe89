from django.apps import AppConfig

from xiaokang.core.mounts import ApiMount, UrlMount


class EmploymentConfig(AppConfig):
    name = "xiaokang.employment"
    label = "employment"
    verbose_name = "Employment quota"
    # Where the app's pages and API routers are mounted (core/mounts.py; order: across all apps).
    url_mounts = (
        UrlMount("staff/employers/", "xiaokang.employment.urls_employers", order=110),
        UrlMount("staff/declarations/", "xiaokang.employment.urls_declarations", order=120),
        UrlMount("", "xiaokang.employment.urls_disclosure", order=130),
    )
    api_mounts = (ApiMount("/employers", "xiaokang.employment.api.router", order=50),)

    def ready(self) -> None:
        # What can be done in this app, and by whom; its staff menu entries (core.capabilities, core.menu).
        from xiaokang.core import capabilities, menu
        from xiaokang.employment import permissions

        capabilities.register(self.label, permissions.CAPABILITIES)
        menu.register_all(permissions.MENU)
