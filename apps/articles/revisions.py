"""Reads of an article's revisions: the list, one revision, the diff of two.

A revision is what one publication made public (``ArticleRevision``, written by
``services.article_publish``, never changed). Who may read them is the detail's rule
(``selectors.article_readable_author_id``): everyone for a public article, only the author for
a private or taken-down one, 404 otherwise.
"""

from __future__ import annotations

import difflib
from typing import Any

from django.conf import settings
from django.db.models import QuerySet

from apps.articles.errors import RevisionDiffTooLarge, RevisionNotFound
from apps.articles.models import ArticleRevision
from apps.articles.rendering import plain_text
from apps.articles.selectors import article_readable_author_id

_LIST_FIELDS = ("id", "article_id", "number", "title", "tags", "doi", "created_at")
# Context lines around each change, as `diff -u` shows them.
DIFF_CONTEXT = 3
# Rendered HTML's block ends become line ends before the tags go (the "text" diff).
_BLOCK_ENDS = ("</p>", "</li>", "</h1>", "</h2>", "</h3>", "</h4>", "</h5>", "</h6>", "</pre>")


def article_revision_list(*, article_id: int, user: Any) -> QuerySet[ArticleRevision]:
    """The article's revisions, newest first (paginate on ``-number``); 404 as the detail."""
    article_readable_author_id(article_id=article_id, user=user)
    return (
        ArticleRevision.objects.filter(article_id=article_id)
        .only(*_LIST_FIELDS)
        .order_by("-number")
    )


def article_revision_items(revisions: list[ArticleRevision]) -> list[dict[str, Any]]:
    return [
        {
            "number": revision.number,
            "title": revision.title,
            "tags": revision.tags,
            "doi": revision.doi or None,
            "created_at": revision.created_at,
        }
        for revision in revisions
    ]


def _revision(article_id: int, number: int) -> ArticleRevision:
    revision = ArticleRevision.objects.filter(article_id=article_id, number=number).first()
    if revision is None:
        raise RevisionNotFound()
    return revision


def article_revision_get(*, article_id: int, number: int, user: Any) -> dict[str, Any]:
    """One revision with its content; 404 as the detail, 404 ``revision_not_found``."""
    article_readable_author_id(article_id=article_id, user=user)
    revision = _revision(article_id, number)
    return {
        **article_revision_items([revision])[0],
        "abstract": revision.abstract,
        "content": revision.content,
        "content_html": revision.content_html,
    }


def _text_lines(content_html: str) -> list[str]:
    marked = content_html
    for end in _BLOCK_ENDS:
        marked = marked.replace(end, end + "\n")
    return [line for line in (plain_text(part) for part in marked.split("\n")) if line]


def _unified(before: list[str], after: list[str], *, name: str, a: int, b: int) -> str:
    lines = difflib.unified_diff(
        before,
        after,
        fromfile=f"r{a}/{name}",
        tofile=f"r{b}/{name}",
        n=DIFF_CONTEXT,
        lineterm="",
    )
    return "\n".join(lines)


def article_revision_diff(
    *, article_id: int, from_number: int, to_number: int, user: Any, of: str = "source"
) -> dict[str, Any]:
    """Unified diffs of the title, the tags and the content between two revisions.

    ``of``: ``source`` compares the Markdown, ``text`` the rendered text (one line per block).
    Each side's content is limited to ``ARTICLE_REVISION_DIFF_MAX_BYTES`` (400
    ``revision_diff_too_large``): difflib's time grows faster than the input.
    """
    article_readable_author_id(article_id=article_id, user=user)
    before, after = _revision(article_id, from_number), _revision(article_id, to_number)
    limit = settings.ARTICLE_REVISION_DIFF_MAX_BYTES
    for revision in (before, after):
        compared = revision.content if of == "source" else revision.content_html
        if len(compared.encode("utf-8")) > limit:
            raise RevisionDiffTooLarge(extra={"max_bytes": limit})
    if of == "source":
        old, new = before.content.splitlines(), after.content.splitlines()
    else:
        old, new = _text_lines(before.content_html), _text_lines(after.content_html)
    a, b = before.number, after.number
    return {
        "from_revision": a,
        "to_revision": b,
        "of": of,
        "title": _unified([before.title], [after.title], name="title", a=a, b=b),
        "tags": _unified(before.tags, after.tags, name="tags", a=a, b=b),
        "content": _unified(old, new, name="content", a=a, b=b),
    }
