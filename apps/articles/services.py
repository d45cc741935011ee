"""Writes of articles: drafts, publishing, withdrawal, deletion and moderation.

Every write runs in one transaction that locks the working copy's row first (then the live
row), so concurrent writes to one article queue instead of interleaving, and all writers take
the locks in the same order. In the same transaction each write:

- publishes ``article.published`` / ``article.withdrawn`` through the outbox when the article's
  public visibility or public content changes (payload: state, never a delta);
- schedules the invalidation of the article's cached detail and of the author's cached first
  page for after the commit, so no reader can cache the old state again afterwards.

Tags: the tags app's bindings hold the working copy's tags (set on create and edit). Publishing
snapshots them into the live tag index, so public lists, the public detail and search show
the tags of the published version, like its title and content.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone

from apps.articles.crossref import crossref_work
from apps.articles.doi import doi_normalise
from apps.articles.errors import (
    ArticleNotFound,
    ArticleNotPublished,
    ContentTooLarge,
    DoiAlreadyImported,
    DoiTaken,
)
from apps.articles.events import ARTICLE_EVENTS
from apps.articles.models import (
    ABSTRACT_MAX_LENGTH,
    Article,
    ArticleRevision,
    ArticleStatus,
    LiveStatus,
    PublishedArticle,
    PublishedArticleTag,
    PublishSequence,
)
from apps.articles.public import article_live_changes
from apps.articles.rendering import abstract_preview, derive_abstract, plain_text, render_markdown
from apps.articles.selectors import (
    TAG_BIZ,
    article_detail_cache_key,
    author_first_page_cache_key,
    public_first_page_cache_key,
)
from apps.tags.names import name_key
from apps.tags.selectors import tag_names_for_resources
from apps.tags.services import tag_bindings_clear, tag_bindings_replace
from scholarnet.api.errors import ValidationFailed
from scholarnet.cache import invalidate_many_on_commit
from scholarnet.events.payloads import publish_event
from scholarnet.observability.metrics import counter

logger = logging.getLogger(__name__)

__all__ = [
    "article_create",
    "article_delete",
    "article_doi_import",
    "article_draft_update",
    "article_publish",
    "article_restore",
    "article_take_down",
    "article_withdraw",
]

ARTICLE_WRITES = counter(
    "article_writes_total", "Article writes by operation.", labelnames=("operation",)
)
# Drafts derive their abstract from this much of the source (see rendering.abstract_preview).
PREVIEW_SOURCE_CHARACTERS = 4096
DRAFT_FIELDS = ("title", "content", "abstract")


# --- shared steps ------------------------------------------------------------------------------


def _check_content_size(content: str) -> None:
    limit = settings.ARTICLE_CONTENT_MAX_BYTES
    if len(content.encode("utf-8")) > limit:
        raise ContentTooLarge(
            f"The content is larger than {limit} bytes (UTF-8).", extra={"max_bytes": limit}
        )


def _check_abstract(abstract: str) -> str:
    abstract = abstract.strip()
    if len(abstract) > ABSTRACT_MAX_LENGTH:
        message = f"Ensure this field has no more than {ABSTRACT_MAX_LENGTH} characters."
        raise ValidationFailed(fields={"abstract": [message]})
    return abstract


def _check_title(title: str) -> str:
    title = title.strip()
    if not title:
        raise ValidationFailed(fields={"title": ["An article needs a title."]})
    return title


def _check_doi(doi: str | None, *, article_id: int | None = None) -> str | None:
    """The stored form of ``doi`` (``None`` for blank), unless another article carries it."""
    if doi is None or not doi.strip():
        return None
    normalised = doi_normalise(doi)
    others = Article.objects.filter(doi=normalised)
    if article_id is not None:
        others = others.exclude(pk=article_id)
    if others.exists():
        raise DoiTaken(fields={"doi": [DoiTaken.default_detail]})
    return normalised


def _save_doi_unique(article: Article, **save_kwargs: Any) -> None:
    """``article.save``; a concurrent writer of the same DOI is the same 400 ``doi_taken``."""
    try:
        with transaction.atomic():
            article.save(**save_kwargs)
    except IntegrityError as error:
        if article.doi and Article.objects.filter(doi=article.doi).exclude(pk=article.pk).exists():
            raise DoiTaken(fields={"doi": [DoiTaken.default_detail]}) from error
        raise


def _draft_abstract(article: Article) -> str:
    if article.abstract_input:
        return article.abstract_input
    return abstract_preview(
        article.content,
        max_length=settings.ARTICLE_ABSTRACT_LENGTH,
        source_prefix=PREVIEW_SOURCE_CHARACTERS,
    )


def _locked_draft(*, article_id: int, author_id: int) -> Article:
    """The author's working copy, locked for this transaction; anyone else's is not found."""
    article = Article.objects.select_for_update().filter(pk=article_id, author_id=author_id).first()
    if article is None:
        raise ArticleNotFound()
    return article


def _caches_invalidate(*, article_id: int, author_id: int, live: bool = False) -> None:
    """Drop the cached reads a write changes, once it commits.

    ``live``: the write changed what readers see (the live store), so the public list's cached
    first page goes too; working-copy edits leave it alone.
    """
    keys = [article_detail_cache_key(article_id), author_first_page_cache_key(author_id)]
    if live:
        keys.append(public_first_page_cache_key())
        keys.extend(article_live_changes.keys(article_id))  # higher apps' caches (the hot list)
    invalidate_many_on_commit(keys)


def _event(
    event_type: str, *, article_id: int, author_id: int, status: str, reason: str = ""
) -> None:
    event = ARTICLE_EVENTS[event_type]
    publish_event(event(article_id=article_id, author_id=author_id, status=status, reason=reason))


# --- drafts -------------------------------------------------------------------------------------


def article_create(
    *,
    author: Any,
    title: str,
    content: str,
    abstract: str = "",
    tags: list[str] | None = None,
    doi: str | None = None,
    source_meta: dict[str, Any] | None = None,
) -> Article:
    """A new draft (status ``draft``, never published), its tags and DOI.

    ``doi``: any accepted spelling (``apps.articles.doi``), stored normalised; blank for none.
    400 ``doi_invalid`` / ``doi_taken``. ``source_meta``: an imported work's metadata.
    """
    _check_content_size(content)
    article = Article(
        author=author,
        title=_check_title(title),
        content=content,
        abstract_input=_check_abstract(abstract),
        doi=_check_doi(doi),
        source_meta=source_meta or {},
    )
    article.clean_fields(exclude=["author", "abstract", "doi", "source_meta"])
    article.abstract = _draft_abstract(article)
    with transaction.atomic():
        _save_doi_unique(article, force_insert=True)
        if tags:
            tag_bindings_replace(biz=TAG_BIZ, biz_id=article.pk, owner=author, names=tags)
        _caches_invalidate(article_id=article.pk, author_id=author.pk)
    ARTICLE_WRITES.labels("create").inc()
    return article


def _tags_changed(article: Article, tags: list[str] | None) -> bool:
    if tags is None:
        return False
    current = tag_names_for_resources(biz=TAG_BIZ, biz_ids=[article.pk])[article.pk]
    return sorted(map(name_key, current)) != sorted(set(map(name_key, tags)))


def article_draft_update(*, article_id: int, author: Any, data: dict[str, Any]) -> Article:
    """Edit the working copy (``title``, ``content``, ``abstract``, ``tags``; all optional).

    A published article keeps serving its live copy until it is published again.
    """
    if "content" in data:
        _check_content_size(data["content"])
    with transaction.atomic():
        article = _locked_draft(article_id=article_id, author_id=author.pk)
        changed = _apply_draft_fields(article, data)
        if _tags_changed(article, data.get("tags")):
            tag_bindings_replace(biz=TAG_BIZ, biz_id=article.pk, owner=author, names=data["tags"])
            changed.append("tags")
        if changed:
            article.version += 1
            article.updated_at = timezone.now()
            fields = [name for name in changed if name != "tags"]
            _save_doi_unique(article, update_fields=[*fields, "version", "updated_at"])
            _caches_invalidate(article_id=article.pk, author_id=author.pk)
    article.author = author
    ARTICLE_WRITES.labels("update").inc()
    return article


def _apply_draft_fields(article: Article, data: dict[str, Any]) -> list[str]:
    """Set the changed fields on ``article``; their model field names."""
    changed = []
    if "title" in data and _check_title(data["title"]) != article.title:
        article.title = _check_title(data["title"])
        changed.append("title")
    if "content" in data and data["content"] != article.content:
        article.content = data["content"]
        changed.append("content")
    if "abstract" in data and _check_abstract(data["abstract"]) != article.abstract_input:
        article.abstract_input = _check_abstract(data["abstract"])
        changed.append("abstract_input")
    if "doi" in data:
        doi = _check_doi(data["doi"], article_id=article.pk)
        if doi != article.doi:
            article.doi = doi
            changed.append("doi")
    article.clean_fields(exclude=["author", "abstract", "doi", "source_meta"])
    if "content" in changed or "abstract_input" in changed:
        article.abstract = _draft_abstract(article)
        changed.append("abstract")
    return changed


def article_delete(*, article_id: int, author: Any) -> None:
    """Delete the article from both stores, with its tags, in one transaction."""
    with transaction.atomic():
        article = _locked_draft(article_id=article_id, author_id=author.pk)
        live = PublishedArticle.objects.select_for_update().filter(pk=article.pk).first()
        if live is not None:
            live.delete()  # and its tag snapshot (cascade)
            _event(
                "article.withdrawn",
                article_id=article.pk,
                author_id=author.pk,
                status="deleted",
                reason="deleted",
            )
        tag_bindings_clear(biz=TAG_BIZ, biz_id=article.pk)
        article.delete()
        _caches_invalidate(article_id=article_id, author_id=author.pk, live=live is not None)
    ARTICLE_WRITES.labels("delete").inc()


# --- publishing -------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class _Rendition:
    version: int
    content_html: str
    abstract: str


def _render(article: Article) -> _Rendition:
    content_html = render_markdown(article.content)
    abstract = article.abstract_input or derive_abstract(
        plain_text(content_html), max_length=settings.ARTICLE_ABSTRACT_LENGTH
    )
    return _Rendition(version=article.version, content_html=content_html, abstract=abstract)


def _check_publishable(article: Article) -> None:
    if not article.content.strip():
        raise ValidationFailed(fields={"content": ["An article needs content to be published."]})


def article_publish(*, article_id: int, author: Any) -> Article:
    """Copy the working copy into the live store (insert or update, same id): status published.

    Rendering a large document takes seconds, so it happens before the transaction; if an edit
    landed in between (the version moved), the locked row is rendered again.
    """
    unlocked = Article.objects.filter(pk=article_id, author_id=author.pk).first()
    if unlocked is None:
        raise ArticleNotFound()
    _check_publishable(unlocked)
    rendition = _render(unlocked)
    with transaction.atomic():
        article = _locked_draft(article_id=article_id, author_id=author.pk)
        _check_publishable(article)
        if article.version != rendition.version:
            rendition = _render(article)
        live = _live_upsert(article, rendition)
        tags = _tag_snapshot(live)
        _revision_keep(article, live, tags)
        article.status = ArticleStatus.PUBLISHED
        article.published_at = live.published_at
        article.published_version = article.version
        article.updated_at = live.updated_at
        article.save(update_fields=["status", "published_at", "published_version", "updated_at"])
        if live.is_public:
            _event("article.published", article_id=live.pk, author_id=author.pk, status="published")
        _caches_invalidate(article_id=article.pk, author_id=author.pk, live=True)
    article.author = author
    ARTICLE_WRITES.labels("publish").inc()
    return article


def _live_upsert(article: Article, rendition: _Rendition) -> PublishedArticle:
    now = timezone.now()
    live = PublishedArticle.objects.select_for_update().filter(pk=article.pk).first()
    created = live is None
    if live is None:
        sequence = PublishSequence.objects.create(article_id=article.pk)
        live = PublishedArticle(id=article.pk, publish_seq=sequence.pk, published_at=now)
    live.author_id = article.author_id
    live.title = article.title
    live.content = article.content
    live.content_html = rendition.content_html
    live.content_bytes = len(article.content.encode("utf-8"))
    live.abstract = rendition.abstract
    live.status = LiveStatus.PUBLISHED
    live.doi = article.doi or ""
    live.source_meta = article.source_meta
    live.updated_at = now
    live.save(force_insert=created)
    return live


def _tag_snapshot(live: PublishedArticle) -> list[str]:
    """Replace the live tag index's rows of ``live``; the names, in name-key order."""
    names = tag_names_for_resources(biz=TAG_BIZ, biz_ids=[live.pk])[live.pk]
    PublishedArticleTag.objects.filter(article_id=live.pk).delete()
    entries = {name_key(name): name for name in names}
    PublishedArticleTag.objects.bulk_create(
        PublishedArticleTag(
            article_id=live.pk, name=name, name_key=key, publish_seq=live.publish_seq
        )
        for key, name in entries.items()
    )
    return [entries[key] for key in sorted(entries)]


