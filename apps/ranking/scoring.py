"""The hot score: ``(sum(weight * count) - offset) / (hours + hours_offset) ** gravity``.

With the defaults (likes weighted 1, everything else 0, offset 1, hours offset 2, gravity 1.5)
it is the original design's ``(likes - 1) / (hours_since_publish + 2) ** 1.5``. Every number
comes from settings (``RANKING_*``), so operators can weigh collects, comments, reads and
rewards in without a deploy of code. Hours are never negative: an article dated in the future
(clock skew between servers) scores as if published now.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from django.conf import settings

# (counter, setting of its weight). reward_count has no source yet: the rewards app adds it to
# the stat rows; until then it counts as zero, whatever its weight.
FACTORS: tuple[tuple[str, str], ...] = (
    ("like_count", "RANKING_LIKE_WEIGHT"),
    ("collect_count", "RANKING_COLLECT_WEIGHT"),
    ("comment_count", "RANKING_COMMENT_WEIGHT"),
    ("read_count", "RANKING_READ_WEIGHT"),
    ("reward_count", "RANKING_REWARD_WEIGHT"),
)


@dataclass(frozen=True, slots=True)
class ScoreFormula:
    weights: tuple[tuple[str, float], ...]
    offset: float
    hours_offset: float
    gravity: float
    window: timedelta

    @classmethod
    def from_settings(cls) -> ScoreFormula:
        return cls(
            weights=tuple((name, float(getattr(settings, key))) for name, key in FACTORS),
            offset=float(settings.RANKING_SCORE_OFFSET),
            hours_offset=float(settings.RANKING_HOURS_OFFSET),
            gravity=float(settings.RANKING_GRAVITY),
            window=timedelta(days=float(settings.RANKING_WINDOW_DAYS)),
        )

    def score(self, counts: Mapping[str, int], *, published_at: datetime, now: datetime) -> float:
        points = sum(weight * (counts.get(name) or 0) for name, weight in self.weights if weight)
        return (points - self.offset) / (hours_since(published_at, now) + self.hours_offset) ** (
            self.gravity
        )

    def explain(
        self, counts: Mapping[str, int], *, published_at: datetime, now: datetime
    ) -> dict[str, Any]:
        """Each factor with its count, weight and contribution, and how they make the score."""
        factors = [
            {
                "name": name,
                "count": counts.get(name) or 0,
                "weight": weight,
                "points": weight * (counts.get(name) or 0),
            }
            for name, weight in self.weights
        ]
        return {
            "factors": factors,
            "points": sum(factor["points"] for factor in factors),
            "offset": self.offset,
            "hours": hours_since(published_at, now),
            "hours_offset": self.hours_offset,
            "gravity": self.gravity,
            "in_window": published_at >= now - self.window,
            "score": self.score(counts, published_at=published_at, now=now),
        }


def hours_since(published_at: datetime, now: datetime) -> float:
    return max(0.0, (now - published_at).total_seconds() / 3600)
