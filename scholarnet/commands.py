"""A management command that walks ids in ascending batches and can be resumed.

Rebuilding derived state from the facts (``interactions_recount``, ``follows_recount``) is the
same loop every time: take the next batch of ids above a position, fix them in one service call,
save the position in Redis, move a progress bar. Only the ids and the service differ::

    class Command(ResumableIdWalkCommand):
        help = "Rebuild the users' follow counts from the follows, resumably."
        position_key = "follows:recount:position"
        unit = "user"

        def next_ids(self, *, after_id: int, limit: int) -> list[int]: ...
        def process(self, ids: list[int]) -> int: ...  # how many it corrected

``--after-id`` starts after any id, ``--resume`` after the last batch an interrupted run saved,
``--batch-size`` sets the batch, ``--no-progress`` hides the bar (shown only on a terminal).
"""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django_redis import get_redis_connection
from tqdm import tqdm

__all__ = ["ResumableIdWalkCommand"]


class ResumableIdWalkCommand(BaseCommand):
    position_key: str = ""
    unit: str = "item"
    default_batch_size = 500
    done_message = "Recounted {checked} {unit}s: {changed} corrected."

    def next_ids(self, *, after_id: int, limit: int) -> list[int]:
        """The next ``limit`` ids above ``after_id``, ascending."""
        raise NotImplementedError

    def process(self, ids: list[int]) -> int:
        """Handle one batch (one service call); how many of its ids it changed."""
        raise NotImplementedError

    def remaining(self, *, after_id: int) -> int | None:
        """How many ids are left above ``after_id``, for the progress bar (None: unknown)."""
        return None

    def add_walk_arguments(self, parser: CommandParser) -> None:
        """Options of the concrete command, beside the walk's own."""

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--batch-size", type=int, default=self.default_batch_size)
        start = parser.add_mutually_exclusive_group()
        start.add_argument(
            "--after-id", type=int, default=0, help=f"Start after this {self.unit} id."
        )
        start.add_argument("--resume", action="store_true", help="Continue the last run.")
        parser.add_argument("--no-progress", action="store_true", help="No progress bar.")
        self.add_walk_arguments(parser)

    def handle(self, *args: Any, **options: Any) -> None:
        if options["batch_size"] < 1:
            raise CommandError("--batch-size must be at least 1")
        self.options = options
        redis = get_redis_connection("default")
        after_id = (
            int(redis.get(self.position_key) or 0) if options["resume"] else options["after_id"]
        )
        checked = changed = 0
        disable = True if options["no_progress"] else None  # None: only on a terminal
        total = self.remaining(after_id=after_id)
        with tqdm(total=total, desc=f"{self.unit}s", unit=self.unit, disable=disable) as bar:
            while ids := self.next_ids(after_id=after_id, limit=options["batch_size"]):
                changed += self.process(ids)
                checked, after_id = checked + len(ids), ids[-1]
                redis.set(self.position_key, after_id)
                bar.update(len(ids))
        redis.delete(self.position_key)
        self.stdout.write(
            self.done_message.format(checked=checked, unit=self.unit, changed=changed)
        )
