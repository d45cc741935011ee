"""``search.any``: how any app puts documents of its own into the search index.

The search app owns this payload because it is the contract of its open door: tags (and later
any app with searchable records of its own) build a :class:`SearchDocumentChanged` and publish
it; the ``search`` consumer group applies it. Articles and users are indexed from their own
events instead (``article.*``, ``user.changed``).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, ClassVar

from scholarnet.events.payloads import EventPayload


@dataclass(frozen=True, kw_only=True)
class SearchDocumentChanged(EventPayload):
    TYPE: ClassVar[str] = "search.any"
    doc_type: str
    doc_id: str
    op: str  # "upsert" (fields replace the document) or "delete"
    fields: dict[str, Any] = field(default_factory=dict)

    def key(self) -> str:
        return f"{self.doc_type}:{self.doc_id}"
