"""Leases on database rows: claim N due rows for one worker, for a while, then release them.

The pattern behind the outbox relay, the SMS queue and periodic jobs: many workers poll one
table; each row must have one owner at a time; a worker that dies must not hold its rows
forever. A row carries a lease token and an expiry; a claim writes both, and a row is free
again once its expiry passed (or a release cleared it)::

    OUTBOX_LEASES = Leases(OutboxEvent, owner_field="claim_token", until_field="claimed_until")

    lease = OUTBOX_LEASES.claim(
        due=Q(sent_at__isnull=True), limit=200, seconds=30, update={"attempts": F("attempts") + 1}
    )
    ...  # work on lease.rows
    OUTBOX_LEASES.release(lease, ids=[...], update={"last_error": "..."})

How a claim stays single-owner on every database:

* MySQL/MariaDB/PostgreSQL: the candidates are read with ``SELECT … FOR UPDATE SKIP LOCKED``
  inside the claim's transaction, so concurrent workers take different rows and never wait for
  each other's locks.
* SQLite has no row locks: its claim transaction holds the database's single write lock.
* On both, the ``UPDATE`` that writes the token re-checks that each row is still free and due,
  and the rows handed back are read by their new token, so a row lost to a racing claim is
  simply not in the lease.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any, Generic, TypeVar

from django.db import connections, models, transaction
from django.db.models import Q
from django.utils import timezone

M = TypeVar("M", bound=models.Model)
# Picks, from the candidates' ``choose_fields`` values (oldest first), the ids to claim.
Chooser = Callable[[list[tuple[Any, ...]]], list[Any]]


@dataclass(frozen=True, slots=True)
class Lease(Generic[M]):
    token: Any
    expires_at: datetime
    rows: list[M] = field(default_factory=list)

    @property
    def ids(self) -> list[Any]:
        return [row.pk for row in self.rows]


@dataclass(frozen=True)
class Leases(Generic[M]):
    """The lease columns of one model, and the claims and releases on them."""

    model: type[M]
    owner_field: str
    until_field: str
    # A token a claim writes; CharField tokens want ``lambda: uuid.uuid4().hex``.
    new_token: Callable[[], Any] = uuid.uuid4

    def free(self, now: datetime) -> Q:
        """Rows no lease holds at ``now``: never claimed, released, or expired."""
        return Q(**{f"{self.until_field}__isnull": True}) | Q(**{f"{self.until_field}__lte": now})

    def claim(
        self,
        *,
        due: Q,
        limit: int,
        seconds: float,
        update: Mapping[str, Any] | None = None,
        choose: Chooser | None = None,
        choose_fields: Sequence[str] = ("pk",),
        order_by: Sequence[str] = ("pk",),
        now: datetime | None = None,
        using: str = "default",
    ) -> Lease[M]:
        """Lease up to ``limit`` free rows matching ``due`` for ``seconds``; oldest first.

        ``update`` is written with the token (a status, ``attempts=F("attempts") + 1``).
        ``choose`` may drop candidates (the relay keeps one key's events in order); it gets
        the values of ``choose_fields`` and returns primary keys.
        """
        now = now or timezone.now()
        claimable = due & self.free(now)
        token = self.new_token()
        expires_at = now + timedelta(seconds=seconds)
        manager = self.model._default_manager.db_manager(using)
        with transaction.atomic(using=using):
            candidates = manager.filter(claimable).order_by(*order_by)
            if connections[using].features.has_select_for_update_skip_locked:
                candidates = candidates.select_for_update(skip_locked=True)
            values = list(candidates.values_list(*choose_fields)[:limit])
            ids = choose(values) if choose else [value[0] for value in values]
            if not ids:
                return Lease(token=token, expires_at=expires_at)
            manager.filter(claimable, pk__in=ids).update(
                **{self.owner_field: token, self.until_field: expires_at}, **(update or {})
            )
            # Read back inside the claim: should this read fail, the claim rolls back with it
            # instead of holding rows nobody works on until the lease runs out.
            rows = manager.filter(pk__in=ids, **{self.owner_field: token}).order_by(*order_by)
            return Lease(token=token, expires_at=expires_at, rows=list(rows))

    def release(
        self,
        lease: Lease[M],
        *,
        ids: Sequence[Any] | None = None,
        update: Mapping[str, Any] | None = None,
        still: Q | None = None,
        using: str = "default",
    ) -> int:
        """Free rows of ``lease`` (all by default) now, writing ``update``; returns how many.

        Only rows the lease still holds change (a lease that ran out may have been taken over
        by another worker); ``still`` narrows that further (e.g. "not sent meanwhile").
        """
        queryset = self.model._default_manager.db_manager(using).filter(
            pk__in=list(lease.ids if ids is None else ids), **{self.owner_field: lease.token}
        )
        if still is not None:
            queryset = queryset.filter(still)
        return queryset.update(**{self.until_field: None}, **(update or {}))
