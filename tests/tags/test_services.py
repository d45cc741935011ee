import pytest
from django.db import transaction

from apps.tags import selectors, services
from apps.tags.models import Tag, TagBinding
from scholarnet.api.errors import ValidationFailed
from scholarnet.events.models import OutboxEvent
from tests.tags.conftest import tag_events
from tests.tags.factories import OfficialTagFactory, TagBindingFactory, TagFactory

pytestmark = pytest.mark.django_db


def names_of(biz_id: int, biz: str = "article") -> list[str]:
    return selectors.tag_names_for_resources(biz=biz, biz_ids=[biz_id])[biz_id]


def replace(owner, names, biz_id=1, biz="article"):
    return services.tag_bindings_replace(biz=biz, biz_id=biz_id, owner=owner, names=names)


def test_replace_creates_the_owners_tags_and_binds_them_in_the_order_given(user):
    tags = replace(user, ["  Graph   Theory ", "NLP", "graph theory"])

    assert [(tag.name, tag.owner_id) for tag in tags] == [
        ("Graph Theory", user.pk),
        ("NLP", user.pk),
    ]
    assert all(tag.pk for tag in tags)
    assert names_of(1) == ["Graph Theory", "NLP"]
    assert Tag.objects.count() == 2


def test_replace_replaces_the_whole_set_adding_removing_and_keeping(user):
    first = {tag.name: tag for tag in replace(user, ["Keep", "Drop"])}
    kept_binding = TagBinding.objects.get(tag=first["Keep"])

    replace(user, ["keep", "Add"])

    assert names_of(1) == ["Add", "Keep"]
    # The kept binding is the same row, untouched; the dropped tag still exists, unbound.
    assert TagBinding.objects.get(tag=first["Keep"]).pk == kept_binding.pk
    assert Tag.objects.filter(pk=first["Drop"].pk).exists()
    assert not TagBinding.objects.filter(tag=first["Drop"]).exists()


def test_replace_with_an_empty_list_unbinds_everything(user):
    replace(user, ["One", "Two"])

    assert replace(user, []) == []

    assert names_of(1) == []
    assert Tag.objects.count() == 2


def test_replace_touches_only_its_own_resource(user):
    replace(user, ["Shared", "Mine"], biz_id=1)
    replace(user, ["Shared"], biz_id=2)
    replace(user, ["Shared"], biz_id=1, biz="comment")

    replace(user, ["Other"], biz_id=1)

    assert names_of(1) == ["Other"]
    assert names_of(2) == ["Shared"]
    assert names_of(1, biz="comment") == ["Shared"]


def test_an_official_tag_is_preferred_over_the_owners_own(user):
    own = TagFactory(owner=user, name="graphs")
    official = OfficialTagFactory(name="Graphs")

    tags = replace(user, ["GRAPHS"])

    assert [tag.pk for tag in tags] == [official.pk]
    assert list(TagBinding.objects.values_list("tag_id", flat=True)) == [official.pk]
    assert Tag.objects.filter(pk=own.pk).exists()


def test_an_existing_own_tag_is_reused_and_other_users_tags_are_not(user):
    mine = TagFactory(owner=user, name="Topology")
    theirs = TagFactory(name="Sheaves")

    tags = replace(user, ["topology", "sheaves"])

    assert tags[0].pk == mine.pk
    assert tags[0].name == "Topology"  # the stored spelling, not the typed one
    assert tags[1].pk != theirs.pk
    assert (tags[1].owner_id, tags[1].name) == (user.pk, "sheaves")


def test_invalid_names_raise_and_change_nothing(user):
    replace(user, ["Before"])
    events_before = OutboxEvent.objects.count()

    with pytest.raises(ValidationFailed) as caught:
        replace(user, ["New", "x" * 33, ""])

    assert caught.value.extra == {
        "fields": {
            "tags": [f'"{"x" * 33}" is longer than 32 characters.', "A tag name cannot be blank."]
        }
    }
    assert names_of(1) == ["Before"]
    assert list(Tag.objects.values_list("name", flat=True)) == ["Before"]
    assert OutboxEvent.objects.count() == events_before


def test_more_than_ten_tags_are_refused(user):
    with pytest.raises(ValidationFailed) as caught:
        replace(user, [f"topic {i}" for i in range(11)])

    assert caught.value.extra["fields"]["tags"] == ["At most 10 tags are allowed; got 11."]
    assert Tag.objects.count() == 0


def test_a_failing_replace_rolls_back_entirely(user, monkeypatch):
    replace(user, ["Keep", "Drop"])
    before = set(Tag.objects.values_list("id", flat=True))
    events_before = OutboxEvent.objects.count()

    def fail(*args, **kwargs):
        raise RuntimeError("the database went away")

    monkeypatch.setattr(TagBinding.objects, "bulk_create", fail)
    with pytest.raises(RuntimeError):
        replace(user, ["Keep", "Brand New"])  # creates a tag and deletes a binding first

    assert set(Tag.objects.values_list("id", flat=True)) == before
    assert names_of(1) == ["Drop", "Keep"]
    assert OutboxEvent.objects.count() == events_before


