"""The rewards API: creating a tip, the payer's status poll, and an article's summary."""

from datetime import timedelta

import pytest
from django.utils import timezone

from apps.articles import services as article_services
from apps.ledger.models import LedgerTransaction
from apps.payments.models import Payment
from apps.rewards.models import Reward, RewardStatus
from tests.articles.factories import published_article
from tests.rewards.conftest import balances, callback, deliver, signed_in_client
from tests.users.factories import UserFactory

pytestmark = pytest.mark.django_db

REWARDS = "/api/v1/articles/{}/rewards"
SUMMARY = "/api/v1/articles/{}/rewards/summary"
REWARD = "/api/v1/rewards/{}"


def test_a_reward_is_a_pending_native_order_for_the_author(
    wechat, settings, reader, reader_client, author, article
):
    response = reader_client.post(REWARDS.format(article.pk), {"amount": 500}, format="json")

    assert response.status_code == 201, response.json()
    body = response.json()
    reward = Reward.objects.get()
    assert body["reward_id"] == reward.pk
    assert (body["status"], body["amount"], body["article_id"]) == ("pending", 500, article.pk)
    assert body["code_url"] == f"weixin://wxpay/bizpayurl?pr={reward.out_trade_no}"
    assert body["pay_url"].endswith(f"/wechat-sim/pay/{reward.out_trade_no}")
    assert (reward.author_id, reward.payer_id) == (author.pk, reader.pk)
    payment = Payment.objects.get()
    assert (payment.biz_type, payment.biz_id, payment.amount) == ("reward", reward.pk, 500)
    assert LedgerTransaction.objects.count() == 0


def test_without_the_simulator_there_is_no_pay_url(wechat, settings, reader_client, article):
    settings.WECHAT_SIMULATOR_ENABLED = False

    response = reader_client.post(REWARDS.format(article.pk), {"amount": 500}, format="json")

    assert response.status_code == 201
    assert "pay_url" not in response.json()


def test_a_repeated_click_returns_the_same_order(wechat, reader_client, article):
    first = reader_client.post(REWARDS.format(article.pk), {"amount": 500}, format="json").json()
    again = reader_client.post(REWARDS.format(article.pk), {"amount": 500}, format="json").json()
    other = reader_client.post(REWARDS.format(article.pk), {"amount": 600}, format="json").json()

    assert again["reward_id"] == first["reward_id"]
    assert again["code_url"] == first["code_url"]
    assert other["reward_id"] != first["reward_id"]
    assert Reward.objects.count() == 2
    assert wechat.calls == ["pay", "pay"]


def test_after_paying_the_same_amount_again_is_a_new_tip(wechat, reader_client, article):
    first = reader_client.post(REWARDS.format(article.pk), {"amount": 500}, format="json").json()
    callback(Reward.objects.get(pk=first["reward_id"]))
    deliver("payment.changed")

    again = reader_client.post(REWARDS.format(article.pk), {"amount": 500}, format="json").json()

    assert again["reward_id"] != first["reward_id"]
    assert again["status"] == "pending"


@pytest.mark.parametrize("amount", [0, -1, 50_001, "5", 1.5, None, True])
def test_an_amount_outside_1_to_50000_fen_is_400_and_changes_nothing(
    wechat, reader_client, article, amount
):
    response = reader_client.post(REWARDS.format(article.pk), {"amount": amount}, format="json")

    assert response.status_code == 400
    assert response.json()["code"] == "invalid"
    assert "amount" in response.json()["extra"]["fields"]
    assert Reward.objects.count() == 0
    assert wechat.calls == []


@pytest.mark.parametrize("amount", [1, 50_000])
def test_the_bounds_are_allowed(wechat, reader_client, article, amount):
    response = reader_client.post(REWARDS.format(article.pk), {"amount": amount}, format="json")

    assert response.status_code == 201
    assert response.json()["amount"] == amount


def test_rewarding_ones_own_article_is_400_and_changes_nothing(wechat, author_client, article):
    response = author_client.post(REWARDS.format(article.pk), {"amount": 500}, format="json")

    assert response.status_code == 400
    assert response.json()["code"] == "reward_own_article"
    assert Reward.objects.count() == 0
    assert Payment.objects.count() == 0


