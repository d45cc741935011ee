"""Rebuild the search index from the database, while the site keeps serving searches.

Each type is rebuilt in place: documents are upserted in id order, one batch per write session
(between batches the event consumer gets the writer, so the index keeps following the site),
then the documents of the type that the run did not write and no event touched since it
started are deleted. ``--resume`` continues an interrupted run from its last batch.
"""

from __future__ import annotations

import time
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser
from tqdm import tqdm

from apps.search.services import search_reindex, search_reindex_count
from apps.search.sources import SourceUnavailable

TYPES = ("article", "user", "tag")


class Command(BaseCommand):
    help = "Rebuild search documents (articles, users, tags) from the database, in batches."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--type", choices=TYPES, help="Only this type (default: all).")
        parser.add_argument("--batch-size", type=int, default=settings.SEARCH_REINDEX_BATCH_SIZE)
        parser.add_argument(
            "--resume", action="store_true", help="Continue an interrupted run of the type."
        )
        parser.add_argument("--no-progress", action="store_true", help="No progress bar.")

    def handle(self, *args: Any, **options: Any) -> None:
        if options["batch_size"] < 1:
            raise CommandError("--batch-size must be at least 1")
        for doc_type in [options["type"]] if options["type"] else TYPES:
            started = time.perf_counter()
            try:
                indexed = self._reindex(doc_type, options)
            except SourceUnavailable as error:
                if options["type"]:
                    raise CommandError(f"cannot reindex {doc_type}: {error}") from error
                self.stderr.write(f"Skipped {doc_type}: {error}")
                continue
            seconds = time.perf_counter() - started
            self.stdout.write(
                f"Reindexed {doc_type}: {indexed} documents in {seconds:.1f} s "
                f"({indexed / max(seconds, 1e-6):.0f} documents/s)"
            )

    def _reindex(self, doc_type: str, options: dict[str, Any]) -> int:
        total = search_reindex_count(doc_type=doc_type)
        with tqdm(
            total=total,
            desc=doc_type,
            unit="doc",
            disable=True if options["no_progress"] else None,  # None: only on a terminal
        ) as bar:
            return search_reindex(
                doc_type=doc_type,
                batch_size=options["batch_size"],
                resume=options["resume"],
                on_batch=bar.update,
            )
