"""Celery tasks of the feed: thin wrappers that take ids and call one service each."""

from __future__ import annotations

from celery import shared_task

from apps.feed import services


@shared_task(ignore_result=True)
def feed_fanout(article_id: int) -> None:
    services.feed_fanout(article_id=article_id)


@shared_task(ignore_result=True)
def feed_follow_apply(follower_id: int, followee_id: int) -> None:
    services.feed_follow_apply(follower_id=follower_id, followee_id=followee_id)
