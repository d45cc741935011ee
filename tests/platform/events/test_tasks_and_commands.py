import datetime as dt
import os
import signal
import subprocess
import sys
import uuid
from io import StringIO

import pytest
import time_machine
from django.core.cache import cache
from django.core.management import CommandError, call_command
from django.db import transaction
from django.utils import timezone

from scholarnet.events import publish
from scholarnet.events.models import OutboxEvent, ProcessedEvent
from scholarnet.events.relay import mark_sent
from scholarnet.events.tasks import NUDGE_KEY, nudge_relay, prune_events, relay_outbox


def publish_committed(event_type: str, payload: dict) -> OutboxEvent:
    with transaction.atomic():
        return publish(event_type, payload)


def test_relay_outbox_task_drains_every_batch_and_clears_the_nudge(db, settings, register_handler):
    settings.EVENTS_RELAY_BATCH_SIZE = 2
    handler = register_handler(topics=["article.read"])
    rows = [publish_committed("article.read", {"n": n}) for n in range(5)]
    cache.set(NUDGE_KEY, 1)

    assert relay_outbox.delay().get() == 5

    assert handler.applied_ids() == [row.event_id for row in rows]
    assert cache.get(NUDGE_KEY) is None


def test_nudges_are_coalesced_while_a_relay_run_is_queued(db, monkeypatch):
    queued = []
    monkeypatch.setattr(relay_outbox, "delay", lambda: queued.append(1))

    nudge_relay()
    nudge_relay()
    assert len(queued) == 1

    cache.delete(NUDGE_KEY)  # what the queued run does first
    nudge_relay()
    assert len(queued) == 2


def test_a_failing_nudge_never_fails_the_request_and_the_next_nudge_tries_again(
    db, monkeypatch, caplog
):
    queued = []

    def broker_down():
        raise ConnectionError("broker down")

    monkeypatch.setattr(relay_outbox, "delay", broker_down)

    nudge_relay()  # logged, not raised: the beat run delivers the event later

    [record] = [r for r in caplog.records if r.name == "scholarnet.events.tasks"]
    assert (record.levelname, record.getMessage()) == (
        "WARNING",
        "could not nudge the event relay; beat will run it",
    )
    assert record.exc_info[0] is ConnectionError
    # No run was queued, so the coalescing flag must not hold back the next nudge.
    assert cache.get(NUDGE_KEY) is None
    monkeypatch.setattr(relay_outbox, "delay", lambda: queued.append(1))
    nudge_relay()
    assert queued == [1]


def test_loop_mode_has_no_nudges_and_a_queued_beat_run_does_nothing(
    db, settings, monkeypatch, register_handler
):
    settings.EVENTS_RELAY_MODE = "loop"
    handler = register_handler(topics=["article.read"])
    row = publish_committed("article.read", {"n": 1})
    queued = []
    monkeypatch.setattr(relay_outbox, "delay", lambda: queued.append(1))

    nudge_relay()
    assert queued == []
    assert relay_outbox() == 0

    assert handler.applied_ids() == []
    row.refresh_from_db()
    assert (row.sent_at, row.attempts) == (None, 0)


def test_relay_outbox_loop_refuses_to_run_in_beat_mode(db, settings, register_handler):
    settings.EVENTS_RELAY_MODE = "beat"
    handler = register_handler(topics=["article.read"])
    row = publish_committed("article.read", {"n": 1})

    with pytest.raises(CommandError, match="runs only with EVENTS_RELAY_MODE=loop"):
        call_command("relay_outbox", "--loop", "--interval", "0.01")

    assert handler.applied_ids() == []
    row.refresh_from_db()
    assert row.sent_at is None


def test_the_relay_runs_on_the_celery_beat_schedule(settings):
    from scholarnet.jobs.tasks import events_relay_outbox

    entry = settings.CELERY_BEAT_SCHEDULE["events-relay-outbox"]

    # Beat runs the relay through the jobs' recorded wrapper; the nudge queues the task itself.
    assert entry["task"] == events_relay_outbox.name == "scholarnet.jobs.tasks.events_relay_outbox"
    assert relay_outbox.name == "scholarnet.events.tasks.relay_outbox"
    assert entry["schedule"] <= 10


