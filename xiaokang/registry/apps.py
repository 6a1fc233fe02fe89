from django.apps import AppConfig


class RegistryConfig(AppConfig):
    name = "xiaokang.registry"
    label = "registry"
    verbose_name = "Registry"
