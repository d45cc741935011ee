"""The double-entry ledger: accounts, transactions and their entries, in integer fen.

An entry's ``amount`` is signed from its account's point of view: positive adds to the
account's balance, negative takes from it. The entries of one transaction sum to zero, so money
is only ever moved, never made. A user's balance is what the platform owes them; the WeChat
clearing account goes negative by what WeChat collected for the platform, and platform revenue
grows by the commission. So, for a paid reward of A fen with commission C:
``clearing -A, author +(A - C), platform +C``.

The ``balance`` on the account row is a cache of the sum of its entries, moved under the row
lock in the transaction that adds the entries; ``manage.py ledger_verify`` recomputes it.
Rows are never updated or deleted after the fact: a correction is a new transaction.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models


class AccountKind(models.TextChoices):
    USER = "user", "User"
    PLATFORM_REVENUE = "platform_revenue", "Platform revenue"
    WECHAT_CLEARING = "wechat_clearing", "WeChat clearing"


SYSTEM_KINDS = (AccountKind.PLATFORM_REVENUE, AccountKind.WECHAT_CLEARING)


class Account(models.Model):
    kind = models.CharField(max_length=32, choices=AccountKind.choices)
    # Set for user accounts only; system accounts are found by their kind (one each).
    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,  # money outlives a closed account
        null=True,
        blank=True,
        related_name="+",
    )
    # Unique per system kind ("platform_revenue"), NULL for user accounts (NULLs never collide).
    system_code = models.CharField(max_length=32, null=True, blank=True, unique=True)
    balance = models.BigIntegerField(default=0)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [
            models.CheckConstraint(
                condition=(
                    models.Q(kind=AccountKind.USER, user__isnull=False, system_code__isnull=True)
                    | (~models.Q(kind=AccountKind.USER) & models.Q(user__isnull=True))
                ),
                name="ledger_account_owner_matches_kind",
            ),
        ]

    def __str__(self) -> str:
        owner = f"user {self.user_id}" if self.user_id else self.kind
        return f"account {self.pk} ({owner})"


class LedgerTransaction(models.Model):
    # "reward:42:paid": one money movement per business fact, whoever asks how often.
    idempotency_key = models.CharField(max_length=100, unique=True)
    kind = models.CharField(max_length=32)
    description = models.CharField(max_length=200, blank=True)
    # What it is about, for people and the wallet ("reward:42"); not a foreign key: the ledger
    # knows accounts and transactions only.
    reference = models.CharField(max_length=100, blank=True)
    # The transaction this one reverses, if any.
    reverses = models.OneToOneField(
        "self", on_delete=models.PROTECT, null=True, blank=True, related_name="reversed_by"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    def __str__(self) -> str:
        return f"transaction {self.pk} ({self.idempotency_key})"


class Entry(models.Model):
    transaction = models.ForeignKey(
        LedgerTransaction, on_delete=models.PROTECT, related_name="entries"
    )
    account = models.ForeignKey(Account, on_delete=models.PROTECT, related_name="entries")
    amount = models.BigIntegerField()
    # The account's balance right after this entry (exact: written under the account's lock).
    balance_after = models.BigIntegerField()
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name_plural = "entries"
        constraints = [
            models.CheckConstraint(condition=~models.Q(amount=0), name="ledger_entry_not_zero"),
            models.UniqueConstraint(
                fields=["transaction", "account"], name="ledger_entry_one_per_account"
            ),
        ]
        indexes = [
            # The wallet: one account's entries, newest first, a keyset seek on (account, -id).
            models.Index(fields=["account", "-id"], name="ledger_entry_account_newest"),
        ]

    def __str__(self) -> str:
        return f"entry {self.pk}: {self.amount:+d} on account {self.account_id}"
