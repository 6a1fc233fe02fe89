from django.apps import AppConfig


class CoreConfig(AppConfig):
    name = "xiaokang.core"
    label = "core"
    verbose_name = "Core"

    def ready(self) -> None:
        from django.urls import register_converter

        from xiaokang.core.ids import RowIdConverter

        register_converter(RowIdConverter, "id")
