import pytest
from django.db import transaction

from apps.articles import services
from apps.articles.models import Article, PublishedArticle, PublishedArticleTag
from apps.articles.selectors import article_detail_cache_key
from scholarnet.cache import two_level_cache
from tests.articles.conftest import ARTICLES, article_events
from tests.articles.factories import ArticleFactory, published_article

pytestmark = pytest.mark.django_db


def detail(client, article_id: int):
    return client.get(f"{ARTICLES}/{article_id}")


def test_a_draft_is_not_visible_to_readers(author, reader_client, anonymous_client):
    article = ArticleFactory(author=author)

    assert detail(reader_client, article.pk).status_code == 404
    assert detail(anonymous_client, article.pk).status_code == 404


def test_publish_makes_the_article_visible_with_rendered_html(
    author, author_client, anonymous_client
):
    created = author_client.post(
        ARTICLES,
        {"title": "Gauss", "content": "Sum: $$\\sum k$$ and $n$.", "tags": ["Number theory"]},
    ).json()

    published = author_client.post(f"{ARTICLES}/{created['id']}/publish")
    response = detail(anonymous_client, created["id"])

    assert published.status_code == 200
    assert published.json()["status"] == "published"
    assert published.json()["has_unpublished_changes"] is False
    assert response.status_code == 200
    live = PublishedArticle.objects.get()
    assert response.json() == {
        "id": created["id"],
        "title": "Gauss",
        "abstract": "Sum: \\sum k and n.",
        "content": "Sum: $$\\sum k$$ and $n$.",
        "content_html": '<p>Sum: <span class="math display">\\sum k</span> and '
        '<span class="math inline">n</span>.</p>\n',
        "status": "published",
        "author": {"id": author.pk, "nickname": "Ada", "avatar_url": ""},
        "tags": ["Number theory"],
        "published_at": live.published_at.isoformat().replace("+00:00", "Z"),
        "updated_at": live.updated_at.isoformat().replace("+00:00", "Z"),
        "doi": None,
        "revision": 1,
        "like_count": 0,
        "collect_count": 0,
        "read_count": 0,
        "comment_count": 0,
        "review_count": 0,
        "review_rating_mean": None,
        "liked": False,
        "collected": False,
    }
    assert (live.pk, live.content_bytes, live.author_id) == (created["id"], 24, author.pk)


def test_publish_writes_one_event_with_the_state(author):
    article = published_article(author=author)

    assert article_events() == [
        (
            "article.published",
            f"article:{article.pk}",
            {
                "article_id": article.pk,
                "author_id": author.pk,
                "status": "published",
                "reason": "",
            },
        )
    ]


def test_publishing_empty_content_is_400(author, author_client):
    article = ArticleFactory(author=author, content="  \n")

    response = author_client.post(f"{ARTICLES}/{article.pk}/publish")

    assert response.status_code == 400
    assert list(response.json()["extra"]["fields"]) == ["content"]
    assert not PublishedArticle.objects.exists()
    assert Article.objects.get().status == "draft"


def test_edit_after_publish_changes_only_the_working_copy(author, author_client, reader_client):
    article = published_article(author=author, title="First", content="Version one.")

    response = author_client.patch(
        f"{ARTICLES}/{article.pk}/draft", {"title": "Second", "content": "Version two."}
    )

    assert response.json()["status"] == "published"
    assert response.json()["has_unpublished_changes"] is True
    public = detail(reader_client, article.pk).json()
    assert (public["title"], public["content"]) == ("First", "Version one.")
    assert PublishedArticle.objects.get().title == "First"


def test_republish_updates_the_live_copy_in_place(
    author, author_client, reader_client, django_capture_on_commit_callbacks
):
    article = published_article(author=author, title="First", content="Version one.", tags=["a"])
    first = PublishedArticle.objects.get()
    assert detail(reader_client, article.pk).json()["title"] == "First"  # cached now
    author_client.patch(
        f"{ARTICLES}/{article.pk}/draft",
        {"title": "Second", "content": "Version *two*.", "tags": ["b"]},
    )

    with django_capture_on_commit_callbacks(execute=True):
        response = author_client.post(f"{ARTICLES}/{article.pk}/publish")

    assert response.json()["has_unpublished_changes"] is False
    live = PublishedArticle.objects.get()
    assert (live.pk, live.publish_seq, live.published_at) == (
        first.pk,
        first.publish_seq,
        first.published_at,
    )
    assert live.updated_at > first.updated_at
    public = detail(reader_client, article.pk).json()
    assert (public["title"], public["content_html"], public["tags"]) == (
        "Second",
        "<p>Version <em>two</em>.</p>\n",
        ["b"],
    )
    assert [event[0] for event in article_events()] == ["article.published"] * 2


