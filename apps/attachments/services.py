"""Writes of attachments: attach a PDF, extract its text, delete it.

The file is checked from its bytes (size, then ``%PDF-`` and pypdf), stored through
``STORAGES["attachments"]`` under a generated name, and its row committed; the text is
extracted after commit by a Celery task (``tasks.attachment_text_extract``), which then has the
article's search document rebuilt so search finds words from the PDF. Deleting removes the row,
the file (after commit) and the words from the index (the same rebuild).
"""

from __future__ import annotations

import hashlib
import logging
import uuid
from typing import Any

from django.conf import settings
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction

from apps.articles.errors import ArticleNotFound
from apps.articles.public import article_public_authors
from apps.articles.selectors import article_draft_get
from apps.attachments.changes import attachment_changes
from apps.attachments.disposition import filename_clean
from apps.attachments.errors import (
    AttachmentDenied,
    AttachmentLimitReached,
    AttachmentNotFound,
    AttachmentTooLarge,
    UnsupportedMediaType,
)
from apps.attachments.models import Attachment, TextStatus, attachments_storage
from apps.attachments.pdf import is_pdf, pdf_text
from apps.search.services import search_article_sync

logger = logging.getLogger(__name__)


def _authored(*, user: Any, article_id: int) -> None:
    """The article's author passes; a reader of a public article is 403, anyone else 404."""
    try:
        article_draft_get(article_id=article_id, author=user)
    except ArticleNotFound:
        if article_public_authors(article_ids=[article_id]):
            raise AttachmentDenied() from None
        raise


def _sha256(upload: UploadedFile) -> str:
    digest = hashlib.sha256()
    for chunk in upload.chunks():
        digest.update(chunk)
    upload.seek(0)
    return digest.hexdigest()


def attachment_create(*, user: Any, article_id: int, upload: UploadedFile) -> Attachment:
    _authored(user=user, article_id=article_id)
    if (upload.size or 0) > int(settings.ATTACHMENTS_MAX_BYTES):
        raise AttachmentTooLarge()
    if not is_pdf(upload):  # type: ignore[arg-type]
        raise UnsupportedMediaType()
    existing = Attachment.objects.filter(article_id=article_id).count()
    if existing >= int(settings.ATTACHMENTS_PER_ARTICLE):
        raise AttachmentLimitReached()
    attachment = Attachment(
        article_id=article_id,
        uploader=user,
        filename=filename_clean(upload.name or ""),
        size=upload.size or 0,
        sha256=_sha256(upload),
    )
    # The stored name is ours: the uploader's name never reaches a path or a URL.
    attachment.file.save(f"{article_id}/{uuid.uuid4().hex}.pdf", upload, save=False)
    with transaction.atomic():
        attachment.save()
        attachment_changes.invalidate_on_commit(article_id)
        transaction.on_commit(lambda: _extract_later(attachment.pk))
    return attachment


def _extract_later(attachment_id: int) -> None:
    from apps.attachments.tasks import attachment_text_extract

    attachment_text_extract.delay(attachment_id)


def _reindex_later(article_id: int) -> None:
    from apps.attachments.tasks import attachment_article_reindex

    attachment_article_reindex.delay(article_id)


def attachment_text_extract(*, attachment_id: int) -> str:
    """Extract the attachment's text (cut at ``ATTACHMENTS_TEXT_MAX_CHARS``); its status."""
    attachment = Attachment.objects.filter(pk=attachment_id).first()
    if attachment is None:  # deleted meanwhile
        return "gone"
    try:
        with attachment.file.open("rb") as stream:
            text = pdf_text(stream, max_chars=int(settings.ATTACHMENTS_TEXT_MAX_CHARS))
        status = TextStatus.DONE
    except Exception:  # a PDF pypdf opened but cannot read through: keep the file, no text
        logger.exception("attachment text extraction failed", extra={"id": attachment_id})
        text, status = "", TextStatus.FAILED
    Attachment.objects.filter(pk=attachment_id).update(
        text=text.replace("\x00", ""), text_status=status
    )
    attachment_article_reindex(article_id=attachment.article_id)
    return str(status)


def attachment_article_reindex(*, article_id: int) -> None:
    """Rebuild the article's search document (it reads the attachments' text back)."""
    search_article_sync(article_id=article_id)


def attachment_delete(*, user: Any, attachment_id: int) -> None:
    attachment = Attachment.objects.filter(pk=attachment_id).first()
    if attachment is None:
        raise AttachmentNotFound()
    try:
        _authored(user=user, article_id=attachment.article_id)
    except ArticleNotFound:
        raise AttachmentNotFound() from None
    name, article_id = attachment.file.name or "", attachment.article_id
    with transaction.atomic():
        attachment.delete()
        attachment_changes.invalidate_on_commit(article_id)
        transaction.on_commit(lambda: _file_delete(name))
        transaction.on_commit(lambda: _reindex_later(article_id))


def _file_delete(name: str) -> None:
    try:
        attachments_storage().delete(name)
    except OSError:
        logger.warning("attachment file could not be deleted: %s", name)
