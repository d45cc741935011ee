"""The jobs in the admin: runs and job states read-only, dead letters replayed, topics listed."""

from __future__ import annotations

import uuid

import pytest
from django.contrib.auth import get_user_model
from django.db import transaction
from django.urls import reverse

from scholarnet.events import publish
from scholarnet.events.models import DeadLetterEvent
from scholarnet.events.relay import relay_once
from scholarnet.jobs.models import Job, JobRun
from scholarnet.jobs.runs import periodic_job

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.usefixtures("quick_retries")]


@pytest.fixture
def superuser_client(client):
    user = get_user_model().objects.create_superuser(
        email=f"admin-{uuid.uuid4().hex[:6]}@example.org", password="pw-for-tests-only"
    )
    client.force_login(user)
    return client


@pytest.fixture
def staff_client(client):
    user = get_user_model().objects.create_user(
        email=f"staff-{uuid.uuid4().hex[:6]}@example.org", password="pw-for-tests-only"
    )
    user.is_staff = True
    user.save(update_fields=["is_staff"])
    client.force_login(user)
    return client


def test_the_runs_and_the_jobs_are_listed_with_their_errors_and_cannot_be_edited(
    superuser_client,
):
    @periodic_job("tests.admin-fails")
    def fails() -> None:
        raise RuntimeError("listed in the admin")

    with pytest.raises(RuntimeError):
        fails()
    run = JobRun.objects.get()

    jobs = superuser_client.get(reverse("admin:jobs_job_changelist"))
    runs = superuser_client.get(reverse("admin:jobs_jobrun_changelist"))
    detail = superuser_client.get(reverse("admin:jobs_jobrun_change", args=[run.pk]))

    assert jobs.status_code == runs.status_code == detail.status_code == 200
    assert b"tests.admin-fails" in jobs.content
    assert b"listed in the admin" in detail.content
    assert superuser_client.get(reverse("admin:jobs_jobrun_add")).status_code == 403
    posted = superuser_client.post(
        reverse("admin:jobs_job_delete", args=[Job.objects.get().pk]), {"post": "yes"}
    )
    assert posted.status_code == 403
    assert Job.objects.count() == JobRun.objects.count() == 1


def test_the_schedules_are_editable_in_the_admin(superuser_client):
    response = superuser_client.get(reverse("admin:django_celery_beat_periodictask_changelist"))
    assert response.status_code == 200
    assert b"ranking-compute" in response.content


def test_the_replay_action_applies_the_fixed_letters(settings, superuser_client, register_handler):
    settings.EVENTS_TRANSPORT = "local"
    handler = register_handler(topics=["comment.created"])
    with transaction.atomic():
        row = publish("comment.created", {"comment_id": 1})
    handler.always_fail.add(row.event_id)
    relay_once()
    letter = DeadLetterEvent.objects.get(group=handler.group)
    handler.always_fail.clear()

    response = superuser_client.post(
        reverse("admin:events_deadletterevent_changelist"),
        {"action": "replay_selected", "_selected_action": [letter.pk]},
        follow=True,
    )

    assert response.status_code == 200
    assert [str(message) for message in response.context["messages"]] == [
        "replayed 1, already applied 0, failed again 0, unreadable 0"
    ]
    assert handler.applied_ids() == [row.event_id]
    assert not DeadLetterEvent.objects.filter(pk=letter.pk).exists()


def test_staff_without_superuser_cannot_replay_or_read_the_topics(
    settings, staff_client, register_handler
):
    settings.EVENTS_TRANSPORT = "local"
    handler = register_handler(topics=["comment.created"])
    with transaction.atomic():
        row = publish("comment.created", {"comment_id": 1})
    handler.always_fail.add(row.event_id)
    relay_once()
    letter = DeadLetterEvent.objects.get(group=handler.group)
    handler.always_fail.clear()

    staff_client.post(
        reverse("admin:events_deadletterevent_changelist"),
        {"action": "replay_selected", "_selected_action": [letter.pk]},
    )
    topics = staff_client.get(reverse("admin:jobs_dead_letter_topics"))

    assert DeadLetterEvent.objects.filter(pk=letter.pk).exists()
    assert handler.applied == []
    assert topics.status_code == 403


def test_the_topics_page_in_local_mode_points_to_the_table(settings, superuser_client):
    settings.EVENTS_TRANSPORT = "local"
    response = superuser_client.get(reverse("admin:jobs_dead_letter_topics"))
    assert response.status_code == 200
    assert b"Dead letter events" in response.content


@pytest.mark.kafka
def test_the_topics_page_lists_a_groups_kafka_letters(settings, superuser_client, register_handler):
    from tests.platform.events.kafka_support import CountingRunner, run_until

    settings.EVENTS_TRANSPORT = "kafka"
    settings.EVENTS_TOPIC_PREFIX = f"test-{uuid.uuid4().hex[:12]}."
    handler = register_handler(topics=["comment.created"])
    with transaction.atomic():
        poison = publish("comment.created", {"comment_id": 1}, key="article:1")
    handler.always_fail.add(poison.event_id)
    relay_once()
    runner = CountingRunner(handler.group, batch_timeout_ms=200)
    run_until(runner, lambda: runner.handled == 1)

    response = superuser_client.get(
        reverse("admin:jobs_dead_letter_topics"), {"group": handler.group}
    )

    assert response.status_code == 200
    assert f"{handler.group}: 1 letter".encode() in response.content
    assert str(poison.event_id).encode() in response.content
