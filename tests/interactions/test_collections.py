import pytest

from apps.articles import services as article_services
from apps.interactions import services
from apps.interactions.models import Collection, CollectionItem
from tests.articles.factories import published_article
from tests.interactions.conftest import COLLECT, COLLECTIONS, events, facts, stat
from tests.users.factories import UserFactory

pytestmark = pytest.mark.django_db


def folder(client, name: str) -> int:
    response = client.post(COLLECTIONS, {"name": name}, format="json")
    assert response.status_code == 201, response.json()
    return response.json()["id"]


def test_collect_goes_to_the_default_folder_created_on_first_use(reader, reader_client, article):
    response = reader_client.put(COLLECT.format(article.pk), {}, format="json")

    default = Collection.objects.get(owner=reader)
    assert (default.is_default, default.name) == (True, "Default")
    assert response.json() == {
        "collected": True,
        "collect_count": 1,
        "collection_ids": [default.pk],
    }
    again = reader_client.put(COLLECT.format(article.pk), {}, format="json")
    assert again.json() == response.json()
    assert CollectionItem.objects.count() == 1
    assert [event["collected"] for event in events("collect.changed")] == [True]


def test_collect_count_counts_readers_not_folder_entries(reader, reader_client, author, article):
    second = folder(reader_client, "To read")
    reader_client.put(COLLECT.format(article.pk), {}, format="json")
    both = reader_client.put(COLLECT.format(article.pk), {"collection_id": second}, format="json")
    services.article_collect(user=author, article_id=article.pk)

    default = Collection.objects.get(owner=reader, is_default=True).pk
    assert both.json()["collection_ids"] == [default, second]
    assert stat(article.pk) == (0, 2)

    one_left = reader_client.delete(f"{COLLECT.format(article.pk)}?collection_id={default}")
    assert one_left.json() == {"collected": True, "collect_count": 2, "collection_ids": [second]}

    none_left = reader_client.delete(COLLECT.format(article.pk))
    assert none_left.json() == {"collected": False, "collect_count": 1, "collection_ids": []}
    assert reader_client.delete(COLLECT.format(article.pk)).json()["collect_count"] == 1
    assert stat(article.pk) == (0, 1)


def test_another_users_folder_is_not_found_and_nothing_changes(reader_client, article):
    stranger = UserFactory()
    theirs = services.collection_create(user=stranger, name="Mine")

    put = reader_client.put(COLLECT.format(article.pk), {"collection_id": theirs.pk}, format="json")
    rename = reader_client.patch(f"{COLLECTIONS}/{theirs.pk}", {"name": "x"}, format="json")
    delete = reader_client.delete(f"{COLLECTIONS}/{theirs.pk}")
    items = reader_client.get(f"{COLLECTIONS}/{theirs.pk}/items")

    for response in (put, rename, delete, items):
        assert (response.status_code, response.json()["code"]) == (404, "collection_not_found")
    theirs.refresh_from_db()
    assert theirs.name == "Mine"
    assert facts() == (0, 0)
    assert stat(article.pk) == (0, 0)


def test_a_private_article_cannot_be_collected(author, reader_client, article):
    article_services.article_withdraw(article_id=article.pk, author=author)

    response = reader_client.put(COLLECT.format(article.pk), {}, format="json")

    assert (response.status_code, response.json()["code"]) == (404, "not_found")
    assert facts() == (0, 0)
    assert events("collect.changed") == []


def test_bad_collection_id_is_a_400(reader_client, article):
    response = reader_client.put(COLLECT.format(article.pk), {"collection_id": "x"}, format="json")

    assert (response.status_code, response.json()["code"]) == (400, "invalid")
    assert "collection_id" in response.json()["extra"]["fields"]
    assert facts() == (0, 0)


def test_folders_are_listed_default_first_and_names_are_unique(reader_client, article):
    folder(reader_client, "Graphs")
    taken = reader_client.post(COLLECTIONS, {"name": "Graphs"}, format="json")
    blank = reader_client.post(COLLECTIONS, {"name": "  "}, format="json")

    listed = reader_client.get(COLLECTIONS).json()

    assert (taken.status_code, taken.json()["code"]) == (409, "collection_name_taken")
    assert blank.status_code == 400
    assert [(f["name"], f["is_default"], f["item_count"]) for f in listed["results"]] == [
        ("Default", True, 0),
        ("Graphs", False, 0),
    ]
    assert listed["next"] is None


def test_rename_and_the_default_folder_cannot_be_deleted(reader, reader_client):
    graphs = folder(reader_client, "Graphs")
    default = Collection.objects.get(owner=reader, is_default=True).pk

    renamed = reader_client.patch(f"{COLLECTIONS}/{graphs}", {"name": "Spectra"}, format="json")
    clash = reader_client.patch(f"{COLLECTIONS}/{graphs}", {"name": "Default"}, format="json")
    refused = reader_client.delete(f"{COLLECTIONS}/{default}")

    assert renamed.json()["name"] == "Spectra"
    assert (clash.status_code, clash.json()["code"]) == (409, "collection_name_taken")
    assert (refused.status_code, refused.json()["code"]) == (409, "collection_default_undeletable")
    assert sorted(Collection.objects.filter(owner=reader).values_list("name", flat=True)) == [
        "Default",
        "Spectra",
    ]


def test_an_empty_patch_answers_the_folder_unchanged(reader, reader_client, article):
    graphs = folder(reader_client, "Graphs")
    services.article_collect(user=reader, article_id=article.pk, collection_id=graphs)
    before = Collection.objects.get(pk=graphs).updated_at

    response = reader_client.patch(f"{COLLECTIONS}/{graphs}", {}, format="json")

    assert response.status_code == 200
    assert (response.json()["id"], response.json()["name"]) == (graphs, "Graphs")
    assert response.json()["item_count"] == 1
    assert Collection.objects.get(pk=graphs).updated_at == before


