"""Cursor pagination over ``auth.Group`` (any table with an integer id would do)."""

from __future__ import annotations

from base64 import b64encode

import pytest
from django.contrib.auth.models import Group

pytestmark = [pytest.mark.urls("tests.platform.api.urls_for_tests"), pytest.mark.django_db]


def make_groups(count: int, prefix: str = "g") -> list[Group]:
    Group.objects.bulk_create(Group(name=f"{prefix}{index}") for index in range(1, count + 1))
    return list(Group.objects.filter(name__startswith=prefix).order_by("id"))


def page(client, **params) -> dict:
    response = client.get("/t/groups", params)
    assert response.status_code == 200
    return response.json()


def names(body: dict) -> list[str]:
    return [row["name"] for row in body["results"]]


def test_pages_walk_newest_first_without_overlap_until_next_is_null(client):
    groups = make_groups(5)

    first = page(client, page_size=2)
    second = page(client, page_size=2, cursor=first["next"])
    last = page(client, page_size=2, cursor=second["next"])

    assert first["results"] == [
        {"id": groups[4].id, "name": "g5"},
        {"id": groups[3].id, "name": "g4"},
    ]
    assert names(second) == ["g3", "g2"]
    assert names(last) == ["g1"]
    assert last["next"] is None
    assert set(first) == {"results", "next"}


def test_next_is_an_opaque_token_not_a_url(client):
    make_groups(3)

    cursor = page(client, page_size=2)["next"]

    assert isinstance(cursor, str)
    assert "http" not in cursor
    assert "/" not in cursor.rstrip("=")
    assert "?" not in cursor


def test_rows_inserted_between_requests_cause_no_duplicates(client):
    make_groups(4)
    first = page(client, page_size=2)

    Group.objects.create(name="new")
    second = page(client, page_size=2, cursor=first["next"])

    assert names(first) == ["g4", "g3"]
    assert names(second) == ["g2", "g1"]
    assert second["next"] is None
    assert names(page(client, page_size=2)) == ["new", "g4"]


def test_default_page_size_is_20(client):
    make_groups(25)

    body = page(client)

    assert len(body["results"]) == 20
    assert body["next"] is not None


def test_page_size_of_100_is_served(client):
    make_groups(105)

    body = page(client, page_size=100)

    assert len(body["results"]) == 100
    assert names(page(client, page_size=100, cursor=body["next"])) == [
        "g5",
        "g4",
        "g3",
        "g2",
        "g1",
    ]


@pytest.mark.parametrize(
    ("page_size", "message"),
    [
        ("1000", "Ensure this value is less than or equal to 100."),
        ("0", "Ensure this value is greater than or equal to 1."),
        ("abc", "A valid integer is required."),
    ],
)
def test_a_page_size_out_of_range_is_400_and_names_the_field(client, page_size, message):
    make_groups(3)

    response = client.get("/t/groups", {"page_size": page_size})

    assert response.status_code == 400
    assert response.json() == {
        "detail": "The request is not valid.",
        "code": "invalid",
        "extra": {"fields": {"page_size": [message]}},
    }


def test_empty_list_has_no_next(client):
    assert page(client) == {"results": [], "next": None}


def test_a_page_is_one_query(client, django_assert_num_queries):
    make_groups(5)
    cursor = page(client, page_size=2)["next"]

    with django_assert_num_queries(1):
        page(client, page_size=2, cursor=cursor)


@pytest.mark.parametrize(
    "cursor",
    [
        "not base64!",
        b64encode(b"p=not-a-number").decode(),
        b64encode(b"o=-5").decode(),
    ],
)
def test_an_invalid_cursor_is_400(client, cursor):
    response = client.get("/t/groups", {"cursor": cursor})

    assert response.status_code == 400
    assert response.json() == {
        "detail": "The cursor is not valid; start again from the first page.",
        "code": "invalid_cursor",
        "extra": {},
    }
