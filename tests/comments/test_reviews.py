from __future__ import annotations

from io import StringIO

import pytest
from django.core.management import call_command
from django.test import TestCase

from apps.comments import services
from apps.comments.models import ArticleEditor, Comment
from apps.interactions.models import ArticleStat
from apps.moderation.setup import moderators_group_ensure
from scholarnet.events.models import OutboxEvent
from tests.articles.conftest import signed_in_client
from tests.articles.factories import ArticleFactory, published_article
from tests.comments.conftest import COMMENT, COMMENTS
from tests.users.factories import UserFactory

pytestmark = pytest.mark.django_db

REVIEWS = "/api/v1/articles/{}/reviews"
EDITORS = "/api/v1/articles/{}/editors"


def post(client, article_id, content="Solid method.", **extra):
    # The test's transaction never commits: run the commit hooks (the counts hash moves in
    # Redis) as a real commit would.
    with TestCase.captureOnCommitCallbacks(execute=True):
        return client.post(
            COMMENTS.format(article_id), {"content": content, **extra}, format="json"
        )


def delete(client, comment_id):
    with TestCase.captureOnCommitCallbacks(execute=True):
        return client.delete(COMMENT.format(comment_id))


def review(client, article_id, rating=7, confidence=4, **extra):
    return post(client, article_id, kind="review", rating=rating, confidence=confidence, **extra)


def article_counts(client, article_id) -> tuple[int, float | None]:
    body = client.get(f"/api/v1/articles/{article_id}").json()
    return body["review_count"], body["review_rating_mean"]


def test_a_review_is_stored_with_its_scores_and_counted(reader_client, author_client, article):
    response = review(reader_client, article.pk, rating=8, confidence=3)

    assert response.status_code == 201, response.content
    body = response.json()
    assert (body["kind"], body["rating"], body["confidence"]) == ("review", 8, 3)
    assert article_counts(author_client, article.pk) == (1, 8.0)
    other = signed_in_client(UserFactory())
    assert review(other, article.pk, rating=5).status_code == 201
    assert article_counts(author_client, article.pk) == (2, 6.5)
    stat = ArticleStat.objects.get(pk=article.pk)
    assert (stat.review_count, stat.review_rating_sum, stat.comment_count) == (2, 13, 2)
    [first, second] = [
        row.payload for row in OutboxEvent.objects.filter(type="comment.created").order_by("id")
    ]
    assert (first["kind"], first["rating"], second["rating"]) == ("review", 8, 5)


def test_an_article_without_reviews_has_no_mean(anonymous_client, article):
    assert article_counts(anonymous_client, article.pk) == (0, None)


def test_a_plain_comment_defaults_to_kind_comment_without_scores(reader_client, article):
    body = post(reader_client, article.pk).json()
    assert (body["kind"], body["rating"], body["confidence"]) == ("comment", None, None)
    stat = ArticleStat.objects.get(pk=article.pk)
    assert (stat.comment_count, stat.review_count, stat.review_rating_sum) == (1, 0, 0)


@pytest.mark.parametrize(
    "fields",
    [
        {"kind": "review"},
        {"kind": "review", "rating": 7},
        {"kind": "review", "confidence": 3},
        {"kind": "comment", "rating": 7, "confidence": 3},
        {"kind": "question", "rating": 7},
    ],
)
def test_scores_belong_to_reviews_alone(reader_client, article, fields):
    response = post(reader_client, article.pk, **fields)

    assert response.status_code == 400
    assert response.json()["code"] == "review_fields_invalid"
    assert not Comment.objects.exists()


@pytest.mark.parametrize(("rating", "confidence"), [(0, 3), (11, 3), (5, 0), (5, 6)])
def test_scores_out_of_range_are_invalid(reader_client, article, rating, confidence):
    response = review(reader_client, article.pk, rating=rating, confidence=confidence)

    assert response.status_code == 400
    assert response.json()["code"] == "invalid"
    assert not Comment.objects.exists()


