"""Reads of the ledger: a user's wallet, and the recomputation ``ledger_verify`` reports."""

from __future__ import annotations

from dataclasses import dataclass

from django.db.models import Count, Q, QuerySet, Sum

from apps.ledger.models import Account, Entry, LedgerTransaction


@dataclass(frozen=True, slots=True)
class Wallet:
    account_id: int | None  # None until the user's first entry
    balance: int


def wallet_get(*, user_id: int) -> Wallet:
    """The user's balance; a user who never received money has 0 and no account yet."""
    row = Account.objects.filter(user_id=user_id).values_list("pk", "balance").first()
    if row is None:
        return Wallet(account_id=None, balance=0)
    return Wallet(account_id=int(row[0]), balance=int(row[1]))


def wallet_entries(*, account_id: int | None) -> QuerySet[Entry]:
    """One account's entries with their transactions, for keyset pages newest first."""
    if account_id is None:
        return Entry.objects.none()
    return Entry.objects.filter(account_id=account_id).select_related("transaction")


def account_balance(*, account_id: int) -> int:
    return int(Account.objects.values_list("balance", flat=True).get(pk=account_id))


@dataclass(frozen=True, slots=True)
class BalanceDifference:
    account_id: int
    balance: int  # on the account row
    computed: int  # the sum of its entries


def balance_differences(*, after_id: int = 0, batch_size: int = 1000) -> list[BalanceDifference]:
    """Accounts in the id range after ``after_id`` whose balance is not the sum of their entries.

    Two queries per batch (the accounts, the sums of their entries grouped by account), so a
    run over millions of accounts never holds one huge aggregate.
    """
    accounts = dict(
        Account.objects.filter(pk__gt=after_id)
        .order_by("pk")
        .values_list("pk", "balance")[:batch_size]
    )
    if not accounts:
        return []
    sums = dict(
        Entry.objects.filter(account_id__in=list(accounts))
        .values_list("account_id")
        .annotate(total=Sum("amount"))
        .values_list("account_id", "total")
    )
    return [
        BalanceDifference(account_id=pk, balance=balance, computed=int(sums.get(pk) or 0))
        for pk, balance in accounts.items()
        if balance != int(sums.get(pk) or 0)
    ]


def account_ids_after(*, after_id: int, batch_size: int) -> list[int]:
    rows = Account.objects.filter(pk__gt=after_id).order_by("pk").values_list("pk", flat=True)
    return [int(pk) for pk in rows[:batch_size]]


def unbalanced_transactions() -> list[tuple[int, int]]:
    """(transaction id, sum) of every transaction whose entries do not sum to zero.

    Also the ones with fewer than two entries, which no posting can make but a hand-edited
    database could.
    """
    rows = (
        LedgerTransaction.objects.annotate(total=Sum("entries__amount"), count=Count("entries"))
        .filter(Q(total__isnull=True) | ~Q(total=0) | Q(count__lt=2))
        .values_list("pk", "total")
    )
    return [(int(pk), int(total or 0)) for pk, total in rows]