def test_tag_edits_reach_readers_on_the_next_publish(author, author_client, anonymous_client):
    article = published_article(author=author, tags=["old"])

    author_client.patch(f"{ARTICLES}/{article.pk}/draft", {"tags": ["new"]})

    assert author_client.get(f"{ARTICLES}/{article.pk}/draft").json()["tags"] == ["new"]
    assert anonymous_client.get(ARTICLES, {"tag": "old"}).json()["results"][0]["id"] == article.pk
    assert anonymous_client.get(ARTICLES, {"tag": "new"}).json()["results"] == []
    author_client.post(f"{ARTICLES}/{article.pk}/publish")
    assert anonymous_client.get(ARTICLES, {"tag": "old"}).json()["results"] == []
    assert anonymous_client.get(ARTICLES, {"tag": "new"}).json()["results"][0]["id"] == article.pk


def test_withdraw_hides_a_cached_article_from_everyone_else_at_once(
    author, author_client, reader_client, anonymous_client, django_capture_on_commit_callbacks
):
    article = published_article(author=author)
    assert detail(reader_client, article.pk).status_code == 200
    assert two_level_cache.cached_locally(article_detail_cache_key(article.pk))

    with django_capture_on_commit_callbacks(execute=True):
        response = author_client.post(f"{ARTICLES}/{article.pk}/withdraw")

    assert response.status_code == 200
    assert response.json()["status"] == "private"
    assert detail(reader_client, article.pk).status_code == 404
    assert detail(anonymous_client, article.pk).status_code == 404
    assert anonymous_client.get(ARTICLES).json()["results"] == []
    mine = detail(author_client, article.pk)
    assert (mine.status_code, mine.json()["status"]) == (200, "private")
    assert PublishedArticle.objects.get().status == "private"
    assert Article.objects.get().status == "private"
    assert article_events()[-1] == (
        "article.withdrawn",
        f"article:{article.pk}",
        {
            "article_id": article.pk,
            "author_id": author.pk,
            "status": "private",
            "reason": "withdrawn",
        },
    )


def test_the_cache_is_not_invalidated_before_the_commit(
    author, author_client, reader_client, django_capture_on_commit_callbacks
):
    article = published_article(author=author)
    detail(reader_client, article.pk)

    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        author_client.post(f"{ARTICLES}/{article.pk}/withdraw")

    assert two_level_cache.cached_locally(article_detail_cache_key(article.pk))
    assert callbacks


def test_withdrawing_twice_is_harmless_and_publishes_once(author, author_client):
    article = published_article(author=author)

    first = author_client.post(f"{ARTICLES}/{article.pk}/withdraw")
    second = author_client.post(f"{ARTICLES}/{article.pk}/withdraw")

    assert (first.status_code, second.status_code) == (200, 200)
    assert [event[0] for event in article_events()] == ["article.published", "article.withdrawn"]


def test_withdrawing_a_never_published_article_is_409(author, author_client):
    article = ArticleFactory(author=author)

    response = author_client.post(f"{ARTICLES}/{article.pk}/withdraw")

    assert response.status_code == 409
    assert response.json()["code"] == "article_not_published"
    assert Article.objects.get().status == "draft"


def test_publishing_a_withdrawn_article_makes_it_public_again(author, author_client, reader_client):
    article = published_article(author=author)
    author_client.post(f"{ARTICLES}/{article.pk}/withdraw")

    author_client.post(f"{ARTICLES}/{article.pk}/publish")

    assert detail(reader_client, article.pk).status_code == 200
    assert [event[2]["status"] for event in article_events()] == [
        "published",
        "private",
        "published",
    ]


