"""The audit trail (issue 3 §2; MLPS level 3 security audit): append-only and hash-chained.

Each event's ``hash`` is SHA-256 over the previous event's hash and the event's own canonical content,
so changing, removing or reordering any event breaks every hash after it (`xiaokang audit verify`).
The database refuses UPDATE and DELETE on the table (triggers, see migrations)."""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class AuditEvent(models.Model):
    occurred_at = models.DateTimeField(_("time"), db_index=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, models.PROTECT, null=True, blank=True, related_name="+"
    )
    # No index: the audit page searches it by "contains", which no B-tree serves.
    actor_label = models.CharField(_("user"), max_length=150)
    action = models.CharField(_("action"), max_length=40, db_index=True)
    object_type = models.CharField(_("object type"), max_length=40, blank=True)
    object_id = models.CharField(_("object"), max_length=64, blank=True)
    person_id = models.BigIntegerField(_("person"), null=True, blank=True)  # indexed with action, below
    client = models.CharField(_("client address"), max_length=64, blank=True)
    details = models.JSONField(_("details"), default=dict)
    prev_hash = models.CharField(max_length=64)
    hash = models.CharField(max_length=64)  # no index: verification walks the chain in id order

    class Meta:
        ordering = ["-id"]
        indexes = [models.Index(fields=["person_id", "action"])]

    def __str__(self) -> str:
        return f"#{self.pk} {self.occurred_at:%Y-%m-%d %H:%M:%S} {self.actor_label} {self.action}"
