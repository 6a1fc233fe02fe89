"""Shared primitives: the administrative area tree that every scoped record hangs from."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class AreaLevel(models.TextChoices):
    DISTRICT = "district", _("District")
    STREET = "street", _("Street or town")
    COMMUNITY = "community", _("Community or village")


class Area(models.Model):
    """District › street/town › community/village (GLOSSARY: towns are street-level, villages
    community-level). ``code`` is the 12-digit NBS code; ``synthetic`` marks generated communities."""

    code = models.CharField(_("code"), max_length=12, unique=True)
    name = models.CharField(_("area name"), max_length=100)
    level = models.CharField(_("level"), max_length=10, choices=AreaLevel.choices)
    parent = models.ForeignKey("self", models.PROTECT, null=True, blank=True, related_name="children")
    is_town = models.BooleanField(_("town or area (镇/地区)"), default=False)
    synthetic = models.BooleanField(_("synthetic"), default=False)

    class Meta:
        ordering = ["code"]
        constraints = [
            models.UniqueConstraint(fields=["parent", "name"], name="area_unique_name_in_parent"),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def code9(self) -> str:
        """The 9-digit street code used in rosters and spreadsheets."""
        return self.code[:9]


class RateLimitHit(models.Model):
    """One attempt counted against a rate limit (core.ratelimit): ``key`` names what is limited, e.g.
    ``status:client:<address>`` or ``status:number:<application number>``. Kept in the database so every
    server process counts the same attempts."""

    key = models.CharField(max_length=120)
    at = models.DateTimeField()
    # What the attempt counts for: 1 for a hit; the number of rows for a bulk-read limit, which counts
    # persons read rather than requests (ratelimit.consume; U11, PIPL art. 51).
    weight = models.PositiveIntegerField(default=1)

    class Meta:
        indexes = [
            models.Index(fields=["key", "at"], name="ratelimit_key_at"),
            models.Index(fields=["at"], name="ratelimit_at"),  # dropping what is too old to count
        ]

    def __str__(self) -> str:
        return f"{self.key} {self.at:%Y-%m-%d %H:%M:%S}"