def test_replace_joins_the_callers_transaction(user):
    def edit_that_fails_after_tagging():
        with transaction.atomic():
            replace(user, ["Rolled Back"])
            raise RuntimeError("the article save failed")

    with pytest.raises(RuntimeError):
        edit_that_fails_after_tagging()

    assert Tag.objects.count() == 0
    assert TagBinding.objects.count() == 0
    assert tag_events() == []


def test_creating_a_tag_publishes_its_search_document(user):
    official = OfficialTagFactory(name="Graphs")  # exists: no event from this replace
    tags = replace(user, ["graphs", "Sheaves"])

    sheaves = tags[1]
    assert tag_events() == [
        (
            f"tag:{sheaves.pk}",
            {
                "doc_type": "tag",
                "doc_id": str(sheaves.pk),
                "op": "upsert",
                "fields": {"name": "Sheaves", "official": False, "owner_id": user.pk},
            },
        )
    ]
    assert tags[0].pk == official.pk


def test_replace_with_existing_tags_publishes_nothing(user):
    replace(user, ["Graphs"])
    count = len(tag_events())

    replace(user, ["graphs"], biz_id=2)

    assert len(tag_events()) == count == 1


def test_replace_with_existing_tags_runs_a_fixed_number_of_queries(user, django_assert_num_queries):
    topics = [f"topic {i}" for i in range(10)]
    replace(user, topics, biz_id=2)  # creates the tags
    replace(user, topics[:5], biz_id=1)

    # Savepoint, tags, current bindings, delete, insert, release: never one per tag.
    with django_assert_num_queries(6):
        replace(user, topics[3:8], biz_id=1)

    assert names_of(1) == topics[3:8]


def test_clear_unbinds_one_resource_and_keeps_the_tags(user):
    replace(user, ["One", "Two"], biz_id=1)
    replace(user, ["One"], biz_id=2)

    services.tag_bindings_clear(biz="article", biz_id=1)

    assert names_of(1) == []
    assert names_of(2) == ["One"]
    assert Tag.objects.count() == 2


def test_create_official_creates_once_and_publishes():
    tag = services.tag_create_official(name="  Quantum   Computing ")
    again = services.tag_create_official(name="quantum computing")

    assert again.pk == tag.pk
    assert (tag.name, tag.owner_id, tag.owner_key) == ("Quantum Computing", None, 0)
    assert tag_events() == [
        (
            f"tag:{tag.pk}",
            {
                "doc_type": "tag",
                "doc_id": str(tag.pk),
                "op": "upsert",
                "fields": {"name": "Quantum Computing", "official": True, "owner_id": None},
            },
        )
    ]


def test_create_official_leaves_users_tags_alone_and_wins_from_then_on(user):
    own = TagFactory(owner=user, name="Optics")
    TagBindingFactory(tag=own, biz_id=1)

    official = services.tag_create_official(name="optics")
    tags = replace(user, ["Optics"], biz_id=2)

    assert names_of(1) == ["Optics"]
    assert TagBinding.objects.get(biz_id=1).tag_id == own.pk
    assert tags[0].pk == official.pk


def test_create_official_refuses_an_invalid_name():
    with pytest.raises(ValidationFailed) as caught:
        services.tag_create_official(name="a/b")

    assert caught.value.extra == {
        "fields": {"name": ['"a/b" contains "/" or a control character.']}
    }
    assert Tag.objects.count() == 0


def test_delete_removes_the_tag_and_its_bindings_and_publishes(user):
    doomed = replace(user, ["Doomed", "Kept"])[0]
    doomed_id = doomed.pk

    services.tag_delete(tag=doomed)

    assert names_of(1) == ["Kept"]
    assert not Tag.objects.filter(pk=doomed_id).exists()
    assert tag_events()[-1] == (
        f"tag:{doomed_id}",
        {
            "doc_type": "tag",
            "doc_id": str(doomed_id),
            "op": "delete",
            "fields": {"name": "Doomed", "official": False, "owner_id": user.pk},
        },
    )


def test_a_rolled_back_delete_keeps_the_tag_and_publishes_nothing(user):
    tag = TagFactory(owner=user)
    TagBindingFactory(tag=tag)

    def delete_then_fail():
        with transaction.atomic():
            services.tag_delete(tag=Tag.objects.get(pk=tag.pk))
            raise RuntimeError("rolled back")

    with pytest.raises(RuntimeError):
        delete_then_fail()

    assert Tag.objects.filter(pk=tag.pk).exists()
    assert TagBinding.objects.filter(tag=tag).count() == 1
    assert tag_events() == []
