from django.apps import AppConfig


class PortalConfig(AppConfig):
    name = "xiaokang.portal"
    label = "portal"
    verbose_name = "Public portal"

    def ready(self) -> None:
        # The person page's "Portal account" section (U11: office code, unlink), registered by name.
        from xiaokang.registry import sections

        sections.register_person_section("xiaokang.portal.views_staff.portal_account_section")
