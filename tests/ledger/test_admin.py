"""The ledger (and the rewards) in the admin: shown to staff, never editable."""

import pytest
from django.test import Client

from apps.ledger.models import Account, Entry, LedgerTransaction
from apps.users.models import User
from tests.ledger.factories import credit_user
from tests.users.factories import UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def staff_client() -> Client:
    client = Client()
    client.force_login(User.objects.create_superuser("admin@example.org", "admin-pass-91"))
    return client


@pytest.mark.parametrize("model", ["account", "ledgertransaction", "entry"])
def test_staff_see_the_ledger(staff_client, model):
    credit_user(user_id=UserFactory().pk, amount=150, key="k1")

    assert staff_client.get(f"/admin/ledger/{model}/").status_code == 200


def test_nothing_in_the_ledger_can_be_added_changed_or_deleted(staff_client):
    result = credit_user(user_id=UserFactory().pk, amount=150, key="k1")
    account = Account.objects.get(balance=150)
    entry = Entry.objects.get(account=account)

    assert staff_client.get("/admin/ledger/ledgertransaction/add/").status_code == 403
    response = staff_client.post(f"/admin/ledger/account/{account.pk}/change/", {"balance": 9})
    assert response.status_code == 403
    response = staff_client.post(f"/admin/ledger/entry/{entry.pk}/delete/", {"post": "yes"})
    assert response.status_code == 403
    assert Account.objects.get(pk=account.pk).balance == 150
    assert LedgerTransaction.objects.filter(pk=result.transaction_id).exists()
    assert Entry.objects.count() == 2


def test_rewards_are_shown_read_only(staff_client):
    assert staff_client.get("/admin/rewards/reward/").status_code == 200
    assert staff_client.get("/admin/rewards/reward/add/").status_code == 403
