"""The library pages with Django's test client: each action without JavaScript (a form post,
303 back) and with htmx (the partial, swapped in place), counts changing exactly once, sign-in
and CSRF required, and another user's folders and wallet out of reach."""

from __future__ import annotations

import re

import pytest
from django.test import Client

from apps.articles import services as article_services
from apps.comments.models import Comment
from apps.follows.selectors import follow_exists
from apps.interactions import selectors as interaction_selectors
from apps.interactions import services as interaction_services
from apps.payments.wechatpay import wechatpay_client_reset
from apps.rewards.models import Reward
from scholarnet.events.models import OutboxEvent
from tests.articles.factories import published_article
from tests.rewards.conftest import deliver
from tests.users.factories import UserFactory
from tests.wechat_sim.routing import site_over_http

pytestmark = pytest.mark.django_db

HX = {"HX-Request": "true"}


@pytest.fixture
def author():
    return UserFactory(nickname="Ada")


@pytest.fixture
def reader():
    return UserFactory(nickname="Grace")


@pytest.fixture
def article(author):
    return published_article(author=author, title="Sparse solvers", tags=["linear-algebra"])


def client_for(user, **kwargs) -> Client:
    client = Client(**kwargs)
    client.force_login(user)
    return client


@pytest.fixture
def reader_web(reader) -> Client:
    return client_for(reader)


@pytest.fixture
def author_web(author) -> Client:
    return client_for(author)


def counts(article, user=None) -> dict:
    """The stat row (the truth; the counters' Redis cache moves once a write commits)."""
    row = interaction_selectors.article_stats_load([article.pk])[article.pk]
    return {k: row[k] for k in ("like_count", "collect_count", "comment_count")}


# --- likes ---------------------------------------------------------------------------------------


def test_like_without_javascript_redirects_back_and_counts_once(reader_web, reader, article):
    back = f"/a/{article.pk}/sparse-solvers/"
    for _ in range(2):  # liking twice is one like
        response = reader_web.post(f"/a/{article.pk}/like", {"action": "like", "next": back})
        assert response.status_code == 303
        assert response["Location"] == back
    assert counts(article, reader)["like_count"] == 1

    reader_web.post(f"/a/{article.pk}/like", {"action": "unlike", "next": back})
    assert counts(article, reader)["like_count"] == 0


def test_like_with_htmx_answers_the_updated_actions(reader_web, reader, article):
    response = reader_web.post(f"/a/{article.pk}/like", {"action": "like"}, headers=HX)

    assert response.status_code == 200
    html = response.content.decode()
    assert f'id="article-actions-{article.pk}"' in html
    assert re.search(r'data-count="like">1<', html)
    assert 'value="unlike"' in html  # the button now takes the like back
    assert "<html" not in html  # a fragment, not a page
    assert counts(article, reader)["like_count"] == 1


def test_anonymous_actions_go_to_sign_in(article):
    anonymous = Client()
    response = anonymous.post(f"/a/{article.pk}/like", {"next": f"/a/{article.pk}/x/"})
    assert response.status_code == 303
    assert response["Location"] == f"/login/?next=%2Fa%2F{article.pk}%2Fx%2F"

    htmx = anonymous.post(f"/a/{article.pk}/like", headers=HX)
    assert htmx["HX-Redirect"].startswith("/login/?next=")

    for path in ("/me/collections/", "/me/wallet/", "/me/notifications/", f"/a/{article.pk}/tip"):
        response = anonymous.get(path)
        assert response.status_code == 303
        assert response["Location"] == "/login/?next=" + path.replace("/", "%2F")
    assert counts(article)["like_count"] == 0


def test_csrf_is_enforced(reader, article):
    client = client_for(reader, enforce_csrf_checks=True)
    assert client.post(f"/a/{article.pk}/like", {"action": "like"}).status_code == 403
    assert counts(article, reader)["like_count"] == 0

    client.get("/me/collections/")  # any page with a form sets the token
    token = client.cookies["csrftoken"].value
    response = client.post(
        f"/a/{article.pk}/like", {"action": "like", "csrfmiddlewaretoken": token}
    )
    assert response.status_code == 303
    assert counts(article, reader)["like_count"] == 1


