from django.apps import AppConfig


class AuditConfig(AppConfig):
    name = "xiaokang.audit"
    label = "audit"
    verbose_name = "Audit"

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
