"""Writes of likes and collections, and of the counters they keep.

A like, and an article in a folder, are facts under unique constraints, so repeating an action
changes nothing. Each write runs in one transaction that inserts or deletes the fact, moves the
article's counter in its ``ArticleStat`` row with ``F()`` (never below zero), publishes the new
state through the outbox, and schedules the Redis hash increment for after the commit.

Locks, always in this order: the user's default folder (collections only), then the article's
stat row (taken by the counter UPDATE). The folder lock serialises one user's collection writes,
which is what makes "did this user already have the article in a folder" exact.

``collect_count`` counts users, not folder entries: an article in three of one reader's folders
was collected by one reader.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, TypeVar

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone

from apps.articles.errors import ArticleNotFound
from apps.articles.public import article_public_authors
from apps.interactions.counters import counters_incr_on_commit
from apps.interactions.errors import (
    CollectionItemNotFound,
    CollectionNameTaken,
    CollectionNotFound,
    DefaultCollectionUndeletable,
)
from apps.interactions.events import CollectChanged, LikeChanged
from apps.interactions.models import ArticleLike, ArticleStat, Collection, CollectionItem
from scholarnet.api.errors import ValidationFailed
from scholarnet.events.payloads import publish_event

__all__ = [
    "CollectState",
    "LikeState",
    "article_collect",
    "article_like",
    "article_uncollect",
    "article_unlike",
    "collection_create",
    "collection_default_get_or_create",
    "collection_delete",
    "collection_item_move",
    "collection_update",
]

T = TypeVar("T")


@dataclass(frozen=True, slots=True)
class LikeState:
    liked: bool
    like_count: int


@dataclass(frozen=True, slots=True)
class CollectState:
    collected: bool
    collect_count: int
    collection_ids: list[int] = field(default_factory=list)


# --- the article and its stat row --------------------------------------------------------------


def _public_author_id(article_id: int) -> int:
    """The author of a public article; anything else is ``ArticleNotFound`` (404)."""
    author_id = article_public_authors(article_ids=[article_id]).get(article_id)
    if author_id is None:
        raise ArticleNotFound()
    return author_id


class _StatRowMissing(Exception):
    """A counter went up on an article with no stat row yet (see :func:`_with_stat_row`)."""


def _with_stat_row(article_id: int, work: Callable[[], T]) -> T:
    """Run ``work`` in a transaction; on the article's first counted fact, create its row first.

    The row is created outside the transaction (INSERT IGNORE, committed at once), then the
    work runs again: inserting it inside would leave the losers of a race holding a shared lock
    on the row that each then waits to upgrade, which InnoDB resolves by killing one of them.
    ``work`` raises ``_StatRowMissing`` before it wrote anything, so the rollback undoes nothing.
    """
    try:
        with transaction.atomic():
            return work()
    except _StatRowMissing:
        ArticleStat.objects.bulk_create([ArticleStat(article_id=article_id)], ignore_conflicts=True)
        with transaction.atomic():
            return work()


def _count_add(article_id: int, name: str, delta: int) -> None:
    """``name`` += ``delta`` in the stat row, with ``F()``; a decrement never goes below zero."""
    rows = ArticleStat.objects.filter(pk=article_id)
    if delta < 0:
        rows = rows.filter(**{f"{name}__gte": -delta})
    updated = rows.update(**{name: F(name) + delta, "updated_at": timezone.now()})
    if not updated and delta > 0:
        raise _StatRowMissing()


def _count_of(article_id: int, name: str) -> int:
    value = ArticleStat.objects.filter(pk=article_id).values_list(name, flat=True).first()
    return int(value or 0)


# --- likes ---------------------------------------------------------------------------------------


def _stat_locked(article_id: int) -> ArticleStat | None:
    """The article's stat row, locked: the first lock of every like write on the article.

    Taking it before touching the like row serialises one article's like writes, so a like
    insert never waits on another transaction's insert of the same row (whose rollback would
    make InnoDB deadlock the waiters) and likes and unlikes lock in one order.
    """
    return ArticleStat.objects.select_for_update().filter(pk=article_id).first()


def article_like(*, user: Any, article_id: int) -> LikeState:
    """Like a public article; liking it again changes nothing.

    Under the stat row's lock every like write on the article takes turns, so "liked already?"
    is one SELECT instead of an INSERT inside a savepoint (two statements more, in the write
    transaction). A like inserted by something that skipped the lock (a bulk load) makes the
    INSERT fail; the whole attempt is then run again and finds it.
    """
    author_id = _public_author_id(article_id)

    def work() -> LikeState:
        stat = _stat_locked(article_id)
        if stat is None:
            raise _StatRowMissing()
        if ArticleLike.objects.filter(user=user, article_id=article_id).exists():
            return LikeState(liked=True, like_count=stat.like_count)
        ArticleLike.objects.create(user=user, article_id=article_id)
        _count_add(article_id, "like_count", 1)
        like_count = stat.like_count + 1
        _like_changed(
            user=user, article_id=article_id, author_id=author_id, state=LikeState(True, like_count)
        )
        return LikeState(liked=True, like_count=like_count)

    try:
        return _with_stat_row(article_id, work)
    except IntegrityError:
        return _with_stat_row(article_id, work)


def article_unlike(*, user: Any, article_id: int) -> LikeState:
    """Take a like back; unliking an article not liked changes nothing."""
    author_id = _public_author_id(article_id)

    def work() -> LikeState:
        # The stat row lock comes first here too. Without a row there is nothing to lock, and a
        # DELETE that then gap-locks the like index while a concurrent first like holds the new
        # row's lock and waits on that gap deadlocks: so the row is made first, as for a like.
        stat = _stat_locked(article_id)
        if stat is None:
            raise _StatRowMissing()
        deleted, _ = ArticleLike.objects.filter(user=user, article_id=article_id).delete()
        if not deleted:
            return LikeState(liked=False, like_count=stat.like_count)
        _count_add(article_id, "like_count", -1)
        state = LikeState(liked=False, like_count=max(stat.like_count - 1, 0))
        _like_changed(user=user, article_id=article_id, author_id=author_id, state=state)
        return state

    return _with_stat_row(article_id, work)


def _like_changed(*, user: Any, article_id: int, author_id: int, state: LikeState) -> None:
    publish_event(
        LikeChanged(
            user_id=user.pk,
            article_id=article_id,
            author_id=author_id,
            liked=state.liked,
            like_count=state.like_count,
            occurred_at=timezone.now(),
        )
    )
    counters_incr_on_commit(field="like_count", deltas={article_id: 1 if state.liked else -1})


# --- folders -------------------------------------------------------------------------------------


def collection_default_get_or_create(*, user: Any) -> Collection:
    """The user's default folder, created on first use; two first uses create one folder."""
    folder = Collection.objects.filter(owner=user, is_default=True).first()
    if folder is not None:
        return folder
    try:
        with transaction.atomic():
            return Collection.objects.create(
                owner=user, is_default=True, name=settings.INTERACTIONS_DEFAULT_FOLDER_NAME
            )
    except IntegrityError:
        # A concurrent first use won (the losing insert waited for its commit, so it is visible).
        folder = Collection.objects.filter(owner=user, is_default=True).first()
        if folder is None:
            raise
        return folder