def test_a_private_article_cannot_be_liked(reader_web, author, article):
    article_services.article_withdraw(article_id=article.pk, author=author)
    response = reader_web.post(f"/a/{article.pk}/like", {"action": "like"})
    assert response.status_code == 404
    assert reader_web.get(f"/a/{article.pk}/tip").status_code == 404


def test_a_bad_action_is_a_400(reader_web, reader, article):
    response = reader_web.post(f"/a/{article.pk}/like", {"action": "explode"})
    assert response.status_code == 400
    assert counts(article, reader)["like_count"] == 0


# --- collections ---------------------------------------------------------------------------------


def test_collect_into_a_picked_folder_and_out_again(reader_web, reader, article):
    folder = interaction_services.collection_create(user=reader, name="To read")
    response = reader_web.post(
        f"/a/{article.pk}/collect",
        {"action": "collect", "collection_id": folder.pk},
        headers=HX,
    )
    assert response.status_code == 200
    assert re.search(r'data-count="collect">1<', response.content.decode())
    assert counts(article, reader)["collect_count"] == 1

    page = reader_web.get(f"/me/collections/{folder.pk}/")
    assert page.status_code == 200
    assert "Sparse solvers" in page.content.decode()

    response = reader_web.post(f"/a/{article.pk}/collect", {"action": "uncollect", "next": "/"})
    assert response.status_code == 303
    assert counts(article, reader)["collect_count"] == 0


def test_the_actions_offer_the_readers_folders(reader_web, reader, article):
    interaction_services.collection_default_get_or_create(user=reader)
    interaction_services.collection_create(user=reader, name="Reading group")
    html = reader_web.post(f"/a/{article.pk}/like", {"action": "like"}, headers=HX).content
    assert b'name="collection_id"' in html
    assert b"Reading group" in html


def test_another_users_folder_is_404(reader_web, author, article):
    theirs = interaction_services.collection_create(user=author, name="Secret")
    assert reader_web.get(f"/me/collections/{theirs.pk}/").status_code == 404
    response = reader_web.post(
        f"/a/{article.pk}/collect", {"action": "collect", "collection_id": theirs.pk}
    )
    assert response.status_code == 404
    assert counts(article)["collect_count"] == 0


def test_collections_list_and_create(reader_web, reader):
    page = reader_web.get("/me/collections/")
    assert page.status_code == 200
    response = reader_web.post("/me/collections/", {"name": "Graphs"})
    assert response.status_code == 303
    assert reader_web.get("/me/collections/").content.decode().count("Graphs") == 1
    taken = reader_web.post("/me/collections/", {"name": "Graphs"})
    assert taken.status_code == 409


# --- follows -------------------------------------------------------------------------------------


def test_follow_the_author_with_and_without_htmx(reader_web, reader, author):
    response = reader_web.post(f"/u/{author.pk}/follow", {"action": "follow"}, headers=HX)
    assert response.status_code == 200
    html = response.content.decode()
    assert "Following" in html
    assert re.search(r'data-count="followers">1<', html)
    reader_web.post(f"/u/{author.pk}/follow", {"action": "follow"}, headers=HX)
    assert follow_exists(follower_id=reader.pk, followee_id=author.pk)

    response = reader_web.post(f"/u/{author.pk}/follow", {"action": "unfollow"})
    assert response.status_code == 303
    assert response["Location"] == f"/u/{author.pk}/"
    assert not follow_exists(follower_id=reader.pk, followee_id=author.pk)


def test_following_oneself_is_refused(author_web, author):
    assert author_web.post(f"/u/{author.pk}/follow", {"action": "follow"}).status_code == 400


