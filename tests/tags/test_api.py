import pytest

from tests.tags.factories import OfficialTagFactory, TagFactory
from tests.users.factories import UserFactory

pytestmark = pytest.mark.django_db

URL = "/api/v1/tags"


def item(tag) -> dict:
    return {
        "id": tag.pk,
        "name": tag.name,
        "official": tag.owner_id is None,
        "owner_id": tag.owner_id,
    }


def test_anyone_sees_the_official_tags_newest_first(api_client):
    first, second = OfficialTagFactory(name="Optics"), OfficialTagFactory(name="Graphs")
    TagFactory(name="Someone's Own")

    response = api_client.get(URL)

    assert response.status_code == 200
    assert response.json() == {"results": [item(second), item(first)], "next": None}
    assert response.json()["results"][0] == {
        "id": second.pk,
        "name": "Graphs",
        "official": True,
        "owner_id": None,
    }


def test_a_user_also_sees_their_own_tags_but_nobody_elses(signed_in, user):
    official = OfficialTagFactory()
    own = TagFactory(owner=user, name="Mine")
    TagFactory(owner=UserFactory())

    body = signed_in.get(URL).json()

    assert body["results"] == [item(own), item(official)]
    assert body["results"][0]["owner_id"] == user.pk
    assert body["results"][0]["official"] is False


def test_mine_lists_only_the_users_own_tags(signed_in, user):
    OfficialTagFactory()
    own = TagFactory(owner=user)

    assert signed_in.get(URL, {"mine": "1"}).json()["results"] == [item(own)]
    assert len(signed_in.get(URL, {"mine": "0"}).json()["results"]) == 2


def test_mine_without_signing_in_is_401(api_client):
    response = api_client.get(URL, {"mine": "1"})

    assert response.status_code == 401
    assert response.json()["code"] == "not_authenticated"


def test_q_filters_by_case_insensitive_name_prefix(signed_in, user):
    machine = OfficialTagFactory(name="Machine Learning")
    own = TagFactory(owner=user, name="machinery")
    OfficialTagFactory(name="Deep Machines")
    TagFactory(name="Machine Vision")  # another user's

    body = signed_in.get(URL, {"q": "MACHINE"}).json()

    assert body["results"] == [item(own), item(machine)]


def test_a_bad_mine_value_is_a_validation_error(api_client):
    response = api_client.get(URL, {"mine": "perhaps"})

    assert response.status_code == 400
    assert response.json()["code"] == "invalid"
    assert list(response.json()["extra"]["fields"]) == ["mine"]


def test_pages_follow_the_cursor_without_gaps_or_repeats(api_client):
    tags = [OfficialTagFactory() for _ in range(5)]

    seen: list[int] = []
    page = api_client.get(URL, {"page_size": 2}).json()
    pages = 1
    while page["next"]:
        seen += [row["id"] for row in page["results"]]
        page = api_client.get(URL, {"page_size": 2, "cursor": page["next"]}).json()
        pages += 1
    seen += [row["id"] for row in page["results"]]

    assert seen == [tag.pk for tag in reversed(tags)]
    assert pages == 3


def test_a_forged_cursor_is_a_400(api_client):
    response = api_client.get(URL, {"cursor": "not-a-cursor"})

    assert response.status_code == 400
    assert response.json()["code"] == "invalid_cursor"


def test_the_list_is_one_query_for_anyone(api_client, django_assert_num_queries):
    for _ in range(25):
        OfficialTagFactory()

    with django_assert_num_queries(1):
        response = api_client.get(URL)

    assert len(response.json()["results"]) == 20


def test_the_list_costs_no_more_queries_per_tag_for_a_user(
    signed_in, user, django_assert_max_num_queries
):
    for _ in range(15):
        OfficialTagFactory()
        TagFactory(owner=user)

    with django_assert_max_num_queries(3):  # the signed-in user and session, then the page
        response = signed_in.get(URL)

    assert len(response.json()["results"]) == 20
