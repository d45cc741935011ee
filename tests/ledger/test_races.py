"""Concurrent postings against the real database: once per key, exact balances, no deadlock."""

import pytest
from django.core.management import call_command

from apps.ledger.models import Account, AccountKind, LedgerTransaction
from apps.ledger.services import (
    Posting,
    PostResult,
    account_for_system,
    account_for_user,
    ledger_transaction_post,
)
from tests.ledger.factories import credit_user
from tests.support.concurrency import run_together
from tests.users.factories import UserFactory

pytestmark = [pytest.mark.real_db, pytest.mark.django_db(transaction=True)]


def test_twenty_concurrent_postings_of_one_key_move_money_once():
    user = UserFactory()

    results = run_together(20, lambda i: credit_user(user_id=user.pk, amount=100, key="same"))

    assert all(isinstance(result, PostResult) for result in results), results
    assert sum(result.created for result in results) == 1
    assert len({result.transaction_id for result in results}) == 1
    assert LedgerTransaction.objects.count() == 1
    assert Account.objects.get(user_id=user.pk).balance == 100
    call_command("ledger_verify", "--no-progress")


def test_concurrent_postings_in_opposite_account_order_neither_deadlock_nor_lose_money():
    first, second = UserFactory(), UserFactory()
    accounts = [account_for_user(user_id=first.pk), account_for_user(user_id=second.pk)]
    account_for_system(kind=AccountKind.WECHAT_CLEARING)

    def move(i: int) -> PostResult:
        giver, taker = accounts if i % 2 else accounts[::-1]
        return ledger_transaction_post(
            idempotency_key=f"move:{i}",
            kind="test",
            postings=[Posting(account_id=taker, amount=3), Posting(account_id=giver, amount=-3)],
        )

    results = run_together(40, move)

    assert all(isinstance(result, PostResult) and result.created for result in results), results
    assert Account.objects.get(pk=accounts[0]).balance == 0
    assert Account.objects.get(pk=accounts[1]).balance == 0
    assert LedgerTransaction.objects.count() == 40
    call_command("ledger_verify", "--no-progress")


def test_concurrent_first_uses_make_one_account():
    user = UserFactory()

    results = run_together(20, lambda i: account_for_user(user_id=user.pk))

    assert isinstance(results[0], int), results
    assert len(set(results)) == 1, results
    assert Account.objects.filter(user_id=user.pk).count() == 1