def _revision_keep(article: Article, live: PublishedArticle, tags: list[str]) -> None:
    """Record what this publish made public as the next revision, unless it is the last one.

    Publishing the same working copy again (after a withdrawal, say) shows the same text, so it
    keeps the revision it had; any edit (title, content, abstract, tags, DOI) bumps the version
    and the next publish is a new revision. The working copy is locked, so numbers never race.
    """
    last = (
        ArticleRevision.objects.filter(article_id=article.pk)
        .order_by("-number")
        .values_list("number", "version")
        .first()
    )
    if last is not None and last[1] == article.version and live.revision == last[0]:
        return
    number = 1 if last is None else last[0] + 1
    ArticleRevision.objects.create(
        article_id=article.pk,
        number=number,
        version=article.version,
        title=live.title,
        content=live.content,
        content_html=live.content_html,
        abstract=live.abstract,
        tags=tags,
        doi=live.doi,
        created_at=live.updated_at,
    )
    live.revision = number
    live.save(update_fields=["revision"])


def article_withdraw(*, article_id: int, author: Any) -> Article:
    """Make a published article private: gone for everyone but its author once this commits.

    Withdrawing a private article again changes nothing; a never-published one is a 409.
    """
    with transaction.atomic():
        article = _locked_draft(article_id=article_id, author_id=author.pk)
        if article.status == ArticleStatus.DRAFT:
            raise ArticleNotPublished()
        if article.status == ArticleStatus.PUBLISHED:
            live = PublishedArticle.objects.select_for_update().get(pk=article.pk)
            was_public = live.is_public
            now = timezone.now()
            live.status = LiveStatus.PRIVATE
            live.updated_at = now
            live.save(update_fields=["status", "updated_at"])
            article.status = ArticleStatus.PRIVATE
            article.updated_at = now
            article.save(update_fields=["status", "updated_at"])
            if was_public:
                _event(
                    "article.withdrawn",
                    article_id=article.pk,
                    author_id=author.pk,
                    status="private",
                    reason="withdrawn",
                )
            _caches_invalidate(article_id=article.pk, author_id=author.pk, live=True)
    article.author = author
    ARTICLE_WRITES.labels("withdraw").inc()
    return article


