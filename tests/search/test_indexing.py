"""The index follows the site through the outbox events, end to end: services publish, the
relay delivers to the ``search`` group (eager Celery, local transport), and search answers."""

from __future__ import annotations

import pytest
from django.db import transaction

from apps.articles import services as articles
from apps.search import services
from apps.search.backends import get_backend
from apps.search.backends.base import SearchUnavailable
from apps.tags import services as tags
from apps.users import services as users
from scholarnet.events import publish
from scholarnet.events.envelope import Event
from scholarnet.events.models import DeadLetterEvent, OutboxEvent
from scholarnet.events.transports import LocalTransport
from tests.articles.factories import ArticleFactory
from tests.search.support import found
from tests.users.factories import UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def committed(django_capture_on_commit_callbacks):
    """Run a service as if its transaction committed: the relay then delivers its events."""

    def run(service, **kwargs):
        with django_capture_on_commit_callbacks(execute=True):
            return service(**kwargs)

    return run


@pytest.fixture
def author(committed):
    return committed(
        users.user_register, email="ada@example.org", password="violet-harbour-42", nickname="Ada"
    )


@pytest.fixture
def article(committed, author):
    draft = committed(
        articles.article_create,
        author=author,
        title="Spectral methods for graph learning",
        content="We study **注意力机制** and Laplacians.",
        tags=["Deep Learning"],
    )
    return committed(articles.article_publish, article_id=draft.pk, author=author)


def article_ids(query: str, **options) -> list[str]:
    return found(get_backend(), "article", query, **options)


def test_a_published_article_is_found_by_its_fields(article, author):
    assert article_ids("graph learning") == [str(article.pk)]
    assert article_ids("注意力") == [str(article.pk)]
    assert article_ids("laplacian") == [str(article.pk)]
    assert article_ids("ada") == [str(article.pk)]  # the author's nickname
    assert article_ids("spectral", filters={"tags": "deep learning"}) == [str(article.pk)]
    assert article_ids("spectral", filters={"author_id": author.pk}) == [str(article.pk)]
    stored = get_backend().get("article", str(article.pk))
    assert stored["author_nickname"] == "Ada"
    assert stored["tags"] == ["Deep Learning"]


def test_a_draft_is_not_indexed(committed, author):
    committed(articles.article_create, author=author, title="Unpublished graph notes", content="x")

    assert article_ids("unpublished") == []


def test_withdrawing_removes_the_article(committed, article, author):
    committed(articles.article_withdraw, article_id=article.pk, author=author)

    assert article_ids("spectral") == []


def test_deleting_removes_the_article(committed, article, author):
    committed(articles.article_delete, article_id=article.pk, author=author)

    assert article_ids("spectral") == []


def test_a_take_down_removes_the_article_and_a_restore_brings_it_back(committed, article):
    moderator = UserFactory(is_staff=True)

    committed(articles.article_take_down, article_id=article.pk, moderator=moderator, reason="x")
    assert article_ids("spectral") == []

    committed(articles.article_restore, article_id=article.pk, moderator=moderator)
    assert article_ids("spectral") == [str(article.pk)]


def test_republishing_indexes_the_new_version(committed, article, author):
    committed(
        articles.article_draft_update,
        article_id=article.pk,
        author=author,
        data={"title": "Krylov solvers"},
    )
    assert article_ids("krylov") == []  # a draft edit is not public yet

    committed(articles.article_publish, article_id=article.pk, author=author)

    assert article_ids("krylov") == [str(article.pk)]
    assert article_ids("spectral") == []


def test_an_old_event_delivered_again_cannot_bring_a_withdrawn_article_back(
    committed, article, author
):
    published = OutboxEvent.objects.filter(type="article.published").latest("id")
    committed(articles.article_withdraw, article_id=article.pk, author=author)

    LocalTransport().send([Event.from_outbox(published)])  # redelivered late

    assert article_ids("spectral") == []


