"""``manage.py bench_data --users 100000``: deterministic, resumable bench data in batches."""

from __future__ import annotations

import time
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import connection
from tqdm import tqdm

from bench.generators import GENERATORS, Generator, batches, run_begin


class Command(BaseCommand):
    help = (
        "Generate bench data up to the given totals, with bulk inserts in batches. Deterministic "
        "for a seed and resumable: rows that exist are counted and skipped. Generators available "
        f"now: {', '.join(GENERATORS)} (the others arrive with their apps)."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        for generator in GENERATORS.values():
            parser.add_argument(f"--{generator.name}", type=int, metavar="N", help=generator.help)
        parser.add_argument("--batch-size", type=int, default=1000, help="rows per insert (1000)")
        parser.add_argument("--seed", type=int, default=1, help="data seed (1)")
        parser.add_argument(
            "--no-analyze",
            action="store_true",
            help="leave the table statistics as the load left them (stale), e.g. to check that "
            "the lists' plans do not depend on them",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        wanted = {name: options[name] for name in GENERATORS if options[name] is not None}
        if not wanted:
            raise CommandError(f"Nothing to generate: pass one of --{', --'.join(GENERATORS)}.")
        if options["batch_size"] < 1:
            raise CommandError("--batch-size must be at least 1.")
        for name, total in wanted.items():
            self._generate(GENERATORS[name], total, options["seed"], options["batch_size"])
        if not options["no_analyze"]:
            self._analyze([GENERATORS[name] for name in wanted])

    def _analyze(self, generators: list[Generator]) -> None:
        """Refresh the statistics of the tables just filled, for the benchmark's sake only.

        The benchmark then measures the plans a settled database gets. The lists do not depend
        on it: their queries are planned the same with stale statistics
        (tests/articles/test_query_plans.py), which ``--no-analyze`` lets one check at scale.
        """
        # ANALYZE commits implicitly on MySQL, so never inside a caller's transaction.
        if connection.vendor != "mysql" or connection.in_atomic_block:
            return
        tables = [model._meta.db_table for generator in generators for model in generator.models]
        with connection.cursor() as cursor:
            cursor.execute(f"ANALYZE TABLE {', '.join(map(connection.ops.quote_name, tables))}")
            cursor.fetchall()
        self.stdout.write(f"analyzed {len(tables)} tables")

    def _generate(self, generator: Generator, total: int, seed: int, batch_size: int) -> None:
        run_begin()
        existing = generator.existing()
        missing = total - existing.count
        if missing <= 0:
            self.stdout.write(f"{generator.name}: {existing.count} exist, nothing to generate")
            return
        start = existing.next_index
        timings: list[tuple[int, float]] = []
        with tqdm(total=total, initial=existing.count, desc=generator.name, unit="row") as bar:
            for batch_start, batch_stop in batches(start, start + missing, batch_size):
                began = time.perf_counter()
                created = generator.create_rows(seed, batch_start, batch_stop)
                timings.append((created, time.perf_counter() - began))
                bar.update(created)
        self.stdout.write(f"{generator.name}: {total} generated rows ({missing} new)")
        self.stdout.write(f"{generator.name}: {_rates(timings)}")


def _rates(timings: list[tuple[int, float]]) -> str:
    """Rows per second over the first and the last tenth of the batches: flat, or slowing?"""
    tenth = max(1, len(timings) // 10)

    def rate(part: list[tuple[int, float]]) -> float:
        return sum(rows for rows, _ in part) / max(sum(seconds for _, seconds in part), 1e-9)

    return (
        f"{rate(timings[:tenth]):.0f} rows/s over the first tenth, "
        f"{rate(timings[-tenth:]):.0f} rows/s over the last tenth"
    )
