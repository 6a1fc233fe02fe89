from django.apps import AppConfig

from xiaokang.core.mounts import ApiMount, UrlMount


class PoliciesConfig(AppConfig):
    name = "xiaokang.policies"
    label = "policies"
    verbose_name = "Policies"
    # Where the app's pages and API routers are mounted (core/mounts.py; order: across all apps).
    url_mounts = (UrlMount("staff/policies/", "xiaokang.policies.urls", order=80),)
    api_mounts = (ApiMount("/persons", "xiaokang.policies.api.router", order=30),)

    def ready(self) -> None:
        # The person page's eligibility section (P2): registry pages know sections, not policies.
        # Registered by name, imported on first use: starting Django for a CLI command skips the views.
        from xiaokang.registry import sections

        sections.register_person_section("xiaokang.policies.views.eligibility_section")

        # What can be done in this app, and by whom; its staff menu entries (core.capabilities, core.menu).
        from xiaokang.core import capabilities, menu
        from xiaokang.policies import permissions

        capabilities.register(self.label, permissions.CAPABILITIES)
        menu.register_all(permissions.MENU)
