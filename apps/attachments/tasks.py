"""Celery tasks: thin wrappers that take ids and call one service each."""

from __future__ import annotations

from celery import shared_task

from apps.attachments import services


@shared_task(ignore_result=True)
def attachment_text_extract(attachment_id: int) -> None:
    services.attachment_text_extract(attachment_id=attachment_id)


@shared_task(ignore_result=True)
def attachment_article_reindex(article_id: int) -> None:
    services.attachment_article_reindex(article_id=article_id)
