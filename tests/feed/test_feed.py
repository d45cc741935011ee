"""The personal feed: push on publish, pull for big authors and tags, read-time visibility."""

from __future__ import annotations

import pytest
from django.core.management import call_command
from django.utils import timezone

from apps.articles import services as articles
from apps.feed.inbox import inbox_key
from apps.follows import services as follows
from apps.tags.services import tag_create_official
from tests.articles.factories import published_article
from tests.feed.conftest import FEED, feed_ids, relay
from tests.users.factories import UserFactory

pytestmark = pytest.mark.django_db(transaction=True)


def inbox(user) -> list[int]:
    from django_redis import get_redis_connection

    members = get_redis_connection("default").zrevrange(inbox_key(user.pk), 0, -1)
    return [int(member) for member in members if member != b"0"]


def test_a_publish_is_pushed_into_an_active_followers_inbox(author, reader, reader_client):
    follows.user_follow(follower=reader, followee_id=author.pk)
    older = published_article(author=author)
    relay()
    assert feed_ids(reader_client) == [older.pk]  # built from the database on this first read

    newer = published_article(author=author)
    relay()

    assert inbox(reader) == [newer.pk, older.pk]
    assert feed_ids(reader_client) == [newer.pk, older.pk]


def test_an_inactive_follower_gets_no_push_and_no_stored_inbox_but_a_full_feed(
    author, reader, reader_client
):
    reader.last_login = timezone.now() - timezone.timedelta(days=8)
    reader.save(update_fields=["last_login"])
    follows.user_follow(follower=reader, followee_id=author.pk)
    article = published_article(author=author)
    relay()

    assert feed_ids(reader_client) == [article.pk]
    assert inbox(reader) == []


def test_a_big_author_is_pulled_at_read_time_not_pushed(settings, author, reader, reader_client):
    settings.FEED_PUSH_MAX_FOLLOWERS = 1
    follows.user_follow(follower=reader, followee_id=author.pk)  # one follower: above the line
    feed_ids(reader_client)  # the inbox exists
    article = published_article(author=author)
    relay()

    assert inbox(reader) == []
    assert feed_ids(reader_client) == [article.pk]


def test_followed_tags_are_merged_in_newest_first(author, reader, reader_client):
    tag_create_official(name="Graphs")
    follows.tag_follow(user=reader, name="graphs")
    stranger = UserFactory()
    follows.user_follow(follower=reader, followee_id=author.pk)
    first = published_article(author=author)
    tagged = published_article(author=stranger, tags=["Graphs"])
    untagged = published_article(author=stranger)
    last = published_article(author=author)
    relay()

    assert feed_ids(reader_client) == [last.pk, tagged.pk, first.pk]
    assert untagged.pk not in feed_ids(reader_client)


def test_private_and_taken_down_articles_are_hidden_at_read_time(
    settings, author, reader, reader_client
):
    follows.user_follow(follower=reader, followee_id=author.pk)
    feed_ids(reader_client)
    kept, withdrawn, taken_down = (published_article(author=author) for _ in range(3))
    relay()
    assert inbox(reader) == [taken_down.pk, withdrawn.pk, kept.pk]

    settings.EVENTS_RELAY_NUDGE = False  # events wait for relay(): the read alone must filter
    articles.article_withdraw(article_id=withdrawn.pk, author=author)
    articles.article_take_down(article_id=taken_down.pk, moderator=UserFactory(), reason="spam")

    assert feed_ids(reader_client) == [kept.pk]  # no event relayed: the read filters


def test_unfollowing_removes_the_authors_items_and_following_merges_them_in(
    settings, author, reader, reader_client
):
    settings.EVENTS_RELAY_NUDGE = False  # events wait for relay(): the read alone must filter
    other = UserFactory()
    follows.user_follow(follower=reader, followee_id=other.pk)
    mine = published_article(author=other)
    theirs = [published_article(author=author) for _ in range(2)]
    feed_ids(reader_client)  # the inbox: only the followed author's article

    follows.user_follow(follower=reader, followee_id=author.pk)
    relay()
    assert inbox(reader) == [theirs[1].pk, theirs[0].pk, mine.pk]

    follows.user_unfollow(follower=reader, followee_id=author.pk)
    assert feed_ids(reader_client) == [mine.pk]  # at once, before the event is relayed
    relay()
    assert inbox(reader) == [mine.pk]


def test_a_reader_who_follows_nobody_gets_the_newest_and_the_hot_list(reader_client, author):
    from apps.ranking.services import ranking_compute

    older, newer = published_article(author=author), published_article(author=author)
    ranking_compute()

    body = reader_client.get(FEED).json()

    assert body["source"] == "default"
    assert [item["id"] for item in body["results"]] == [newer.pk, older.pk]
    assert {item["id"] for item in body["hot"]} == {newer.pk, older.pk}


