from __future__ import annotations

import io
import json
import logging
from collections.abc import Callable, Iterator

import pytest

from scholarnet.observability.logging import JsonFormatter


@pytest.fixture
def json_logs() -> Iterator[Callable[..., list[dict]]]:
    """``capture(*logger_names)`` sends those loggers' INFO+ lines through the JSON formatter;
    the returned callable parses what was written so far, one dict per line."""
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.setFormatter(JsonFormatter())
    saved: list[tuple[logging.Logger, int, bool]] = []

    def capture(*names: str) -> Callable[[], list[dict]]:
        for name in names:
            logger = logging.getLogger(name)
            saved.append((logger, logger.level, logger.propagate))
            logger.setLevel(logging.INFO)
            logger.propagate = False
            logger.addHandler(handler)
        return lambda: [json.loads(line) for line in stream.getvalue().splitlines()]

    yield capture
    for logger, level, propagate in saved:
        logger.removeHandler(handler)
        logger.setLevel(level)
        logger.propagate = propagate
