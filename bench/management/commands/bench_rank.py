"""``manage.py bench_rank``: time the hot list recompute and its peak memory.

The scan keeps one batch and a heap of ``RANKING_SIZE`` entries, so peak memory must not grow
with the number of articles: run it at 100k and at 1M generated articles (``bench_data
--articles N``) and compare. Generated articles are dated from 2025, so by default the window
is widened to cover all of them (``--window-days``) and every article is scanned.
"""

from __future__ import annotations

import json
import resource
import statistics
import time
import tracemalloc
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandParser
from django.db import connection
from django.test import override_settings

from apps.articles.models import PublishedArticle
from apps.ranking.services import ranking_compute


class Command(BaseCommand):
    help = "Recompute the hot list N times; report seconds, articles scanned and peak memory."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--repeat", type=int, default=3)
        parser.add_argument("--window-days", type=float, default=36_500.0)
        parser.add_argument("--batch-size", type=int, default=None, help="RANKING_SCAN_BATCH_SIZE")
        parser.add_argument("--json", type=Path, default=None, help="also write the figures here")

    def handle(self, *args: Any, **options: Any) -> None:
        # DEBUG would keep every query in memory: memory would grow with the table for that alone.
        overrides: dict[str, Any] = {"RANKING_WINDOW_DAYS": options["window_days"], "DEBUG": False}
        if options["batch_size"]:
            overrides["RANKING_SCAN_BATCH_SIZE"] = options["batch_size"]
        articles = PublishedArticle.objects.count()
        rss_before = _max_rss_mib()
        seconds: list[float] = []
        with override_settings(**overrides):
            for _run in range(options["repeat"]):
                began = time.perf_counter()
                hot = ranking_compute()
                seconds.append(time.perf_counter() - began)
            rss_after = _max_rss_mib()
            # A separate run for Python's own peak: tracing slows the code several times over.
            tracemalloc.start()
            ranking_compute()
            _current, traced_peak = tracemalloc.get_traced_memory()
            tracemalloc.stop()
        self.stdout.write(
            f"rank_compute: {articles} live articles, {hot.scanned} scanned, {len(hot.entries)} "
            f"kept; median {statistics.median(seconds):.3f} s, min {min(seconds):.3f} s "
            f"({hot.scanned / min(seconds):.0f} articles/s); python peak "
            f"{traced_peak / 2**20:.1f} MiB; max RSS {rss_before:.0f} -> {rss_after:.0f} MiB"
        )
        if options["json"]:
            figures = {
                "live_articles": articles,
                "scanned": hot.scanned,
                "kept": len(hot.entries),
                "seconds_median": round(statistics.median(seconds), 3),
                "seconds_min": round(min(seconds), 3),
                "python_peak_mib": round(traced_peak / 2**20, 2),
                "max_rss_before_mib": round(rss_before, 1),
                "max_rss_after_mib": round(rss_after, 1),
                "window_days": options["window_days"],
                "scan_batch_size": options["batch_size"] or settings.RANKING_SCAN_BATCH_SIZE,
                "database": connection.vendor,
            }
            options["json"].write_text(json.dumps(figures, indent=2) + "\n")


def _max_rss_mib() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # Linux: KiB
