"""PDF attachments of articles: the file in the ``attachments`` storage, its text extracted.

A row points at an article by id (the articles app sits below and is never written to); the
file's name in storage is generated (``<article>/<random>.pdf``), never the uploader's, which is
kept apart as ``filename`` and only ever sent back encoded in ``Content-Disposition``.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.files.storage import Storage, storages
from django.core.signals import setting_changed
from django.db import models
from django.dispatch import receiver
from django.utils.functional import LazyObject, empty


class _AttachmentsStorage(LazyObject):
    """``STORAGES["attachments"]``, looked up on first use (a FileField keeps the object it is
    given at import time, before settings overrides in tests or a configured S3 backend)."""

    def _setup(self) -> None:
        self._wrapped = storages["attachments"]  # type: ignore[assignment]


_storage = _AttachmentsStorage()


@receiver(setting_changed)
def _storages_changed(*, setting: str, **kwargs: Any) -> None:
    if setting == "STORAGES":
        _storage._wrapped = empty  # type: ignore[assignment]


def attachments_storage() -> Storage:
    # A callable, so the migration does not pin the storage.
    return _storage  # type: ignore[return-value]


class TextStatus(models.TextChoices):
    PENDING = "pending"
    DONE = "done"
    FAILED = "failed"


class Attachment(models.Model):
    article_id = models.BigIntegerField()
    uploader = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+"
    )
    file = models.FileField(storage=attachments_storage, max_length=255)
    filename = models.CharField(max_length=255)  # as uploaded, cleaned; for the download only
    size = models.PositiveBigIntegerField()
    sha256 = models.CharField(max_length=64)
    text = models.TextField(blank=True)  # extracted, at most ATTACHMENTS_TEXT_MAX_CHARS
    text_status = models.CharField(
        max_length=8, choices=TextStatus.choices, default=TextStatus.PENDING
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        indexes = [models.Index(fields=["article_id", "id"], name="attachments_article")]

    def __str__(self) -> str:
        return f"{self.filename} on #{self.article_id}"
