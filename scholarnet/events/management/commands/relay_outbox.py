"""``manage.py relay_outbox [--loop] [--batch-size N] [--interval S]``: send the outbox."""

from __future__ import annotations

import threading
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser

from scholarnet.events.relay import relay_forever, relay_once
from scholarnet.events.signals import stop_on_signals


class Command(BaseCommand):
    help = "Send committed outbox events to the configured transport (one batch, or --loop)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--loop", action="store_true", help="keep relaying until stopped")
        parser.add_argument("--batch-size", type=int, default=None)
        parser.add_argument(
            "--interval", type=float, default=None, help="seconds to wait when the outbox is empty"
        )

    def handle(self, *args: Any, loop: bool, batch_size: int | None, **options: Any) -> None:
        if not loop:
            sent = relay_once(batch_size=batch_size)
            self.stdout.write(f"relayed {sent} event(s)")
            return
        if settings.EVENTS_RELAY_MODE != "loop":
            # Exactly one relay path per deployment: with beat relaying too, two paths would
            # compete for the same rows and the operator could not tell which one is stuck.
            raise CommandError(
                "relay_outbox --loop runs only with EVENTS_RELAY_MODE=loop "
                f"(now {settings.EVENTS_RELAY_MODE!r}; beat relays in that mode)"
            )
        stop = threading.Event()
        self.stdout.write("relaying; stop with SIGTERM or Ctrl-C")
        # The loop ends between batches, never between sending a batch and marking it sent.
        with stop_on_signals(stop.set):
            relay_forever(stop=stop, batch_size=batch_size, interval=options["interval"])
        self.stdout.write("relay stopped")
