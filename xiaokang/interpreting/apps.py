from django.apps import AppConfig


class InterpretingConfig(AppConfig):
    name = "xiaokang.interpreting"
    label = "interpreting"
    verbose_name = "Sign-language interpretation"
