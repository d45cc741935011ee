"""Following tags: idempotent, by the tag's comparison key, listed newest first."""

from __future__ import annotations

import pytest

from apps.follows.models import TagFollow
from apps.tags.services import tag_create_official
from tests.follows.conftest import FOLLOWED_TAGS, TAG_FOLLOW

pytestmark = pytest.mark.django_db


def followed(user) -> list[tuple[str, str]]:
    return list(TagFollow.objects.filter(user=user).values_list("name_key", "name"))


def test_follow_a_tag_twice_in_two_spellings_makes_one_follow(reader, reader_client):
    tag_create_official(name="Deep Learning")

    first = reader_client.put(TAG_FOLLOW.format("Deep Learning"))
    second = reader_client.put(TAG_FOLLOW.format("deep learning"))

    assert first.status_code == second.status_code == 200
    assert first.json() == second.json() == {"name": "Deep Learning", "following": True}
    assert followed(reader) == [("deep learning", "Deep Learning")]


def test_unfollow_a_tag_is_idempotent(reader, reader_client):
    tag_create_official(name="Graphs")
    reader_client.put(TAG_FOLLOW.format("Graphs"))

    first = reader_client.delete(TAG_FOLLOW.format("GRAPHS"))
    second = reader_client.delete(TAG_FOLLOW.format("Graphs"))

    assert first.json() == {"name": "GRAPHS", "following": False}
    assert second.status_code == 200
    assert followed(reader) == []


def test_a_tag_nobody_uses_is_404_and_a_bad_name_400(reader, reader_client):
    missing = reader_client.put(TAG_FOLLOW.format("no-such-tag"))
    bad = reader_client.put(TAG_FOLLOW.format("x" * 40))

    assert (missing.status_code, missing.json()["code"]) == (404, "tag_not_found")
    assert (bad.status_code, bad.json()["code"]) == (400, "invalid")
    assert followed(reader) == []


def test_followed_tags_newest_first_in_pages(reader_client, anonymous_client):
    for name in ("Alpha", "Beta", "Gamma"):
        tag_create_official(name=name)
        reader_client.put(TAG_FOLLOW.format(name))

    page = reader_client.get(FOLLOWED_TAGS, {"page_size": 2}).json()
    rest = reader_client.get(FOLLOWED_TAGS, {"page_size": 2, "cursor": page["next"]}).json()

    assert [item["name"] for item in page["results"]] == ["Gamma", "Beta"]
    assert [item["name"] for item in rest["results"]] == ["Alpha"]
    assert rest["next"] is None
    assert anonymous_client.get(FOLLOWED_TAGS).status_code == 401


def test_tag_follows_need_a_signed_in_user(anonymous_client):
    tag_create_official(name="Graphs")

    assert anonymous_client.put(TAG_FOLLOW.format("Graphs")).status_code == 401
    assert TagFollow.objects.count() == 0
