from django.apps import AppConfig


class PortalConfig(AppConfig):
    name = "xiaokang.portal"
    label = "portal"
    verbose_name = "Public portal"
