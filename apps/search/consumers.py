"""The ``search`` consumer group: keeps the index in step with articles, users and any app's
``search.any`` documents.

The handlers are naturally idempotent (each re-reads the current state and upserts or deletes
it), so they are registered with ``idempotent=False``: recording ``ProcessedEvent`` rows would
hold a database transaction open across an index commit and buy nothing, since applying an
event twice, or an old event after a newer one, leaves the index with the current state.
"""

from __future__ import annotations

import logging

from apps.articles.events import ARTICLE_EVENTS
from apps.search import services
from apps.search.documents import InvalidDocument
from apps.search.events import SearchDocumentChanged
from apps.users.events import UserChanged
from scholarnet.events import Event, consumer

logger = logging.getLogger(__name__)

GROUP = "search"


@consumer(group=GROUP, topics=["article.published", "article.withdrawn"], idempotent=False)
def index_article(event: Event) -> None:
    # Both types mean "this article changed": the database says whether it is public now.
    changed = ARTICLE_EVENTS[event.type].from_event(event)
    services.search_article_sync(article_id=int(changed.article_id))


@consumer(group=GROUP, topics=["user.changed"], idempotent=False)
def index_user(event: Event) -> None:
    services.search_user_sync(user_id=int(UserChanged.from_event(event).user_id))


@consumer(group=GROUP, topics=["search.any"], idempotent=False)
def index_any(event: Event) -> None:
    try:
        document = SearchDocumentChanged.from_event(event)
        services.search_document_apply(
            doc_type=str(document.doc_type),
            doc_id=document.doc_id,
            op=str(document.op),
            fields=document.fields,
        )
    except (InvalidDocument, TypeError):  # TypeError: a required field is missing
        # A malformed document fails the same way on every retry; drop it loudly instead of
        # stalling the group for the retry backoff.
        logger.exception("search.any event rejected", extra={"event_id": str(event.event_id)})