def _lock(folder: Collection) -> Collection:
    """Lock the user's default folder: the one lock every collection write of a user takes.

    Callers get the folder (creating it) before their transaction starts: created inside it,
    a rollback would deadlock the concurrent first uses waiting on the insert.
    """
    return Collection.objects.select_for_update().get(pk=folder.pk)


def _own_folder(*, user: Any, collection_id: int) -> Collection:
    folder = Collection.objects.filter(pk=collection_id, owner=user).first()
    if folder is None:
        raise CollectionNotFound()
    return folder


def _checked_name(name: str) -> str:
    name = name.strip()
    if not name or len(name) > Collection._meta.get_field("name").max_length:  # type: ignore[operator]
        raise ValidationFailed(fields={"name": ["A folder name has 1 to 100 characters."]})
    return name


def collection_create(*, user: Any, name: str) -> Collection:
    """A new folder; the default one exists first, so it always has the lowest id."""
    name = _checked_name(name)
    collection_default_get_or_create(user=user)
    try:
        with transaction.atomic():
            return Collection.objects.create(owner=user, name=name)
    except IntegrityError as error:
        raise CollectionNameTaken() from error


def collection_update(*, user: Any, collection_id: int, name: str | None = None) -> Collection:
    """Change the given fields of one of the user's folders; without any, the folder as it is."""
    if name is None:
        return _own_folder(user=user, collection_id=collection_id)
    name = _checked_name(name)
    folder = _own_folder(user=user, collection_id=collection_id)
    if folder.name == name:
        return folder
    folder.name = name
    try:
        with transaction.atomic():
            folder.save(update_fields=["name", "updated_at"])
    except IntegrityError as error:
        raise CollectionNameTaken() from error
    return folder


def collection_delete(*, user: Any, collection_id: int) -> None:
    """Delete a folder and its entries; articles left in no folder of the user lose a count."""
    if _own_folder(user=user, collection_id=collection_id).is_default:
        raise DefaultCollectionUndeletable()  # checked before anything is written
    default = collection_default_get_or_create(user=user)
    with transaction.atomic():
        _lock(default)
        folder = _own_folder(user=user, collection_id=collection_id)
        if folder.is_default:
            raise DefaultCollectionUndeletable()
        article_ids = sorted(folder.items.values_list("article_id", flat=True))
        folder.delete()
        still = set(
            CollectionItem.objects.filter(user=user, article_id__in=article_ids).values_list(
                "article_id", flat=True
            )
        )
        gone = [article_id for article_id in article_ids if article_id not in still]
        # One UPDATE: InnoDB locks the rows in primary-key order, like every other writer.
        ArticleStat.objects.filter(pk__in=gone, collect_count__gt=0).update(
            collect_count=F("collect_count") - 1, updated_at=timezone.now()
        )
        counters_incr_on_commit(field="collect_count", deltas=dict.fromkeys(gone, -1))
        _collect_events(user=user, article_ids=article_ids)


