"""``manage.py payments_refund OUT_TRADE_NO --reason …``: a full refund through WeChat Pay."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError

from apps.payments.services import payment_refund
from scholarnet.api.errors import ApplicationError


class Command(BaseCommand):
    help = "Refund a paid payment in full through WeChat Pay (the ledger reverses on the event)."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("out_trade_no")
        parser.add_argument("--reason", required=True)

    def handle(self, *args: Any, out_trade_no: str, reason: str, **options: Any) -> None:
        try:
            status = payment_refund(out_trade_no=out_trade_no, reason=reason)
        except ApplicationError as error:
            raise CommandError(f"{error.code}: {error.detail}") from error
        self.stdout.write(f"{out_trade_no}: {status}")
