"""The periodic jobs: scheduled in settings, each run recorded, each calling one service."""

from __future__ import annotations

from datetime import timedelta

import pytest
import time_machine
from django.conf import settings
from django.utils import timezone

from apps.moderation import services, tasks
from apps.moderation.models import TrustLevel
from apps.users.models import User
from scholarnet.jobs.models import JobRun
from tests.moderation.conftest import moderator_make
from tests.users.factories import UserFactory

pytestmark = pytest.mark.django_db


def test_both_jobs_are_scheduled():
    schedule = settings.CELERY_BEAT_SCHEDULE
    assert schedule["moderation-trust-levels"]["task"] == (
        "apps.moderation.tasks.moderation_trust_levels_compute"
    )
    assert schedule["moderation-suspensions-end"]["task"] == (
        "apps.moderation.tasks.moderation_suspensions_end"
    )


def test_the_trust_job_computes_and_records_its_run():
    users = UserFactory.create_batch(3)

    assert tasks.moderation_trust_levels_compute.delay().get() == 3

    assert TrustLevel.objects.filter(user__in=users, level=0).count() == 3
    run = JobRun.objects.get(job="apps.moderation.tasks.moderation_trust_levels_compute")
    assert run.outcome == "succeeded"


def test_the_suspension_job_reopens_accounts_whose_period_is_over():
    user = UserFactory()
    services.user_suspend(moderator=moderator_make(), user_id=user.pk, reason="spam", days=1)
    assert not User.objects.get(pk=user.pk).is_active

    with time_machine.travel(timezone.now() + timedelta(days=1, seconds=5)):
        assert tasks.moderation_suspensions_end.delay().get() == 1

    assert User.objects.get(pk=user.pk).is_active


def test_an_account_its_owner_had_closed_stays_closed_after_the_suspension():
    user = UserFactory(is_active=False)
    services.user_suspend(moderator=moderator_make(), user_id=user.pk, reason="spam", days=1)

    with time_machine.travel(timezone.now() + timedelta(days=2)):
        assert services.suspensions_end_due() == 1

    assert not User.objects.get(pk=user.pk).is_active
