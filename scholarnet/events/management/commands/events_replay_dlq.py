"""``manage.py events_replay_dlq GROUP [--type TYPE] [--limit N] [--source table|topic]``.

Runs a consumer group's handler again on its dead-lettered events, after the fault that made
them fail is fixed (``scholarnet.jobs.dead_letters``). ``--list`` shows the letters instead.
"""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from scholarnet.events.models import DeadLetterEvent
from scholarnet.jobs.dead_letters import (
    SOURCES,
    UnknownGroup,
    dead_letter_topic_read,
    dead_letters_replay,
    default_source,
)


class Command(BaseCommand):
    help = "Replay a consumer group's dead-lettered events (oldest first), or --list them."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("group", help="the consumer group (`consume --list`)")
        parser.add_argument("--type", dest="event_type", default=None, help="only this type")
        parser.add_argument("--limit", type=int, default=None, help="at most N events")
        parser.add_argument(
            "--source",
            choices=SOURCES,
            default="",
            help="table (DeadLetterEvent rows) or topic (<group>.dlq); default by transport",
        )
        parser.add_argument("--list", action="store_true", help="print the letters, replay none")

    def handle(self, *args: Any, group: str, **options: Any) -> None:
        if options["limit"] is not None and options["limit"] < 1:
            raise CommandError("--limit must be at least 1")
        if options["list"]:
            self._list(group, source=options["source"] or default_source())
            return
        try:
            report = dead_letters_replay(
                group=group,
                event_type=options["event_type"],
                limit=options["limit"],
                source=options["source"],
            )
        except UnknownGroup as error:
            raise CommandError(str(error)) from error
        for event_id, reason in report.failed:
            self.stderr.write(f"{event_id}: {reason}")
        self.stdout.write(report.summary())
        if report.failed:
            raise CommandError(f"{len(report.failed)} event(s) failed again")

    def _list(self, group: str, *, source: str) -> None:
        if source == "table":
            rows = DeadLetterEvent.objects.filter(group=group).order_by("id")
            for row in rows.iterator():
                self.stdout.write(f"{row.event_id} {row.type} {row.attempts} {row.error[:120]}")
            return
        for letter in dead_letter_topic_read(group):
            event = letter.get("event") or {}
            event_id = event.get("event_id", "?") if isinstance(event, dict) else "?"
            event_type = event.get("type", "?") if isinstance(event, dict) else "?"
            error = str(letter.get("error", ""))[:120]
            self.stdout.write(f"{event_id} {event_type} {letter.get('attempts', '?')} {error}")
