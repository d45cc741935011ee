import pytest
from django.test import Client

from apps.tags.models import Tag, TagBinding
from apps.users.models import User
from tests.tags.conftest import tag_events
from tests.tags.factories import OfficialTagFactory, TagBindingFactory, TagFactory
from tests.users.factories import UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def moderator_client() -> Client:
    moderator = User.objects.create_superuser("mod@example.org", "moderator-pass-91")
    client = Client()
    client.force_login(moderator)
    return client


def test_search_finds_tags_by_name(moderator_client):
    OfficialTagFactory(name="Quantum Optics")
    TagFactory(name="Graph Theory")

    page = moderator_client.get("/admin/tags/tag/", {"q": "optics"}).content.decode()

    assert "Quantum Optics" in page
    assert "Graph Theory" not in page


@pytest.mark.parametrize(("kind", "shown", "hidden"), [("official", 0, 1), ("owned", 1, 0)])
def test_filter_by_official_or_owned(moderator_client, kind, shown, hidden):
    tags = [OfficialTagFactory(name="Official One"), TagFactory(name="Owned One")]

    page = moderator_client.get("/admin/tags/tag/", {"kind": kind}).content.decode()

    assert tags[shown].name in page
    assert tags[hidden].name not in page


def test_adding_a_tag_creates_an_official_one_through_the_service(moderator_client):
    response = moderator_client.post("/admin/tags/tag/add/", {"name": "  Number   Theory "})

    assert response.status_code == 302
    tag = Tag.objects.get()
    assert (tag.name, tag.owner_id, tag.owner_key) == ("Number Theory", None, 0)
    assert [payload["op"] for _, payload in tag_events()] == ["upsert"]


def test_adding_an_existing_official_name_is_refused(moderator_client):
    OfficialTagFactory(name="Number Theory")

    response = moderator_client.post("/admin/tags/tag/add/", {"name": "NUMBER THEORY"})

    assert response.status_code == 200
    assert "An official tag with this name already exists." in response.content.decode()
    assert Tag.objects.count() == 1


def test_adding_an_invalid_name_is_refused(moderator_client):
    response = moderator_client.post("/admin/tags/tag/add/", {"name": "a/b"})

    assert response.status_code == 200
    assert "contains &quot;/&quot; or a control character." in response.content.decode()
    assert Tag.objects.count() == 0


def test_tag_page_shows_its_latest_bindings_read_only(moderator_client):
    tag = TagFactory(owner=UserFactory(email="owner@example.org"))
    TagBindingFactory(tag=tag, biz="article", biz_id=4242)

    response = moderator_client.get(f"/admin/tags/tag/{tag.pk}/change/")

    page = response.content.decode()
    assert response.status_code == 200
    assert "4242" in page
    assert "owner@example.org" in page
    assert 'name="name"' not in page  # no editable name field


def test_deleting_a_tag_in_the_admin_deletes_its_bindings_and_publishes(moderator_client):
    tag = TagFactory(name="Doomed")
    TagBindingFactory(tag=tag)
    TagBindingFactory(tag=tag)
    tag_id = tag.pk

    confirm = moderator_client.get(f"/admin/tags/tag/{tag_id}/delete/")
    response = moderator_client.post(f"/admin/tags/tag/{tag_id}/delete/", {"post": "yes"})

    assert "<li>Tag bindings: 2</li>" in confirm.content.decode()
    assert response.status_code == 302
    assert not Tag.objects.exists()
    assert not TagBinding.objects.exists()
    assert [(key, payload["op"]) for key, payload in tag_events()] == [(f"tag:{tag_id}", "delete")]


def test_the_delete_action_goes_through_the_service(moderator_client):
    doomed = [TagFactory(), TagFactory()]
    kept = TagFactory()
    for tag in doomed:
        TagBindingFactory(tag=tag)

    moderator_client.post(
        "/admin/tags/tag/",
        {"action": "delete_selected", "_selected_action": [t.pk for t in doomed], "post": "yes"},
    )

    assert list(Tag.objects.values_list("id", flat=True)) == [kept.pk]
    assert TagBinding.objects.count() == 0
    assert sorted(payload["doc_id"] for _, payload in tag_events()) == sorted(
        str(tag.pk) for tag in doomed
    )


def test_bindings_are_listed_read_only(moderator_client):
    binding = TagBindingFactory(tag=OfficialTagFactory(name="Graphs"), biz_id=777)

    listing = moderator_client.get("/admin/tags/tagbinding/", {"q": "777"})
    add = moderator_client.get("/admin/tags/tagbinding/add/")

    assert "Graphs" in listing.content.decode()
    assert add.status_code == 403
    assert TagBinding.objects.get().pk == binding.pk
