"""What the database itself enforces, checked with raw inserts that bypass the services."""

import pytest
from django.db import IntegrityError, connection, transaction

from apps.tags.models import Tag, TagBinding
from tests.tags.factories import OfficialTagFactory, TagBindingFactory, TagFactory
from tests.users.factories import UserFactory

pytestmark = pytest.mark.django_db


def test_keys_are_derived_on_save():
    user = UserFactory()

    own = Tag.objects.create(owner=user, name="Deep Learning")
    official = Tag.objects.create(owner=None, name="Deep Learning")

    assert (own.owner_key, own.name_key) == (user.pk, "deep learning")
    assert (official.owner_key, official.name_key) == (0, "deep learning")
    assert official.is_official is True
    assert own.is_official is False


def test_one_owner_cannot_have_two_tags_with_one_name_in_any_case():
    user = UserFactory()
    TagFactory(owner=user, name="Graphs")

    with pytest.raises(IntegrityError), transaction.atomic():
        Tag.objects.create(owner=user, name="GRAPHS")

    assert Tag.objects.count() == 1


def test_two_official_tags_with_one_name_collide():
    OfficialTagFactory(name="Graphs")

    with pytest.raises(IntegrityError), transaction.atomic():
        Tag.objects.create(owner=None, name="graphs")

    assert Tag.objects.count() == 1


def test_the_unique_index_holds_for_a_raw_insert_too():
    OfficialTagFactory(name="Graphs")

    with pytest.raises(IntegrityError), transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(
            "INSERT INTO tags_tag (owner_key, name, name_key, created_at, owner_id)"
            " VALUES (0, 'graphs', 'graphs', '2026-01-01 00:00:00', NULL)"
        )

    assert Tag.objects.count() == 1


def test_different_owners_and_official_may_share_a_name():
    OfficialTagFactory(name="Graphs")
    TagFactory(name="Graphs")
    TagFactory(name="graphs")

    assert Tag.objects.filter(name_key="graphs").count() == 3


def test_accented_and_plain_names_are_different_tags_on_every_database():
    # MariaDB's default collation would call these equal; the key column is binary.
    user = UserFactory()
    TagFactory(owner=user, name="Café")
    TagFactory(owner=user, name="Cafe")
    TagFactory(owner=user, name="Strasse")

    with pytest.raises(IntegrityError), transaction.atomic():
        Tag.objects.create(owner=user, name="STRASSE")

    assert Tag.objects.filter(name_key="café").get().name == "Café"
    assert Tag.objects.filter(name_key="cafe").get().name == "Cafe"


def test_owner_key_must_match_the_owner():
    user = UserFactory()

    with pytest.raises(IntegrityError), transaction.atomic():
        Tag.objects.bulk_create(  # bulk_create skips save(), so the keys are ours
            [Tag(owner=user, owner_key=0, name="Graphs", name_key="graphs")]
        )

    assert Tag.objects.count() == 0


def test_a_tag_is_bound_to_a_resource_once():
    binding = TagBindingFactory(biz="article", biz_id=7)

    with pytest.raises(IntegrityError), transaction.atomic():
        TagBinding.objects.create(tag=binding.tag, biz="article", biz_id=7)

    assert TagBinding.objects.count() == 1


def test_deleting_a_tag_deletes_its_bindings_only():
    doomed, kept = TagFactory(), TagFactory()
    TagBindingFactory(tag=doomed, biz_id=1)
    TagBindingFactory(tag=doomed, biz_id=2)
    survivor = TagBindingFactory(tag=kept, biz_id=1)

    doomed.delete()

    assert list(TagBinding.objects.values_list("id", flat=True)) == [survivor.pk]


def test_deleting_a_user_deletes_their_tags_and_bindings_but_not_official_ones():
    user = UserFactory()
    own = TagFactory(owner=user)
    official = OfficialTagFactory()
    TagBindingFactory(tag=own, biz_id=1)
    official_binding = TagBindingFactory(tag=official, biz_id=1)

    user.delete()

    assert list(Tag.objects.values_list("id", flat=True)) == [official.pk]
    assert list(TagBinding.objects.values_list("id", flat=True)) == [official_binding.pk]