def test_delete_hides_a_cached_article_at_once_and_publishes(
    author, author_client, reader_client, django_capture_on_commit_callbacks
):
    article = published_article(author=author)
    assert detail(reader_client, article.pk).status_code == 200

    with django_capture_on_commit_callbacks(execute=True):
        author_client.delete(f"{ARTICLES}/{article.pk}/draft")

    assert detail(reader_client, article.pk).status_code == 404
    assert detail(author_client, article.pk).status_code == 404
    assert not PublishedArticleTag.objects.exists()
    assert article_events()[-1] == (
        "article.withdrawn",
        f"article:{article.pk}",
        {
            "article_id": article.pk,
            "author_id": author.pk,
            "status": "deleted",
            "reason": "deleted",
        },
    )


def test_deleting_a_never_published_draft_publishes_nothing(author, author_client):
    article = ArticleFactory(author=author)

    author_client.delete(f"{ARTICLES}/{article.pk}/draft")

    assert article_events() == []


def test_a_failed_publish_rolls_back_both_stores_and_the_event(author, monkeypatch):
    article = ArticleFactory(author=author)

    def broken(live):
        raise RuntimeError("disk full")

    monkeypatch.setattr(services, "_tag_snapshot", broken)
    with pytest.raises(RuntimeError):
        services.article_publish(article_id=article.pk, author=author)

    assert not PublishedArticle.objects.exists()
    assert Article.objects.get().status == "draft"
    assert article_events() == []


def test_events_roll_back_with_the_callers_transaction(author):
    article = published_article(author=author)

    def withdraw_then_fail():
        with transaction.atomic():
            services.article_withdraw(article_id=article.pk, author=author)
            raise RuntimeError("caller failed after the withdrawal")

    with pytest.raises(RuntimeError):
        withdraw_then_fail()

    assert PublishedArticle.objects.get().status == "published"
    assert [event[0] for event in article_events()] == ["article.published"]


def test_publish_renders_again_when_an_edit_lands_during_rendering(author, monkeypatch):
    article = ArticleFactory(author=author, content="Before.")
    original_render = services._render
    edited = []

    def render_then_edit(draft):
        rendition = original_render(draft)
        if not edited:
            edited.append(True)
            services.article_draft_update(
                article_id=article.pk, author=author, data={"content": "After."}
            )
        return rendition

    monkeypatch.setattr(services, "_render", render_then_edit)
    services.article_publish(article_id=article.pk, author=author)

    live = PublishedArticle.objects.get()
    assert (live.content, live.content_html) == ("After.", "<p>After.</p>\n")
    assert Article.objects.get().published_version == 2


def test_the_author_reads_a_private_article_from_the_live_copy(author, author_client):
    article = published_article(author=author, title="As published")
    author_client.patch(f"{ARTICLES}/{article.pk}/draft", {"title": "Edited later"})
    author_client.post(f"{ARTICLES}/{article.pk}/withdraw")

    response = detail(author_client, article.pk)

    assert response.json()["title"] == "As published"
    assert response.json()["status"] == "private"


def test_warm_detail_is_served_without_queries(author, anonymous_client, django_assert_num_queries):
    article = published_article(author=author)
    detail(anonymous_client, article.pk)

    with django_assert_num_queries(0):
        response = detail(anonymous_client, article.pk)

    assert response.status_code == 200


def test_unknown_ids_are_cached_too(anonymous_client, django_assert_num_queries):
    detail(anonymous_client, 424242)

    with django_assert_num_queries(0):
        assert detail(anonymous_client, 424242).status_code == 404


def test_detail_cache_can_be_switched_off(author, anonymous_client, settings):
    settings.ARTICLE_DETAIL_CACHE_ENABLED = False
    article = published_article(author=author)

    detail(anonymous_client, article.pk)

    assert not two_level_cache.cached_locally(article_detail_cache_key(article.pk))
    assert detail(anonymous_client, article.pk).status_code == 200


@pytest.mark.django_db(transaction=True)
def test_withdraw_hides_a_cached_article_after_a_real_commit(author, reader_client):
    article = published_article(author=author)
    assert detail(reader_client, article.pk).status_code == 200
    two_level_cache.clear_local()
    assert detail(reader_client, article.pk).status_code == 200  # now in Redis as well

    services.article_withdraw(article_id=article.pk, author=author)

    assert detail(reader_client, article.pk).status_code == 404
