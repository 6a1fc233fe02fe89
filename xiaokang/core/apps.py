from django.apps import AppConfig


class CoreConfig(AppConfig):
    name = "xiaokang.core"
    label = "core"
    verbose_name = "Core"
