"""Paging the notification list: a keyset on (updated_at, id), exact across equal timestamps."""

from __future__ import annotations

from datetime import UTC, datetime
from urllib.parse import parse_qs, urlsplit

import pytest

from apps.notifications.models import Notification, NotificationKind
from apps.notifications.pagination import cursor_encode
from tests.notifications.conftest import NOTIFICATIONS

pytestmark = pytest.mark.django_db

MOMENT = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)


def _rows(recipient, count: int) -> list[int]:
    """``count`` comment notifications of ``recipient``, all with the same ``updated_at``."""
    ids = [
        Notification.objects.create(
            recipient=recipient, kind=NotificationKind.COMMENT, group_key=f"comment:{index}"
        ).pk
        for index in range(count)
    ]
    Notification.objects.filter(pk__in=ids).update(updated_at=MOMENT)
    return ids


def _page(client, **query) -> tuple[list[int], str | None]:
    response = client.get(NOTIFICATIONS, query)
    assert response.status_code == 200, response.content
    body = response.json()
    return [row["id"] for row in body["results"]], body["next"]


def _cursor(next_link: str | None) -> str:
    assert next_link is not None
    query = parse_qs(urlsplit(next_link).query)
    return query["cursor"][0] if query else next_link


def test_equal_timestamps_across_a_page_boundary_show_every_row_once(author, author_client):
    ids = _rows(author, 5)

    seen: list[int] = []
    page, next_link = _page(author_client, page_size=2)
    seen += page
    while next_link is not None:
        page, next_link = _page(author_client, page_size=2, cursor=_cursor(next_link))
        seen += page

    assert seen == sorted(ids, reverse=True)


def test_a_row_that_moves_up_between_pages_skips_nothing_below_the_cursor(author, author_client):
    ids = _rows(author, 4)  # shown newest id first: ids[3], ids[2] | ids[1], ids[0]
    first, next_link = _page(author_client, page_size=2)
    # A new like on the first page's top row moves it up (as notification_add does).
    Notification.objects.filter(pk=ids[3]).update(updated_at=datetime(2026, 3, 2, tzinfo=UTC))

    second, last = _page(author_client, page_size=2, cursor=_cursor(next_link))

    assert (first, second, last) == ([ids[3], ids[2]], [ids[1], ids[0]], None)


def test_the_unread_filter_pages_on_the_same_key(author, author_client):
    ids = _rows(author, 3)
    Notification.objects.filter(pk=ids[1]).update(read_at=MOMENT, open=None)

    first, next_link = _page(author_client, page_size=1, unread="1")
    second, last = _page(author_client, page_size=1, unread="1", cursor=_cursor(next_link))

    assert (first, second, last) == ([ids[2]], [ids[0]], None)


@pytest.mark.parametrize(
    "cursor",
    [
        "nope",
        "bm90IGEgY3Vyc29y",  # base64 of "not a cursor"
        cursor_encode(MOMENT.replace(tzinfo=None), 1),  # naive time
        cursor_encode(MOMENT, 0),
        cursor_encode(MOMENT, 2**63),
    ],
)
def test_a_cursor_we_did_not_make_is_400(author_client, cursor):
    response = author_client.get(NOTIFICATIONS, {"cursor": cursor})

    assert (response.status_code, response.json()["code"]) == (400, "invalid_cursor")


@pytest.mark.parametrize("size", ["0", "101", "x"])
def test_a_bad_page_size_is_400(author_client, size):
    response = author_client.get(NOTIFICATIONS, {"page_size": size})

    assert (response.status_code, response.json()["code"]) == (400, "invalid")


def test_reading_the_first_page_between_pages_skips_nothing_of_the_unread(author, author_client):
    ids = _rows(author, 4)  # unread, shown newest id first: ids[3], ids[2] | ids[1], ids[0]
    first, next_link = _page(author_client, page_size=2, unread="1")
    # The reader marks what they saw as read (an UPDATE of read_at, updated_at unchanged).
    Notification.objects.filter(pk__in=first).update(read_at=MOMENT, open=None)

    second, last = _page(author_client, page_size=2, unread="1", cursor=_cursor(next_link))

    assert (first, second, last) == ([ids[3], ids[2]], [ids[1], ids[0]], None)