def test_follow_a_tag(reader_web, article):
    response = reader_web.post("/t/linear-algebra/follow", {"action": "follow"}, headers=HX)
    assert response.status_code == 200
    assert b"Following #linear-algebra" in response.content
    assert reader_web.post("/t/no-such-tag/follow", {"action": "follow"}).status_code == 404
    response = reader_web.post("/t/linear-algebra/follow", {"action": "unfollow"}, headers=HX)
    assert b"Follow #linear-algebra" in response.content


# --- comments ------------------------------------------------------------------------------------


def test_comment_without_javascript_lands_on_its_anchor(reader_web, reader, article):
    back = f"/a/{article.pk}/sparse-solvers/"
    response = reader_web.post(
        f"/a/{article.pk}/comments", {"content": "Which *preconditioner*?", "next": back}
    )
    comment = Comment.objects.get(article_id=article.pk)
    assert response.status_code == 303
    assert response["Location"] == f"{back}#comment-{comment.pk}"
    assert counts(article, reader)["comment_count"] == 1


def test_comment_and_reply_with_htmx_answer_the_thread(reader_web, author_web, reader, article):
    response = reader_web.post(f"/a/{article.pk}/comments", {"content": "First!"}, headers=HX)
    assert response.status_code == 200
    root = Comment.objects.get(article_id=article.pk)
    assert f'id="comment-{root.pk}"' in response.content.decode()

    reply = author_web.post(
        f"/a/{article.pk}/comments", {"content": "Thanks", "parent_id": root.pk}, headers=HX
    )
    html = reply.content.decode()
    assert 'id="comments"' in html
    assert "Thanks" in html
    assert counts(article, reader)["comment_count"] == 2


def test_an_empty_comment_is_a_400(reader_web, article):
    assert reader_web.post(f"/a/{article.pk}/comments", {"content": "  "}).status_code == 400
    assert not Comment.objects.exists()


def test_the_thread_shows_three_newest_replies_and_more(reader, author, article):
    from apps.comments.services import comment_create

    root = comment_create(user=reader, article_id=article.pk, content="root")
    for n in range(5):
        comment_create(user=author, article_id=article.pk, content=f"reply {n}", parent_id=root.pk)
    html = Client().get(f"/a/{article.pk}/comments", headers=HX).content.decode()
    shown = re.findall(r"reply (\d)", html)
    assert shown == ["2", "3", "4"]  # the three newest, in reading order
    assert f'href="/c/{root.pk}/replies"' in html

    more = Client().get(f"/c/{root.pk}/replies", headers=HX).content.decode()
    assert re.findall(r"reply (\d)", more) == ["0", "1", "2", "3", "4"]
    page = Client().get(f"/c/{root.pk}/replies")
    assert page.status_code == 200
    assert b"<html" in page.content


def test_load_more_pages_the_roots(reader, article):
    from apps.comments.services import comment_create

    for n in range(21):
        comment_create(user=reader, article_id=article.pk, content=f"note {n:02d}")
    first = Client().get(f"/a/{article.pk}/comments", headers=HX).content.decode()
    assert len(re.findall(r"note \d\d", first)) == 20
    cursor = re.search(r'hx-get="/a/\d+/comments\?cursor=([^"]+)"', first)
    assert cursor
    rest = Client().get(f"/a/{article.pk}/comments?cursor={cursor.group(1)}", headers=HX)
    assert re.findall(r"note \d\d", rest.content.decode()) == ["note 00"]
    assert Client().get(f"/a/{article.pk}/comments?cursor=garbage").status_code == 400


