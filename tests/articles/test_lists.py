import pytest
from django.contrib.auth.models import AnonymousUser

from apps.articles import selectors, services
from apps.articles.selectors import article_detail_cache_key, author_first_page_cache_key
from scholarnet.cache import two_level_cache
from tests.articles.conftest import ARTICLES, ME_ARTICLES
from tests.articles.factories import ArticleFactory, published_article
from tests.users.factories import UserFactory

pytestmark = pytest.mark.django_db


def ids(response) -> list[int]:
    assert response.status_code == 200, response.json()
    return [item["id"] for item in response.json()["results"]]


def walk(client, path: str, **params) -> list[list[int]]:
    """Every page of a list, following ``next`` until it is null."""
    pages, cursor = [], None
    while True:
        response = client.get(path, {**params, **({"cursor": cursor} if cursor else {})})
        pages.append(ids(response))
        cursor = response.json()["next"]
        if cursor is None:
            return pages


def test_public_list_is_newest_published_first(author, anonymous_client):
    first = published_article(author=author)
    draft = ArticleFactory(author=author)
    second = published_article(author=author)
    withdrawn = published_article(author=author)
    services.article_withdraw(article_id=withdrawn.pk, author=author)

    response = anonymous_client.get(ARTICLES)

    assert ids(response) == [second.pk, first.pk]
    assert draft.pk not in ids(response)
    item = response.json()["results"][0]
    assert set(item) == {
        "id",
        "title",
        "abstract",
        "status",
        "author",
        "tags",
        "published_at",
        "updated_at",
        "like_count",
        "collect_count",
        "read_count",
        "comment_count",
        "review_count",
        "review_rating_mean",
        "liked",
        "collected",
    }
    assert item["author"] == {"id": author.pk, "nickname": "Ada", "avatar_url": ""}


def test_order_is_first_publication_not_creation(author, anonymous_client):
    older_draft = ArticleFactory(author=author)
    newer = published_article(author=author)

    services.article_publish(article_id=older_draft.pk, author=author)

    assert ids(anonymous_client.get(ARTICLES)) == [older_draft.pk, newer.pk]


def test_republishing_keeps_the_place_in_the_list(author, anonymous_client):
    first = published_article(author=author)
    second = published_article(author=author)

    services.article_publish(article_id=first.pk, author=author)

    assert ids(anonymous_client.get(ARTICLES)) == [second.pk, first.pk]


def test_cursor_pagination_walks_every_page_once(author, anonymous_client):
    articles = [published_article(author=author) for _ in range(7)]
    newest_first = [article.pk for article in reversed(articles)]

    pages = walk(anonymous_client, ARTICLES, page_size=3)

    assert pages == [newest_first[0:3], newest_first[3:6], newest_first[6:7]]


def test_a_page_stays_stable_while_new_articles_are_published(author, anonymous_client):
    articles = [published_article(author=author) for _ in range(4)]
    first = anonymous_client.get(ARTICLES, {"page_size": 2})

    published_article(author=author)
    second = anonymous_client.get(ARTICLES, {"page_size": 2, "cursor": first.json()["next"]})

    assert ids(second) == [articles[1].pk, articles[0].pk]


def test_author_filter(author, reader, anonymous_client):
    mine = published_article(author=author)
    published_article(author=reader)

    assert ids(anonymous_client.get(ARTICLES, {"author": author.pk})) == [mine.pk]
    assert ids(anonymous_client.get(ARTICLES, {"author": 999_999})) == []


@pytest.mark.parametrize("value", ["abc", "0", "-1", "9" * 30])
def test_a_malformed_author_filter_is_400(anonymous_client, value):
    response = anonymous_client.get(ARTICLES, {"author": value})

    assert response.status_code == 400
    assert list(response.json()["extra"]["fields"]) == ["author"]


def test_tag_filter_matches_names_like_the_tags_app(author, reader, anonymous_client):
    tagged = published_article(author=author, tags=["Machine Learning"])
    other_users_tag = published_article(author=reader, tags=["machine   learning"])
    published_article(author=author, tags=["Biology"])
    untagged = published_article(author=author)

    expected = [other_users_tag.pk, tagged.pk]
    assert ids(anonymous_client.get(ARTICLES, {"tag": "MACHINE LEARNING"})) == expected
    assert ids(anonymous_client.get("/api/v1/tags/machine learning/articles")) == expected
    assert untagged.pk not in ids(anonymous_client.get(ARTICLES, {"tag": "biology"}))


def test_tag_and_author_filters_combine(author, reader, anonymous_client):
    mine = published_article(author=author, tags=["optics"])
    published_article(author=reader, tags=["optics"])

    assert ids(anonymous_client.get(ARTICLES, {"tag": "optics", "author": author.pk})) == [mine.pk]