def test_cursor_pages_walk_the_whole_feed_once(author, reader, reader_client):
    follows.user_follow(follower=reader, followee_id=author.pk)
    written = [published_article(author=author) for _ in range(5)]
    relay()

    page = reader_client.get(FEED, {"page_size": 2}).json()
    seen = [item["id"] for item in page["results"]]
    while page["next"]:
        page = reader_client.get(FEED, {"page_size": 2, "cursor": page["next"]}).json()
        seen += [item["id"] for item in page["results"]]

    assert seen == [article.pk for article in reversed(written)]


def test_bad_input_is_400_and_anonymous_401(reader_client, anonymous_client):
    bad_cursor = reader_client.get(FEED, {"cursor": "garbage"})
    bad_size = reader_client.get(FEED, {"page_size": 0})

    assert (bad_cursor.status_code, bad_cursor.json()["code"]) == (400, "invalid_cursor")
    assert (bad_size.status_code, bad_size.json()["code"]) == (400, "invalid")
    assert anonymous_client.get(FEED).status_code == 401


def test_feed_rebuild_restores_a_lost_inbox(author, reader):
    follows.user_follow(follower=reader, followee_id=author.pk)
    article = published_article(author=author)

    call_command("feed_rebuild", "--user", str(reader.pk), "--no-progress")

    assert inbox(reader) == [article.pk]


def test_fanout_writes_in_batches_to_active_followers_with_a_built_inbox_only(settings, author):
    from apps.feed.inbox import inbox_store
    from apps.feed.services import feed_fanout

    settings.FEED_FANOUT_BATCH_SIZE = 2
    now = timezone.now()
    active = [UserFactory(last_login=now) for _ in range(5)]
    dormant = UserFactory(last_login=now - timezone.timedelta(days=8))
    unbuilt = UserFactory(last_login=now)
    for user in (*active, dormant, unbuilt):
        follows.user_follow(follower=user, followee_id=author.pk)
    for user in (*active, dormant):
        inbox_store(user_id=user.pk, entries=[], expires_at=now + timezone.timedelta(days=1))
    settings.EVENTS_RELAY_NUDGE = False
    article = published_article(author=author)

    asked = feed_fanout(article_id=article.pk)

    assert asked == 6  # the five active ones and the active one without an inbox
    assert [inbox(user) for user in active] == [[article.pk]] * 5
    assert inbox(dormant) == []
    assert inbox(unbuilt) == []  # no partial inbox: it is rebuilt whole on the next read


def test_an_inbox_keeps_only_the_newest_items(settings, author, reader, reader_client):
    settings.FEED_INBOX_SIZE = 3
    follows.user_follow(follower=reader, followee_id=author.pk)
    feed_ids(reader_client)
    written = [published_article(author=author) for _ in range(5)]
    relay()

    assert inbox(reader) == [article.pk for article in reversed(written)][:3]


def test_warm_cards_never_show_a_hidden_article_nor_an_old_title(
    settings, author, reader, reader_client
):
    settings.EVENTS_RELAY_NUDGE = False  # events wait for relay(): the read alone must filter
    follows.user_follow(follower=reader, followee_id=author.pk)
    feed_ids(reader_client)
    kept, withdrawn = (published_article(author=author, title="Old") for _ in range(2))
    relay()
    assert feed_ids(reader_client) == [withdrawn.pk, kept.pk]  # both cards now in the process

    articles.article_withdraw(article_id=withdrawn.pk, author=author)
    articles.article_draft_update(article_id=kept.pk, author=author, data={"title": "New"})
    articles.article_publish(article_id=kept.pk, author=author)

    results = reader_client.get(FEED).json()["results"]
    assert [(item["id"], item["title"]) for item in results] == [(kept.pk, "New")]


def test_a_warm_page_carries_the_counts_and_the_readers_flags_as_they_are_now(
    author, reader, reader_client
):
    from apps.comments import services as comments
    from apps.interactions import services as interactions

    follows.user_follow(follower=reader, followee_id=author.pk)
    feed_ids(reader_client)
    liked, other = (published_article(author=author) for _ in range(2))
    relay()
    reader_client.get(FEED)  # cards and counters warm, nothing liked yet

    interactions.article_like(user=reader, article_id=liked.pk)
    interactions.article_collect(user=reader, article_id=liked.pk)
    interactions.article_like(user=UserFactory(), article_id=other.pk)
    for rating in (4, 9):
        comments.comment_create(
            user=UserFactory(),
            article_id=liked.pk,
            content="Sound.",
            kind="review",
            rating=rating,
            confidence=3,
        )

    results = {item["id"]: item for item in reader_client.get(FEED).json()["results"]}
    fields = ("like_count", "liked", "collect_count", "collected", "comment_count")
    assert [results[liked.pk][name] for name in fields] == [1, True, 1, True, 2]
    assert [results[other.pk][name] for name in fields] == [1, False, 0, False, 0]
    assert (results[liked.pk]["review_count"], results[liked.pk]["review_rating_mean"]) == (2, 6.5)
    assert (results[other.pk]["review_count"], results[other.pk]["review_rating_mean"]) == (0, None)
