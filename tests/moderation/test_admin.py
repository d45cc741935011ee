"""The moderators' queue in the admin: listing, and every action through the admin client."""

from __future__ import annotations

from datetime import timedelta

import pytest
import time_machine
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from apps.articles.models import PublishedArticle
from apps.comments.models import Comment
from apps.moderation import services
from apps.moderation.models import AuditEntry, Report, ReportedTarget, ReportStatus, Suspension
from apps.moderation.services import suspensions_end_due
from apps.users.models import User
from tests.articles.factories import published_article
from tests.moderation.conftest import (
    QUEUE,
    action,
    moderation_rows,
    moderator_make,
    outbox,
    report,
    signed_in_client,
    trusted,
)
from tests.users.factories import UserFactory

pytestmark = pytest.mark.django_db


def _reported(client, target_type: str, target_id: int) -> ReportedTarget:
    assert report(client, target_type, target_id).status_code == 201
    return ReportedTarget.objects.get(target_type=target_type, target_id=target_id)


def test_the_queue_lists_open_targets_with_counts_and_trust(
    moderator_client, reader_client, article, comment, author
):
    trusted(author, level=2)
    _reported(reader_client, "article", article.pk)
    report(signed_in_client(UserFactory()), "article", article.pk)
    _reported(reader_client, "comment", comment.pk)

    page = moderator_client.get(QUEUE)

    assert page.status_code == 200
    rows = list(page.context["cl"].result_list)
    assert [(row.target_type, row.open_count, row.author_trust) for row in rows] == [
        ("article", 2, 2),
        ("comment", 1, 2),
    ]
    assert f'href="/admin/articles/publishedarticle/{article.pk}/change/"' in page.content.decode()
    actions = [name for name, _ in page.context["action_form"].fields["action"].choices]
    assert {"dismiss_reports", "take_down", "restore", "suspend_author", "ban_author"} <= set(
        actions
    )


def test_staff_outside_the_moderators_group_can_neither_see_nor_act(reader_client, article):
    target = _reported(reader_client, "article", article.pk)
    staff = Client()
    staff.force_login(UserFactory(is_staff=True))
    before = moderation_rows()

    assert staff.get(QUEUE).status_code == 403
    response = action(staff, "take_down", [target], reason="spam")

    assert response.status_code == 403
    assert moderation_rows() == before
    assert ReportedTarget.objects.get().open_count == 1


def test_an_action_asks_for_its_form_first(moderator_client, reader_client, article):
    target = _reported(reader_client, "article", article.pk)
    before = moderation_rows()

    response = moderator_client.post(
        QUEUE, {"action": "take_down", "_selected_action": [target.pk]}
    )

    assert response.status_code == 200
    assert b'name="reason"' in response.content
    assert moderation_rows() == before


def test_take_down_of_an_article_hides_it_upholds_reports_audits_and_tells_the_author(
    moderator_client, moderator, reader_client, anonymous_client, article, author
):
    target = _reported(reader_client, "article", article.pk)

    response = action(moderator_client, "take_down", [target], reason="Fabricated data")

    assert response.status_code == 200
    assert anonymous_client.get(f"/api/v1/articles/{article.pk}").status_code == 404
    listed = [row["id"] for row in anonymous_client.get("/api/v1/articles").json()["results"]]
    assert article.pk not in listed
    assert Report.objects.get().status == ReportStatus.UPHELD
    target.refresh_from_db()
    assert (target.open_count, target.state, target.last_action) == (0, "handled", "take_down")
    entry = AuditEntry.objects.get()
    assert (entry.actor_id, entry.action, entry.target_type, entry.target_id) == (
        moderator.pk,
        "take_down",
        "article",
        str(article.pk),
    )
    assert entry.reason == "Fabricated data"
    assert (entry.before["taken_down"], entry.after["taken_down"]) == (False, True)
    assert entry.after["take_down_reason"] == "Fabricated data"
    [event] = outbox("moderation.action")
    assert (event["action"], event["author_id"], event["reason"], event["audit_id"]) == (
        "take_down",
        author.pk,
        "Fabricated data",
        entry.pk,
    )
    assert event["title"] == "Suspicious results"
    assert outbox("article.withdrawn")[-1]["reason"] == "taken_down"


