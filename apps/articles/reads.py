"""The ``article.read`` event of every detail view of an article, emitted off the outbox.

Both detail paths (the DRF view and the anonymous fast path) call :func:`article_read_emit`
after they found the article. It writes nothing to the database: ``scholarnet.events.stream``
hands the event to the Kafka producer's buffer or to a Redis stream, and the interactions app
counts it later, in batches (``apps.interactions.reads``). The author's own reads are emitted
too and left out there, where the author is known for every event of a batch.

Anonymous readers are told apart by a fingerprint: an HMAC of their IP address and user agent
under ``READS_FINGERPRINT_SECRET`` (by default derived from ``DJANGO_SECRET_KEY``). The address
itself never leaves the request.
"""

from __future__ import annotations

import functools
import hashlib
import hmac
from typing import Any

from django.conf import settings
from django.http import HttpRequest

from apps.articles.events import ArticleRead
from scholarnet.events.stream import emit
from scholarnet.ratelimit.ident import client_ip

FINGERPRINT_HEX_CHARS = 32  # 128 bits: no two readers of one article and day collide


def reader_key(request: HttpRequest, *, user: Any = None) -> str:
    """``u:<id>`` for a signed-in reader, ``a:<fingerprint>`` for anyone else."""
    if user is not None and user.is_authenticated:
        return f"u:{user.pk}"
    agent = request.META.get("HTTP_USER_AGENT", "")
    text = f"{client_ip(request)}\n{agent}".encode()
    digest = hmac.new(_fingerprint_secret(), text, hashlib.sha256).hexdigest()
    return "a:" + digest[:FINGERPRINT_HEX_CHARS]


@functools.cache
def _fingerprint_secret() -> bytes:
    secret = settings.READS_FINGERPRINT_SECRET or f"reads-fingerprint:{settings.SECRET_KEY}"
    return hashlib.sha256(secret.encode()).digest()


def article_read_emit(
    *, request: HttpRequest, article_id: int, author_id: int | None, user: Any = None
) -> None:
    """Emit one read of ``article_id``; never raises for the transport, never waits for it."""
    if not settings.READS_EMIT_ENABLED:
        return
    # The payload is built by hand: dataclasses.asdict costs more than the rest of the emit.
    payload = {
        "article_id": article_id,
        "author_id": author_id,
        "reader": reader_key(request, user=user),
    }
    emit(ArticleRead.TYPE, payload, key=f"article:{article_id}")
