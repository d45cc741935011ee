"""Ledger helpers for tests: money moved through the service, as production moves it."""

from __future__ import annotations

from apps.ledger.models import AccountKind
from apps.ledger.services import (
    Posting,
    PostResult,
    account_for_system,
    account_for_user,
    ledger_transaction_post,
)


def credit_user(*, user_id: int, amount: int, key: str) -> PostResult:
    """``amount`` fen from WeChat clearing to the user, under ``key``."""
    clearing = account_for_system(kind=AccountKind.WECHAT_CLEARING)
    return ledger_transaction_post(
        idempotency_key=key,
        kind="test_credit",
        postings=[
            Posting(account_id=clearing, amount=-amount),
            Posting(account_id=account_for_user(user_id=user_id), amount=amount),
        ],
        description="test credit",
        reference=key,
    )