def test_tag_lists_hide_withdrawn_and_taken_down_articles(author, anonymous_client):
    withdrawn = published_article(author=author, tags=["optics"])
    taken_down = published_article(author=author, tags=["optics"])
    visible = published_article(author=author, tags=["optics"])
    services.article_withdraw(article_id=withdrawn.pk, author=author)
    moderator = UserFactory(is_staff=True)
    services.article_take_down(article_id=taken_down.pk, moderator=moderator, reason="spam")

    assert ids(anonymous_client.get("/api/v1/tags/optics/articles")) == [visible.pk]
    assert ids(anonymous_client.get(ARTICLES)) == [visible.pk]


@pytest.mark.parametrize("name", ["x" * 40, "a/b"])
def test_a_tag_that_cannot_exist_lists_nothing(anonymous_client, author, name):
    published_article(author=author, tags=["optics"])

    assert ids(anonymous_client.get(ARTICLES, {"tag": name})) == []


def test_a_blank_tag_filter_is_400(anonymous_client):
    response = anonymous_client.get(ARTICLES, {"tag": "  "})

    assert response.status_code == 400
    assert list(response.json()["extra"]["fields"]) == ["tag"]


def test_tag_route_paginates_with_cursors(author, anonymous_client):
    articles = [published_article(author=author, tags=["topology"]) for _ in range(5)]

    pages = walk(anonymous_client, "/api/v1/tags/topology/articles", page_size=2)

    assert pages == [
        [articles[4].pk, articles[3].pk],
        [articles[2].pk, articles[1].pk],
        [articles[0].pk],
    ]


def test_invalid_cursor_is_400(anonymous_client):
    response = anonymous_client.get(ARTICLES, {"cursor": "not-a-cursor"})

    assert response.status_code == 400
    assert response.json()["code"] == "invalid_cursor"


# --- query counts --------------------------------------------------------------------------


def _publish_many(count: int, *, tags: list[str] | None = None) -> None:
    for index in range(count):
        published_article(author=UserFactory(), tags=tags or [f"t{index}", "shared"])


@pytest.mark.parametrize("page_size", [5, 40])
def test_public_list_costs_five_queries_whatever_the_page_size(
    anonymous_client, django_assert_max_num_queries, page_size
):
    _publish_many(40)

    # the page's ids from the index, their rows by id, their authors, their tags, their counts
    with django_assert_max_num_queries(5):
        assert len(ids(anonymous_client.get(ARTICLES, {"page_size": page_size}))) == page_size


@pytest.mark.parametrize("page_size", [5, 40])
def test_signed_in_public_list_costs_one_more_query_for_the_viewer(
    reader_client, django_assert_max_num_queries, page_size
):
    _publish_many(40)

    # the anonymous list's five, the viewer, the viewer's likes and collections
    with django_assert_max_num_queries(8):
        assert len(ids(reader_client.get(ARTICLES, {"page_size": page_size}))) == page_size


@pytest.mark.parametrize("page_size", [5, 40])
def test_tag_list_costs_five_queries_whatever_the_page_size(
    anonymous_client, django_assert_max_num_queries, page_size
):
    _publish_many(40, tags=["shared", "other"])

    with django_assert_max_num_queries(5):
        response = anonymous_client.get("/api/v1/tags/shared/articles", {"page_size": page_size})
        assert len(ids(response)) == page_size


@pytest.mark.parametrize("page_size", [5, 40])
def test_author_filter_costs_five_queries(
    author, anonymous_client, django_assert_max_num_queries, page_size
):
    for _ in range(40):
        published_article(author=author, tags=["a", "b"])

    with django_assert_max_num_queries(5):
        response = anonymous_client.get(ARTICLES, {"author": author.pk, "page_size": page_size})
        assert len(ids(response)) == page_size


@pytest.mark.parametrize("page_size", [5, 40])
def test_me_list_pages_cost_the_same_whatever_their_size(
    author, author_client, django_assert_max_num_queries, page_size
):
    for index in range(45):
        article = services.article_create(
            author=author, title=f"A{index}", content="x", tags=["a", "b"]
        )
        if index % 2:
            services.article_publish(article_id=article.pk, author=author)

    # the viewer, the articles, their tags, the counts' stat rows (Redis misses), the viewer's
    # likes and folder entries (one query)
    with django_assert_max_num_queries(5):
        assert len(ids(author_client.get(ME_ARTICLES, {"page_size": page_size}))) == page_size


# --- the author's own list -------------------------------------------------------------------


def test_me_list_shows_every_status_newest_first(author, author_client, reader):
    published = published_article(author=author, tags=["x"])
    withdrawn = published_article(author=author)
    services.article_withdraw(article_id=withdrawn.pk, author=author)
    draft = ArticleFactory(author=author)
    ArticleFactory(author=reader)

    response = author_client.get(ME_ARTICLES)

    assert ids(response) == [draft.pk, withdrawn.pk, published.pk]
    statuses = [item["status"] for item in response.json()["results"]]
    assert statuses == ["draft", "private", "published"]
    assert response.json()["results"][2]["tags"] == ["x"]
    assert "content" not in response.json()["results"][0]


