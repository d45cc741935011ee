"""The lease helper (scholarnet.leases) on a real table: the outbox's lease columns."""

from __future__ import annotations

import datetime as dt
import time

import time_machine
from django.db import OperationalError, close_old_connections
from django.db.models import F, Q
from django.utils import timezone

from scholarnet.events.models import OutboxEvent
from scholarnet.leases import Leases
from tests.support.concurrency import run_together

LEASES = Leases(OutboxEvent, owner_field="claim_token", until_field="claimed_until")
UNSENT = Q(sent_at__isnull=True)


def make_rows(count: int, **fields) -> list[OutboxEvent]:
    return [
        OutboxEvent.objects.create(type="article.read", payload={"n": n}, **fields)
        for n in range(count)
    ]


def test_a_claim_leases_the_oldest_due_free_rows_and_writes_the_update(db):
    rows = make_rows(5)
    OutboxEvent.objects.filter(pk=rows[1].pk).update(sent_at=timezone.now())  # not due
    now = timezone.now()

    lease = LEASES.claim(
        due=UNSENT, limit=3, seconds=30, update={"attempts": F("attempts") + 1}, now=now
    )

    assert lease.ids == [rows[0].pk, rows[2].pk, rows[3].pk]
    assert lease.expires_at == now + dt.timedelta(seconds=30)
    assert [(r.claim_token, r.claimed_until, r.attempts) for r in lease.rows] == [
        (lease.token, lease.expires_at, 1)
    ] * 3
    untouched = OutboxEvent.objects.get(pk=rows[4].pk)
    assert (untouched.claim_token, untouched.claimed_until, untouched.attempts) == (None, None, 0)


def test_held_rows_are_skipped_until_their_lease_runs_out(db):
    rows = make_rows(3)
    first = LEASES.claim(due=UNSENT, limit=2, seconds=30)

    second = LEASES.claim(due=UNSENT, limit=10, seconds=30)
    assert second.ids == [rows[2].pk]
    assert LEASES.claim(due=UNSENT, limit=10, seconds=30).rows == []

    with time_machine.travel(first.expires_at + dt.timedelta(seconds=1)):
        third = LEASES.claim(due=UNSENT, limit=10, seconds=30)
    # Both earlier leases ran out: every row is taken over, under one new token.
    assert third.ids == [row.pk for row in rows]
    assert third.token not in {first.token, second.token}


def test_release_frees_only_the_rows_the_lease_still_holds(db):
    rows = make_rows(3)
    lease = LEASES.claim(due=UNSENT, limit=3, seconds=30)
    OutboxEvent.objects.filter(pk=rows[0].pk).update(claim_token=None)  # taken over meanwhile
    OutboxEvent.objects.filter(pk=rows[1].pk).update(sent_at=timezone.now())

    released = LEASES.release(lease, update={"last_error": "broker down"}, still=UNSENT)

    assert released == 1
    fresh = {row.pk: row for row in OutboxEvent.objects.all()}
    assert (fresh[rows[2].pk].claimed_until, fresh[rows[2].pk].last_error) == (None, "broker down")
    assert fresh[rows[0].pk].last_error == fresh[rows[1].pk].last_error == ""
    assert fresh[rows[1].pk].claimed_until == lease.expires_at
    assert LEASES.claim(due=UNSENT, limit=10, seconds=30).ids == [rows[2].pk]


def test_a_chooser_drops_candidates_which_stay_free(db):
    rows = make_rows(4, key="article:1")
    OutboxEvent.objects.filter(pk=rows[3].pk).update(key="article:2")

    lease = LEASES.claim(
        due=UNSENT,
        limit=10,
        seconds=30,
        choose=lambda candidates: [pk for pk, key in candidates if key == "article:2"],
        choose_fields=("id", "key"),
    )

    assert lease.ids == [rows[3].pk]
    assert OutboxEvent.objects.filter(claim_token__isnull=True).count() == 3


def test_a_character_token_column_gets_the_token_factorys_tokens(db):
    from apps.sms.models import SmsMessage
    from tests.sms.factories import SmsMessageFactory

    message = SmsMessageFactory()
    leases = Leases(
        SmsMessage,
        owner_field="lease_token",
        until_field="lease_expires_at",
        new_token=lambda: "t" * 32,
    )

    lease = leases.claim(due=Q(pk=message.pk), limit=1, seconds=60)

    assert lease.token == "t" * 32
    message.refresh_from_db()
    assert message.lease_token == "t" * 32


def test_workers_claiming_at_the_same_moment_get_disjoint_rows_covering_all(transactional_db):
    rows = make_rows(40)

    leases = run_together(4, lambda _i: _claim_retrying(limit=10))

    claimed = [pk for lease in leases for pk in lease.ids]
    assert sorted(claimed) == [row.pk for row in rows]
    assert len({lease.token for lease in leases}) == 4


def _claim_retrying(*, limit: int):
    # SQLite's shared in-memory test database fails a second writer at once; the failed
    # claim rolled back, so claiming again is safe. Server databases never get here.
    for _attempt in range(200):
        try:
            return LEASES.claim(due=UNSENT, limit=limit, seconds=30)
        except OperationalError:
            close_old_connections()
            time.sleep(0.005)
    raise AssertionError("never got to claim")
