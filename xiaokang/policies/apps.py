from django.apps import AppConfig


class PoliciesConfig(AppConfig):
    name = "xiaokang.policies"
    label = "policies"
    verbose_name = "Policies"

    def ready(self) -> None:
        # The person page's eligibility section (issue 4 §2): registry pages know sections, not policies.
        from xiaokang.policies import views

        views.register_person_section()
