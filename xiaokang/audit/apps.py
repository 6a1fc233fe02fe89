from django.apps import AppConfig

from xiaokang.core.mounts import UrlMount


class AuditConfig(AppConfig):
    name = "xiaokang.audit"
    label = "audit"
    verbose_name = "Audit"
    # Where the app's pages and API routers are mounted (core/mounts.py; order: across all apps).
    url_mounts = (UrlMount("staff/audit/", "xiaokang.audit.urls", order=70),)

    def ready(self) -> None:
        # What can be done in this app, and by whom; its staff menu entries (core.capabilities, core.menu).
        # Every page refused by a capability is recorded (U11; GB/T 22239-2019 8.1.4.3).
        from xiaokang.audit import (
            checks,  # noqa: F401 (registers the start-up check)
            permissions,
        )
        from xiaokang.audit.services import record_refusal
        from xiaokang.core import capabilities, menu

        capabilities.register(self.label, permissions.CAPABILITIES)
        menu.register_all(permissions.MENU)
        capabilities.register_refusal_recorder(record_refusal)
