"""Reads of likes, collections and counters.

``article_stats_provide`` and ``article_flags_provide`` are this app's answers to the articles
app's bulk reads (registered in ``apps.py``): counts from the Redis hashes (misses from the stat
rows; the mean rating computed from the stored count and sum), flags from the facts, one round
trip / query each for a whole page.
"""

from __future__ import annotations

from typing import Any, cast

from django.db import DEFAULT_DB_ALIAS, connections, router
from django.db.models import Count, Field, Model, QuerySet

from apps.articles.public import article_public_id_subquery, article_public_rows
from apps.articles.selectors import article_list_items
from apps.interactions.counters import FIELDS, counters_get_many
from apps.interactions.errors import CollectionNotFound
from apps.interactions.models import ArticleLike, ArticleStat, Collection, CollectionItem

# The fields of the articles' counts this app answers. comment_count and the review counts are
# among them: the comments app moves them in the same stat row and Redis hash
# (``comment_counts``), so one hash read per article answers every count on a page.
PROVIDED_COUNTS = (
    "like_count",
    "collect_count",
    "read_count",
    "comment_count",
    "review_count",
    "review_rating_mean",
)
LIKED, COLLECTED = "liked", "collected"
PROVIDED_FLAGS = (LIKED, COLLECTED)


def article_stats_load(article_ids: list[int]) -> dict[int, dict[str, int]]:
    """The stat rows of ``article_ids`` (zeros for an article nobody has touched), one query."""
    rows = {article_id: dict.fromkeys(FIELDS, 0) for article_id in article_ids}
    for row in ArticleStat.objects.filter(pk__in=article_ids).values("article_id", *FIELDS):
        rows[row.pop("article_id")] = row
    return rows


def review_rating_mean(*, review_count: int, review_rating_sum: int) -> float | None:
    """The mean rating to two places, ``None`` without reviews."""
    return round(review_rating_sum / review_count, 2) if review_count else None


def _counts(stored: dict[str, int]) -> dict[str, Any]:
    counts: dict[str, Any] = dict(stored)
    counts["review_rating_mean"] = review_rating_mean(
        review_count=stored["review_count"], review_rating_sum=counts.pop("review_rating_sum")
    )
    return counts


def article_stats_provide(*, ids: list[int]) -> dict[int, dict[str, Any]]:
    found = counters_get_many(article_ids=ids, load=article_stats_load)
    return {article_id: _counts(stored) for article_id, stored in found.items()}


def article_flags_provide(*, ids: list[int], user_id: int) -> dict[int, dict[str, bool]]:
    """Which of ``ids`` the user liked / has in a folder: one query (a UNION ALL of both)."""
    flags = {article_id: {LIKED: False, COLLECTED: False} for article_id in ids}
    if ids:
        for article_id, kind in _flag_rows(user_id=user_id, article_ids=ids):
            flags[article_id][kind] = True
    return flags


def _flag_rows(*, user_id: int, article_ids: list[int]) -> list[tuple[int, str]]:
    """``(article id, "liked" | "collected")`` of the user's likes and folder entries.

    Written out as SQL: every signed-in article read asks this, and compiling the ORM's union
    of two filtered querysets cost 1.0 ms a page, five times the query itself (0.2 ms).
    The two tables are read where the router sends them; apart (while one is being moved to
    another database) they are two ORM queries.
    """
    alias = router.db_for_read(ArticleLike) or DEFAULT_DB_ALIAS
    if (router.db_for_read(CollectionItem) or DEFAULT_DB_ALIAS) != alias:
        return _flag_rows_apart(user_id=user_id, article_ids=article_ids)
    connection = connections[alias]
    quote = connection.ops.quote_name
    marks = ", ".join(["%s"] * len(article_ids))
    selects = []
    models: tuple[type[Model], ...] = (ArticleLike, CollectionItem)
    for index, model in enumerate(models):
        table = quote(model._meta.db_table)
        article, user = (quote(_column(model, name)) for name in ("article_id", "user"))
        # Names from the models' metadata; every value is a parameter.
        where = f"{user} = %s AND {article} IN ({marks})"
        selects.append(f"SELECT {article}, {index} FROM {table} WHERE {where}")  # noqa: S608
    with connection.cursor() as cursor:
        cursor.execute(" UNION ALL ".join(selects), [user_id, *article_ids] * 2)
        rows = cursor.fetchall()
    kinds = (LIKED, COLLECTED)
    return [(int(article_id), kinds[index]) for article_id, index in rows]


def _column(model: type[Model], field_name: str) -> str:
    """The database column of one of ``model``'s concrete fields."""
    return str(cast("Field[Any, Any]", model._meta.get_field(field_name)).column)


def _flag_rows_apart(*, user_id: int, article_ids: list[int]) -> list[tuple[int, str]]:
    rows: list[tuple[int, str]] = []
    for model, kind in ((ArticleLike, LIKED), (CollectionItem, COLLECTED)):
        found = model.objects.filter(user_id=user_id, article_id__in=article_ids)
        rows += [(article_id, kind) for article_id in found.values_list("article_id", flat=True)]
    return rows


# --- folders ---------------------------------------------------------------------------------


def collection_list(*, user: Any) -> QuerySet[Collection]:
    """The user's folders, the default one first, each with its number of entries."""
    return Collection.objects.filter(owner=user).annotate(item_count=Count("items")).order_by("id")


def collection_get_for_user(*, user: Any, collection_id: int) -> Collection:
    """One of the user's folders; anyone else's (or none) is ``CollectionNotFound``."""
    folder = Collection.objects.filter(pk=collection_id, owner=user).first()
    if folder is None:
        raise CollectionNotFound()
    return folder


def collection_item_list(*, collection: Collection) -> QuerySet[CollectionItem]:
    """The folder's entries newest first (paginate on ``-id``), public articles only.

    Visibility is judged at read time: an article withdrawn or taken down drops out of the
    list and comes back when it is public again; its entry is kept all along.
    """
    public_ids = article_public_id_subquery()
    return CollectionItem.objects.filter(collection=collection, article_id__in=public_ids).only(
        "id", "collection_id", "article_id", "created_at"
    )


def collection_items_represent(items: list[CollectionItem], *, user: Any) -> list[dict[str, Any]]:
    """A page of entries, each with its article's list representation (counts and flags)."""
    article_ids = [item.article_id for item in items]
    rows = article_public_rows(article_ids=article_ids)
    articles = {item["id"]: item for item in article_list_items(rows, user=user)}
    return [
        {
            "id": item.pk,
            "collection_id": item.collection_id,
            "collected_at": item.created_at,
            "article": articles[item.article_id],
        }
        for item in items
        if item.article_id in articles  # went private between the two reads
    ]


def collection_item_count(*, collection: Collection) -> int:
    return collection.items.count()