def test_me_first_page_is_cached_and_served_without_article_queries(
    author, author_client, django_assert_num_queries
):
    ArticleFactory(author=author)
    author_client.get(ME_ARTICLES)
    assert two_level_cache.cached_locally(author_first_page_cache_key(author.pk))

    with django_assert_num_queries(1):  # the viewer's likes / folder entries
        response = author_client.get(ME_ARTICLES)

    assert len(ids(response)) == 1


@pytest.mark.parametrize(
    "change",
    [
        lambda author, article: services.article_create(author=author, title="New", content="x"),
        lambda author, article: services.article_draft_update(
            article_id=article.pk, author=author, data={"title": "Renamed"}
        ),
        lambda author, article: services.article_publish(article_id=article.pk, author=author),
        lambda author, article: services.article_delete(article_id=article.pk, author=author),
    ],
    ids=["create", "edit", "publish", "delete"],
)
def test_any_change_invalidates_the_cached_first_page(
    author, author_client, django_capture_on_commit_callbacks, change
):
    article = services.article_create(author=author, title="Original", content="x")
    before = author_client.get(ME_ARTICLES).json()

    with django_capture_on_commit_callbacks(execute=True):
        change(author, article)

    assert not two_level_cache.cached_locally(author_first_page_cache_key(author.pk))
    assert author_client.get(ME_ARTICLES).json() != before


def test_withdraw_invalidates_the_cached_first_page(
    author, author_client, django_capture_on_commit_callbacks
):
    article = published_article(author=author)
    assert author_client.get(ME_ARTICLES).json()["results"][0]["status"] == "published"

    with django_capture_on_commit_callbacks(execute=True):
        services.article_withdraw(article_id=article.pk, author=author)

    assert author_client.get(ME_ARTICLES).json()["results"][0]["status"] == "private"


def test_serving_the_first_page_preloads_the_first_articles_detail(author, author_client):
    older = published_article(author=author)
    newest = published_article(author=author)

    author_client.get(ME_ARTICLES)

    assert two_level_cache.cached_locally(article_detail_cache_key(newest.pk))
    assert not two_level_cache.cached_locally(article_detail_cache_key(older.pk))


def test_the_preloaded_detail_is_not_loaded_again(author, author_client, django_assert_num_queries):
    article = published_article(author=author)
    author_client.get(ME_ARTICLES)

    with django_assert_num_queries(1) as captured:  # the viewer's likes / folder entries
        assert author_client.get(f"{ARTICLES}/{article.pk}").status_code == 200

    assert not any("articles_" in query["sql"] for query in captured.captured_queries)


def test_a_draft_first_is_not_preloaded(author, author_client):
    draft = ArticleFactory(author=author)

    author_client.get(ME_ARTICLES)

    assert not two_level_cache.cached_locally(article_detail_cache_key(draft.pk))


def test_a_first_article_over_the_preload_limit_is_not_preloaded(author, author_client, settings):
    settings.ARTICLE_PRELOAD_MAX_BYTES = 10
    article = published_article(author=author, content="Eleven bytes and more.")

    author_client.get(ME_ARTICLES)

    assert not two_level_cache.cached_locally(article_detail_cache_key(article.pk))


def test_cached_first_page_cursor_leads_to_the_second_page(author, author_client):
    articles = [ArticleFactory(author=author) for _ in range(25)]
    newest_first = [article.pk for article in reversed(articles)]

    first = author_client.get(ME_ARTICLES)
    cached = author_client.get(ME_ARTICLES)
    second = author_client.get(ME_ARTICLES, {"cursor": cached.json()["next"]})

    assert ids(first) == ids(cached) == newest_first[:20]
    assert first.json()["next"] == cached.json()["next"]
    assert ids(second) == newest_first[20:]
    assert second.json()["next"] is None
    uncached = author_client.get(ME_ARTICLES, {"page_size": 20})
    assert uncached.json()["next"] == first.json()["next"]


@pytest.mark.django_db
def test_article_detail_bytes_equal_the_detail_serializers_output(client):
    from apps.articles.serializers import ArticleDetailOutputSerializer
    from scholarnet.api.renderers import dumps

    author = UserFactory(nickname="Emmy")
    article = services.article_create(
        author=author,
        title="Noether",
        content="Symmetry $\\partial_\\mu j^\\mu = 0$",
        tags=["b", "a"],
    )
    services.article_publish(article_id=article.pk, author=author)

    response = client.get(f"/api/v1/articles/{article.pk}")

    expected = selectors.article_get_for_reader(article_id=article.pk, user=AnonymousUser())
    assert response.status_code == 200
    assert response.content == dumps(ArticleDetailOutputSerializer(expected).data)
