"""``manage.py consume GROUP``: run a consumer group's handlers against Kafka."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from scholarnet.events.registry import registry
from scholarnet.events.runner import ConsumerRunner
from scholarnet.events.signals import stop_on_signals


class Command(BaseCommand):
    help = "Consume the topics of a consumer group and run its handlers, until SIGTERM."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("group", help=f"one of the registered groups: {registry.groups()}")
        parser.add_argument("--batch-size", type=int, default=None)
        parser.add_argument("--batch-timeout-ms", type=int, default=None)
        parser.add_argument(
            "--max-batches", type=int, default=None, help="stop after N non-empty batches"
        )

    def handle(self, *args: Any, group: str, **options: Any) -> None:
        try:
            runner = ConsumerRunner(
                group,
                batch_size=options["batch_size"],
                batch_timeout_ms=options["batch_timeout_ms"],
            )
        except ValueError as error:
            raise CommandError(str(error)) from error
        self.stdout.write(f"consuming {runner.event_types} as group {group!r}")
        # The message in hand finishes and its batch's offsets are committed before exit.
        with stop_on_signals(runner.stop):
            batches = runner.run(max_batches=options["max_batches"])
        self.stdout.write(f"stopped after {batches} batch(es)")
