"""Concurrent reports and actions against the real database (MariaDB in CI)."""

from __future__ import annotations

import pytest

from apps.moderation import services
from apps.moderation.errors import AlreadyReported
from apps.moderation.models import Report, ReportedTarget, Suspension
from apps.users.models import User
from tests.articles.factories import published_article
from tests.moderation.conftest import moderator_make
from tests.support.concurrency import run_together
from tests.users.factories import UserFactory

pytestmark = [pytest.mark.real_db, pytest.mark.django_db(transaction=True)]


def _report(reporter: User, article_id: int) -> int:
    return services.report_create(
        reporter=reporter, target_type="article", target_id=article_id, reason="spam"
    ).pk


def test_first_reports_of_one_target_from_many_readers_make_one_queue_row():
    article = published_article()
    reporters = UserFactory.create_batch(6)

    results = run_together(6, lambda i: _report(reporters[i], article.pk))

    assert all(isinstance(result, int) for result in results), results
    target = ReportedTarget.objects.get()
    assert (target.open_count, target.report_count) == (6, 6)
    assert Report.objects.filter(entry=target, open=True).count() == 6


def test_one_reader_reporting_twice_at_once_files_one_report():
    article = published_article()
    reporter = UserFactory()

    results = run_together(4, lambda i: _report(reporter, article.pk))

    assert sum(isinstance(result, int) for result in results) == 1, results
    assert sum(isinstance(result, AlreadyReported) for result in results) == 3, results
    assert Report.objects.count() == 1
    assert ReportedTarget.objects.get().open_count == 1


def test_two_moderators_suspending_one_user_at_once_leave_one_suspension_in_force():
    author = UserFactory()
    article = published_article(author=author)
    _report(UserFactory(), article.pk)
    target = ReportedTarget.objects.get()
    moderators = [moderator_make(), moderator_make()]

    results = run_together(
        2,
        lambda i: services.user_suspend(
            moderator=moderators[i], user_id=author.pk, reason="spam", days=2, target_id=target.pk
        ),
    )

    assert not [r for r in results if isinstance(r, Exception)], results
    assert Suspension.objects.filter(lifted_at__isnull=True).count() == 1
    assert Suspension.objects.count() == 2
    assert not User.objects.get(pk=author.pk).is_active
