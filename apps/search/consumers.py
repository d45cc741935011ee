"""The ``search`` consumer group: keeps the index in step with articles, users and any app's
``search.any`` documents.

The handlers are naturally idempotent (each re-reads the current state and upserts or deletes
it), so they are registered with ``idempotent=False``: recording ``ProcessedEvent`` rows would
hold a database transaction open across an index commit and buy nothing, since applying an
event twice, or an old event after a newer one, leaves the index with the current state.
"""

from __future__ import annotations

import logging

from apps.search import services
from apps.search.documents import InvalidDocument
from scholarnet.events import Event, consumer

logger = logging.getLogger(__name__)

GROUP = "search"


@consumer(group=GROUP, topics=["article.published", "article.withdrawn"], idempotent=False)
def index_article(event: Event) -> None:
    # Both types mean "this article changed": the database says whether it is public now.
    services.search_article_sync(article_id=int(event.payload["article_id"]))


@consumer(group=GROUP, topics=["user.changed"], idempotent=False)
def index_user(event: Event) -> None:
    services.search_user_sync(user_id=int(event.payload["user_id"]))


@consumer(group=GROUP, topics=["search.any"], idempotent=False)
def index_any(event: Event) -> None:
    payload = event.payload
    try:
        services.search_document_apply(
            doc_type=str(payload.get("doc_type", "")),
            doc_id=payload.get("doc_id"),
            op=str(payload.get("op", "")),
            fields=payload.get("fields"),
        )
    except InvalidDocument:
        # A malformed document fails the same way on every retry; drop it loudly instead of
        # stalling the group for the retry backoff.
        logger.exception("search.any event rejected", extra={"event_id": str(event.event_id)})
