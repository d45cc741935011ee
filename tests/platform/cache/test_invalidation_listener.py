"""The pub/sub listener: delivers invalidated keys and resyncs after losing its subscription."""

import time
import uuid

import pytest
import redis

from scholarnet.cache.invalidation import InvalidationListener, encode_keys


def _wait_until(condition, timeout: float = 5.0) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.01)
    return condition()


@pytest.fixture
def named_client(redis_client):
    """A client whose connections carry a unique name, so the test can kill exactly its own."""
    name = f"listener-test-{uuid.uuid4().hex[:8]}"
    template = redis_client.connection_pool
    kwargs = dict(template.connection_kwargs, client_name=name)
    pool = redis.ConnectionPool(connection_class=template.connection_class, **kwargs)
    client = redis.Redis(connection_pool=pool)
    yield name, client
    pool.disconnect()


@pytest.fixture
def listener(named_client):
    _, client = named_client
    channel = f"test-channel-{uuid.uuid4().hex}"
    received: list[list[str]] = []
    resyncs: list[float] = []
    listener = InvalidationListener(
        client_factory=lambda: client,
        channel=lambda: channel,
        on_keys=received.append,
        on_resync=lambda: resyncs.append(time.monotonic()),
    )
    listener.ensure_running()
    yield listener, channel, received, resyncs
    listener.stop()


def test_published_keys_reach_the_listener(listener, redis_client):
    _, channel, received, resyncs = listener

    redis_client.publish(channel, encode_keys(["a", "b"]))

    assert _wait_until(lambda: received == [["a", "b"]])
    assert resyncs == []  # subscribed before anything was cached: nothing to resync


def test_lost_subscription_resubscribes_and_resyncs(listener, named_client, redis_client):
    _, channel, received, resyncs = listener
    name, _ = named_client

    for client in redis_client.client_list(_type="pubsub"):
        if client["name"] == name:
            redis_client.client_kill_filter(_id=client["id"])

    assert _wait_until(lambda: len(resyncs) == 1)
    redis_client.publish(channel, encode_keys(["after"]))
    assert _wait_until(lambda: received == [["after"]])


def test_malformed_message_is_ignored(listener, redis_client):
    _, channel, received, _ = listener

    redis_client.publish(channel, b"not json")
    redis_client.publish(channel, encode_keys(["ok"]))

    assert _wait_until(lambda: received == [["ok"]])
