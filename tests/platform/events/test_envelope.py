import datetime as dt
import uuid

import orjson
import pytest

from scholarnet.events import Event
from scholarnet.events.envelope import MalformedEnvelope, decode, encode


def make_event() -> Event:
    return Event(
        event_id=uuid.UUID("0b7a1f9e-5a3c-4c1e-9d2b-7f4e8a6b5c3d"),
        type="like.changed",
        version=1,
        occurred_at=dt.datetime(2026, 3, 4, 5, 6, 7, 890000, tzinfo=dt.UTC),
        payload={"article_id": 9, "liked": True},
        key="article:9",
    )


def test_encode_writes_exactly_the_envelope_fields():
    assert orjson.loads(encode(make_event())) == {
        "event_id": "0b7a1f9e-5a3c-4c1e-9d2b-7f4e8a6b5c3d",
        "type": "like.changed",
        "version": 1,
        "occurred_at": "2026-03-04T05:06:07.890000+00:00",
        "payload": {"article_id": 9, "liked": True},
    }


def test_decode_reverses_encode_and_takes_the_key_from_the_message():
    event = make_event()

    assert decode(encode(event), key=b"article:9") == event


@pytest.mark.parametrize(
    "value",
    [
        None,
        b"not json",
        b"[]",
        b'{"event_id": "x", "type": "a", "version": 1, "occurred_at": "now", "payload": {}}',
        b'{"event_id": "0b7a1f9e-5a3c-4c1e-9d2b-7f4e8a6b5c3d", "type": "a", "version": 1,'
        b' "occurred_at": "2026-03-04T05:06:07+00:00", "payload": [1]}',
    ],
)
def test_decode_rejects_what_is_not_an_envelope(value):
    with pytest.raises(MalformedEnvelope):
        decode(value)