def _collect_events(*, user: Any, article_ids: list[int]) -> None:
    """One ``collect.changed`` per article whose folders changed, with the state after it."""
    if not article_ids:
        return
    counts = dict(
        ArticleStat.objects.filter(pk__in=article_ids).values_list("article_id", "collect_count")
    )
    folders = _folders_of(user=user, article_ids=article_ids)
    authors = article_public_authors(article_ids=article_ids)
    now = timezone.now()
    for article_id in article_ids:
        publish_event(
            CollectChanged(
                user_id=user.pk,
                article_id=article_id,
                author_id=authors.get(article_id),
                collected=bool(folders[article_id]),
                collection_ids=folders[article_id],
                collect_count=int(counts.get(article_id, 0)),
                occurred_at=now,
            )
        )


def _folders_of(*, user: Any, article_ids: list[int]) -> dict[int, list[int]]:
    folders: dict[int, list[int]] = {article_id: [] for article_id in article_ids}
    rows = (
        CollectionItem.objects.filter(user=user, article_id__in=article_ids)
        .order_by("collection_id")
        .values_list("article_id", "collection_id")
    )
    for article_id, collection_id in rows:
        folders[article_id].append(collection_id)
    return folders


# --- collecting ----------------------------------------------------------------------------------


def article_collect(
    *, user: Any, article_id: int, collection_id: int | None = None
) -> CollectState:
    """Put a public article in one of the user's folders (the default one without an id)."""
    _public_author_id(article_id)
    if collection_id is not None:
        _own_folder(user=user, collection_id=collection_id)  # a refusal writes nothing
    default = collection_default_get_or_create(user=user)

    def work() -> CollectState:
        _lock(default)
        if _stat_locked(article_id) is None:
            raise _StatRowMissing()  # before any write: see _with_stat_row
        folder = (
            default
            if collection_id is None
            else _own_folder(user=user, collection_id=collection_id)
        )
        before = _folders_of(user=user, article_ids=[article_id])[article_id]
        if folder.pk in before:
            return _collect_state(user=user, article_id=article_id)
        CollectionItem.objects.create(collection=folder, user=user, article_id=article_id)
        if not before:
            _count_add(article_id, "collect_count", 1)
            counters_incr_on_commit(field="collect_count", deltas={article_id: 1})
        _collect_events(user=user, article_ids=[article_id])
        return _collect_state(user=user, article_id=article_id)

    return _with_stat_row(article_id, work)


def article_uncollect(
    *, user: Any, article_id: int, collection_id: int | None = None
) -> CollectState:
    """Take a public article out of one folder, or (without an id) out of all of them."""
    _public_author_id(article_id)
    if collection_id is not None:
        _own_folder(user=user, collection_id=collection_id)  # a refusal writes nothing
    default = collection_default_get_or_create(user=user)
    with transaction.atomic():
        _lock(default)
        _stat_locked(article_id)  # the order of every counted write: folder, then stat row
        items = CollectionItem.objects.filter(user=user, article_id=article_id)
        if collection_id is not None:
            items = items.filter(collection=_own_folder(user=user, collection_id=collection_id))
        deleted, _ = items.delete()
        if deleted:
            if not _folders_of(user=user, article_ids=[article_id])[article_id]:
                _count_add(article_id, "collect_count", -1)
                counters_incr_on_commit(field="collect_count", deltas={article_id: -1})
            _collect_events(user=user, article_ids=[article_id])
        return _collect_state(user=user, article_id=article_id)


def collection_item_move(
    *, user: Any, article_id: int, from_collection_id: int, to_collection_id: int
) -> CollectState:
    """Move a public article from one of the user's folders to another, in one transaction.

    The reader collects the article before and after, so ``collect_count`` does not move (no
    stat row lock is needed). Already in the target folder too: the source entry goes. The
    same folder twice changes nothing. Not in the source folder: ``CollectionItemNotFound``.
    """
    _public_author_id(article_id)
    for collection_id in (from_collection_id, to_collection_id):
        _own_folder(user=user, collection_id=collection_id)  # a refusal writes nothing
    default = collection_default_get_or_create(user=user)
    with transaction.atomic():
        _lock(default)
        source = _own_folder(user=user, collection_id=from_collection_id)
        target = _own_folder(user=user, collection_id=to_collection_id)
        entry = CollectionItem.objects.filter(collection=source, article_id=article_id).first()
        if entry is None:
            raise CollectionItemNotFound()
        if source.pk != target.pk:
            CollectionItem.objects.get_or_create(
                collection=target, article_id=article_id, defaults={"user": user}
            )
            entry.delete()
            _collect_events(user=user, article_ids=[article_id])
        return _collect_state(user=user, article_id=article_id)


def _collect_state(*, user: Any, article_id: int) -> CollectState:
    folders = _folders_of(user=user, article_ids=[article_id])[article_id]
    return CollectState(
        collected=bool(folders),
        collect_count=_count_of(article_id, "collect_count"),
        collection_ids=folders,
    )