def test_an_unknown_kind_is_invalid(reader_client, article):
    response = post(reader_client, article.pk, kind="praise")
    assert (response.status_code, response.json()["code"]) == (400, "invalid")


def test_authors_cannot_review_their_own_article(author_client, article):
    response = review(author_client, article.pk)

    assert (response.status_code, response.json()["code"]) == (403, "review_own_article")
    assert not Comment.objects.exists()


def test_a_review_cannot_be_a_reply(reader_client, article):
    root = post(reader_client, article.pk).json()
    response = review(reader_client, article.pk, parent_id=root["id"])

    assert (response.status_code, response.json()["code"]) == (400, "review_not_root")
    assert Comment.objects.count() == 1


def test_the_author_rebuts_a_review(reader_client, author_client, article):
    rated = review(reader_client, article.pk).json()
    response = post(
        author_client, article.pk, "We disagree.", kind="rebuttal", parent_id=rated["id"]
    )

    assert response.status_code == 201, response.content
    assert (response.json()["kind"], response.json()["parent_id"]) == ("rebuttal", rated["id"])


def test_only_the_author_may_rebut(reader_client, article):
    rated = review(reader_client, article.pk).json()
    response = post(reader_client, article.pk, kind="rebuttal", parent_id=rated["id"])

    assert (response.status_code, response.json()["code"]) == (403, "rebuttal_denied")
    assert Comment.objects.count() == 1


@pytest.mark.parametrize("parent_kind", [None, "comment", "question"])
def test_a_rebuttal_answers_a_review_only(reader_client, author_client, article, parent_kind):
    parent_id = None
    if parent_kind:
        parent_id = post(reader_client, article.pk, kind=parent_kind).json()["id"]
    response = post(author_client, article.pk, kind="rebuttal", parent_id=parent_id)

    assert (response.status_code, response.json()["code"]) == (400, "rebuttal_parent_not_review")
    assert Comment.objects.filter(kind="rebuttal").count() == 0


def test_anyone_may_ask_a_question(reader_client, article):
    response = post(reader_client, article.pk, "Which dataset?", kind="question")
    assert (response.status_code, response.json()["kind"]) == (201, "question")


def test_a_meta_review_is_refused_to_readers(reader_client, article):
    response = post(reader_client, article.pk, kind="meta_review")

    assert (response.status_code, response.json()["code"]) == (403, "meta_review_denied")
    assert not Comment.objects.exists()


def test_the_author_alone_may_not_write_a_meta_review_either(author_client, article):
    response = post(author_client, article.pk, kind="meta_review")
    assert (response.status_code, response.json()["code"]) == (403, "meta_review_denied")


def test_staff_and_the_moderators_group_may_write_meta_reviews(article):
    staff = signed_in_client(UserFactory(is_staff=True))
    member = UserFactory()
    member.groups.add(moderators_group_ensure())

    assert post(staff, article.pk, kind="meta_review").status_code == 201
    assert post(signed_in_client(member), article.pk, kind="meta_review").status_code == 201


def test_an_invited_editor_may_write_a_meta_review_until_removed(author_client, article):
    editor = UserFactory()
    editor_client = signed_in_client(editor)

    invited = author_client.post(EDITORS.format(article.pk), {"user_id": editor.pk}, format="json")
    assert invited.status_code == 201, invited.content
    assert invited.json()["user_id"] == editor.pk
    again = author_client.post(EDITORS.format(article.pk), {"user_id": editor.pk}, format="json")
    assert again.status_code == 201
    assert ArticleEditor.objects.filter(article_id=article.pk).count() == 1
    assert post(editor_client, article.pk, kind="meta_review").status_code == 201

    removed = author_client.delete(f"{EDITORS.format(article.pk)}/{editor.pk}")
    assert removed.status_code == 204
    response = post(editor_client, article.pk, kind="meta_review")
    assert (response.status_code, response.json()["code"]) == (403, "meta_review_denied")


