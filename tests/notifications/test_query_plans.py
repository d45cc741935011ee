"""The lists of follows, comments and notifications keep their plans on MariaDB at size.

Tables filled with bulk ``INSERT … SELECT`` doublings in the test's transaction (about 130k
rows on one article, one user's followers, one user's notifications), no ``ANALYZE``; then each
list's first and second page are requested through the API and every SELECT is ``EXPLAIN``ed
with the rules of ``tests/articles/test_query_plans.py``: a statement that stops at a LIMIT
reads one table through an index without sorting; the rest fetch by the page's own ids.
One module for the three apps: building the tables is most of the time.
"""

from __future__ import annotations

from typing import Any

import pytest
from django.db import connection
from django.utils import timezone
from rest_framework.test import APIClient

from apps.comments.services import comment_create
from apps.notifications.models import Notification, NotificationKind
from tests.articles.factories import published_article
from tests.articles.test_query_plans import _double, _double_users, _explain, _indexed
from tests.users.factories import UserFactory

pytestmark = [pytest.mark.real_db, pytest.mark.django_db]

DOUBLINGS = 12  # 32 rows doubled 12 times: 131,072


@pytest.fixture(autouse=True)
def _mariadb_only() -> None:
    if connection.vendor != "mysql":
        pytest.skip("EXPLAIN plans are asserted on MySQL/MariaDB only")


def _assert_plan_stable(queries: list[dict[str, str]]) -> int:
    """The articles' rules, and one more shape: the comment page's replies, a window over the
    page's own roots (``root_id IN (…)`` on the ``(root, id)`` index) read as a derived table.
    Its sort is bounded by those roots' replies, not by the table."""
    selects = [query["sql"] for query in queries if query["sql"].lstrip().startswith("SELECT")]
    for sql in selects:
        plan = _explain(sql)
        for step in plan:
            assert _indexed(step), f"not through an index: {sql}\n{step}"
        if " LIMIT " in sql and " INNER JOIN `users_user` " in sql:
            _assert_follow_page(plan, sql)
        elif " LIMIT " in sql:
            assert len(plan) == 1, f"a join leaves the optimizer an order to guess: {sql}\n{plan}"
            assert "filesort" not in (plan[0]["extra"] or ""), f"sorts first: {sql}\n{plan}"
        elif plan[0]["table"].startswith("<derived"):
            (inner,) = plan[1:]
            assert (inner["type"], inner["key"]) == ("range", "comments_thread"), plan
        else:  # rows fetched by the page's ids: any further table by its primary key
            assert all(step["type"] == "eq_ref" for step in plan[1:]), f"{sql}\n{plan}"
    return len(selects)


def _assert_follow_page(plan: list[dict[str, Any]], sql: str) -> None:
    """A follow list joins the users to hide deactivated ones: it must start from the follows
    through their (followee|follower, -id) index, unsorted, and join each user by primary key.
    (A join leaves the order to the optimizer; this holds it to the one that stays fast.)"""
    first, *rest = plan
    assert first["table"] == "follows_follow", f"{sql}\n{plan}"
    assert first["key"] in ("follows_followers_newest", "follows_followees_newest"), plan
    assert "filesort" not in (first["extra"] or ""), f"sorts first: {sql}\n{plan}"
    assert [step["type"] for step in rest] == ["eq_ref"], f"{sql}\n{plan}"


def _pages(client: APIClient, path: str, **params: Any) -> list[dict[str, str]]:
    """The queries of the list's second page (after a first one of 20)."""
    from django.test.utils import CaptureQueriesContext

    first = client.get(path, {**params, "page_size": 20})
    assert first.status_code == 200, first.content
    assert first.json()["next"] is not None
    with CaptureQueriesContext(connection) as captured:
        second = client.get(path, {**params, "page_size": 20, "cursor": first.json()["next"]})
    assert second.status_code == 200, second.content
    assert len(second.json()["results"]) == 20
    return captured.captured_queries


@pytest.fixture
def big_world() -> dict[str, Any]:
    author, reader = UserFactory(), UserFactory()
    article = published_article(author=author)
    other = published_article(author=reader)
    for index in range(32):
        comment_create(user=reader, article_id=article.pk, content=f"Root {index}")
    columns = "article_id, author_id, root_id, parent_id, content, content_html, reply_count, "
    columns += "created_at"
    _double(
        "comments_comment",
        columns,
        f"SELECT CASE WHEN id % 2 = 0 THEN {other.pk} ELSE article_id END, author_id, NULL, "
        "NULL, content, content_html, 0, created_at FROM comments_comment WHERE root_id IS NULL",
    )
    newest = comment_create(user=reader, article_id=article.pk, content="Newest root")
    for index in range(5):
        comment_create(user=author, article_id=article.pk, content=f"R{index}", parent_id=newest.pk)
    _double_users()
    now = timezone.now()
    with connection.cursor() as cursor:
        cursor.execute(
            "INSERT INTO follows_follow (follower_id, followee_id, created_at) "
            "SELECT id, %s, %s FROM users_user WHERE id <> %s",
            [author.pk, now, author.pk],
        )
        cursor.execute(
            "INSERT INTO follows_follow (follower_id, followee_id, created_at) "
            "SELECT %s, id, %s FROM users_user WHERE id NOT IN (%s, %s)",
            [reader.pk, now, reader.pk, author.pk],
        )
    for index in range(32):
        Notification.objects.create(
            recipient=author, kind=NotificationKind.COMMENT, group_key=f"c:{index}", open=None
        )
    _double(
        "notifications_notification",
        "recipient_id, kind, group_key, open, article_id, comment_id, title, preview, "
        "actor_count, actor_ids, read_at, created_at, updated_at",
        "SELECT recipient_id, kind, CONCAT('c:', id + {shift}), NULL, article_id, comment_id, "
        "title, preview, actor_count, actor_ids, CASE WHEN id % 3 = 0 THEN updated_at END, "
        "created_at, updated_at FROM notifications_notification",
    )
    return {"author": author, "reader": reader, "article": article, "newest": newest}


def test_every_list_of_follows_comments_and_notifications_walks_its_index(big_world):
    anonymous = APIClient()
    article, author, reader = big_world["article"], big_world["author"], big_world["reader"]
    assert _assert_plan_stable(_pages(anonymous, f"/api/v1/articles/{article.pk}/comments")) >= 2
    assert _assert_plan_stable(_pages(anonymous, f"/api/v1/users/{author.pk}/followers")) >= 2
    assert _assert_plan_stable(_pages(anonymous, f"/api/v1/users/{reader.pk}/followees")) >= 2

    signed_in = APIClient()
    signed_in.force_authenticate(author)
    # The page alone: these notifications have no actors to name.
    assert _assert_plan_stable(_pages(signed_in, "/api/v1/notifications")) == 1
    assert _assert_plan_stable(_pages(signed_in, "/api/v1/notifications", unread="1")) == 1
    kind = {"kind": "comment", "unread": "1"}
    assert _assert_plan_stable(_pages(signed_in, "/api/v1/notifications", **kind)) == 1
