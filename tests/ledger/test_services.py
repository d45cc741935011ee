"""Posting and reversing transactions: exact, balanced and once per idempotency key."""

import pytest
from django.core.management import call_command

from apps.ledger.errors import LedgerAccountMissing, UnbalancedTransaction
from apps.ledger.models import Account, AccountKind, Entry, LedgerTransaction
from apps.ledger.services import (
    Posting,
    account_for_system,
    account_for_user,
    ledger_transaction_post,
    ledger_transaction_reverse,
)
from tests.ledger.factories import credit_user
from tests.users.factories import UserFactory

pytestmark = pytest.mark.django_db


def balances() -> dict[str, int]:
    return {
        (row.system_code or f"user:{row.user_id}"): row.balance
        for row in Account.objects.order_by("pk")
    }


def test_a_posting_moves_every_balance_and_records_balanced_entries():
    user = UserFactory()

    result = credit_user(user_id=user.pk, amount=150, key="k1")

    assert result.created is True
    assert balances() == {"wechat_clearing": -150, f"user:{user.pk}": 150}
    entries = Entry.objects.filter(transaction_id=result.transaction_id).order_by("account_id")
    assert [(entry.amount, entry.balance_after) for entry in entries] == [(-150, -150), (150, 150)]


def test_posting_the_same_key_again_moves_nothing_and_returns_the_first():
    user = UserFactory()
    first = credit_user(user_id=user.pk, amount=150, key="k1")

    again = credit_user(user_id=user.pk, amount=999, key="k1")

    assert again.created is False
    assert again.transaction_id == first.transaction_id
    assert LedgerTransaction.objects.count() == 1
    assert balances()[f"user:{user.pk}"] == 150


@pytest.mark.parametrize(
    "amounts",
    [[100, -99], [100], [0, 0], [100, -100, 0]],
    ids=["not-zero-sum", "one-entry", "zero-amounts", "a-zero-entry"],
)
def test_an_unbalanced_posting_is_refused_and_writes_nothing(amounts):
    ids = [account_for_user(user_id=UserFactory().pk) for _ in amounts]

    with pytest.raises(UnbalancedTransaction):
        ledger_transaction_post(
            idempotency_key="bad",
            kind="test",
            postings=[Posting(account_id=i, amount=a) for i, a in zip(ids, amounts, strict=True)],
        )

    assert LedgerTransaction.objects.count() == 0
    assert Entry.objects.count() == 0
    assert set(Account.objects.values_list("balance", flat=True)) == {0}


def test_the_same_account_twice_in_one_posting_is_refused():
    account = account_for_user(user_id=UserFactory().pk)

    with pytest.raises(UnbalancedTransaction):
        ledger_transaction_post(
            idempotency_key="twice",
            kind="test",
            postings=[
                Posting(account_id=account, amount=5),
                Posting(account_id=account, amount=-5),
            ],
        )

    assert LedgerTransaction.objects.count() == 0


def test_a_posting_to_a_missing_account_is_refused_and_writes_nothing():
    account = account_for_user(user_id=UserFactory().pk)

    with pytest.raises(LedgerAccountMissing):
        ledger_transaction_post(
            idempotency_key="ghost",
            kind="test",
            postings=[
                Posting(account_id=account, amount=5),
                Posting(account_id=account + 1000, amount=-5),
            ],
        )

    assert LedgerTransaction.objects.count() == 0
    assert Account.objects.get(pk=account).balance == 0


def test_a_reversal_posts_the_opposite_once_whatever_key_asks_again():
    user = UserFactory()
    credit_user(user_id=user.pk, amount=150, key="k1")

    first = ledger_transaction_reverse(original_key="k1", idempotency_key="k1:rev", kind="rev")
    same_key = ledger_transaction_reverse(original_key="k1", idempotency_key="k1:rev", kind="rev")
    other_key = ledger_transaction_reverse(original_key="k1", idempotency_key="k1:rev2", kind="r")

    assert first.created is True
    assert (same_key.created, same_key.transaction_id) == (False, first.transaction_id)
    assert (other_key.created, other_key.transaction_id) == (False, first.transaction_id)
    assert balances() == {"wechat_clearing": 0, f"user:{user.pk}": 0}
    assert LedgerTransaction.objects.get(pk=first.transaction_id).reverses.idempotency_key == "k1"


def test_accounts_are_created_once_per_user_and_per_system_kind():
    user = UserFactory()

    assert account_for_user(user_id=user.pk) == account_for_user(user_id=user.pk)
    platform = account_for_system(kind=AccountKind.PLATFORM_REVENUE)
    assert platform == account_for_system(kind=AccountKind.PLATFORM_REVENUE)
    assert platform != account_for_system(kind=AccountKind.WECHAT_CLEARING)
    assert Account.objects.count() == 3
    with pytest.raises(ValueError):
        account_for_system(kind=AccountKind.USER)


def test_ledger_verify_is_clean_after_postings(capsys):
    user = UserFactory()
    credit_user(user_id=user.pk, amount=150, key="k1")
    credit_user(user_id=user.pk, amount=7, key="k2")

    call_command("ledger_verify", "--no-progress")

    assert "every balance matches" in capsys.readouterr().out


def test_ledger_verify_exits_non_zero_on_a_tampered_balance(capsys):
    user = UserFactory()
    credit_user(user_id=user.pk, amount=150, key="k1")
    Account.objects.filter(user_id=user.pk).update(balance=151)

    with pytest.raises(SystemExit) as exit_info:
        call_command("ledger_verify", "--no-progress", "--batch-size", "1")

    assert exit_info.value.code == 1
    account = Account.objects.get(user_id=user.pk)
    assert f"account {account.pk}: balance 151, entries sum to 150" in capsys.readouterr().out
    assert Account.objects.get(user_id=user.pk).balance == 151  # it reports, it changes nothing


def test_ledger_verify_exits_non_zero_on_an_unbalanced_transaction(capsys):
    user = UserFactory()
    result = credit_user(user_id=user.pk, amount=150, key="k1")
    Entry.objects.filter(transaction_id=result.transaction_id, amount=150).update(amount=149)
    Account.objects.filter(user_id=user.pk).update(balance=149)  # balances agree with entries

    with pytest.raises(SystemExit) as exit_info:
        call_command("ledger_verify", "--no-progress")

    assert exit_info.value.code == 1
    assert f"transaction {result.transaction_id}: entries sum to -1, not 0" in (
        capsys.readouterr().out
    )


def test_ledger_verify_after_an_id_checks_only_the_accounts_after_it(capsys):
    user = UserFactory()
    credit_user(user_id=user.pk, amount=150, key="k1")
    tampered = Account.objects.get(user_id=user.pk)
    Account.objects.filter(pk=tampered.pk).update(balance=151)

    call_command("ledger_verify", "--no-progress", "--after-id", str(tampered.pk))

    assert "every balance matches" in capsys.readouterr().out
    with pytest.raises(SystemExit):
        call_command("ledger_verify", "--no-progress", "--after-id", str(tampered.pk - 1))