def test_an_editor_of_another_article_may_not_meta_review_this_one(author, author_client, article):
    other = published_article(author=author)
    editor = UserFactory()
    author_client.post(EDITORS.format(other.pk), {"user_id": editor.pk}, format="json")

    response = post(signed_in_client(editor), article.pk, kind="meta_review")
    assert (response.status_code, response.json()["code"]) == (403, "meta_review_denied")


def test_only_the_author_manages_editors(reader, reader_client, author_client, article):
    response = reader_client.post(EDITORS.format(article.pk), {"user_id": reader.pk}, format="json")
    assert (response.status_code, response.json()["code"]) == (403, "editor_change_denied")
    assert reader_client.get(EDITORS.format(article.pk)).status_code == 403
    assert not ArticleEditor.objects.exists()
    listing = author_client.get(EDITORS.format(article.pk))
    assert listing.json() == {"results": []}


@pytest.mark.parametrize("who", ["author", "unknown"])
def test_the_author_or_an_unknown_user_cannot_be_an_editor(author, author_client, article, who):
    user_id = author.pk if who == "author" else 987654
    response = author_client.post(EDITORS.format(article.pk), {"user_id": user_id}, format="json")

    assert (response.status_code, response.json()["code"]) == (400, "editor_invalid")
    assert not ArticleEditor.objects.exists()


def test_reviews_list_newest_first_with_rebuttals(
    anonymous_client, author_client, reader_client, article
):
    first = review(reader_client, article.pk, rating=3).json()
    post(reader_client, article.pk, "just chatting")
    second = review(signed_in_client(UserFactory()), article.pk, rating=9).json()
    rebuttal = post(author_client, article.pk, "No.", kind="rebuttal", parent_id=first["id"]).json()
    post(reader_client, article.pk, "a reply that is no rebuttal", parent_id=first["id"])

    body = anonymous_client.get(REVIEWS.format(article.pk), {"page_size": 1}).json()
    assert [row["id"] for row in body["results"]] == [second["id"]]
    assert body["results"][0]["rebuttals"] == []
    rest = anonymous_client.get(REVIEWS.format(article.pk), {"cursor": body["next"]}).json()
    assert [row["id"] for row in rest["results"]] == [first["id"]]
    assert [row["id"] for row in rest["results"][0]["rebuttals"]] == [rebuttal["id"]]
    assert rest["results"][0]["rating"] == 3
    assert rest["next"] is None


@pytest.mark.parametrize("page_size", [1, 5])
def test_a_reviews_page_costs_the_same_whatever_its_size(
    anonymous_client, author, article, django_assert_num_queries, page_size
):
    for _ in range(5):
        rated = services.comment_create(
            user=UserFactory(),
            article_id=article.pk,
            content="ok",
            kind="review",
            rating=6,
            confidence=2,
        )
        services.comment_create(
            user=author, article_id=article.pk, content="no", kind="rebuttal", parent_id=rated.pk
        )
    url = REVIEWS.format(article.pk)
    # visibility, the reviews, their rebuttals, the authors
    with django_assert_num_queries(4):
        body = anonymous_client.get(url, {"page_size": page_size}).json()
    assert len(body["results"]) == page_size
    assert all(len(row["rebuttals"]) == 1 for row in body["results"])


def test_reviews_of_an_article_that_is_not_public_are_404(anonymous_client, author):
    draft = ArticleFactory(author=author)
    response = anonymous_client.get(REVIEWS.format(draft.pk))
    assert response.status_code == 404


def test_deleting_a_review_updates_count_and_mean(reader_client, author_client, article):
    low = review(reader_client, article.pk, rating=2).json()
    review(signed_in_client(UserFactory()), article.pk, rating=10)
    post(author_client, article.pk, kind="rebuttal", parent_id=low["id"])
    assert article_counts(author_client, article.pk) == (2, 6.0)

    assert delete(reader_client, low["id"]).status_code == 204

    assert article_counts(author_client, article.pk) == (1, 10.0)
    stat = ArticleStat.objects.get(pk=article.pk)
    assert (stat.review_count, stat.review_rating_sum) == (1, 10)
    assert not Comment.objects.filter(kind="rebuttal").exists()


