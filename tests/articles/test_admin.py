import pytest

from apps.articles.models import PublishedArticle
from apps.articles.selectors import article_detail_cache_key
from scholarnet.cache import two_level_cache
from tests.articles.conftest import ARTICLES, article_events
from tests.articles.factories import ArticleFactory, published_article
from tests.users.factories import UserFactory

pytestmark = pytest.mark.django_db

LIVE = "/admin/articles/publishedarticle/"
WORKING = "/admin/articles/article/"


def test_moderators_search_both_stores(moderator_client, author):
    published_article(author=author, title="Quantum walks on graphs")
    ArticleFactory(author=author, title="Unfinished thoughts")
    published_article(author=UserFactory(), title="Cell biology")

    live = moderator_client.get(LIVE, {"q": "quantum"}).content.decode()
    working = moderator_client.get(WORKING, {"q": "ada@example.org"}).content.decode()

    assert "Quantum walks on graphs" in live
    assert "Cell biology" not in live
    assert "Quantum walks on graphs" in working
    assert "Unfinished thoughts" in working
    assert "Cell biology" not in working


def test_the_working_copy_page_links_the_live_copy(moderator_client, author, author_client):
    article = published_article(author=author, title="Live title")
    author_client.patch(f"{ARTICLES}/{article.pk}/draft", {"title": "Draft title"})

    working = moderator_client.get(f"{WORKING}{article.pk}/change/").content.decode()
    live = moderator_client.get(f"{LIVE}{article.pk}/change/").content.decode()

    assert "Draft title" in working
    assert f"/admin/articles/publishedarticle/{article.pk}/change/" in working
    assert "Live title" in live
    assert f"/admin/articles/article/{article.pk}/change/" in live


def test_take_down_asks_for_a_reason_first(moderator_client, author):
    article = published_article(author=author, title="Suspicious")

    response = moderator_client.post(
        LIVE, {"action": "take_down", "_selected_action": [article.pk]}
    )

    assert response.status_code == 200
    assert "reason" in response.content.decode()
    assert "Suspicious" in response.content.decode()
    assert PublishedArticle.objects.get().taken_down_at is None


def test_take_down_without_a_reason_changes_nothing(moderator_client, author):
    article = published_article(author=author)

    response = moderator_client.post(
        LIVE,
        {"action": "take_down", "_selected_action": [article.pk], "apply": "yes", "reason": ""},
    )

    assert response.status_code == 200
    assert PublishedArticle.objects.get().taken_down_at is None
    assert [event[0] for event in article_events()] == ["article.published"]


def test_take_down_hides_the_article_and_publishes(
    moderator_client, author, author_client, reader_client, django_capture_on_commit_callbacks
):
    article = published_article(author=author, tags=["optics"])
    assert reader_client.get(f"{ARTICLES}/{article.pk}").status_code == 200

    with django_capture_on_commit_callbacks(execute=True):
        response = moderator_client.post(
            LIVE,
            {
                "action": "take_down",
                "_selected_action": [article.pk],
                "apply": "yes",
                "reason": "Plagiarised from doi:10.1000/xyz",
            },
        )

    assert response.status_code == 302
    live = PublishedArticle.objects.get()
    assert live.taken_down_at is not None
    assert live.take_down_reason == "Plagiarised from doi:10.1000/xyz"
    assert live.taken_down_by.email == "mod@example.org"
    assert not two_level_cache.cached_locally(article_detail_cache_key(article.pk))
    assert reader_client.get(f"{ARTICLES}/{article.pk}").status_code == 404
    assert reader_client.get(ARTICLES).json()["results"] == []
    assert reader_client.get("/api/v1/tags/optics/articles").json()["results"] == []
    assert author_client.get(f"{ARTICLES}/{article.pk}").status_code == 200
    draft = author_client.get(f"{ARTICLES}/{article.pk}/draft").json()
    assert (draft["taken_down"], draft["take_down_reason"]) == (
        True,
        "Plagiarised from doi:10.1000/xyz",
    )
    assert article_events()[-1] == (
        "article.withdrawn",
        f"article:{article.pk}",
        {
            "article_id": article.pk,
            "author_id": author.pk,
            "status": "taken_down",
            "reason": "taken_down",
        },
    )


def test_republishing_does_not_undo_a_take_down(moderator_client, author, author_client):
    article = published_article(author=author)
    moderator_client.post(
        LIVE,
        {"action": "take_down", "_selected_action": [article.pk], "apply": "yes", "reason": "x"},
    )

    author_client.post(f"{ARTICLES}/{article.pk}/publish")

    assert author_client.get(ARTICLES).json()["results"] == []
    assert [event[0] for event in article_events()] == ["article.published", "article.withdrawn"]


def test_restore_makes_it_public_again(
    moderator_client, author, reader_client, django_capture_on_commit_callbacks
):
    article = published_article(author=author)
    moderator_client.post(
        LIVE,
        {"action": "take_down", "_selected_action": [article.pk], "apply": "yes", "reason": "x"},
    )
    assert reader_client.get(f"{ARTICLES}/{article.pk}").status_code == 404

    with django_capture_on_commit_callbacks(execute=True):
        moderator_client.post(LIVE, {"action": "restore", "_selected_action": [article.pk]})

    live = PublishedArticle.objects.get()
    assert (live.taken_down_at, live.take_down_reason, live.taken_down_by) == (None, "", None)
    assert reader_client.get(f"{ARTICLES}/{article.pk}").status_code == 200
    assert article_events()[-1][2] == {
        "article_id": article.pk,
        "author_id": author.pk,
        "status": "published",
        "reason": "restored",
    }


def test_admin_cannot_add_or_delete_articles(moderator_client, author):
    article = published_article(author=author)

    assert moderator_client.get(f"{LIVE}add/").status_code == 403
    assert moderator_client.get(f"{WORKING}add/").status_code == 403
    assert moderator_client.get(f"{LIVE}{article.pk}/delete/").status_code == 403


def test_revisions_are_read_only_in_the_admin(moderator_client, author):
    from apps.articles.models import ArticleRevision

    article = published_article(author=author, title="Kept as published")
    revision = ArticleRevision.objects.get()
    page = f"/admin/articles/articlerevision/{revision.pk}/change/"

    listed = moderator_client.get("/admin/articles/articlerevision/", {"q": "kept"})
    changed = moderator_client.post(page, {"title": "Rewritten", "number": 9})

    assert "Kept as published" in listed.content.decode()
    assert moderator_client.get(page).status_code == 200
    assert changed.status_code == 403
    assert moderator_client.get("/admin/articles/articlerevision/add/").status_code == 403
    assert (
        moderator_client.get(f"/admin/articles/articlerevision/{revision.pk}/delete/").status_code
        == 403
    )
    assert ArticleRevision.objects.get().title == "Kept as published"
    assert article.pk == revision.article_id
