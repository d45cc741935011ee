"""Prometheus counters of the event pipeline (served by ``/metrics`` with the other metrics)."""

from prometheus_client import Counter

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