def test_an_empty_patch_of_another_users_folder_is_not_found(reader_client):
    theirs = services.collection_create(user=UserFactory(), name="Mine")

    response = reader_client.patch(f"{COLLECTIONS}/{theirs.pk}", {}, format="json")

    assert (response.status_code, response.json()["code"]) == (404, "collection_not_found")


def test_a_blank_name_in_a_patch_is_a_400_and_changes_nothing(reader_client):
    graphs = folder(reader_client, "Graphs")

    response = reader_client.patch(f"{COLLECTIONS}/{graphs}", {"name": "  "}, format="json")

    assert (response.status_code, response.json()["code"]) == (400, "invalid")
    assert Collection.objects.get(pk=graphs).name == "Graphs"


def test_deleting_a_folder_uncounts_only_articles_in_no_other_folder(reader, reader_client):
    only_here, also_default = published_article(), published_article()
    graphs = folder(reader_client, "Graphs")
    for article in (only_here, also_default):
        services.article_collect(user=reader, article_id=article.pk, collection_id=graphs)
    services.article_collect(user=reader, article_id=also_default.pk)

    response = reader_client.delete(f"{COLLECTIONS}/{graphs}")

    assert response.status_code == 204
    assert (stat(only_here.pk), stat(also_default.pk)) == ((0, 0), (0, 1))
    assert CollectionItem.objects.filter(user=reader).count() == 1
    last = {e["article_id"]: e["collected"] for e in events("collect.changed")}
    assert last == {only_here.pk: False, also_default.pk: True}


def test_items_hide_private_articles_and_show_them_again_when_republished(
    author, reader, reader_client
):
    first, second = published_article(author=author), published_article(author=author)
    for article in (first, second):
        services.article_collect(user=reader, article_id=article.pk)
    default = Collection.objects.get(owner=reader, is_default=True).pk
    path = f"{COLLECTIONS}/{default}/items"

    article_services.article_withdraw(article_id=first.pk, author=author)
    hidden = reader_client.get(path).json()
    article_services.article_publish(article_id=first.pk, author=author)
    shown = reader_client.get(path).json()

    assert [item["article"]["id"] for item in hidden["results"]] == [second.pk]
    assert [item["article"]["id"] for item in shown["results"]] == [second.pk, first.pk]
    entry = shown["results"][0]["article"]
    assert (entry["collect_count"], entry["collected"], entry["liked"]) == (1, True, False)


def test_items_are_cursor_paginated_newest_first(reader, reader_client):
    articles = [published_article() for _ in range(5)]
    for article in articles:
        services.article_collect(user=reader, article_id=article.pk)
    default = Collection.objects.get(owner=reader, is_default=True).pk

    pages, cursor = [], None
    while True:
        params = {"page_size": 2, **({"cursor": cursor} if cursor else {})}
        body = reader_client.get(f"{COLLECTIONS}/{default}/items", params).json()
        pages.append([item["article"]["id"] for item in body["results"]])
        cursor = body["next"]
        if cursor is None:
            break

    newest_first = [article.pk for article in reversed(articles)]
    assert pages == [newest_first[0:2], newest_first[2:4], newest_first[4:]]


@pytest.mark.parametrize("size", [2, 12])
def test_items_cost_the_same_queries_whatever_the_page_size(
    size, reader, reader_client, django_assert_max_num_queries
):
    for _ in range(size):
        services.article_collect(user=reader, article_id=published_article().pk)
    default = Collection.objects.get(owner=reader, is_default=True).pk

    # Session, folder, entries, articles, authors, tags, the counts' stat rows (Redis misses),
    # the viewer's likes and folder entries (one query): the same whatever the size.
    with django_assert_max_num_queries(9):
        body = reader_client.get(f"{COLLECTIONS}/{default}/items", {"page_size": size}).json()
    assert len(body["results"]) == size


@pytest.mark.parametrize("size", [2, 12])
def test_folder_list_costs_the_same_queries_whatever_its_length(
    size, reader, reader_client, django_assert_max_num_queries
):
    for number in range(size):
        services.collection_create(user=reader, name=f"Folder {number}")

    with django_assert_max_num_queries(4):
        body = reader_client.get(COLLECTIONS, {"page_size": 50}).json()
    assert len(body["results"]) == size + 1


def test_collects_are_rate_limited_per_user(settings, reader_client, article):
    settings.RATELIMIT_COLLECT = "1/60s"
    reader_client.put(COLLECT.format(article.pk), {}, format="json")

    refused = reader_client.delete(COLLECT.format(article.pk))

    assert (refused.status_code, refused.json()["code"]) == (429, "rate_limited")
    assert int(refused["Retry-After"]) >= 1
    assert facts() == (0, 1)
    assert stat(article.pk) == (0, 1)


def test_items_hide_taken_down_articles(reader, reader_client, article):
    services.article_collect(user=reader, article_id=article.pk)
    default = Collection.objects.get(owner=reader, is_default=True).pk
    moderator = UserFactory(is_staff=True)
    article_services.article_take_down(article_id=article.pk, moderator=moderator, reason="spam")

    hidden = reader_client.get(f"{COLLECTIONS}/{default}/items").json()
    article_services.article_restore(article_id=article.pk, moderator=moderator)
    shown = reader_client.get(f"{COLLECTIONS}/{default}/items").json()

    assert hidden["results"] == []
    assert [item["article"]["id"] for item in shown["results"]] == [article.pk]
    assert CollectionItem.objects.count() == 1
