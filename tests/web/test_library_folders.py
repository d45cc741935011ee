"""The folders' pages with Django's test client: create, rename, delete (after a confirmation
step) and move an article, each without JavaScript (a form post, 303) and with htmx (the partial);
another user's folder is 404 and bad names are the API's messages on the form, nothing changed."""

from __future__ import annotations

import html

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from apps.interactions import services as interaction_services
from apps.interactions.models import Collection, CollectionItem
from tests.articles.factories import published_article
from tests.users.factories import UserFactory
from tests.web.test_library import HX, client_for, counts

pytestmark = pytest.mark.django_db

BLANK = "This field may not be blank."
TOO_LONG = "Ensure this field has no more than 100 characters."
TAKEN = "You already have a collection with this name."


@pytest.fixture
def reader():
    return UserFactory(nickname="Grace")


@pytest.fixture
def reader_web(reader) -> Client:
    return client_for(reader)


@pytest.fixture
def article():
    return published_article(title="Sparse solvers")


@pytest.fixture
def graphs(reader) -> Collection:
    return interaction_services.collection_create(user=reader, name="Graphs")


@pytest.fixture
def later(reader) -> Collection:
    return interaction_services.collection_create(user=reader, name="Later")


@pytest.fixture
def theirs() -> Collection:
    return interaction_services.collection_create(user=UserFactory(), name="Theirs")


def names(user) -> list[str]:
    return list(Collection.objects.filter(owner=user).order_by("id").values_list("name", flat=True))


def entries(user) -> list[tuple[int, int]]:
    rows = CollectionItem.objects.filter(user=user).order_by("collection_id", "article_id")
    return list(rows.values_list("collection_id", "article_id"))


def text(response) -> str:
    return html.unescape(response.content.decode())


# --- create --------------------------------------------------------------------------------------


def test_create_with_htmx_answers_the_list_with_the_new_folder(settings, reader_web, reader):
    response = reader_web.post("/me/collections/", {"name": "  Graphs  "}, headers=HX)

    assert response.status_code == 200
    assert 'id="folders"' in text(response)
    assert ">Graphs</a>" in text(response)
    assert names(reader) == [settings.INTERACTIONS_DEFAULT_FOLDER_NAME, "Graphs"]


@pytest.mark.parametrize(
    ("name", "status", "message"),
    [("", 400, BLANK), ("   ", 400, BLANK), ("x" * 101, 400, TOO_LONG), ("Graphs", 409, TAKEN)],
)
def test_a_bad_new_name_is_the_apis_message_on_the_form(
    reader_web, reader, graphs, name, status, message
):
    before = names(reader)

    page = reader_web.post("/me/collections/", {"name": name})
    partial = reader_web.post("/me/collections/", {"name": name}, headers=HX)

    assert page.status_code == partial.status_code == status
    assert 'class="folder-form"' in text(page)  # the page again, with the error on its form
    assert message in text(page)
    assert message in text(partial)
    assert names(reader) == before


# --- rename --------------------------------------------------------------------------------------


def test_rename_without_javascript(reader_web, reader, graphs):
    response = reader_web.post(f"/me/collections/{graphs.pk}/rename", {"name": "Networks"})

    assert response.status_code == 303
    assert response["Location"] == f"/me/collections/{graphs.pk}/"
    assert "Networks" in names(reader)
    page = reader_web.get(response["Location"])
    assert "<h1 data-folder-name>Networks</h1>" in text(page)


def test_rename_with_htmx_answers_the_header(reader_web, reader, graphs):
    response = reader_web.post(
        f"/me/collections/{graphs.pk}/rename", {"name": "Networks"}, headers=HX
    )

    assert response.status_code == 200
    assert 'id="folder-header"' in text(response)
    assert "<h1 data-folder-name>Networks</h1>" in text(response)
    assert "Graphs" not in names(reader)


def test_the_default_folder_can_be_renamed_but_offers_no_delete(reader_web, reader):
    default = interaction_services.collection_default_get_or_create(user=reader)

    page = reader_web.get(f"/me/collections/{default.pk}/")
    renamed = reader_web.post(f"/me/collections/{default.pk}/rename", {"name": "Inbox"})

    assert f"/me/collections/{default.pk}/delete" not in text(page)
    assert renamed.status_code == 303
    default.refresh_from_db()
    assert (default.name, default.is_default) == ("Inbox", True)


