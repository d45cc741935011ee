"""Recompute every account's balance from its entries and report any difference.

Exits non-zero (status 1) when a balance differs from the sum of its entries or a
transaction's entries do not sum to zero; it changes nothing (a correction is a new
transaction, posted by a person who read this report).
"""

from __future__ import annotations

import sys
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from tqdm import tqdm

from apps.ledger import selectors
from apps.ledger.models import Account


class Command(BaseCommand):
    help = "Check every ledger balance against its entries; exit 1 on any difference."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--batch-size", type=int, default=1000)
        parser.add_argument(
            "--after-id", type=int, default=0, help="Check only accounts after this id (resume)."
        )
        parser.add_argument("--no-progress", action="store_true", help="No progress bar.")

    def handle(self, *args: Any, **options: Any) -> None:
        batch_size = options["batch_size"]
        if batch_size < 1:
            raise CommandError("--batch-size must be at least 1")
        problems = self._check_balances(
            batch_size, after_id=options["after_id"], disable=options["no_progress"] or None
        )
        for transaction_id, total in selectors.unbalanced_transactions():
            problems += 1
            self.stdout.write(f"transaction {transaction_id}: entries sum to {total}, not 0")
        if problems:
            self.stderr.write(f"ledger_verify: {problems} difference(s)")
            sys.exit(1)
        self.stdout.write("ledger_verify: every balance matches its entries")

    def _check_balances(self, batch_size: int, *, after_id: int, disable: bool | None) -> int:
        # The bar shows the last account id checked: an interrupted run resumes with --after-id.
        problems = 0
        total = Account.objects.filter(pk__gt=after_id).count()
        with tqdm(total=total, desc="accounts", disable=disable) as bar:
            while ids := selectors.account_ids_after(after_id=after_id, batch_size=batch_size):
                for difference in selectors.balance_differences(
                    after_id=after_id, batch_size=batch_size
                ):
                    problems += 1
                    self.stdout.write(
                        f"account {difference.account_id}: balance {difference.balance}, "
                        f"entries sum to {difference.computed}"
                    )
                after_id = ids[-1]
                bar.update(len(ids))
                bar.set_postfix(after_id=after_id)
        return problems
