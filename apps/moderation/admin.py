"""The moderators' admin: the queue of reported targets with its actions, and read-only lists
of reports, suspensions, trust levels and the audit log.

Moderators are staff in the "Moderators" group (created on migrate with the ``moderate``
permission and view permissions on these models). Every action goes through
``apps.moderation.services``, which checks the permission again and writes the audit log.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django import forms
from django.contrib import admin, messages
from django.contrib.admin import helpers
from django.contrib.admin.models import LogEntry
from django.db.models import IntegerField, OuterRef, QuerySet, Subquery
from django.db.models.functions import Coalesce
from django.http import HttpRequest
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils.html import format_html

from apps.moderation import services
from apps.moderation.errors import ActionNotApplicable
from apps.moderation.models import (
    AuditEntry,
    Report,
    ReportedTarget,
    Suspension,
    TrustLevel,
)
from scholarnet.api.errors import ApplicationError


class ActionForm(forms.Form):
    reason = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 3}),
        max_length=2000,
        required=False,
        help_text="Recorded in the audit log; for a take-down it is sent to the author.",
    )
    days = forms.IntegerField(
        min_value=1, max_value=services.MAX_SUSPENSION_DAYS, required=False, initial=7
    )


def _explain(error: ApplicationError) -> str:
    """The error's message with its fields' messages (a missing reason says so)."""
    fields = error.extra.get("fields") or {}
    details = [f"{name}: {' '.join(texts)}" for name, texts in fields.items()]
    return " ".join([error.detail, *details])


class _ReadOnly(admin.ModelAdmin):
    show_full_result_count = False

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


class ReportInline(admin.TabularInline):
    model = Report
    fields = ("reporter", "reason", "note", "status", "created_at", "resolved_by", "resolved_at")
    readonly_fields = fields
    extra = 0
    can_delete = False
    show_change_link = False

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


def _trust_level_subquery() -> Subquery:
    rows = TrustLevel.objects.filter(pk=OuterRef("author_id")).values("level")[:1]
    return Subquery(rows, output_field=IntegerField())


# What each action needs: (label, reason required, days asked, service call).
Perform = Callable[[Any, ReportedTarget, dict[str, Any]], Any]


def _dismiss(user: Any, target: ReportedTarget, data: dict[str, Any]) -> Any:
    return services.report_dismiss(moderator=user, target_id=target.pk, reason=data["reason"])


def _take_down(user: Any, target: ReportedTarget, data: dict[str, Any]) -> Any:
    return services.target_take_down(moderator=user, target_id=target.pk, reason=data["reason"])


def _restore(user: Any, target: ReportedTarget, data: dict[str, Any]) -> Any:
    return services.target_restore(moderator=user, target_id=target.pk, reason=data["reason"])


def _author_of(target: ReportedTarget) -> int:
    if target.author_id is None:  # the account was deleted since
        raise ActionNotApplicable("The author's account no longer exists.")
    return target.author_id


def _suspend(user: Any, target: ReportedTarget, data: dict[str, Any]) -> Any:
    return services.user_suspend(
        moderator=user,
        user_id=_author_of(target),
        reason=data["reason"],
        days=data["days"] or 7,
        target_id=target.pk,
    )


def _ban(user: Any, target: ReportedTarget, data: dict[str, Any]) -> Any:
    return services.user_suspend(
        moderator=user,
        user_id=_author_of(target),
        reason=data["reason"],
        days=None,
        target_id=target.pk,
    )


ACTIONS: dict[str, tuple[str, Perform, bool]] = {
    "dismiss_reports": ("Dismiss the reports", _dismiss, False),
    "take_down": ("Take down (articles and comments; the author is told why)", _take_down, False),
    "restore": ("Restore (an article taken down, a suspended user)", _restore, False),
    "suspend_author": ("Suspend the author or user for a number of days", _suspend, True),
    "ban_author": ("Ban the author or user", _ban, False),
}


# Where a moderator reads a target (comments have no admin page of their own).
TARGET_ADMIN_PAGES = {
    "article": "admin:articles_publishedarticle_change",
    "user": "admin:users_user_change",
}


@admin.register(ReportedTarget)
class ReportedTargetAdmin(_ReadOnly):
    """The queue: one row per reported target, the most reported open ones first."""

    list_display = (
        "target_type",
        "target_link",
        "author",
        "author_trust_level",
        "open_count",
        "report_count",
        "state",
        "last_reported_at",
        "last_action",
    )
    list_filter = ("state", "target_type", "last_action")
    list_select_related = ("author",)
    search_fields = ("=target_id", "=author__id")
    ordering = ("state", "-open_count", "-last_reported_at")
    inlines = (ReportInline,)
    actions = tuple(ACTIONS)

    def get_queryset(self, request: HttpRequest) -> QuerySet[ReportedTarget]:
        return (
            super()
            .get_queryset(request)
            .annotate(author_trust=Coalesce(_trust_level_subquery(), 0))
        )

    @admin.display(description="target", ordering="target_id")
    def target_link(self, target: ReportedTarget) -> str:
        """The target's own admin page, where its content can be read."""
        page = TARGET_ADMIN_PAGES.get(target.target_type)
        if page is None:
            return str(target.target_id)
        url = reverse(page, args=[target.target_id])
        return format_html('<a href="{}">#{}</a>', url, target.target_id)

    @admin.display(description="author's trust level", ordering="author_trust")
    def author_trust_level(self, target: ReportedTarget) -> int:
        return getattr(target, "author_trust", 0)

    def has_moderate_permission(self, request: HttpRequest) -> bool:
        return bool(request.user.is_active and request.user.has_perm("moderation.moderate"))

    def _run(
        self, request: HttpRequest, queryset: QuerySet[ReportedTarget], name: str
    ) -> TemplateResponse | None:
        label, perform, asks_days = ACTIONS[name]
        form = ActionForm(request.POST if "apply" in request.POST else None)
        if not form.is_valid():
            return self._form_page(
                request, queryset, name=name, label=label, form=form, asks_days=asks_days
            )
        done = 0
        for target in queryset.order_by("pk"):
            try:
                perform(request.user, target, form.cleaned_data)
                done += 1
            except ApplicationError as error:
                self.message_user(request, f"{target}: {_explain(error)}", messages.ERROR)
        if done:
            self.message_user(request, f"{label}: done for {done} target(s).", messages.SUCCESS)
        return None

    def _form_page(
        self, request: HttpRequest, queryset: QuerySet[ReportedTarget], **context: Any
    ) -> TemplateResponse:
        context |= {
            **self.admin_site.each_context(request),
            "title": context["label"],
            "opts": self.model._meta,
            "queryset": queryset,
            "action": context["name"],
            "action_checkbox_name": helpers.ACTION_CHECKBOX_NAME,
        }
        return TemplateResponse(request, "admin/moderation/action_form.html", context)

    @admin.action(description=ACTIONS["dismiss_reports"][0], permissions=["moderate"])
    def dismiss_reports(self, request: HttpRequest, queryset: QuerySet[ReportedTarget]) -> Any:
        return self._run(request, queryset, "dismiss_reports")

    @admin.action(description=ACTIONS["take_down"][0], permissions=["moderate"])
    def take_down(self, request: HttpRequest, queryset: QuerySet[ReportedTarget]) -> Any:
        return self._run(request, queryset, "take_down")

    @admin.action(description=ACTIONS["restore"][0], permissions=["moderate"])
    def restore(self, request: HttpRequest, queryset: QuerySet[ReportedTarget]) -> Any:
        return self._run(request, queryset, "restore")

    @admin.action(description=ACTIONS["suspend_author"][0], permissions=["moderate"])
    def suspend_author(self, request: HttpRequest, queryset: QuerySet[ReportedTarget]) -> Any:
        return self._run(request, queryset, "suspend_author")

    @admin.action(description=ACTIONS["ban_author"][0], permissions=["moderate"])
    def ban_author(self, request: HttpRequest, queryset: QuerySet[ReportedTarget]) -> Any:
        return self._run(request, queryset, "ban_author")


