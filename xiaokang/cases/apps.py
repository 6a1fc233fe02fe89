from django.apps import AppConfig


class CasesConfig(AppConfig):
    name = "xiaokang.cases"
    label = "cases"
    verbose_name = "Cases"

    def ready(self) -> None:
        # The person page's "Applications" section (registry pages know sections, not the cases app).
        from xiaokang.cases import views

        views.register_person_section()