@pytest.mark.parametrize(
    ("name", "status", "message", "code"),
    [
        ("", 400, BLANK, "invalid"),
        ("x" * 101, 400, TOO_LONG, "invalid"),
        ("Later", 409, TAKEN, "collection_name_taken"),
    ],
)
def test_a_bad_rename_is_the_apis_message_on_the_form(
    reader_web, reader, graphs, later, name, status, message, code
):
    before = names(reader)
    path = f"/me/collections/{graphs.pk}/rename"

    page = reader_web.post(path, {"name": name})
    partial = reader_web.post(path, {"name": name}, headers=HX)

    assert page.status_code == partial.status_code == status
    assert "rename-form" in text(page)
    assert message in text(page)
    assert f'data-code="{code}"' in text(partial)
    assert message in text(partial)
    assert names(reader) == before


def test_renaming_another_users_folder_is_404(reader_web, theirs):
    response = reader_web.post(f"/me/collections/{theirs.pk}/rename", {"name": "Mine now"})

    assert response.status_code == 404
    assert 'data-code="collection_not_found"' in text(response)
    theirs.refresh_from_db()
    assert theirs.name == "Theirs"


# --- delete --------------------------------------------------------------------------------------


def test_delete_asks_first_then_uncollects_what_is_in_no_other_folder(
    reader_web, reader, graphs, later
):
    only_here, also_later = published_article(), published_article()
    for item in (only_here, also_later):
        interaction_services.article_collect(
            user=reader, article_id=item.pk, collection_id=graphs.pk
        )
    interaction_services.article_collect(
        user=reader, article_id=also_later.pk, collection_id=later.pk
    )

    confirm = reader_web.get(f"/me/collections/{graphs.pk}/delete")
    assert confirm.status_code == 200
    assert "Its 2 entries go with it" in text(confirm)
    assert f'action="/me/collections/{graphs.pk}/delete"' in text(confirm)
    assert Collection.objects.filter(pk=graphs.pk).exists()  # asking deletes nothing

    response = reader_web.post(f"/me/collections/{graphs.pk}/delete")

    assert response.status_code == 303
    assert response["Location"] == "/me/collections/"
    assert not Collection.objects.filter(pk=graphs.pk).exists()
    assert entries(reader) == [(later.pk, also_later.pk)]
    assert counts(only_here)["collect_count"] == 0
    assert counts(also_later)["collect_count"] == 1


def test_delete_with_htmx_confirms_in_place_and_redirects(reader_web, reader, graphs):
    confirm = reader_web.get(f"/me/collections/{graphs.pk}/delete", headers=HX)
    response = reader_web.post(f"/me/collections/{graphs.pk}/delete", headers=HX)

    assert 'id="folder-delete"' in text(confirm)
    assert "<html" not in text(confirm)
    assert "It is empty." in text(confirm)
    assert response.status_code == 200
    assert response["HX-Redirect"] == "/me/collections/"
    assert not Collection.objects.filter(pk=graphs.pk).exists()


def test_the_default_folder_cannot_be_deleted(reader_web, reader, article):
    interaction_services.article_collect(user=reader, article_id=article.pk)
    default = Collection.objects.get(owner=reader, is_default=True)

    response = reader_web.post(f"/me/collections/{default.pk}/delete")

    assert response.status_code == 409
    assert 'data-code="collection_default_undeletable"' in text(response)
    assert entries(reader) == [(default.pk, article.pk)]
    assert counts(article)["collect_count"] == 1


def test_another_users_folder_cannot_be_deleted(reader_web, theirs, article):
    interaction_services.article_collect(
        user=theirs.owner, article_id=article.pk, collection_id=theirs.pk
    )

    assert reader_web.get(f"/me/collections/{theirs.pk}/delete").status_code == 404
    response = reader_web.post(f"/me/collections/{theirs.pk}/delete")

    assert response.status_code == 404
    assert Collection.objects.filter(pk=theirs.pk).exists()
    assert counts(article)["collect_count"] == 1


# --- move ----------------------------------------------------------------------------------------


def test_move_without_javascript(reader_web, reader, article, graphs, later):
    interaction_services.article_collect(
        user=reader, article_id=article.pk, collection_id=graphs.pk
    )
    page = reader_web.get(f"/me/collections/{graphs.pk}/")
    assert f'<option value="{later.pk}">Later</option>' in text(page)
    assert f'<option value="{graphs.pk}">' not in text(page)  # not onto itself

    response = reader_web.post(
        f"/me/collections/{graphs.pk}/move",
        {"article_id": article.pk, "to_collection_id": later.pk},
    )

    assert response.status_code == 303
    assert response["Location"] == f"/me/collections/{graphs.pk}/"
    assert entries(reader) == [(later.pk, article.pk)]
    assert counts(article)["collect_count"] == 1
    assert "Sparse solvers" in text(reader_web.get(f"/me/collections/{later.pk}/"))
    assert "Nothing in this folder yet." in text(reader_web.get(response["Location"]))


