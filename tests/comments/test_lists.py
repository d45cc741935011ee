from __future__ import annotations

import pytest

from apps.comments import selectors, services
from tests.comments.conftest import COMMENTS, REPLIES
from tests.users.factories import UserFactory

pytestmark = pytest.mark.django_db


def thread(article, user, *, roots: int, replies: int) -> list[tuple[int, list[int]]]:
    made = []
    for index in range(roots):
        root = services.comment_create(user=user, article_id=article.pk, content=f"root {index}")
        children = [
            services.comment_create(
                user=user, article_id=article.pk, content=f"reply {n}", parent_id=root.pk
            ).pk
            for n in range(replies)
        ]
        made.append((root.pk, children))
    return made


def test_roots_newest_first_each_with_its_three_newest_replies(anonymous_client, reader, article):
    made = thread(article, reader, roots=3, replies=5)

    url = COMMENTS.format(article.pk)
    body = anonymous_client.get(url, {"page_size": 2}).json()

    assert body["replies_included"] is True
    assert [row["id"] for row in body["results"]] == [made[2][0], made[1][0]]
    assert [r["id"] for r in body["results"][0]["replies"]] == made[2][1][:-4:-1]
    assert body["results"][0]["reply_count"] == 5
    rest = anonymous_client.get(url, {"cursor": body["next"], "page_size": 3}).json()
    assert [row["id"] for row in rest["results"]] == [made[0][0]]
    assert rest["next"] is None


@pytest.mark.parametrize("page_size", [2, 10])
def test_a_page_costs_the_same_queries_whatever_its_size(
    anonymous_client, reader, article, page_size, django_assert_num_queries
):
    thread(article, reader, roots=10, replies=4)
    # The article's visibility, the roots, all their replies, all the authors.
    with django_assert_num_queries(4):
        body = anonymous_client.get(COMMENTS.format(article.pk), {"page_size": page_size}).json()
    assert len(body["results"]) == page_size
    assert all(len(row["replies"]) == 3 for row in body["results"])


def test_the_degrade_switch_skips_replies_and_says_so(
    settings, anonymous_client, reader, article, django_assert_num_queries
):
    made = thread(article, reader, roots=2, replies=2)
    settings.COMMENTS_DEGRADED = True

    with django_assert_num_queries(3):
        body = anonymous_client.get(COMMENTS.format(article.pk)).json()

    assert body["replies_included"] is False
    assert [(row["id"], row["replies"]) for row in body["results"]] == [
        (made[1][0], []),
        (made[0][0], []),
    ]


def test_a_slow_roots_query_turns_the_switch_on_for_a_while(
    settings, anonymous_client, reader, article
):
    thread(article, reader, roots=1, replies=1)
    settings.COMMENTS_SLOW_QUERY_SECONDS = 0.0  # every query is "slow"

    first = anonymous_client.get(COMMENTS.format(article.pk)).json()
    second = anonymous_client.get(COMMENTS.format(article.pk)).json()

    assert (first["replies_included"], second["replies_included"]) == (True, False)
    assert second["results"][0]["replies"] == []
    selectors.slow_database.reset()
    settings.COMMENTS_SLOW_QUERY_SECONDS = 10.0
    assert anonymous_client.get(COMMENTS.format(article.pk)).json()["replies_included"] is True


def test_replies_oldest_first_keyset_paginated(anonymous_client, reader, article):
    [(root, replies)] = thread(article, reader, roots=1, replies=5)

    url = REPLIES.format(root)
    body = anonymous_client.get(url, {"page_size": 3}).json()
    assert [row["id"] for row in body["results"]] == replies[:3]
    rest = anonymous_client.get(url, {"cursor": body["next"], "page_size": 3}).json()
    assert [row["id"] for row in rest["results"]] == replies[3:]


@pytest.mark.parametrize("page_size", [2, 10])
def test_replies_page_queries_are_constant(
    anonymous_client, reader, article, page_size, django_assert_num_queries
):
    [(root, _)] = thread(article, reader, roots=1, replies=12)
    with django_assert_num_queries(4):  # the root, its article, the page, the authors
        body = anonymous_client.get(REPLIES.format(root), {"page_size": page_size}).json()
    assert len(body["results"]) == page_size


def test_replies_of_a_reply_or_a_hidden_article_are_404(anonymous_client, author, reader, article):
    from apps.articles import services as article_services

    [(root, replies)] = thread(article, reader, roots=1, replies=1)
    response = anonymous_client.get(REPLIES.format(replies[0]))
    assert (response.status_code, response.json()["code"]) == (404, "comment_not_found")
    article_services.article_withdraw(article_id=article.pk, author=author)
    assert anonymous_client.get(REPLIES.format(root)).status_code == 404


def test_another_users_comments_show_their_author(anonymous_client, article):
    other = UserFactory(nickname="Emmy")
    services.comment_create(user=other, article_id=article.pk, content="hello")
    body = anonymous_client.get(COMMENTS.format(article.pk)).json()
    assert body["results"][0]["author"] == {"id": other.pk, "nickname": "Emmy"}
