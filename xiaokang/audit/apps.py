from django.apps import AppConfig


class AuditConfig(AppConfig):
    name = "xiaokang.audit"
    label = "audit"
    verbose_name = "Audit"
