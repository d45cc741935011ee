from __future__ import annotations

from typing import Any

import pytest
from django.test import Client
from django.utils import timezone

from apps.comments import services as comments
from apps.moderation.models import AuditEntry, Report, ReportedTarget, TrustLevel
from apps.moderation.setup import moderators_group_ensure
from apps.users.models import User
from scholarnet.events.models import OutboxEvent
from tests.articles.conftest import (  # noqa: F401 - fixtures shared with the articles tests
    anonymous_client,
    author,
    author_client,
    reader,
    reader_client,
    signed_in_client,
)
from tests.articles.factories import published_article
from tests.users.factories import UserFactory

REPORTS = "/api/v1/reports"
QUEUE = "/admin/moderation/reportedtarget/"


@pytest.fixture
def article(author):  # noqa: F811 - the imported fixture, by name
    return published_article(author=author, title="Suspicious results")


@pytest.fixture
def comment(article, author):  # noqa: F811
    return comments.comment_create(user=author, article_id=article.pk, content="Buy my pills")


def moderator_make(**fields: Any) -> User:
    """A staff user in the Moderators group (created on migrate with its permissions)."""
    user = UserFactory(is_staff=True, **fields)
    user.groups.add(moderators_group_ensure())
    return user


@pytest.fixture
def moderator() -> User:
    return moderator_make(email="mod@example.org", nickname="Mod")


@pytest.fixture
def moderator_client(moderator) -> Client:
    client = Client()
    client.force_login(moderator)
    return client


def trusted(user: User, level: int = 1) -> User:
    TrustLevel.objects.update_or_create(
        user=user, defaults={"level": level, "computed_at": timezone.now()}
    )
    return user


def report(client, target_type: str, target_id: int, reason: str = "spam", **extra: Any):
    body = {"target_type": target_type, "target_id": target_id, "reason": reason, **extra}
    return client.post(REPORTS, body, format="json")


def moderation_rows() -> tuple[int, int, int, list[tuple[int, int]]]:
    """Counts that every refused request must leave alone."""
    targets = list(ReportedTarget.objects.order_by("pk").values_list("open_count", "report_count"))
    return Report.objects.count(), AuditEntry.objects.count(), OutboxEvent.objects.count(), targets


def action(client: Client, name: str, targets: list[ReportedTarget], **form: Any):
    """Apply an admin action of the queue with its form filled in."""
    data = {"action": name, "_selected_action": [t.pk for t in targets], "apply": "yes", **form}
    return client.post(QUEUE, data, follow=True)


def outbox(event_type: str) -> list[dict]:
    return [row.payload for row in OutboxEvent.objects.filter(type=event_type).order_by("id")]
