from __future__ import annotations

import factory

from apps.tags.models import Tag, TagBinding
from tests.users.factories import UserFactory


class TagFactory(factory.django.DjangoModelFactory):
    """A user's own tag; ``owner=None`` (or ``OfficialTagFactory``) makes an official one."""

    class Meta:
        model = Tag

    owner = factory.SubFactory(UserFactory)
    name = factory.Sequence(lambda n: f"Topic {n}")


class OfficialTagFactory(TagFactory):
    owner = None


class TagBindingFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = TagBinding

    tag = factory.SubFactory(TagFactory)
    biz = "article"
    biz_id = factory.Sequence(lambda n: 1000 + n)
