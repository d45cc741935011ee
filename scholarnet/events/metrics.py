"""Prometheus counters of the event pipeline (served by ``/metrics`` with the other metrics)."""

from typing import cast

from prometheus_client import Counter

from scholarnet.observability.metrics import GaugeMode, gauge

events_published = Counter(
    "scholarnet_events_published", "Events committed to the outbox.", ["type"]
)
events_relayed = Counter(
    "scholarnet_events_relayed", "Outbox events handed to the transport and marked sent.", ["type"]
)
events_relay_failures = Counter(
    "scholarnet_events_relay_failures", "Outbox events the transport failed to deliver.", ["type"]
)
events_handled = Counter(
    "scholarnet_events_handled",
    "Events run through a group's handler, by outcome (applied, duplicate, dead_lettered).",
    ["group", "type", "outcome"],
)

# The backlog gauges (``scholarnet.events.monitoring``) are set by whichever process measured:
# beat's task for every group, each consumer for its own. "mostrecent" shows the latest
# measurement, kept after its process exits. (The helper's mode names predate that mode.)
_LATEST = cast("GaugeMode", "mostrecent")

consumer_lag = gauge(
    "events_consumer_lag",
    "Records a consumer group has yet to read: end offset minus committed offset, summed over "
    "the partitions of its topics (Kafka).",
    ["group"],
    multiprocess_mode=_LATEST,
)
dead_letters = gauge(
    "events_dead_letters",
    "Events a group's handler gave up on: records on its dead-letter topic (Kafka) or its "
    "dead-letter rows (local transport).",
    ["group"],
    multiprocess_mode=_LATEST,
)
outbox_unsent = gauge(
    "events_outbox_unsent", "Outbox rows not sent yet.", multiprocess_mode=_LATEST
)
outbox_oldest_unsent_age = gauge(
    "events_outbox_oldest_unsent_age_seconds",
    "Age of the oldest outbox row not sent yet (0 when every row is sent).",
    multiprocess_mode=_LATEST,
)
backlog_measured = gauge(
    "events_backlog_measured_timestamp_seconds",
    "Unix time of the last measurement of the whole pipeline's backlog (beat).",
    multiprocess_mode="max",
)