def test_take_down_without_a_reason_changes_nothing(moderator_client, reader_client, article):
    target = _reported(reader_client, "article", article.pk)
    before = moderation_rows()

    response = action(moderator_client, "take_down", [target], reason="  ")

    assert "Say why" in response.content.decode()
    assert moderation_rows() == before
    assert PublishedArticle.objects.get(pk=article.pk).taken_down_at is None


def test_take_down_of_a_comment_deletes_it_and_keeps_its_text_in_the_audit(
    moderator_client, reader_client, anonymous_client, article, comment, author
):
    target = _reported(reader_client, "comment", comment.pk)

    action(moderator_client, "take_down", [target], reason="Spam")

    assert not Comment.objects.filter(pk=comment.pk).exists()
    page = anonymous_client.get(f"/api/v1/articles/{article.pk}/comments").json()
    assert page["results"] == []
    assert anonymous_client.get(f"/api/v1/articles/{article.pk}").json()["comment_count"] == 0
    entry = AuditEntry.objects.get()
    assert entry.before["content"] == "Buy my pills"
    assert entry.after == {"exists": False}
    [event] = outbox("moderation.action")
    assert (event["target_type"], event["author_id"], event["article_id"]) == (
        "comment",
        author.pk,
        article.pk,
    )


def test_restore_brings_a_taken_down_article_back(
    moderator_client, reader_client, anonymous_client, article
):
    target = _reported(reader_client, "article", article.pk)
    action(moderator_client, "take_down", [target], reason="Looks fabricated")

    action(moderator_client, "restore", [target], reason="The data checks out")

    assert anonymous_client.get(f"/api/v1/articles/{article.pk}").status_code == 200
    assert list(AuditEntry.objects.order_by("pk").values_list("action", flat=True)) == [
        "take_down",
        "restore",
    ]
    assert [e["action"] for e in outbox("moderation.action")] == ["take_down", "restore"]


def test_dismiss_closes_the_reports_and_leaves_the_target_alone(
    moderator_client, reader_client, anonymous_client, article
):
    target = _reported(reader_client, "article", article.pk)

    action(moderator_client, "dismiss_reports", [target], reason="Not spam")

    assert Report.objects.get().status == ReportStatus.DISMISSED
    assert anonymous_client.get(f"/api/v1/articles/{article.pk}").status_code == 200
    entry = AuditEntry.objects.get()
    assert (entry.action, entry.before["open_reports"], entry.after["open_reports"]) == (
        "dismiss",
        1,
        0,
    )
    assert outbox("moderation.action") == []  # the author never heard of the report


def test_suspension_ends_the_users_tokens_at_once_and_the_job_reopens_the_account(
    moderator_client, reader_client, author_client, author, article
):
    target = _reported(reader_client, "user", author.pk)
    assert author_client.get("/api/v1/users/me").status_code == 200

    action(moderator_client, "suspend_author", [target], reason="Harassment", days="3")

    response = author_client.get("/api/v1/users/me")
    assert response.status_code == 401
    author.refresh_from_db()
    assert not author.is_active
    suspension = Suspension.objects.get()
    assert suspension.ends_at - suspension.starts_at == timedelta(days=3)
    entry = AuditEntry.objects.get()
    assert (entry.action, entry.before["is_active"], entry.after["is_active"]) == (
        "suspend",
        True,
        False,
    )
    assert entry.after["suspended_until"] == suspension.ends_at.isoformat()
    assert suspensions_end_due() == 0  # not yet

    with time_machine.travel(timezone.now() + timedelta(days=3, minutes=1)):
        assert suspensions_end_due() == 1
        assert suspensions_end_due() == 0  # idempotent
    author.refresh_from_db()
    assert author.is_active
    assert author_client.get("/api/v1/users/me").status_code == 401  # the old session stays dead
    assert signed_in_client(author).get("/api/v1/users/me").status_code == 200
    assert AuditEntry.objects.order_by("-pk").first().action == "suspension_end"