def test_only_public_articles_can_be_rewarded(wechat, author, reader_client, article):
    article_services.article_withdraw(article_id=article.pk, author=author)

    private = reader_client.post(REWARDS.format(article.pk), {"amount": 500}, format="json")
    missing = reader_client.post(REWARDS.format(article.pk + 999), {"amount": 5}, format="json")

    assert (private.status_code, private.json()["code"]) == (404, "not_found")
    assert (missing.status_code, missing.json()["code"]) == (404, "not_found")
    assert Reward.objects.count() == 0


def test_a_reward_needs_a_signed_in_user(wechat, anonymous_client, article):
    response = anonymous_client.post(REWARDS.format(article.pk), {"amount": 500}, format="json")

    assert response.status_code == 401
    assert Reward.objects.count() == 0


def test_rewards_are_rate_limited_per_user(wechat, settings, reader_client, article):
    settings.RATELIMIT_REWARD_CREATE = "2/60s"
    for amount in (1, 2):
        response = reader_client.post(REWARDS.format(article.pk), {"amount": amount}, format="json")
        assert response.status_code == 201

    response = reader_client.post(REWARDS.format(article.pk), {"amount": 3}, format="json")

    assert response.status_code == 429
    assert response.json()["code"] == "rate_limited"
    assert "Retry-After" in response.headers
    assert Reward.objects.count() == 2


def test_wechat_down_is_502_and_the_reward_is_over(wechat, reader_client, article):
    wechat.down = True

    response = reader_client.post(REWARDS.format(article.pk), {"amount": 500}, format="json")

    assert response.status_code == 502
    assert response.json()["code"] == "payment_provider_error"
    assert Reward.objects.get().status == RewardStatus.FAILED
    assert LedgerTransaction.objects.count() == 0


# --- GET /rewards/{id} ---------------------------------------------------------------------------


def _reward(client, article, amount=500) -> int:
    return client.post(REWARDS.format(article.pk), {"amount": amount}, format="json").json()[
        "reward_id"
    ]


def test_only_the_payer_sees_a_reward(wechat, reader_client, author_client, article):
    reward_id = _reward(reader_client, article)
    stranger = signed_in_client(UserFactory())

    assert reader_client.get(REWARD.format(reward_id)).status_code == 200
    for client in (author_client, stranger):
        response = client.get(REWARD.format(reward_id))
        assert (response.status_code, response.json()["code"]) == (404, "not_found")


def test_a_paid_reward_answers_from_its_own_status_without_asking(wechat, reader_client, article):
    reward_id = _reward(reader_client, article)
    callback(Reward.objects.get(pk=reward_id))
    deliver("payment.changed")
    wechat.calls.clear()

    response = reader_client.get(REWARD.format(reward_id))

    assert response.json()["status"] == "paid"
    assert response.json()["paid_at"] is not None
    assert wechat.calls == []


def test_a_pending_reward_asks_payments_and_completes_itself(
    wechat, reader_client, author, article
):
    # The callback was lost: the poll finds the payment at WeChat and credits the author once.
    reward_id = _reward(reader_client, article, amount=1000)
    wechat.pay(Reward.objects.get(pk=reward_id).out_trade_no)

    first = reader_client.get(REWARD.format(reward_id)).json()
    deliver("payment.changed")  # the event the refresh published arrives too: a no-op
    second = reader_client.get(REWARD.format(reward_id)).json()

    assert (first["status"], second["status"]) == ("paid", "paid")
    assert balances() == {
        f"user:{author.pk}": 900,
        "wechat_clearing": -1000,
        "platform_revenue": 100,
    }
    assert LedgerTransaction.objects.count() == 1
    assert wechat.calls == ["pay", "query"]


def test_a_pending_reward_still_unpaid_stays_pending(wechat, reader_client, article):
    reward_id = _reward(reader_client, article)

    response = reader_client.get(REWARD.format(reward_id))

    assert response.json()["status"] == "pending"
    assert wechat.calls == ["pay", "query"]


