"""Tags and their bindings to resources.

A tag is official (no owner; created by moderators) or owned by the user who first used it. A
name is unique per owner, official tags included, and the database enforces it:

- ``owner_key`` is the owner's id, or 0 for an official tag, and never NULL. The unique index is
  on ``(owner_key, name_key)``. A unique index on the nullable ``owner_id`` would not do: NULLs
  never collide in a unique index, and MariaDB has no partial (conditional) unique indexes, so
  two official tags with one name would both be accepted. A check constraint ties ``owner_key``
  to ``owner_id``, so the two can never disagree.
- ``name_key`` is the case-folded name (see ``apps.tags.names``) in a binary collation
  (``apps.tags.fields``): "Deep Learning" and "deep learning" are one tag, "café" and "cafe"
  are two, on MariaDB, SQLite and PostgreSQL alike. ``name`` keeps the spelling it was first
  typed with, for display.

A binding ties a tag to one resource, named by ``(biz, biz_id)`` ("article", 42), so any app
can be tagged without a foreign key into it. Deleting a tag deletes its bindings (CASCADE).
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils import timezone

from apps.tags.fields import BinaryCharField
from apps.tags.names import NAME_KEY_MAX_LENGTH, NAME_MAX_LENGTH, name_key

OFFICIAL_OWNER_KEY = 0


class Tag(models.Model):
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="tags",
        help_text="Empty for an official tag.",
    )
    owner_key = models.BigIntegerField(editable=False, help_text="The owner's id; 0 if official.")
    name = models.CharField(max_length=NAME_MAX_LENGTH)
    name_key = BinaryCharField(max_length=NAME_KEY_MAX_LENGTH, editable=False)
    created_at = models.DateTimeField(default=timezone.now, editable=False)

    class Meta:
        ordering = ("-id",)
        constraints = [
            models.UniqueConstraint(
                fields=["owner_key", "name_key"], name="tags_tag_name_unique_per_owner"
            ),
            models.CheckConstraint(
                condition=Q(owner__isnull=True, owner_key=OFFICIAL_OWNER_KEY)
                | Q(owner_key=F("owner")),
                name="tags_tag_owner_key_matches_owner",
            ),
        ]
        indexes = [
            # Every owner's tag of one name: /tags/{name}/articles.
            models.Index(fields=["name_key"], name="tags_tag_name_key"),
        ]

    def __str__(self) -> str:
        return self.name if self.is_official else f"{self.name} (user {self.owner_id})"

    def save(self, *args: Any, **kwargs: Any) -> None:
        # The keys are derived columns: computed here so no write path can forget them.
        self.owner_key = self.owner_id or OFFICIAL_OWNER_KEY
        self.name_key = name_key(self.name)
        update_fields = kwargs.get("update_fields")
        if update_fields is not None:
            kwargs["update_fields"] = {*update_fields, "owner_key", "name_key"}
        super().save(*args, **kwargs)

    @property
    def is_official(self) -> bool:
        return self.owner_id is None


class TagBinding(models.Model):
    # No index of its own: the unique (tag, biz, biz_id) index starts with tag_id.
    tag = models.ForeignKey(Tag, on_delete=models.CASCADE, related_name="bindings", db_index=False)
    biz = models.CharField(max_length=32, help_text='The kind of resource, e.g. "article".')
    biz_id = models.BigIntegerField()
    created_at = models.DateTimeField(default=timezone.now, editable=False)

    class Meta:
        ordering = ("-id",)
        constraints = [
            # Also the (tag, biz, biz_id) index: the resources of a tag, in id order.
            models.UniqueConstraint(fields=["tag", "biz", "biz_id"], name="tags_binding_unique"),
        ]
        indexes = [
            # The tags of a resource (and of a page of resources).
            models.Index(fields=["biz", "biz_id"], name="tags_binding_resource"),
        ]

    def __str__(self) -> str:
        return f"{self.biz}:{self.biz_id} #{self.tag_id}"