def test_a_moderators_take_down_of_a_review_updates_the_count(reader_client, article):
    rated = review(reader_client, article.pk, rating=4).json()
    staff = UserFactory(is_staff=True)

    with TestCase.captureOnCommitCallbacks(execute=True):
        services.comment_delete(user=staff, comment_id=rated["id"])

    assert article_counts(reader_client, article.pk) == (0, None)


def test_deleting_a_plain_comment_leaves_the_reviews_alone(reader_client, author_client, article):
    review(reader_client, article.pk, rating=6)
    chat = post(reader_client, article.pk).json()

    delete(reader_client, chat["id"])

    assert article_counts(author_client, article.pk) == (1, 6.0)


def test_recount_rebuilds_the_review_counts(reader_client, author_client, article):
    review(reader_client, article.pk, rating=6)
    ArticleStat.objects.filter(pk=article.pk).update(review_count=9, review_rating_sum=1)

    with TestCase.captureOnCommitCallbacks(execute=True):
        call_command("comments_recount", stdout=StringIO(), stderr=StringIO())

    stat = ArticleStat.objects.get(pk=article.pk)
    assert (stat.review_count, stat.review_rating_sum) == (1, 6)
    assert article_counts(author_client, article.pk) == (1, 6.0)


def test_interactions_recount_rebuilds_the_review_counts_too(reader_client, article):
    review(reader_client, article.pk, rating=3)
    ArticleStat.objects.filter(pk=article.pk).update(review_count=0, review_rating_sum=0)

    with TestCase.captureOnCommitCallbacks(execute=True):
        call_command("interactions_recount", stdout=StringIO(), stderr=StringIO())

    stat = ArticleStat.objects.get(pk=article.pk)
    assert (stat.review_count, stat.review_rating_sum) == (1, 3)


def _fresh_hash(article_id: int) -> None:
    """As if the changed marker's 2 s had passed: the next read fills the counts hash."""
    from django_redis import get_redis_connection

    from apps.interactions.counters import changed_marker_key

    get_redis_connection("default").delete(changed_marker_key(article_id))


def test_review_counts_come_with_the_other_counts_from_one_hash_without_a_query(
    reader_client, article, django_assert_num_queries
):
    from apps.articles.providers import counts_get

    review(reader_client, article.pk, rating=9)
    _fresh_hash(article.pk)
    counts_get(article_ids=[article.pk])  # fills the hash from the stat row
    with django_assert_num_queries(0):
        answer = counts_get(article_ids=[article.pk])
    counts = answer[article.pk]
    assert (counts.comment_count, counts.review_count, counts.review_rating_mean) == (1, 1, 9.0)


def test_review_commit_hooks_in_either_order_leave_the_hash_exact(
    article, django_capture_on_commit_callbacks
):
    from apps.articles.providers import counts_get

    counts_get(article_ids=[article.pk])  # the hash exists before the reviews (0 of them)
    with django_capture_on_commit_callbacks() as hooks:
        for rating in (2, 9):
            services.comment_create(
                user=UserFactory(),
                article_id=article.pk,
                content="r",
                kind="review",
                rating=rating,
                confidence=2,
            )
    for hook in reversed(hooks):  # the later transaction's hook running first
        hook()

    counts = counts_get(article_ids=[article.pk])[article.pk]
    assert (counts.comment_count, counts.review_count, counts.review_rating_mean) == (2, 2, 5.5)


def test_counts_redis_lost_are_refilled_from_the_stat_rows(reader_client, article):
    from django_redis import get_redis_connection

    review(reader_client, article.pk, rating=4)
    get_redis_connection("default").flushdb()

    assert article_counts(reader_client, article.pk) == (1, 4.0)