def test_delete_where_allowed(reader, author, article, reader_web, author_web):
    from apps.comments.services import comment_create

    stranger = client_for(UserFactory())
    comment = comment_create(user=reader, article_id=article.pk, content="oops")
    html = reader_web.get(f"/a/{article.pk}/comments", headers=HX).content.decode()
    assert f'action="/c/{comment.pk}/delete"' in html
    stranger_html = stranger.get(f"/a/{article.pk}/comments", headers=HX).content.decode()
    assert f'action="/c/{comment.pk}/delete"' not in stranger_html

    assert stranger.post(f"/c/{comment.pk}/delete").status_code == 403
    response = author_web.post(
        f"/c/{comment.pk}/delete", {"article_id": article.pk}, headers=HX
    )  # the article's author may
    assert response.status_code == 200
    assert not Comment.objects.filter(pk=comment.pk).exists()
    assert counts(article)["comment_count"] == 0


# --- notifications -------------------------------------------------------------------------------


def test_notifications_badge_and_mark_read(
    reader_web, author_web, author, article, django_capture_on_commit_callbacks
):
    reader_web.post(f"/a/{article.pk}/comments", {"content": "Nice proof"})
    deliver(*set(OutboxEvent.objects.values_list("type", flat=True)))

    badge = author_web.get("/me/notifications/badge")
    assert badge.status_code == 200
    assert re.search(r'class="badge-count"[^>]*>1<', badge.content.decode())
    assert 'hx-trigger="every 30s"' in badge.content.decode()
    page = author_web.get("/me/notifications/")
    assert "Nice proof" in page.content.decode()

    with django_capture_on_commit_callbacks(execute=True):  # the unread counts move on commit
        response = author_web.post("/me/notifications/", {"all": "1"}, headers=HX)
    assert response.status_code == 200
    assert b'id="notification-badge"' in response.content
    assert b"badge-count" not in author_web.get("/me/notifications/badge").content
    assert Client().get("/me/notifications/badge").content.strip() == b""


# --- wallet and tipping --------------------------------------------------------------------------


@pytest.fixture
def simulator():
    wechatpay_client_reset()
    with site_over_http() as mock:
        yield mock
    wechatpay_client_reset()


def test_tip_pay_on_the_simulator_and_the_author_gets_90_percent(
    simulator, reader_web, author_web, article
):
    picker = reader_web.get(f"/a/{article.pk}/tip")
    assert picker.status_code == 200
    assert b'name="amount"' in picker.content

    response = reader_web.post(f"/a/{article.pk}/tip", {"amount": "1000"})
    assert response.status_code == 303
    reward = Reward.objects.get()
    assert response["Location"] == f"/a/{article.pk}/tip?reward={reward.pk}"

    page = reader_web.get(response["Location"]).content.decode()
    assert "<svg" in page
    link = re.search(r'class="sim-pay-link" href="([^"]+)"', page)
    assert link
    assert link.group(1).startswith("/wechat-sim/pay/")
    status = reader_web.get(response["Location"], headers=HX).content.decode()
    assert 'data-status="pending"' in status
    assert 'hx-trigger="every 2s"' in status

    paid = Client().post(link.group(1), {"result": "success"}, content_type="application/json")
    assert paid.status_code == 200
    deliver("payment.changed")

    status = reader_web.get(response["Location"], headers=HX).content.decode()
    assert 'data-status="paid"' in status
    assert "every 2s" not in status
    wallet = author_web.get("/me/wallet/").content.decode()
    assert 'data-balance="900"' in wallet
    assert "¥9.00" in wallet
    assert 'data-balance="0"' in reader_web.get("/me/wallet/").content.decode()


def test_a_reward_is_its_payers_only(simulator, reader_web, author, article):
    reader_web.post(f"/a/{article.pk}/tip", {"amount": "500"})
    reward = Reward.objects.get()
    other = client_for(UserFactory())
    assert other.get(f"/a/{article.pk}/tip?reward={reward.pk}").status_code == 404


def test_tip_amounts_are_checked(reader_web, author_web, article):
    assert reader_web.post(f"/a/{article.pk}/tip", {"amount": "0"}).status_code == 400
    assert reader_web.post(f"/a/{article.pk}/tip", {"amount": "abc"}).status_code == 400
    assert author_web.post(f"/a/{article.pk}/tip", {"amount": "100"}).status_code == 400
    assert not Reward.objects.exists()


