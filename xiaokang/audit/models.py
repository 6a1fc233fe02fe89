"""The audit trail (U11; MLPS level 3 security audit, GB/T 22239-2019 8.1.4.3): append-only and chained.

Each event's ``hash`` is an HMAC-SHA256, under XIAOKANG_AUDIT_KEY (kept outside the database), of the
previous event's ``hash`` and the event's own canonical content, so changing, removing or reordering any
event breaks every link after it, and someone with only the database cannot compute a valid chain again
(`xiaokang audit verify`). Events written before the switch to HMAC were chained with plain SHA-256;
``ChainSwitch`` records where that part ends. The database refuses UPDATE and DELETE on both tables
(triggers: xiaokang/audit/triggers.py)."""

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


class ChainSwitch(models.Model):
    """The last event chained with plain SHA-256 before the chain became an HMAC (migration
    0005_hmac_chain), at most one row, written only on a database that already had events. ``mac`` is
    the HMAC under the audit key of the event id and its hash: without the key nobody can move the
    switch point to cover a chain recomputed with plain SHA-256, and the SHA-256 part before it cannot
    be rewritten without changing the pinned ``head_hash``."""

    event_id = models.BigIntegerField(unique=True)
    head_hash = models.CharField(max_length=64)
    mac = models.CharField(max_length=64)
    recorded_at = models.DateTimeField()

    def __str__(self) -> str:
        return f"SHA-256 chain up to event #{self.event_id}"
