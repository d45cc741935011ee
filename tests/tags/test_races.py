"""Concurrency claims, checked with threads against the real database (MySQL/MariaDB)."""

import pytest

from apps.tags import selectors, services
from apps.tags.models import Tag, TagBinding
from tests.support.concurrency import run_together
from tests.tags.conftest import tag_events
from tests.users.factories import UserFactory

pytestmark = [pytest.mark.real_db, pytest.mark.django_db(transaction=True)]


def test_parallel_first_uses_of_new_names_create_each_tag_once():
    user = UserFactory()
    names = ["Graph Theory", "Topology", "Sheaves"]

    results = run_together(
        6,
        lambda i: services.tag_bindings_replace(
            biz="article", biz_id=i, owner=user, names=names[i % 3 :] + names[: i % 3]
        ),
    )

    assert all(isinstance(tags, list) for tags in results), results
    assert Tag.objects.count() == 3
    ids = {tag.name: tag.pk for tag in Tag.objects.all()}
    for tags in results:
        assert {tag.name: tag.pk for tag in tags} == ids
    assert TagBinding.objects.count() == 18
    assert selectors.tag_names_for_resources(biz="article", biz_ids=[0, 5]) == {
        0: ["Graph Theory", "Sheaves", "Topology"],
        5: ["Graph Theory", "Sheaves", "Topology"],
    }
    assert len(tag_events()) == 3  # the losers' inserts and events were rolled back


def test_parallel_official_creations_of_one_name_create_it_once():
    results = run_together(4, lambda i: services.tag_create_official(name="Quantum Optics"))

    assert all(isinstance(tag, Tag) for tag in results), results
    assert len({tag.pk for tag in results}) == 1
    assert Tag.objects.count() == 1
    assert len(tag_events()) == 1
