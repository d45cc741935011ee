"""Text that apps above articles add to an article's search document.

An article's search document (``search_documents.py``) holds what readers see of it; apps above
articles may own more text that readers should find it by, such as the text of its PDF
attachments (the attachments app). Articles cannot import them, so it declares the bulk read
here and they register in ``AppConfig.ready()``::

    article_search_extras_providers.register(
        name="attachments", fields=("attachment_text",), provide=attachment_texts
    )

``provide(ids=[article ids])`` → ``{id: {"attachment_text": "..."}}``, one call per batch of
documents; with nobody registered the documents are the article's own text alone.
"""

from __future__ import annotations

from typing import Any

from scholarnet.providers import BulkFieldProviders

article_search_extras_providers: BulkFieldProviders[int] = BulkFieldProviders(
    name="article search extras", defaults={"attachment_text": ""}
)


def search_documents_extend(documents: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """``documents`` with each one's extra text appended to its ``text`` (in place)."""
    if not documents:
        return documents
    extras = article_search_extras_providers.collect([document["id"] for document in documents])
    for document in documents:
        extra = "\n".join(str(value) for value in extras[document["id"]].values() if value)
        if extra:
            document["text"] = f"{document['text']}\n{extra}"
    return documents