def test_suspend_from_an_article_suspends_its_author(
    moderator_client, reader_client, author, article
):
    target = _reported(reader_client, "article", article.pk)

    action(moderator_client, "suspend_author", [target], reason="Spam ring", days="1")

    assert Suspension.objects.get().user_id == author.pk
    assert not User.objects.get(pk=author.pk).is_active
    assert Report.objects.get().status == ReportStatus.UPHELD


def test_a_ban_never_ends_and_restore_lifts_it(
    moderator_client, reader_client, author_client, author
):
    target = _reported(reader_client, "user", author.pk)

    action(moderator_client, "ban_author", [target], reason="Repeated abuse")

    assert author_client.get("/api/v1/users/me").status_code == 401
    assert Suspension.objects.get().ends_at is None
    with time_machine.travel(timezone.now() + timedelta(days=3650)):
        assert suspensions_end_due() == 0
    assert not User.objects.get(pk=author.pk).is_active

    action(moderator_client, "restore", [target], reason="Appeal granted")

    assert User.objects.get(pk=author.pk).is_active
    assert Suspension.objects.get().lifted_at is not None
    assert AuditEntry.objects.order_by("-pk").first().action == "unsuspend"


def test_take_down_does_not_apply_to_a_user(moderator_client, reader_client, author):
    target = _reported(reader_client, "user", author.pk)
    before = moderation_rows()

    response = action(moderator_client, "take_down", [target], reason="x")

    assert "not taken down" in response.content.decode()
    assert moderation_rows() == before
    assert User.objects.get(pk=author.pk).is_active


def test_the_services_refuse_a_non_moderator(reader, reader_client, article):
    target = _reported(reader_client, "article", article.pk)
    before = moderation_rows()

    with pytest.raises(services.ModerationDenied):
        services.target_take_down(moderator=reader, target_id=target.pk, reason="x")

    assert moderation_rows() == before


def test_a_moderator_cannot_ban_a_superuser(moderator_client, reader_client):
    boss = User.objects.create_superuser("boss@example.org", "boss-pass-4242")
    target = _reported(reader_client, "user", boss.pk)
    before = moderation_rows()

    action(moderator_client, "ban_author", [target], reason="x")

    assert moderation_rows() == before
    assert User.objects.get(pk=boss.pk).is_active


def test_the_trust_levels_and_audit_log_are_listed(
    moderator_client, reader_client, author, article
):
    trusted(author, level=1)
    target = _reported(reader_client, "article", article.pk)
    action(moderator_client, "dismiss_reports", [target], reason="ok")

    levels = moderator_client.get("/admin/moderation/trustlevel/")
    audit = moderator_client.get("/admin/moderation/auditentry/")

    assert levels.status_code == 200
    assert [(row.user_id, row.level) for row in levels.context["cl"].result_list] == [
        (author.pk, 1)
    ]
    assert audit.status_code == 200
    assert [row.action for row in audit.context["cl"].result_list] == ["dismiss"]


def test_moderator_make_is_a_moderator():
    assert moderator_make().has_perm("moderation.moderate")


def _many_reported(count: int) -> None:
    reporter = signed_in_client(UserFactory())
    for _ in range(count):
        article = published_article(author=UserFactory())
        assert report(reporter, "article", article.pk).status_code == 201


def test_the_queue_page_costs_the_same_queries_whatever_its_length(settings, moderator_client):
    settings.RATELIMIT_REPORT = "1000/60s"
    _many_reported(2)
    with CaptureQueriesContext(connection) as few:
        assert moderator_client.get(QUEUE).status_code == 200
    _many_reported(8)
    with CaptureQueriesContext(connection) as many:
        page = moderator_client.get(QUEUE)

    assert len(page.context["cl"].result_list) == 10
    assert 0 < len(many) == len(few)
