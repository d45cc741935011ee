from __future__ import annotations

import uuid
from datetime import UTC, date, datetime, timedelta, timezone
from decimal import Decimal

import orjson
import pytest
from django.utils.translation import gettext_lazy

from scholarnet.api.renderers import OrjsonRenderer


def render(data: object) -> bytes:
    return OrjsonRenderer().render(data)


def test_aware_utc_datetime_ends_in_z():
    moment = datetime(2026, 1, 2, 3, 4, 5, tzinfo=UTC)

    assert render({"at": moment}) == b'{"at":"2026-01-02T03:04:05Z"}'


def test_microseconds_are_kept():
    moment = datetime(2026, 1, 2, 3, 4, 5, 120000, tzinfo=UTC)

    assert render([moment]) == b'["2026-01-02T03:04:05.120000Z"]'


def test_naive_datetime_is_taken_as_utc():
    assert render([datetime(2026, 1, 2, 3, 4, 5)]) == b'["2026-01-02T03:04:05Z"]'


def test_other_offsets_keep_their_offset():
    moment = datetime(2026, 1, 2, 11, 4, 5, tzinfo=timezone(timedelta(hours=8)))

    assert render([moment]) == b'["2026-01-02T11:04:05+08:00"]'


def test_decimal_is_a_string_with_its_exact_digits():
    assert render({"amount": Decimal("12.50")}) == b'{"amount":"12.50"}'


def test_lazy_translation_string_is_rendered_as_text():
    assert render({"detail": gettext_lazy("Not found.")}) == b'{"detail":"Not found."}'


def test_uuid_date_set_and_integer_keys():
    value = uuid.UUID("12345678-1234-5678-1234-567812345678")

    rendered = orjson.loads(render({1: value, "day": date(2026, 3, 1), "tags": {"x"}}))

    assert rendered == {"1": str(value), "day": "2026-03-01", "tags": ["x"]}


def test_none_renders_an_empty_body():
    assert render(None) == b""


def test_unknown_type_is_an_error_not_a_repr():
    with pytest.raises(TypeError):
        render({"x": object()})


def test_media_type_is_plain_json():
    renderer = OrjsonRenderer()

    assert renderer.media_type == "application/json"
    assert renderer.charset is None
