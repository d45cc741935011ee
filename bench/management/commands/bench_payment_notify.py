"""``manage.py bench_payment_notify``: payments and pre-signed WeChat notifications for the bench.

Writes test keys under ``--dir`` (the simulator's key generator; the bench server reads them
through WECHATPAY_* settings, its platform certificate from a certificate directory so the SDK
downloads nothing), creates ``--payments`` init payments and ``--count`` notifications signed
and encrypted exactly as WeChat sends them, each with its own nonce, spread over the payments
(the first per payment applies, later ones are WeChat's retries: duplicates). One line per
notification for the wrk script: ``nonce<TAB>timestamp<TAB>signature<TAB>body``.
"""

from __future__ import annotations

import json
import time
import uuid
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand
from tqdm import tqdm

from apps.payments.models import Payment
from apps.users.models import User
from apps.wechat_sim import protocol
from apps.wechat_sim.keys import APIV3_KEY_FILE, SimulatorKeys, simulator_keys
from bench.scenarios import PAYMENT_APIV3_KEY, PAYMENT_MCHID


class Command(BaseCommand):
    help = "Bench data for the payment_notify scenario."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("--dir", type=Path, required=True)
        parser.add_argument("--payments", type=int, default=2000)
        parser.add_argument("--count", type=int, default=12000)

    def handle(self, *args: Any, dir: Path, payments: int, count: int, **options: Any) -> None:
        dir.mkdir(parents=True, exist_ok=True)
        (dir / APIV3_KEY_FILE).write_text(PAYMENT_APIV3_KEY)
        keys = simulator_keys(dir)
        certs = dir / "platform-certs"
        certs.mkdir(exist_ok=True)
        (certs / f"{keys.platform.serial_no()}.pem").write_text(keys.platform.cert_path.read_text())
        (dir / "platform-serial").write_text(keys.platform.serial_no())
        orders = self._payments(payments)
        with open(dir / "notifications.tsv", "w") as out:
            for i in tqdm(range(count), desc="signing notifications", mininterval=5):
                out.write(self._line(keys, orders[i % len(orders)]))
        # The runner's check request: a body fixed by the scenario, signed here.
        check_body = (dir / "check_body.json").read_text()
        check = protocol.platform_signature_headers(keys=keys, body=check_body)
        (dir / "check_headers.json").write_text(
            json.dumps({**check, "Content-Type": "application/json"})
        )
        self.stdout.write(f"notifications {count} payments {len(orders)}")

    def _payments(self, count: int) -> list[Payment]:
        payer, _ = User.objects.get_or_create(
            email="bench-payer@example.org", defaults={"nickname": "bench payer"}
        )
        Payment.objects.filter(out_trade_no__startswith="BENCH").delete()
        Payment.objects.bulk_create(
            Payment(
                out_trade_no=f"BENCH{i:08d}",
                amount=100 + i % 900,
                description="bench tip",
                payer=payer,
                biz_type="bench",
                biz_id=i,
                code_url="weixin://wxpay/bizpayurl?pr=bench",
            )
            for i in range(count)
        )
        return list(Payment.objects.filter(out_trade_no__startswith="BENCH").order_by("pk"))

    def _line(self, keys: SimulatorKeys, payment: Payment) -> str:
        resource = {
            "appid": "wxbench",
            "mchid": PAYMENT_MCHID,  # the scenario's server_env WECHATPAY_MCHID
            "out_trade_no": payment.out_trade_no,
            "transaction_id": f"4200bench{payment.pk:012d}",
            "trade_type": "NATIVE",
            "trade_state": "SUCCESS",
            "amount": {"total": payment.amount, "payer_total": payment.amount, "currency": "CNY"},
        }
        body = json.dumps(
            {
                "id": str(uuid.uuid4()),
                "create_time": "2026-12-02T12:00:00+08:00",
                "resource_type": "encrypt-resource",
                "event_type": "TRANSACTION.SUCCESS",
                "summary": "ok",
                "resource": protocol.encrypt_resource(
                    keys=keys,
                    plaintext=json.dumps(resource),
                    associated_data="transaction",
                    original_type="transaction",
                ),
            }
        )
        headers = protocol.platform_signature_headers(
            keys=keys, body=body, timestamp=int(time.time())
        )
        return (
            "\t".join(
                [
                    headers["Wechatpay-Nonce"],
                    headers["Wechatpay-Timestamp"],
                    headers["Wechatpay-Signature"],
                    body,
                ]
            )
            + "\n"
        )