# --- moderation ---------------------------------------------------------------------------------


def _locked_live(article_id: int) -> PublishedArticle:
    # The working copy first, as every other writer locks them.
    list(Article.objects.select_for_update().filter(pk=article_id).values_list("id", flat=True))
    live = PublishedArticle.objects.select_for_update().filter(pk=article_id).first()
    if live is None:
        raise ArticleNotFound()
    return live


def _take_down_save(live: PublishedArticle, *, at: Any, reason: str, by: Any) -> None:
    live.taken_down_at, live.take_down_reason, live.taken_down_by = at, reason, by
    live.updated_at = timezone.now()
    live.save(update_fields=["taken_down_at", "take_down_reason", "taken_down_by", "updated_at"])


def article_take_down(*, article_id: int, moderator: Any, reason: str) -> PublishedArticle:
    """Hide a live article from readers and search, recording why and by whom.

    The author still sees it and may edit and republish it; it stays hidden until restored.
    """
    reason = reason.strip()
    if not reason:
        raise ValidationFailed(fields={"reason": ["Say why the article is taken down."]})
    with transaction.atomic():
        live = _locked_live(article_id)
        was_public = live.is_public
        _take_down_save(live, at=live.taken_down_at or timezone.now(), reason=reason, by=moderator)
        if was_public:
            _event(
                "article.withdrawn",
                article_id=live.pk,
                author_id=live.author_id,
                status="taken_down",
                reason="taken_down",
            )
        _caches_invalidate(article_id=live.pk, author_id=live.author_id, live=True)
    logger.info("article taken down", extra={"article_id": live.pk, "moderator_id": moderator.pk})
    ARTICLE_WRITES.labels("take_down").inc()
    return live


