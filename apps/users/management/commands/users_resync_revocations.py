"""Rebuild Redis's revoked-session markers from the database (after a Redis loss or flush).

Requests check only Redis, so a session revoked while Redis was unreachable, or a Redis that
lost its data, would let that session's access tokens work again. The database keeps every
revocation; this writes the marker of each session revoked within the refresh lifetime (older
ones have no live token left). Idempotent; safe to run at any time.
"""

from django.core.management.base import BaseCommand
from django.utils import timezone
from tqdm import tqdm

from apps.users.models import UserSession
from apps.users.revocation import sessions_mark_revoked
from apps.users.tokens import refresh_lifetime

BATCH = 1000


class Command(BaseCommand):
    help = "Write the Redis marker of every session revoked within the refresh lifetime."

    def handle(self, *args: object, **options: object) -> None:
        since = timezone.now() - refresh_lifetime()
        session_ids = (
            UserSession.objects.filter(revoked_at__gte=since)
            .order_by("id")
            .values_list("sid", flat=True)
        )
        total = session_ids.count()
        batch: list[str] = []
        for session_id in tqdm(session_ids.iterator(chunk_size=BATCH), total=total, disable=None):
            batch.append(str(session_id))
            if len(batch) == BATCH:
                sessions_mark_revoked(batch)
                batch = []
        sessions_mark_revoked(batch)
        self.stdout.write(f"Revoked sessions written to Redis: {total}")
