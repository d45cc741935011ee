"""Moves between one reader's folders racing each other and a folder delete, against the real
database: an entry is never lost or doubled by a move, and the count follows the entries."""

import pytest

from apps.interactions import services
from apps.interactions.errors import CollectionItemNotFound, CollectionNotFound
from apps.interactions.models import ArticleStat, CollectionItem
from tests.articles.factories import published_article
from tests.support.concurrency import run_together
from tests.users.factories import UserFactory

pytestmark = [pytest.mark.real_db, pytest.mark.django_db(transaction=True)]

REFUSALS = (CollectionItemNotFound, CollectionNotFound)


def test_parallel_moves_around_three_folders_keep_one_entry_and_a_count_of_one():
    article, reader = published_article(), UserFactory()
    folders = [services.collection_create(user=reader, name=f"F{i}").pk for i in range(3)]
    services.article_collect(user=reader, article_id=article.pk, collection_id=folders[0])

    results = run_together(
        30,
        lambda i: services.collection_item_move(
            user=reader,
            article_id=article.pk,
            from_collection_id=folders[i % 3],
            to_collection_id=folders[(i + 1) % 3],
        ),
    )

    unexpected = [r for r in results if not isinstance(r, (services.CollectState, *REFUSALS))]
    assert unexpected == []
    assert any(isinstance(result, services.CollectState) for result in results)
    assert CollectionItem.objects.filter(user=reader, article_id=article.pk).count() == 1
    assert ArticleStat.objects.get(pk=article.pk).collect_count == 1


@pytest.mark.parametrize("attempt", range(3))
def test_moves_racing_a_folder_delete_leave_the_count_equal_to_the_readers(attempt):
    article, reader = published_article(), UserFactory()
    folders = [services.collection_create(user=reader, name=f"F{i}").pk for i in range(3)]
    services.article_collect(user=reader, article_id=article.pk, collection_id=folders[0])

    def work(i):
        if i == 10:
            return services.collection_delete(user=reader, collection_id=folders[2])
        return services.collection_item_move(
            user=reader,
            article_id=article.pk,
            from_collection_id=folders[i % 3],
            to_collection_id=folders[(i + 1) % 3],
        )

    results = run_together(20, work)

    unexpected = [
        r
        for r in results
        if r is not None and not isinstance(r, (services.CollectState, *REFUSALS))
    ]
    assert unexpected == []
    entries = CollectionItem.objects.filter(user=reader, article_id=article.pk).count()
    assert entries in (0, 1)
    assert ArticleStat.objects.get(pk=article.pk).collect_count == entries


@pytest.mark.parametrize("attempt", range(10))
def test_a_move_racing_the_source_folders_delete_or_uncollect_counts_what_is_left(attempt):
    """Without the default folder's lock, the delete (or uncollect) read "in no other folder"
    before the move's new entry committed, and the article kept an entry and lost its count."""
    article, reader = published_article(), UserFactory()
    source, target = (services.collection_create(user=reader, name=n).pk for n in ("A", "B"))
    services.article_collect(user=reader, article_id=article.pk, collection_id=source)

    def work(i):
        if i == 0:
            return services.collection_item_move(
                user=reader,
                article_id=article.pk,
                from_collection_id=source,
                to_collection_id=target,
            )
        if attempt % 2:
            return services.article_uncollect(
                user=reader, article_id=article.pk, collection_id=source
            )
        return services.collection_delete(user=reader, collection_id=source)

    results = run_together(2, work)

    allowed = (services.CollectState, *REFUSALS, type(None))
    assert [result for result in results if not isinstance(result, allowed)] == []
    entries = CollectionItem.objects.filter(user=reader, article_id=article.pk).count()
    assert ArticleStat.objects.get(pk=article.pk).collect_count == entries
