import pytest
from django.db import IntegrityError, connection
from django.test.utils import CaptureQueriesContext

from apps.articles import services as article_services
from apps.interactions import services
from apps.interactions.models import ArticleLike, ArticleStat
from tests.articles.factories import ArticleFactory
from tests.interactions.conftest import LIKE, events, facts, stat
from tests.users.factories import UserFactory

pytestmark = pytest.mark.django_db


def test_like_twice_leaves_one_like_and_a_count_of_one(reader, reader_client, article):
    first = reader_client.put(LIKE.format(article.pk))
    second = reader_client.put(LIKE.format(article.pk))

    assert first.status_code == 200, first.json()
    assert first.json() == {"liked": True, "like_count": 1}
    assert second.json() == {"liked": True, "like_count": 1}
    assert list(ArticleLike.objects.values_list("user_id", "article_id")) == [
        (reader.pk, article.pk)
    ]
    assert stat(article.pk) == (1, 0)
    [event] = events("like.changed")
    assert {key: event[key] for key in ("user_id", "article_id", "author_id", "liked")} == {
        "user_id": reader.pk,
        "article_id": article.pk,
        "author_id": article.author_id,
        "liked": True,
    }
    assert event["like_count"] == 1


def test_unlike_twice_never_goes_below_zero(reader_client, article):
    reader_client.put(LIKE.format(article.pk))

    first = reader_client.delete(LIKE.format(article.pk))
    second = reader_client.delete(LIKE.format(article.pk))

    assert first.json() == {"liked": False, "like_count": 0}
    assert second.json() == {"liked": False, "like_count": 0}
    assert stat(article.pk) == (0, 0)
    assert [event["liked"] for event in events("like.changed")] == [True, False]


def test_a_guarded_decrement_leaves_zero_when_the_counter_is_already_zero(reader, article):
    ArticleLike.objects.create(user=reader, article_id=article.pk)
    ArticleStat.objects.create(article_id=article.pk, like_count=0)

    state = services.article_unlike(user=reader, article_id=article.pk)

    assert state.like_count == 0
    assert stat(article.pk) == (0, 0)


def test_likes_of_different_readers_add_up(author, reader, article):
    services.article_like(user=reader, article_id=article.pk)
    state = services.article_like(user=author, article_id=article.pk)

    assert state.like_count == 2
    assert stat(article.pk) == (2, 0)


@pytest.mark.parametrize("state", ["draft", "private", "taken_down", "missing"])
def test_only_public_articles_can_be_liked(state, author, reader_client):
    if state == "draft":
        article_id = ArticleFactory(author=author).pk
    elif state == "missing":
        article_id = 987654
    else:
        article = article_services.article_create(author=author, title="T", content="x")
        article_services.article_publish(article_id=article.pk, author=author)
        if state == "private":
            article_services.article_withdraw(article_id=article.pk, author=author)
        else:
            article_services.article_take_down(
                article_id=article.pk, moderator=UserFactory(is_staff=True), reason="spam"
            )
        article_id = article.pk

    put = reader_client.put(LIKE.format(article_id))
    delete = reader_client.delete(LIKE.format(article_id))

    assert (put.status_code, put.json()["code"]) == (404, "not_found")
    assert (delete.status_code, delete.json()["code"]) == (404, "not_found")
    assert facts() == (0, 0)
    assert ArticleStat.objects.count() == 0
    assert events("like.changed") == []


def test_a_like_outlives_a_withdraw_and_counts_again_when_republished(
    author, reader, reader_client, article
):
    reader_client.put(LIKE.format(article.pk))
    article_services.article_withdraw(article_id=article.pk, author=author)

    assert reader_client.put(LIKE.format(article.pk)).status_code == 404
    assert ArticleLike.objects.filter(user=reader, article_id=article.pk).exists()

    article_services.article_publish(article_id=article.pk, author=author)
    detail = reader_client.get(f"/api/v1/articles/{article.pk}").json()
    assert (detail["like_count"], detail["liked"]) == (1, True)


def test_like_needs_a_signed_in_user(anonymous_client, article):
    response = anonymous_client.put(LIKE.format(article.pk))

    assert (response.status_code, response.json()["code"]) == (401, "not_authenticated")
    assert facts() == (0, 0)


def test_likes_are_rate_limited_per_user(settings, reader_client, article):
    settings.RATELIMIT_LIKE = "2/60s"
    reader_client.put(LIKE.format(article.pk))
    reader_client.delete(LIKE.format(article.pk))

    refused = reader_client.put(LIKE.format(article.pk))

    assert refused.status_code == 429
    assert refused.json()["code"] == "rate_limited"
    assert int(refused["Retry-After"]) >= 1
    assert facts() == (0, 0)
    assert stat(article.pk) == (0, 0)


def test_a_like_writes_in_one_short_transaction_without_a_savepoint(reader, article):
    services.article_like(user=UserFactory(), article_id=article.pk)  # the stat row exists

    with CaptureQueriesContext(connection) as queries:
        state = services.article_like(user=reader, article_id=article.pk)
    again = services.article_like(user=reader, article_id=article.pk)

    assert (state, again) == (services.LikeState(True, 2), services.LikeState(True, 2))
    statements = [q["sql"].split()[0].upper() for q in queries.captured_queries]
    # One savepoint: the service's transaction itself, nested in the test's (none in production).
    assert statements.count("SAVEPOINT") == 1
    # visibility, stat row lock, liked already?, INSERT, UPDATE, outbox row
    control = {"BEGIN", "COMMIT", "SAVEPOINT", "RELEASE"}
    assert len([s for s in statements if s not in control]) == 6


def test_a_like_whose_insert_fails_is_run_again_and_answers_the_state(reader, article, monkeypatch):
    """An INSERT that meets a like written without the stat row's lock (a bulk load)."""
    services.article_like(user=UserFactory(), article_id=article.pk)
    real, attempts = services._with_stat_row, []

    def insert_fails_once(article_id, work):
        attempts.append(article_id)
        if len(attempts) == 1:
            raise IntegrityError("Duplicate entry for key 'interactions_like_once'")
        return real(article_id, work)

    monkeypatch.setattr(services, "_with_stat_row", insert_fails_once)

    state = services.article_like(user=reader, article_id=article.pk)

    assert attempts == [article.pk, article.pk]
    assert state == services.LikeState(True, 2)
    assert stat(article.pk) == (2, 0)
