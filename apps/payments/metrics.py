"""Prometheus counters of payments: what became of WeChat's notifications, and transitions."""

from prometheus_client import Counter

NOTIFICATIONS = Counter(
    "scholarnet_payments_notifications",
    "Requests to the WeChat notify endpoint, by outcome (applied, duplicate, forged, stale, …).",
    ["outcome"],
)
TRANSITIONS = Counter(
    "scholarnet_payments_transitions",
    "Payment status transitions applied, and those refused by the state machine.",
    ["target", "result"],
)
