"""Writes of the ledger: accounts, and transactions that move money between them.

``ledger_transaction_post`` is the only way money moves. It is idempotent on the caller's key
(unique in the database): posting the same key again, at the same moment or a year later,
returns the first transaction and moves nothing. Inside its database transaction it locks the
accounts it touches in primary-key order (so two postings over the same accounts queue instead
of deadlocking), re-checks the key under those locks, inserts the transaction and its entries,
and moves each account's ``balance`` by its entry. Callers that hold locks of their own (a
reward row) take them before calling, always in that order.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from django.db import IntegrityError, transaction
from django.utils import timezone

from apps.ledger.errors import (
    LedgerAccountMissing,
    LedgerTransactionMissing,
    UnbalancedTransaction,
)
from apps.ledger.models import Account, AccountKind, Entry, LedgerTransaction

__all__ = [
    "PostResult",
    "Posting",
    "account_for_system",
    "account_for_user",
    "ledger_transaction_post",
    "ledger_transaction_reverse",
]


@dataclass(frozen=True, slots=True)
class Posting:
    account_id: int
    amount: int  # fen, signed from the account's point of view


@dataclass(frozen=True, slots=True)
class PostResult:
    transaction_id: int
    created: bool  # False when the key had been posted before (nothing moved this time)


# --- accounts ------------------------------------------------------------------------------------


def account_for_user(*, user_id: int) -> int:
    """The id of the user's account, created on first use (two first uses create one)."""
    found = Account.objects.filter(user_id=user_id).values_list("pk", flat=True).first()
    if found is not None:
        return int(found)
    # INSERT IGNORE: a concurrent first use either wins or finds the row committed by the winner.
    Account.objects.bulk_create(
        [Account(kind=AccountKind.USER, user_id=user_id)], ignore_conflicts=True
    )
    return int(Account.objects.values_list("pk", flat=True).get(user_id=user_id))


def account_for_system(*, kind: AccountKind) -> int:
    """The id of the one system account of ``kind`` (platform revenue, WeChat clearing)."""
    if kind == AccountKind.USER:
        raise ValueError("user accounts belong to a user: use account_for_user")
    found = Account.objects.filter(system_code=kind).values_list("pk", flat=True).first()
    if found is not None:
        return int(found)
    Account.objects.bulk_create([Account(kind=kind, system_code=kind)], ignore_conflicts=True)
    return int(Account.objects.values_list("pk", flat=True).get(system_code=kind))


# --- transactions --------------------------------------------------------------------------------


def _checked(postings: Sequence[Posting]) -> dict[int, int]:
    """Account id → amount; refuses fewer than two accounts, a zero amount or a non-zero sum."""
    by_account: dict[int, int] = {}
    for posting in postings:
        if not isinstance(posting.amount, int) or posting.amount == 0:
            raise UnbalancedTransaction(f"entry of {posting.amount!r} fen is not allowed")
        if posting.account_id in by_account:
            raise UnbalancedTransaction(f"account {posting.account_id} is named twice")
        by_account[posting.account_id] = posting.amount
    if len(by_account) < 2 or sum(by_account.values()) != 0:
        raise UnbalancedTransaction(extra={"postings": [_as_dict(p) for p in postings]})
    return by_account


def _as_dict(posting: Posting) -> dict[str, int]:
    return {"account_id": posting.account_id, "amount": posting.amount}


def _posted(idempotency_key: str) -> int | None:
    found = LedgerTransaction.objects.filter(idempotency_key=idempotency_key)
    value = found.values_list("pk", flat=True).first()
    return None if value is None else int(value)


def _reversal_of(transaction_id: int | None) -> int | None:
    if transaction_id is None:
        return None
    found = LedgerTransaction.objects.filter(reverses_id=transaction_id)
    value = found.values_list("pk", flat=True).first()
    return None if value is None else int(value)


def ledger_transaction_post(
    *,
    idempotency_key: str,
    kind: str,
    postings: Sequence[Posting],
    description: str = "",
    reference: str = "",
    reverses_id: int | None = None,
) -> PostResult:
    """Move money: one transaction whose entries sum to zero, once per ``idempotency_key``."""
    amounts = _checked(postings)
    with transaction.atomic():
        if (done := _posted(idempotency_key) or _reversal_of(reverses_id)) is not None:
            return PostResult(transaction_id=done, created=False)
        accounts = list(Account.objects.select_for_update().filter(pk__in=amounts).order_by("pk"))
        if len(accounts) != len(amounts):
            raise LedgerAccountMissing(extra={"account_ids": sorted(amounts)})
        # A poster of the same key may have committed while this one waited for the locks.
        if (done := _posted(idempotency_key) or _reversal_of(reverses_id)) is not None:
            return PostResult(transaction_id=done, created=False)
        try:
            with transaction.atomic():
                row = LedgerTransaction.objects.create(
                    idempotency_key=idempotency_key,
                    kind=kind,
                    description=description,
                    reference=reference,
                    reverses_id=reverses_id,
                )
        except IntegrityError:  # the key (or the reversal) exists after all: nothing moves
            done = _posted(idempotency_key) or _reversal_of(reverses_id)
            if done is None:
                raise
            return PostResult(transaction_id=done, created=False)
        _apply_entries(row, accounts, amounts)
    return PostResult(transaction_id=row.pk, created=True)


def _apply_entries(
    row: LedgerTransaction, accounts: list[Account], amounts: dict[int, int]
) -> None:
    now = timezone.now()
    entries = []
    for account in accounts:  # locked: their balances are current and nobody else moves them
        account.balance += amounts[account.pk]
        account.updated_at = now
        entries.append(
            Entry(
                transaction=row,
                account_id=account.pk,
                amount=amounts[account.pk],
                balance_after=account.balance,
            )
        )
    Entry.objects.bulk_create(entries)
    Account.objects.bulk_update(accounts, ["balance", "updated_at"])


def ledger_transaction_reverse(
    *, original_key: str, idempotency_key: str, kind: str, description: str = ""
) -> PostResult:
    """Post the exact opposite of the transaction ``original_key``, once.

    A transaction can be reversed only once (``reverses`` is unique), whatever key asks again.
    """
    original = LedgerTransaction.objects.filter(idempotency_key=original_key).first()
    if original is None:
        raise LedgerTransactionMissing(extra={"idempotency_key": original_key})
    entries = original.entries.order_by("account_id").values_list("account_id", "amount")
    return ledger_transaction_post(
        idempotency_key=idempotency_key,
        kind=kind,
        postings=[Posting(account_id=account, amount=-amount) for account, amount in entries],
        description=description,
        reference=original.reference,
        reverses_id=original.pk,
    )
