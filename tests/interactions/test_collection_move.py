"""Moving an article between one reader's folders: one transaction, the reader counted once."""

from __future__ import annotations

import pytest

from apps.articles import services as article_services
from apps.articles.errors import ArticleNotFound
from apps.interactions import services
from apps.interactions.errors import CollectionItemNotFound, CollectionNotFound
from apps.interactions.models import CollectionItem
from tests.articles.conftest import signed_in_client
from tests.articles.factories import published_article
from tests.interactions.conftest import COLLECTIONS, events, stat
from tests.users.factories import UserFactory

pytestmark = pytest.mark.django_db


def entries(user) -> list[tuple[int, int]]:
    rows = CollectionItem.objects.filter(user=user).order_by("collection_id", "article_id")
    return list(rows.values_list("collection_id", "article_id"))


@pytest.fixture
def folders(reader):
    graphs = services.collection_create(user=reader, name="Graphs")
    later = services.collection_create(user=reader, name="Later")
    return graphs.pk, later.pk


def test_move_keeps_the_reader_counted_once(reader, article, folders):
    graphs, later = folders
    services.article_collect(user=reader, article_id=article.pk, collection_id=graphs)

    state = services.collection_item_move(
        user=reader, article_id=article.pk, from_collection_id=graphs, to_collection_id=later
    )

    assert (state.collected, state.collect_count, state.collection_ids) == (True, 1, [later])
    assert entries(reader) == [(later, article.pk)]
    assert stat(article.pk) == (0, 1)
    assert events("collect.changed")[-1]["collection_ids"] == [later]


def test_move_into_a_folder_holding_it_already_drops_the_source_entry(reader, article, folders):
    graphs, later = folders
    for folder in folders:
        services.article_collect(user=reader, article_id=article.pk, collection_id=folder)

    state = services.collection_item_move(
        user=reader, article_id=article.pk, from_collection_id=graphs, to_collection_id=later
    )

    assert state.collection_ids == [later]
    assert entries(reader) == [(later, article.pk)]
    assert stat(article.pk) == (0, 1)


def test_move_to_the_same_folder_changes_nothing(reader, article, folders):
    graphs, _ = folders
    services.article_collect(user=reader, article_id=article.pk, collection_id=graphs)
    published = len(events("collect.changed"))

    state = services.collection_item_move(
        user=reader, article_id=article.pk, from_collection_id=graphs, to_collection_id=graphs
    )

    assert state.collection_ids == [graphs]
    assert len(events("collect.changed")) == published


@pytest.mark.parametrize("side", ["from", "to"])
def test_another_users_folder_is_not_found_and_nothing_moves(reader, article, folders, side):
    graphs, _ = folders
    theirs = services.collection_create(user=UserFactory(), name="Theirs").pk
    services.article_collect(user=reader, article_id=article.pk, collection_id=graphs)
    ids = {"from": graphs, "to": graphs} | {side: theirs}

    with pytest.raises(CollectionNotFound):
        services.collection_item_move(
            user=reader,
            article_id=article.pk,
            from_collection_id=ids["from"],
            to_collection_id=ids["to"],
        )

    assert entries(reader) == [(graphs, article.pk)]
    assert CollectionItem.objects.filter(collection_id=theirs).count() == 0


def test_an_article_not_in_the_source_folder_is_not_moved(reader, article, folders):
    graphs, later = folders

    with pytest.raises(CollectionItemNotFound):
        services.collection_item_move(
            user=reader, article_id=article.pk, from_collection_id=graphs, to_collection_id=later
        )

    assert entries(reader) == []
    assert stat(article.pk) == (0, 0)


def test_an_article_no_longer_public_is_not_found(reader, author, article, folders):
    graphs, later = folders
    services.article_collect(user=reader, article_id=article.pk, collection_id=graphs)
    article_services.article_withdraw(article_id=article.pk, author=author)

    with pytest.raises(ArticleNotFound):
        services.collection_item_move(
            user=reader, article_id=article.pk, from_collection_id=graphs, to_collection_id=later
        )

    assert entries(reader) == [(graphs, article.pk)]


# --- the API: POST /me/collections/{id}/move -----------------------------------------------------


def move(client, source: int, **body):
    return client.post(f"{COLLECTIONS}/{source}/move", body, format="json")


def test_the_api_moves_and_answers_the_state(reader, reader_client, article, folders):
    graphs, later = folders
    services.article_collect(user=reader, article_id=article.pk, collection_id=graphs)

    response = move(reader_client, graphs, article_id=article.pk, to_collection_id=later)

    assert response.status_code == 200
    assert response.json() == {"collected": True, "collect_count": 1, "collection_ids": [later]}
    assert entries(reader) == [(later, article.pk)]


@pytest.mark.parametrize(
    ("body", "status", "code"),
    [
        ({}, 400, "invalid"),
        ({"article_id": "x", "to_collection_id": 1}, 400, "invalid"),
        ({"article_id": 0, "to_collection_id": 1}, 400, "invalid"),
        ({"article_id": 1, "to_collection_id": str(2**63)}, 400, "invalid"),
        ({"article_id": "OTHER", "to_collection_id": "LATER"}, 404, "collection_item_not_found"),
        ({"article_id": "ARTICLE", "to_collection_id": "THEIRS"}, 404, "collection_not_found"),
    ],
)
def test_the_api_refuses_bad_moves_and_changes_nothing(
    reader, reader_client, article, folders, body, status, code
):
    graphs, later = folders
    services.article_collect(user=reader, article_id=article.pk, collection_id=graphs)
    names = {
        "ARTICLE": article.pk,
        "OTHER": published_article().pk,
        "LATER": later,
        "THEIRS": services.collection_create(user=UserFactory(), name="Theirs").pk,
    }
    sent = {key: names.get(value, value) for key, value in body.items()}

    response = move(reader_client, graphs, **sent)

    assert (response.status_code, response.json()["code"]) == (status, code)
    assert entries(reader) == [(graphs, article.pk)]


def test_the_api_moves_only_out_of_ones_own_folder(reader, article, folders):
    graphs, later = folders
    services.article_collect(user=reader, article_id=article.pk, collection_id=graphs)
    stranger = signed_in_client(UserFactory())

    response = move(stranger, graphs, article_id=article.pk, to_collection_id=later)

    assert (response.status_code, response.json()["code"]) == (404, "collection_not_found")
    assert entries(reader) == [(graphs, article.pk)]


def test_api_moves_are_rate_limited_as_collects(settings, reader, reader_client, article, folders):
    settings.RATELIMIT_COLLECT = "1/60s"
    graphs, later = folders
    services.article_collect(user=reader, article_id=article.pk, collection_id=graphs)

    first = move(reader_client, graphs, article_id=article.pk, to_collection_id=later)
    refused = move(reader_client, later, article_id=article.pk, to_collection_id=graphs)

    assert first.status_code == 200
    assert (refused.status_code, refused.json()["code"]) == (429, "rate_limited")
    assert entries(reader) == [(later, article.pk)]