def test_move_with_htmx_answers_the_folders_items(reader_web, reader, article, graphs, later):
    interaction_services.article_collect(
        user=reader, article_id=article.pk, collection_id=graphs.pk
    )

    response = reader_web.post(
        f"/me/collections/{graphs.pk}/move",
        {"article_id": article.pk, "to_collection_id": later.pk},
        headers=HX,
    )

    assert response.status_code == 200
    assert 'id="folder-items"' in text(response)
    assert "Nothing in this folder yet." in text(response)
    assert "<html" not in text(response)
    assert entries(reader) == [(later.pk, article.pk)]


@pytest.mark.parametrize("side", ["source", "target"])
def test_moving_with_another_users_folder_is_404(reader_web, reader, article, graphs, theirs, side):
    interaction_services.article_collect(
        user=reader, article_id=article.pk, collection_id=graphs.pk
    )
    source, target = (theirs, graphs) if side == "source" else (graphs, theirs)

    response = reader_web.post(
        f"/me/collections/{source.pk}/move",
        {"article_id": article.pk, "to_collection_id": target.pk},
    )

    assert response.status_code == 404
    assert 'data-code="collection_not_found"' in text(response)
    assert entries(reader) == [(graphs.pk, article.pk)]
    assert not CollectionItem.objects.filter(collection=theirs).exists()


@pytest.mark.parametrize(
    ("data", "status", "code"),
    [
        ({"article_id": "abc", "to_collection_id": "LATER"}, 400, "invalid"),
        ({"to_collection_id": "LATER"}, 400, "invalid"),
        ({"article_id": "ARTICLE"}, 400, "invalid"),
        ({"article_id": "OTHER", "to_collection_id": "LATER"}, 404, "collection_item_not_found"),
    ],
)
def test_a_bad_move_changes_nothing(reader_web, reader, article, graphs, later, data, status, code):
    interaction_services.article_collect(
        user=reader, article_id=article.pk, collection_id=graphs.pk
    )
    other = published_article()
    values = {"ARTICLE": str(article.pk), "OTHER": str(other.pk), "LATER": str(later.pk)}
    posted = {key: values.get(value, value) for key, value in data.items()}

    response = reader_web.post(f"/me/collections/{graphs.pk}/move", posted, headers=HX)

    assert response.status_code == status
    assert f'data-code="{code}"' in text(response)
    assert entries(reader) == [(graphs.pk, article.pk)]


# --- costs ---------------------------------------------------------------------------------------


def test_a_folders_page_costs_the_same_queries_for_one_or_many_articles(reader_web, reader, graphs):
    interaction_services.collection_create(user=reader, name="Later")

    def fill(count: int) -> None:
        for _ in range(count):
            interaction_services.article_collect(
                user=reader, article_id=published_article().pk, collection_id=graphs.pk
            )

    def queries() -> int:
        reader_web.get(f"/me/collections/{graphs.pk}/")  # warm the caches every page reads
        with CaptureQueriesContext(connection) as captured:
            page = reader_web.get(f"/me/collections/{graphs.pk}/")
        assert page.status_code == 200
        return len(captured.captured_queries)

    fill(1)
    one = queries()
    fill(7)
    many = queries()

    assert text(reader_web.get(f"/me/collections/{graphs.pk}/")).count('class="move-form"') == 8
    assert many == one


# --- sign-in and CSRF ----------------------------------------------------------------------------


def test_anonymous_folder_writes_go_to_sign_in(graphs, article):
    anonymous = Client()
    for action in ("rename", "delete", "move"):
        response = anonymous.post(f"/me/collections/{graphs.pk}/{action}", {"name": "x"})
        assert response.status_code == 303
        assert response["Location"].startswith("/login/?next=")
    assert Collection.objects.filter(pk=graphs.pk, name="Graphs").exists()


def test_folder_writes_need_the_csrf_token(reader, graphs):
    client = client_for(reader, enforce_csrf_checks=True)

    assert client.post(f"/me/collections/{graphs.pk}/rename", {"name": "x"}).status_code == 403
    assert client.post(f"/me/collections/{graphs.pk}/delete").status_code == 403
    assert Collection.objects.filter(pk=graphs.pk, name="Graphs").exists()