def test_prune_deletes_only_sent_rows_and_records_past_their_retention(db, settings):
    settings.EVENTS_OUTBOX_RETENTION_DAYS = 7
    settings.EVENTS_PROCESSED_RETENTION_DAYS = 30
    long_ago = timezone.now() - dt.timedelta(days=40)
    with time_machine.travel(long_ago, tick=False):
        old_sent = publish_committed("article.read", {"n": 1})
        mark_sent(ids=[old_sent.pk])
        old_unsent = publish_committed("article.read", {"n": 2})
        ProcessedEvent.objects.create(group="search", event_id=uuid.uuid4())
    recent = publish_committed("article.read", {"n": 3})
    mark_sent(ids=[recent.pk])
    fresh_record = ProcessedEvent.objects.create(group="search", event_id=uuid.uuid4())

    assert prune_events() == {"outbox": 1, "processed": 1}

    assert set(OutboxEvent.objects.values_list("pk", flat=True)) == {old_unsent.pk, recent.pk}
    assert list(ProcessedEvent.objects.values_list("pk", flat=True)) == [fresh_record.pk]


def test_relay_outbox_command_sends_one_batch(db, register_handler):
    handler = register_handler(topics=["article.read"])
    rows = [publish_committed("article.read", {"n": n}) for n in range(3)]
    out = StringIO()

    call_command("relay_outbox", "--batch-size", "2", stdout=out)

    assert out.getvalue().strip() == "relayed 2 event(s)"
    assert handler.applied_ids() == [row.event_id for row in rows[:2]]


def test_relay_outbox_loop_stops_between_batches_on_sigterm(
    transactional_db, settings, register_handler
):
    settings.EVENTS_RELAY_MODE = "loop"
    handler = register_handler(topics=["article.read"])
    rows = [publish_committed("article.read", {"n": n}) for n in range(3)]
    handler.on_apply = lambda event: os.kill(os.getpid(), signal.SIGTERM)
    before = signal.getsignal(signal.SIGTERM)
    out = StringIO()

    call_command("relay_outbox", "--loop", "--batch-size", "2", "--interval", "0.01", stdout=out)

    # The batch in hand was finished and marked; the loop stopped before the next one.
    assert handler.applied_ids() == [row.event_id for row in rows[:2]]
    assert list(OutboxEvent.objects.filter(sent_at__isnull=True)) == [rows[2]]
    assert out.getvalue().splitlines()[-1] == "relay stopped"
    assert signal.getsignal(signal.SIGTERM) == before


def test_consume_command_refuses_a_group_without_handlers(db):
    with pytest.raises(CommandError, match="no handlers are registered"):
        call_command("consume", "no-such-group")


def test_admin_lists_unsent_events_under_the_unsent_filter(admin_client):
    sent = publish_committed("article.read", {"n": 1})
    mark_sent(ids=[sent.pk])
    unsent = publish_committed("article.read", {"n": 2})

    response = admin_client.get("/admin/events/outboxevent/", {"sent": "no"})

    assert response.status_code == 200
    assert list(response.context["cl"].result_list) == [unsent]


def test_admin_shows_outbox_rows_read_only(admin_client):
    row = publish_committed("article.read", {"n": 1})

    page = admin_client.get(f"/admin/events/outboxevent/{row.pk}/change/")
    add = admin_client.get("/admin/events/outboxevent/add/")

    assert page.status_code == 200
    assert b'name="_save"' not in page.content
    assert add.status_code == 403


@pytest.mark.parametrize(("mode", "scheduled"), [("beat", True), ("loop", False)])
def test_beat_schedules_the_relay_only_in_beat_mode(mode, scheduled):
    # Settings are read once at start-up, so each mode is loaded in a fresh interpreter.
    script = (
        "from config.settings import base; "
        "print('events-relay-outbox' in base.CELERY_BEAT_SCHEDULE, base.EVENTS_RELAY_MODE)"
    )
    env = {**os.environ, "EVENTS_RELAY_MODE": mode}
    done = subprocess.run(
        [sys.executable, "-c", script], env=env, capture_output=True, text=True, timeout=60
    )

    assert done.returncode == 0, done.stderr
    assert done.stdout.split() == [str(scheduled), mode]


def test_an_unknown_relay_mode_refuses_to_start():
    env = {**os.environ, "EVENTS_RELAY_MODE": "both"}
    done = subprocess.run(
        [sys.executable, "-c", "import config.settings.base"],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )

    assert done.returncode == 1
    assert "EVENTS_RELAY_MODE is 'beat' or 'loop', not 'both'" in done.stderr
