"""GET /api/v1/me/wallet: the balance and entries of the signed-in user only."""

import pytest

from tests.articles.conftest import signed_in_client
from tests.ledger.factories import credit_user
from tests.users.factories import UserFactory

pytestmark = pytest.mark.django_db

WALLET = "/api/v1/me/wallet"


def test_a_new_user_has_an_empty_wallet_and_no_account_is_made():
    from apps.ledger.models import Account

    client = signed_in_client(UserFactory())

    response = client.get(WALLET)

    assert response.status_code == 200
    assert response.json() == {"balance": 0, "currency": "CNY", "results": [], "next": None}
    assert Account.objects.count() == 0


def test_the_wallet_shows_own_entries_newest_first_with_a_cursor():
    user, other = UserFactory(), UserFactory()
    for number in range(3):
        credit_user(user_id=user.pk, amount=100 + number, key=f"k{number}")
    credit_user(user_id=other.pk, amount=5000, key="other")
    client = signed_in_client(user)

    first = client.get(WALLET, {"page_size": 2}).json()
    second = client.get(WALLET, {"page_size": 2, "cursor": first["next"]})

    assert first["balance"] == 303
    assert [(e["amount"], e["balance_after"]) for e in first["results"]] == [(102, 303), (101, 201)]
    assert first["results"][0]["kind"] == "test_credit"
    assert first["results"][0]["reference"] == "k2"
    assert [e["amount"] for e in second.json()["results"]] == [100]
    assert second.json()["next"] is None


def test_the_wallet_needs_a_signed_in_user(anonymous_client):
    response = anonymous_client.get(WALLET)

    assert response.status_code == 401
    assert response.json()["code"] == "not_authenticated"


def test_a_bad_cursor_is_a_400():
    client = signed_in_client(UserFactory())

    response = client.get(WALLET, {"cursor": "garbage"})

    assert response.status_code == 400
    assert response.json()["code"] == "invalid_cursor"


@pytest.mark.parametrize("page_size", [1, 50])
def test_the_wallet_costs_the_same_queries_whatever_the_page_size(
    page_size, django_assert_max_num_queries
):
    user = UserFactory()
    for number in range(60):
        credit_user(user_id=user.pk, amount=1, key=f"k{number}")
    client = signed_in_client(user)
    client.get(WALLET)  # warm the session caches

    # the session check, the account, one page of entries with their transactions
    with django_assert_max_num_queries(4):
        response = client.get(WALLET, {"page_size": page_size})

    assert len(response.json()["results"]) == page_size
