"""The hot score formula and its explanation."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from apps.ranking.scoring import ScoreFormula

NOW = datetime(2026, 5, 1, 12, tzinfo=UTC)


def test_the_default_is_likes_minus_one_over_hours_plus_two_to_the_one_and_a_half():
    formula = ScoreFormula.from_settings()
    published = NOW - timedelta(hours=10)

    score = formula.score({"like_count": 5, "read_count": 900}, published_at=published, now=NOW)

    assert score == pytest.approx(4 / 12**1.5)


def test_hours_are_never_negative():
    formula = ScoreFormula.from_settings()
    future = NOW + timedelta(hours=5)
    assert formula.score({"like_count": 3}, published_at=future, now=NOW) == pytest.approx(
        2 / 2**1.5
    )


def test_weights_come_from_settings(settings):
    settings.RANKING_COLLECT_WEIGHT = 2.0
    settings.RANKING_READ_WEIGHT = 0.01
    settings.RANKING_GRAVITY = 1.8
    formula = ScoreFormula.from_settings()
    counts = {"like_count": 4, "collect_count": 3, "read_count": 200, "comment_count": 7}

    score = formula.score(counts, published_at=NOW - timedelta(hours=1), now=NOW)

    assert score == pytest.approx((4 + 6 + 2 - 1) / 3**1.8)


def test_explain_lists_each_factor_its_weight_and_the_score(settings):
    settings.RANKING_COMMENT_WEIGHT = 0.5
    formula = ScoreFormula.from_settings()
    published = NOW - timedelta(hours=2)

    explained = formula.explain(
        {"like_count": 9, "comment_count": 4}, published_at=published, now=NOW
    )

    assert explained["factors"] == [
        {"name": "like_count", "count": 9, "weight": 1.0, "points": 9.0},
        {"name": "collect_count", "count": 0, "weight": 0.0, "points": 0.0},
        {"name": "comment_count", "count": 4, "weight": 0.5, "points": 2.0},
        {"name": "read_count", "count": 0, "weight": 0.0, "points": 0.0},
        {"name": "reward_count", "count": 0, "weight": 0.0, "points": 0.0},
    ]
    assert explained["points"] == 11.0
    assert explained["hours"] == 2.0
    assert explained["in_window"] is True
    assert explained["score"] == pytest.approx(10 / 4**1.5)
    assert formula.explain({}, published_at=NOW - timedelta(days=8), now=NOW)["in_window"] is False