def test_the_wallet_is_always_ones_own(reader_web, author_web):
    # No id in the path: a query naming someone else changes nothing.
    page = reader_web.get("/me/wallet/?user_id=1")
    assert page.status_code == 200
    assert 'data-balance="0"' in page.content.decode()


# --- on the article page -------------------------------------------------------------------------


def test_the_article_page_carries_the_partials(reader_web, reader, author, article):
    from apps.comments.services import comment_create

    interaction_services.collection_create(user=reader, name="Reading group")
    comment_create(user=author, article_id=article.pk, content="Author's note")
    page = reader_web.get(f"/a/{article.pk}/x/", follow=True)
    assert page.status_code == 200
    html = page.content.decode()
    assert f'id="article-actions-{article.pk}"' in html
    assert f'action="/u/{author.pk}/follow"' in html
    assert "Author&#x27;s note" in html or "Author's note" in html
    assert "Reading group" in html
    assert 'id="notification-badge"' in html

    anonymous = Client().get(page.redirect_chain[-1][0] if page.redirect_chain else "/")
    assert anonymous.status_code == 200
    assert b"Sign in</a> to comment" in anonymous.content
    assert b'id="notification-badge"' not in anonymous.content


def test_ids_longer_than_a_bigint_are_404(reader_web):
    huge = "9" * 19
    assert reader_web.post(f"/a/{huge}/like", {"action": "like"}).status_code == 404
    assert reader_web.get(f"/me/collections/{huge}/").status_code == 404
    assert reader_web.get(f"/c/{huge}/replies").status_code == 404


def test_the_apis_throttles_apply(settings, reader_web, reader, article):
    settings.RATELIMIT_LIKE = "1/60s"
    assert reader_web.post(f"/a/{article.pk}/like", {"action": "like"}).status_code == 303
    limited = reader_web.post(f"/a/{article.pk}/like", {"action": "unlike"}, headers=HX)
    assert limited.status_code == 429
    assert int(limited["Retry-After"]) >= 1
    assert b'data-code="rate_limited"' in limited.content
    assert counts(article, reader)["like_count"] == 1


def test_mark_one_notification_read_and_others_ids_are_ignored(reader_web, author_web, article):
    from apps.notifications.models import Notification

    reader_web.post(f"/a/{article.pk}/comments", {"content": "One"})
    reader_web.post(f"/a/{article.pk}/like", {"action": "like"})
    deliver(*set(OutboxEvent.objects.values_list("type", flat=True)))
    mine = list(Notification.objects.order_by("id"))
    assert len(mine) == 2

    assert reader_web.post("/me/notifications/", {"ids": [mine[0].pk]}).status_code == 303
    assert Notification.objects.filter(read_at__isnull=False).count() == 0  # not the reader's
    response = author_web.post("/me/notifications/", {"ids": [mine[0].pk]})
    assert response.status_code == 303
    assert response["Location"] == "/me/notifications/"
    assert list(Notification.objects.filter(read_at__isnull=True)) == [mine[1]]
    unread = author_web.get("/me/notifications/?unread=1").content.decode()
    assert unread.count('class="notification is-unread"') == 1
    assert author_web.post("/me/notifications/", {}).status_code == 400


def test_comments_of_a_private_article_are_404(reader_web, author, article):
    from apps.comments.services import comment_create

    root = comment_create(user=author, article_id=article.pk, content="before")
    article_services.article_withdraw(article_id=article.pk, author=author)
    assert Client().get(f"/a/{article.pk}/comments").status_code == 404
    assert Client().get(f"/c/{root.pk}/replies").status_code == 404
    response = reader_web.post(f"/a/{article.pk}/comments", {"content": "after"})
    assert response.status_code == 404
    assert reader_web.post(f"/c/{root.pk}/delete").status_code == 404
    assert Comment.objects.filter(pk=root.pk).exists()
