"""``manage.py consume GROUP``: run a consumer group's handlers against Kafka."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from scholarnet.events.batches import batch_registry
from scholarnet.events.registry import registry
from scholarnet.events.runner import BatchConsumerRunner, ConsumerRunner
from scholarnet.events.signals import stop_on_signals


class Command(BaseCommand):
    help = "Consume the topics of a consumer group and run its handlers, until SIGTERM."

    def add_arguments(self, parser: CommandParser) -> None:
        groups = registry.groups() + batch_registry.groups()
        parser.add_argument("group", nargs="?", help=f"one of the registered groups: {groups}")
        parser.add_argument(
            "--list", action="store_true", help="print the consumer groups, one a line, and exit"
        )
        parser.add_argument("--batch-size", type=int, default=None)
        parser.add_argument("--batch-timeout-ms", type=int, default=None)
        parser.add_argument(
            "--max-batches", type=int, default=None, help="stop after N non-empty batches"
        )

    def handle(self, *args: Any, group: str | None, **options: Any) -> None:
        if options["list"]:
            # Each group needs a process of its own (deployments read this list).
            for name in sorted(set(registry.groups() + batch_registry.groups())):
                self.stdout.write(name)
            return
        if group is None:
            raise CommandError("name a consumer group, or --list them")
        if group in batch_registry:
            self._consume_batches(group, **options)
            return
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

    def _consume_batches(self, group: str, **options: Any) -> None:
        # Batch groups read Kafka in services mode and the Redis streams in embedded mode.
        from django.conf import settings

        from scholarnet.events.stream import StreamBatchRunner

        sizes = {"batch_size": options["batch_size"], "batch_wait_ms": options["batch_timeout_ms"]}
        runner: BatchConsumerRunner | StreamBatchRunner
        if settings.EVENTS_TRANSPORT == "kafka":
            runner = BatchConsumerRunner(group, **sizes)
        else:
            runner = StreamBatchRunner(group, **sizes)
        self.stdout.write(f"consuming batches of {runner.handler.event_types} as group {group!r}")
        with stop_on_signals(runner.stop):
            batches = runner.run(max_batches=options["max_batches"])
        self.stdout.write(f"stopped after {batches} batch(es)")
