from django.apps import AppConfig


class CasesConfig(AppConfig):
    name = "xiaokang.cases"
    label = "cases"
    verbose_name = "Cases"
