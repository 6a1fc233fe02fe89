from django.apps import AppConfig


class AuditConfig(AppConfig):
    name = "xiaokang.audit"
    label = "audit"
    verbose_name = "Audit"

    def ready(self) -> None:
        from xiaokang.audit import checks  # noqa: F401 (registers the start-up check)