def article_restore(*, article_id: int, moderator: Any) -> PublishedArticle:
    """Undo a take-down: the article is public again if its author has not withdrawn it."""
    with transaction.atomic():
        live = _locked_live(article_id)
        if live.taken_down_at is None:
            return live
        _take_down_save(live, at=None, reason="", by=None)
        if live.is_public:
            _event(
                "article.published",
                article_id=live.pk,
                author_id=live.author_id,
                status="published",
                reason="restored",
            )
        _caches_invalidate(article_id=live.pk, author_id=live.author_id, live=True)
    logger.info("article restored", extra={"article_id": live.pk, "moderator_id": moderator.pk})
    ARTICLE_WRITES.labels("restore").inc()
    return live


# --- DOI import ---------------------------------------------------------------------------------


def article_doi_import(*, author: Any, doi: str) -> Article:
    """A new draft of ``author`` from the Crossref record of ``doi``.

    400 ``doi_invalid``; 409 ``doi_already_imported`` when any article carries the DOI (also
    when a concurrent import wins the race); 404 ``doi_not_found``; 503
    ``doi_registry_unavailable``. The lookup happens before any transaction: a slow registry
    holds no lock. The draft's content is the abstract (or the title), for the author to edit.
    """
    normalised = doi_normalise(doi)
    if Article.objects.filter(doi=normalised).exists():
        raise DoiAlreadyImported()
    work = crossref_work(normalised)
    meta = {"authors": work.authors, "year": work.year, "venue": work.venue}
    try:
        article = article_create(
            author=author,
            title=work.title,
            content=work.abstract or work.title,
            abstract=work.abstract,
            doi=normalised,
            source_meta=meta,
        )
    except DoiTaken as error:
        raise DoiAlreadyImported() from error
    ARTICLE_WRITES.labels("doi_import").inc()
    return article
