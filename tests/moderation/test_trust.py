"""Trust levels: computed from activity by the job; level 0 may not post links in comments and
is held to tighter comment and like limits."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from apps.comments.models import Comment
from apps.interactions.models import ArticleLike, ArticleReadMark, ArticleStat
from apps.moderation import services
from apps.moderation.models import ReportedTarget, TrustLevel
from apps.moderation.trust import trust_level_for, trust_levels_compute
from tests.articles.factories import published_article
from tests.moderation.conftest import moderator_make, report, signed_in_client, trusted
from tests.users.factories import UserFactory

pytestmark = pytest.mark.django_db

COMMENTS = "/api/v1/articles/{}/comments"
LINKED = [
    "See [my site](https://spam.example) now",
    "Cheap pills at http://spam.example",
    "Visit www.spam.example",
    "![img](https://spam.example/x.png)",
]


def _activity(**figures: int) -> dict[str, int]:
    return {
        "account_age_days": 0,
        "articles_read": 0,
        "likes_received": 0,
        "flags_upheld": 0,
        **figures,
    }


@pytest.mark.parametrize(
    ("figures", "previous", "level"),
    [
        ({}, 0, 0),
        ({"account_age_days": 1}, 0, 0),
        ({"account_age_days": 1, "articles_read": 5}, 0, 1),
        ({"account_age_days": 15, "articles_read": 30}, 0, 1),
        ({"account_age_days": 15, "articles_read": 30, "likes_received": 5}, 0, 2),
        ({}, 2, 2),  # reached levels stay when read marks are pruned
        ({"account_age_days": 99, "articles_read": 99, "flags_upheld": 3}, 2, 0),
    ],
)
def test_levels_follow_the_thresholds(figures, previous, level):
    assert trust_level_for(_activity(**figures), previous=previous) == level


def test_thresholds_come_from_settings(settings):
    settings.MODERATION_TRUST_LEVEL_1 = {"account_age_days": 0, "articles_read": 0}
    assert trust_level_for(_activity(), previous=0) == 1


def test_the_job_computes_every_users_level_from_activity(django_assert_max_num_queries):
    veteran, newcomer, flagged = UserFactory(), UserFactory(), UserFactory()
    long_ago = timezone.now() - timedelta(days=20)
    for user in (veteran, flagged):
        user.date_joined = long_ago
        user.save(update_fields=["date_joined"])
    today = timezone.now().date()
    ArticleReadMark.objects.bulk_create(
        ArticleReadMark(day=today, article_id=n, reader_key=f"u:{veteran.pk}") for n in range(30)
    )
    ArticleReadMark.objects.bulk_create(
        ArticleReadMark(day=today, article_id=n, reader_key=f"u:{flagged.pk}") for n in range(30)
    )
    article = published_article(author=veteran)
    ArticleStat.objects.update_or_create(article_id=article.pk, defaults={"like_count": 5})
    flagged_article = published_article(author=flagged)
    moderator = moderator_make()
    for _ in range(3):  # three upheld reports on the flagged author's content
        reporter = UserFactory()
        assert report(signed_in_client(reporter), "user", flagged.pk).status_code == 201
        target = ReportedTarget.objects.get(target_type="user")
        services.report_dismiss(moderator=moderator, target_id=target.pk)
        target.reports.update(status="upheld")
    assert flagged_article.author_id == flagged.pk

    with django_assert_max_num_queries(8):
        done = trust_levels_compute(batch_size=1000)

    assert done >= 3
    levels = dict(TrustLevel.objects.values_list("user_id", "level"))
    assert (levels[veteran.pk], levels[newcomer.pk], levels[flagged.pk]) == (2, 0, 0)
    row = TrustLevel.objects.get(pk=veteran.pk)
    assert (row.account_age_days, row.articles_read, row.likes_received, row.flags_upheld) == (
        20,
        30,
        5,
        0,
    )
    assert TrustLevel.objects.get(pk=flagged.pk).flags_upheld == 3


def test_the_job_costs_the_same_queries_per_batch_whatever_its_size(
    django_assert_max_num_queries,
):
    UserFactory.create_batch(3)
    with django_assert_max_num_queries(8):
        trust_levels_compute(batch_size=100)
    UserFactory.create_batch(30)
    with django_assert_max_num_queries(8):
        trust_levels_compute(batch_size=100)


@pytest.mark.parametrize("content", LINKED)
def test_a_new_account_cannot_post_links(reader, article, content):
    client = signed_in_client(reader)

    response = client.post(COMMENTS.format(article.pk), {"content": content}, format="json")

    assert response.status_code == 400
    assert response.json()["code"] == "comment_links_not_allowed"
    assert not Comment.objects.exists()


@pytest.mark.parametrize("content", LINKED[:2])
def test_level_one_and_staff_may_post_links(reader, article, content):
    for user in (trusted(reader, level=1), UserFactory(is_staff=True)):
        response = signed_in_client(user).post(
            COMMENTS.format(article.pk), {"content": content}, format="json"
        )
        assert response.status_code == 201, response.content


def test_a_new_account_without_links_may_comment(reader, article):
    response = signed_in_client(reader).post(
        COMMENTS.format(article.pk), {"content": "Lemma 2 needs $n>1$."}, format="json"
    )
    assert response.status_code == 201


def test_new_accounts_get_a_tighter_comment_limit(settings, reader, author, article):
    settings.RATELIMIT_COMMENT_NEW_ACCOUNT = "2/60s"
    newcomer, trusted_client = signed_in_client(reader), signed_in_client(trusted(author))
    url = COMMENTS.format(article.pk)

    statuses = [newcomer.post(url, {"content": f"c{n}"}).status_code for n in range(3)]
    trusted_statuses = [
        trusted_client.post(url, {"content": f"t{n}"}).status_code for n in range(3)
    ]

    assert statuses == [201, 201, 429]
    assert trusted_statuses == [201, 201, 201]
    assert Comment.objects.filter(author=reader).count() == 2


def test_new_accounts_get_a_tighter_like_limit(settings, reader, author):
    settings.RATELIMIT_LIKE_NEW_ACCOUNT = "2/60s"
    articles = [published_article(author=author) for _ in range(3)]
    newcomer = signed_in_client(reader)

    statuses = [newcomer.put(f"/api/v1/articles/{a.pk}/like").status_code for a in articles]

    assert statuses == [200, 200, 429]
    assert ArticleLike.objects.filter(user=reader).count() == 2
    trusted(reader)
    assert newcomer.put(f"/api/v1/articles/{articles[2].pk}/like").status_code == 200
