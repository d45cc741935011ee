"""Rewards tests run the real payments services against a fake WeChat Pay at the SDK call.

``FakeWeChat`` answers the SDK calls payments makes (pay, query, refund) from a dict of trade
states, so prepay, the status poll, reconciliation and refunds go through payments' own code
and its ``payment.changed`` events; only the HTTPS round trip is replaced.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import pytest

from apps.ledger.models import Account
from apps.payments.models import Payment
from apps.payments.services import payment_transition
from apps.rewards.models import Reward
from scholarnet.events.envelope import Event
from scholarnet.events.models import OutboxEvent
from scholarnet.events.transports import LocalTransport
from tests.articles.conftest import (  # noqa: F401 - fixtures shared with the articles tests
    anonymous_client,
    author,
    author_client,
    reader,
    reader_client,
    signed_in_client,
)
from tests.articles.factories import published_article


@dataclass
class FakeWeChat:
    trades: dict[str, dict[str, Any]] = field(default_factory=dict)
    calls: list[str] = field(default_factory=list)
    down: bool = False
    refund_status: str = "SUCCESS"  # what a refund request answers (WeChat: often PROCESSING)
    refunds: dict[str, str] = field(default_factory=dict)  # out_refund_no → its status

    def call(self, method: str, **arguments: Any) -> tuple[int, dict[str, Any]]:
        self.calls.append(method)
        if self.down:
            return 503, {"code": "SYSTEM_ERROR"}
        if method == "query_refund":
            status = self.refunds.get(arguments["out_refund_no"])
            return (200, {"status": status}) if status else (404, {})
        number = arguments["out_trade_no"]
        if method == "pay":
            self.trades[number] = {
                "trade_state": "NOTPAY",
                "amount": {"total": arguments["amount"]["total"]},
            }
            return 200, {"code_url": f"weixin://wxpay/bizpayurl?pr={number}"}
        if method == "query":
            trade = self.trades.get(number)
            return (200, {"out_trade_no": number, **trade}) if trade else (404, {})
        if method == "close":
            self.trades[number]["trade_state"] = "CLOSED"
            return 204, {}
        if method == "refund":
            status = self.refunds.setdefault(arguments["out_refund_no"], self.refund_status)
            if status == "SUCCESS":
                self.trades[number]["trade_state"] = "REFUND"
            return 200, {"status": status}
        raise AssertionError(f"unexpected WeChat call {method}")

    def pay(self, out_trade_no: str, *, total: int | None = None) -> None:
        """The payer paid at WeChat (no callback sent: that is the test's choice)."""
        trade = self.trades[out_trade_no]
        trade["trade_state"] = "SUCCESS"
        trade["transaction_id"] = f"42000{out_trade_no[-8:]}"
        if total is not None:
            trade["amount"] = {"total": total}


@pytest.fixture
def wechat(monkeypatch) -> FakeWeChat:
    fake = FakeWeChat()
    monkeypatch.setattr("apps.payments.services._call", fake.call)
    return fake


@pytest.fixture
def article(author):  # noqa: F811 - the imported fixture, by name
    return published_article(author=author, title="Spectral notes")


def payment_of(reward: Reward) -> Payment:
    return Payment.objects.get(out_trade_no=reward.out_trade_no)


def callback(reward: Reward, status: str = "success") -> None:
    """What payments does on a verified callback: the transition, with its event."""
    payment_transition(payment=payment_of(reward), target=status, transaction_id="4200000001")


def deliver(*types: str) -> list[Event]:
    """Hand the outbox's events of ``types`` to every consumer group, as the relay does."""
    rows = OutboxEvent.objects.filter(type__in=types).order_by("id")
    events = [Event.from_outbox(row) for row in rows]
    LocalTransport().send(events)
    return events


def balances() -> dict[str, int]:
    return {
        (row.system_code or f"user:{row.user_id}"): row.balance
        for row in Account.objects.order_by("pk")
    }
