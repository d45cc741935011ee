"""``manage.py payments_reconcile``: what the beat job does, by hand."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from django.core.management.base import BaseCommand

from apps.payments.services import payments_reconcile


class Command(BaseCommand):
    help = (
        "Ask WeChat Pay about payments still init, and refunds still processing, after "
        "PAYMENTS_RECONCILE_AFTER."
    )

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument(
            "--older-than",
            type=int,
            default=None,
            help="seconds an init payment or processing refund must have waited (default "
            "PAYMENTS_RECONCILE_AFTER)",
        )
        parser.add_argument("--page-size", type=int, default=100)

    def handle(self, *args: Any, older_than: int | None, page_size: int, **options: Any) -> None:
        report = payments_reconcile(
            older_than=timedelta(seconds=older_than) if older_than is not None else None,
            page_size=page_size,
        )
        self.stdout.write(
            f"checked {report.checked}: completed {report.completed}, closed {report.closed}, "
            f"unchanged {report.unchanged}"
        )
        self.stdout.write(
            f"refunds checked {report.refunds_checked}: succeeded {report.refunds_succeeded}, "
            f"failed {report.refunds_failed}, unchanged {report.refunds_unchanged}"
        )