@admin.register(Report)
class ReportAdmin(_ReadOnly):
    list_display = ("id", "target_type", "target_id", "reason", "status", "reporter", "created_at")
    list_filter = ("status", "reason", "target_type")
    list_select_related = ("reporter",)
    search_fields = ("=target_id", "=reporter__id")
    raw_id_fields = ("reporter", "entry", "resolved_by")


@admin.register(Suspension)
class SuspensionAdmin(_ReadOnly):
    list_display = ("user", "reason", "starts_at", "ends_at", "lifted_at", "moderator")
    list_select_related = ("user", "moderator")
    search_fields = ("=user__id",)
    actions = ("lift",)

    def has_moderate_permission(self, request: HttpRequest) -> bool:
        return bool(request.user.is_active and request.user.has_perm("moderation.moderate"))

    @admin.action(description="Lift (reopen the account now)", permissions=["moderate"])
    def lift(self, request: HttpRequest, queryset: QuerySet[Suspension]) -> None:
        user_ids = sorted(
            set(queryset.filter(lifted_at__isnull=True).values_list("user_id", flat=True))
        )
        for user_id in user_ids:
            try:
                services.user_unsuspend(moderator=request.user, user_id=user_id, reason="lifted")
            except ApplicationError as error:
                self.message_user(request, f"user {user_id}: {_explain(error)}", messages.ERROR)
        self.message_user(request, f"Lifted for {len(user_ids)} account(s).", messages.SUCCESS)


@admin.register(TrustLevel)
class TrustLevelAdmin(_ReadOnly):
    list_display = (
        "user",
        "level",
        "account_age_days",
        "articles_read",
        "likes_received",
        "flags_upheld",
        "computed_at",
    )
    list_filter = ("level",)
    list_select_related = ("user",)
    search_fields = ("=user__id",)


@admin.register(AuditEntry)
class AuditEntryAdmin(_ReadOnly):
    """Append-only: nobody may add, change or delete an entry here (the model refuses too)."""

    list_display = ("created_at", "actor", "action", "target_type", "target_id", "reason")
    list_filter = ("action", "target_type")
    list_select_related = ("actor",)
    search_fields = ("=target_id", "=actor__id")
    readonly_fields = (
        "created_at",
        "actor",
        "action",
        "target_type",
        "target_id",
        "reason",
        "before",
        "after",
    )
    actions = None


@admin.register(LogEntry)
class StaffChangeAdmin(_ReadOnly):
    """Django's own record of staff edits made through any admin form, read-only."""

    list_display = ("action_time", "user", "content_type", "object_repr", "action_flag")
    list_filter = ("action_flag", "content_type")
    list_select_related = ("user", "content_type")
    actions = None
