"""The jobs in the admin: each job's state, and its runs, read-only (written by the runs).

The schedules themselves are django-celery-beat's admin (Periodic tasks), where operators change
intervals and crontabs, disable a job or run it now.
"""

from __future__ import annotations

import itertools
from typing import Any

from django.conf import settings
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.db.models import QuerySet
from django.http import HttpRequest
from django.template.response import TemplateResponse
from django.urls import URLPattern, path

from scholarnet.events.admin import DeadLetterEventAdmin
from scholarnet.events.batches import batch_registry
from scholarnet.events.models import DeadLetterEvent
from scholarnet.events.registry import registry
from scholarnet.jobs.dead_letters import dead_letter_rows_replay, dead_letter_topic_read
from scholarnet.jobs.models import Job, JobRun

TOPIC_PAGE_SIZE = 200


class ReadOnlyAdmin(admin.ModelAdmin):
    show_full_result_count = False
    list_per_page = 50

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(Job)
class JobAdmin(ReadOnlyAdmin):
    list_display = [
        "name",
        "last_outcome",
        "consecutive_failures",
        "last_started_at",
        "last_success_at",
    ]
    list_filter = ["last_outcome"]
    search_fields = ["name"]
    ordering = ["-consecutive_failures", "name"]
    readonly_fields = [field.name for field in Job._meta.fields]

    def get_urls(self) -> list[URLPattern]:
        topics = path(
            "dead-letter-topics/",
            self.admin_site.admin_view(dead_letter_topics_view),
            name="jobs_dead_letter_topics",
        )
        return [topics, *super().get_urls()]


@admin.register(JobRun)
class JobRunAdmin(ReadOnlyAdmin):
    list_display = ["id", "job", "started_at", "duration_ms", "outcome", "runner"]
    list_filter = ["outcome", "job"]
    search_fields = ["=job"]
    ordering = ["-id"]
    readonly_fields = [field.name for field in JobRun._meta.fields]


# --- Dead letters ---------------------------------------------------------------------------
# The events app shows the dead-letter table read-only; here its admin gains the replay action
# (the same service as `manage.py events_replay_dlq`), and the jobs admin a page listing the
# Kafka dead-letter topics. scholarnet.jobs comes after scholarnet.events in INSTALLED_APPS, so
# its registration is in place when this module replaces it.


class DeadLetterEventReplayAdmin(DeadLetterEventAdmin):
    actions = ["replay_selected"]

    @admin.action(description="Replay the selected dead letters (after the fix)")
    def replay_selected(self, request: HttpRequest, queryset: QuerySet[DeadLetterEvent]) -> None:
        report = dead_letter_rows_replay(ids=list(queryset.values_list("id", flat=True)))
        level = messages.WARNING if report.failed else messages.SUCCESS
        self.message_user(request, report.summary(), level=level)

    def has_replay_permission(self, request: HttpRequest) -> bool:
        return bool(request.user.is_superuser)

    replay_selected.allowed_permissions = ("replay",)  # type: ignore[attr-defined]


admin.site.unregister(DeadLetterEvent)
admin.site.register(DeadLetterEvent, DeadLetterEventReplayAdmin)


def dead_letter_topics_view(request: HttpRequest) -> TemplateResponse:
    """The letters on each group's Kafka dead-letter topic (``?group=`` for one group)."""
    if not request.user.has_perm("events.view_deadletterevent"):
        raise PermissionDenied
    groups = sorted(set(registry.groups() + batch_registry.groups()))
    chosen = request.GET.get("group") or ""
    letters: list[dict[str, Any]] = []
    error = ""
    if chosen in groups:
        try:
            letters = list(itertools.islice(dead_letter_topic_read(chosen), TOPIC_PAGE_SIZE))
        except Exception as failure:  # an unreachable broker is shown, not a 500
            error = f"{type(failure).__name__}: {failure}"
    context = {
        **admin.site.each_context(request),
        "title": "Dead-letter topics",
        "groups": groups,
        "chosen": chosen,
        "letters": [_letter_row(letter) for letter in letters],
        "page_size": TOPIC_PAGE_SIZE,
        "error": error,
        "kafka": settings.EVENTS_TRANSPORT == "kafka",
    }
    return TemplateResponse(request, "admin/jobs/dead_letter_topics.html", context)


def _letter_row(letter: dict[str, Any]) -> dict[str, Any]:
    raw = letter.get("event")
    event: dict[str, Any] = raw if isinstance(raw, dict) else {}
    return {
        "event_id": event.get("event_id", ""),
        "type": event.get("type", ""),
        "attempts": letter.get("attempts", ""),
        "failed_at": letter.get("failed_at", ""),
        "error": str(letter.get("error", ""))[:500],
    }
