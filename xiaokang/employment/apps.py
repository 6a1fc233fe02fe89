from django.apps import AppConfig


class EmploymentConfig(AppConfig):
    name = "xiaokang.employment"
    label = "employment"
    verbose_name = "Employment quota"
