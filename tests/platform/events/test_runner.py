"""The consumer runner's own rules; its behaviour against a broker is in test_kafka.py."""

import pytest

from scholarnet.events.runner import ConsumerRunner, poll_interval_budget_ms


def test_a_batch_may_take_as_long_as_its_worst_case_retry_backoff(settings):
    settings.EVENTS_CONSUMER_MAX_RETRIES = 3
    settings.EVENTS_CONSUMER_RETRY_BACKOFF = 0.5

    # 100 messages x (0.5 + 1 + 2) s of backoff, on top of Kafka's default 300 s.
    assert poll_interval_budget_ms(100) == 300_000 + 350_000


def test_a_runner_needs_a_group_with_handlers():
    with pytest.raises(ValueError, match="no handlers are registered"):
        ConsumerRunner("nobody-handles-this")


def test_a_runner_subscribes_to_its_groups_types_with_the_topic_prefix(settings, register_handler):
    settings.EVENTS_TOPIC_PREFIX = "staging."
    handler = register_handler(topics=["article.withdrawn", "article.published"])
    subscriptions = []

    class FakeConsumer:
        def poll(self, **_options):
            return {}

        def close(self, **_options):
            pass

    def factory(**options):
        subscriptions.append(options)
        return FakeConsumer()

    runner = ConsumerRunner(handler.group, batch_size=5, consumer_factory=factory)
    runner.stop()
    assert runner.run() == 0

    [options] = subscriptions
    assert options["group_id"] == f"staging.{handler.group}"
    assert options["topics"] == ["staging.article.published", "staging.article.withdrawn"]
    assert options["max_poll_records"] == 5