def test_a_poll_while_wechat_is_down_answers_the_reward_as_it_is(wechat, reader_client, article):
    reward_id = _reward(reader_client, article)
    wechat.down = True

    response = reader_client.get(REWARD.format(reward_id))

    assert response.status_code == 200
    assert response.json()["status"] == "pending"


# --- summary -------------------------------------------------------------------------------------


def test_the_summary_counts_paid_rewards_only(wechat, author, anonymous_client, article):
    payers = [signed_in_client(UserFactory()) for _ in range(3)]
    ids = [
        _reward(client, article, amount)
        for client, amount in zip(payers, (100, 250, 999), strict=True)
    ]
    other_article = published_article(author=author)
    _reward(payers[0], other_article, 5000)
    for reward_id in ids[:2]:
        callback(Reward.objects.get(pk=reward_id))
    deliver("payment.changed")

    response = anonymous_client.get(SUMMARY.format(article.pk))

    assert response.status_code == 200
    assert response.json() == {"article_id": article.pk, "reward_count": 2, "reward_total": 350}


def test_the_summary_follows_a_payment_after_it_was_cached(
    wechat, anonymous_client, reader_client, article, django_capture_on_commit_callbacks
):
    reward_id = _reward(reader_client, article)
    assert anonymous_client.get(SUMMARY.format(article.pk)).json()["reward_count"] == 0

    callback(Reward.objects.get(pk=reward_id))
    with django_capture_on_commit_callbacks(execute=True):
        deliver("payment.changed")

    assert anonymous_client.get(SUMMARY.format(article.pk)).json()["reward_count"] == 1


def test_the_summary_of_an_article_that_is_not_public_is_404(author, anonymous_client, article):
    article_services.article_withdraw(article_id=article.pk, author=author)

    response = anonymous_client.get(SUMMARY.format(article.pk))

    assert (response.status_code, response.json()["code"]) == (404, "not_found")


def test_without_redis_a_reward_is_still_created(wechat, monkeypatch, reader_client, article):
    import redis

    unreachable = redis.Redis(host="127.0.0.1", port=1, socket_connect_timeout=0.2)
    monkeypatch.setattr("apps.rewards.services.get_redis_connection", lambda alias: unreachable)

    first = reader_client.post(REWARDS.format(article.pk), {"amount": 500}, format="json")
    again = reader_client.post(REWARDS.format(article.pk), {"amount": 500}, format="json")

    assert (first.status_code, again.status_code) == (201, 201)
    # Without the prepay cache a repeated click is a second order; neither is paid by itself.
    assert list(Reward.objects.values_list("status", flat=True)) == ["pending", "pending"]
    assert LedgerTransaction.objects.count() == 0


def test_a_reward_left_without_an_order_fails_once_its_window_is_over(
    wechat, reader, reader_client, author, article
):
    # The process died between the reward's row and the prepay: payments never heard of it.
    orphan = Reward.objects.create(
        article_id=article.pk, author=author, payer=reader, amount=500, out_trade_no="RWorphan01"
    )

    fresh = reader_client.get(REWARD.format(orphan.pk)).json()
    Reward.objects.filter(pk=orphan.pk).update(created_at=timezone.now() - timedelta(minutes=31))
    old = reader_client.get(REWARD.format(orphan.pk)).json()

    assert (fresh["status"], old["status"]) == ("pending", "failed")
    assert wechat.calls == []
    assert LedgerTransaction.objects.count() == 0


def test_a_repeated_click_costs_two_queries_and_no_wechat_call(
    wechat, reader_client, article, django_assert_num_queries
):
    reader_client.post(REWARDS.format(article.pk), {"amount": 500}, format="json")
    reader_client.get(REWARD.format(0))  # the session's own queries are warm now

    # the article's visibility, the pending reward (the signed-in user comes from the process
    # cache while its version token in Redis holds: no query)
    with django_assert_num_queries(2):
        response = reader_client.post(REWARDS.format(article.pk), {"amount": 500}, format="json")

    assert response.status_code == 201
    assert wechat.calls == ["pay"]
