"""Staff accounts: one role each, bound to an area where the role needs one (issue 2 §1, issue 3 §1)."""

from django.contrib.auth.models import AbstractUser
from django.db import models
from django.utils.translation import gettext_lazy as _


class Role(models.TextChoices):
    DISTRICT_ADMIN = "district_admin", _("District administrator")
    DISTRICT_OFFICER = "district_officer", _("District officer")
    STREET_OFFICER = "street_officer", _("Street officer")
    COMMUNITY_WORKER = "community_worker", _("Community worker")
    AUDITOR = "auditor", _("Auditor")
    SECURITY_ADMIN = "security_admin", _("Security administrator")


# The area level each role is bound to (None: district-wide, no area).
ROLE_AREA_LEVEL = {
    Role.DISTRICT_ADMIN: None,
    Role.DISTRICT_OFFICER: None,
    Role.STREET_OFFICER: "street",
    Role.COMMUNITY_WORKER: "community",
    Role.AUDITOR: None,
    Role.SECURITY_ADMIN: None,
}

# Roles that may read the registry (the auditor and the security administrator may not: 三权分立).
REGISTRY_READERS = {Role.DISTRICT_ADMIN, Role.DISTRICT_OFFICER, Role.STREET_OFFICER, Role.COMMUNITY_WORKER}


class User(AbstractUser):
    role = models.CharField(_("role"), max_length=20, choices=Role.choices)
    area = models.ForeignKey("core.Area", models.PROTECT, null=True, blank=True, related_name="+")

    class Meta:
        constraints = [
            # A role bound to an area has one; a district-wide role has none.
            models.CheckConstraint(
                condition=(
                    models.Q(role__in=["street_officer", "community_worker"], area__isnull=False)
                    | (
                        ~models.Q(role__in=["street_officer", "community_worker"])
                        & models.Q(area__isnull=True)
                    )
                ),
                name="user_area_matches_role",
            ),
        ]
