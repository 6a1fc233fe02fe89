from django.apps import AppConfig

from xiaokang.core.mounts import UrlMount


class AuditConfig(AppConfig):
    name = "xiaokang.audit"
    label = "audit"
    verbose_name = "Audit"
    # Where the app's pages and API routers are mounted (core/mounts.py; order: across all apps).
    url_mounts = (UrlMount("staff/audit/", "xiaokang.audit.urls", order=70),)

    def ready(self) -> None:
        from xiaokang.audit import checks  # noqa: F401 (registers the start-up check)
