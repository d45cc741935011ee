import pytest
from django.core.exceptions import ImproperlyConfigured

from scholarnet.events import UnknownEventType, consumer
from scholarnet.events.registry import registry


def first(event):
    pass


def second(event):
    pass


@pytest.fixture
def group():
    yield "test-registry"
    registry.unregister_group("test-registry")


def test_consumer_registers_the_function_for_each_topic_of_its_group(group):
    consumer(group=group, topics=["article.published", "article.withdrawn"])(first)

    assert registry.types_for(group) == ["article.published", "article.withdrawn"]
    assert registry.handler_for(group, "article.withdrawn").func is first
    assert registry.handler_for(group, "like.changed") is None
    assert group in registry.groups()


def test_registering_the_same_function_again_is_harmless(group):
    consumer(group=group, topics=["article.read"])(first)
    consumer(group=group, topics=["article.read"])(first)

    assert registry.handler_for(group, "article.read").func is first


def test_a_second_handler_for_one_group_and_type_is_refused(group):
    consumer(group=group, topics=["article.read"])(first)

    with pytest.raises(ImproperlyConfigured, match="one handler per group and type"):
        consumer(group=group, topics=["article.read"])(second)
    assert registry.handler_for(group, "article.read").func is first


def test_an_unknown_topic_is_refused_at_declaration(group):
    with pytest.raises(UnknownEventType):
        consumer(group=group, topics=["article.liked"])

    assert registry.types_for(group) == []


@pytest.mark.parametrize("bad_group", ["", "has space", "slash/name", ".starts-with-dot"])
def test_a_group_name_that_cannot_name_a_kafka_group_is_refused(bad_group):
    with pytest.raises(ImproperlyConfigured):
        consumer(group=bad_group, topics=["article.read"])


def test_handlers_for_type_lists_every_group_in_name_order():
    consumer(group="test-registry-b", topics=["follow.changed"])(second)
    consumer(group="test-registry-a", topics=["follow.changed"])(first)
    try:
        handlers = registry.handlers_for_type("follow.changed")
        assert [(h.group, h.func) for h in handlers if h.group.startswith("test-registry")] == [
            ("test-registry-a", first),
            ("test-registry-b", second),
        ]
    finally:
        registry.unregister_group("test-registry-a")
        registry.unregister_group("test-registry-b")
