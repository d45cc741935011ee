from __future__ import annotations

import itertools

from apps.payments.services import PaymentOrder, payment_native_create
from tests.users.factories import UserFactory

_numbers = itertools.count(1)


def order_create(*, amount: int = 500, payer=None, biz_id: int | None = None) -> PaymentOrder:
    """A real native order through the SDK and the simulator (needs the ``wechat`` fixture)."""
    number = next(_numbers)
    payer = payer or UserFactory()
    return payment_native_create(
        out_trade_no=f"T{number:06d}X{payer.pk}",
        amount=amount,
        description=f"Tip {number}",
        payer_id=payer.pk,
        biz_type="reward",
        biz_id=biz_id or number,
    )