def test_a_user_is_found_by_public_fields_never_by_email_or_phone(committed):
    user = committed(
        users.user_register, email="hidden.mailbox@example.org", password="violet-harbour-42"
    )
    committed(users.user_profile_update, user=user, data={"nickname": "Grace", "about": "学习"})
    phone_user = committed(users.user_get_or_create_by_phone, phone="+8613800138000")

    backend = get_backend()
    assert found(backend, "user", "grace") == [str(user.pk)]
    assert found(backend, "user", "学习") == [str(user.pk)]
    for secret in ("hidden.mailbox@example.org", "hidden", "mailbox", "8613800138000"):
        assert found(backend, "user", secret) == [], secret
    assert backend.get("user", str(user.pk)) == {
        "nickname": "Grace",
        "about": "学习",
        "avatar_url": "",
    }
    assert backend.get("user", str(phone_user.pk)) == {
        "nickname": "",
        "about": "",
        "avatar_url": "",
    }


def test_a_deactivated_user_is_removed(committed, author):
    committed(users.user_deactivate, user=author)

    assert found(get_backend(), "user", "ada") == []


def test_a_nickname_change_reaches_the_authors_articles(committed, article, author):
    committed(users.user_profile_update, user=author, data={"nickname": "Lovelace"})

    assert article_ids("lovelace") == [str(article.pk)]
    assert article_ids("ada") == []


def test_tags_are_indexed_from_their_search_any_events(committed, author):
    official = committed(tags.tag_create_official, name="图神经网络")
    committed(articles.article_create, author=author, title="t", content="c", tags=["own tag"])
    backend = get_backend()

    assert found(backend, "tag", "神经") == [str(official.pk)]
    assert found(backend, "tag", "own", filters={"audience": [f"user:{author.pk}"]}) != []

    committed(tags.tag_delete, tag=official)
    assert found(backend, "tag", "神经") == []


def test_any_app_can_index_and_delete_its_own_documents(committed):
    def send(payload):
        def publish_in_transaction():
            with transaction.atomic():
                publish("search.any", payload, key="note:1")

        committed(publish_in_transaction)

    send({"doc_type": "note", "doc_id": "n-1", "op": "upsert", "fields": {"body": "Krylov"}})
    assert found(get_backend(), "note", "krylov") == ["n-1"]

    send({"doc_type": "note", "doc_id": "n-1", "op": "delete"})
    assert found(get_backend(), "note", "krylov") == []


@pytest.mark.parametrize(
    "payload",
    [
        {"doc_type": "article", "doc_id": "1", "op": "upsert", "fields": {"title": "Fake"}},
        {"doc_type": "user", "doc_id": "1", "op": "upsert", "fields": {"nickname": "Fake"}},
        {"doc_type": "note", "doc_id": "1", "op": "replace", "fields": {"title": "Fake"}},
        {"doc_type": "Bad Type", "doc_id": "1", "op": "upsert", "fields": {"title": "Fake"}},
        {"doc_type": "note", "op": "upsert", "fields": {"title": "Fake"}},
    ],
)
def test_search_any_cannot_write_articles_users_or_malformed_documents(committed, payload):
    def publish_in_transaction():
        with transaction.atomic():
            publish("search.any", payload)

    committed(publish_in_transaction)

    for doc_type in ("article", "user", "note"):
        assert found(get_backend(), doc_type, "fake") == []
    assert DeadLetterEvent.objects.count() == 0  # dropped at once, not retried


def test_an_index_outage_is_retried_then_dead_lettered(committed, settings, monkeypatch, author):
    settings.EVENTS_CONSUMER_MAX_RETRIES = 1
    settings.EVENTS_CONSUMER_RETRY_BACKOFF = 0.001

    def unavailable(**kwargs):
        raise SearchUnavailable()

    monkeypatch.setattr(services, "search_article_sync", unavailable)
    draft = ArticleFactory(author=author)

    committed(articles.article_publish, article_id=draft.pk, author=author)

    [dead] = DeadLetterEvent.objects.filter(group="search")
    assert (dead.type, dead.attempts) == ("article.published", 2)
