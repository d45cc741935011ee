"""The jobs in the admin: each job's state, and its runs, read-only (written by the runs).

The schedules themselves are django-celery-beat's admin (Periodic tasks), where operators change
intervals and crontabs, disable a job or run it now.
"""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.http import HttpRequest

from scholarnet.jobs.models import Job, JobRun


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


@admin.register(JobRun)
class JobRunAdmin(ReadOnlyAdmin):
    list_display = ["id", "job", "started_at", "duration_ms", "outcome", "runner"]
    list_filter = ["outcome", "job"]
    search_fields = ["=job"]
    ordering = ["-id"]
    readonly_fields = [field.name for field in JobRun._meta.fields]
