"""Admin for moderators: find articles, see both stores, take articles down and restore them.

Both stores are read-only here: every change goes through the services, so a take-down hides
the article from readers and search (the event), drops it from the caches and records who did
it and why, exactly as the API's writes do.
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import admin, messages
from django.contrib.admin.helpers import ACTION_CHECKBOX_NAME
from django.db import transaction
from django.db.models import QuerySet
from django.http import HttpRequest
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils.html import format_html

from apps.articles import services
from apps.articles.models import Article, ArticleRevision, PublishedArticle
from scholarnet.audit import staff_action_record


class TakeDownForm(forms.Form):
    reason = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 3}),
        max_length=2000,
        help_text="Recorded with the take-down and shown to the author.",
    )


class ReadOnlyAdmin(admin.ModelAdmin):
    show_full_result_count = False
    list_select_related = ("author",)
    raw_id_fields = ("author",)

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> list[str]:
        return [field.name for field in self.model._meta.fields] + list(self.readonly_fields)

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(Article)
class ArticleAdmin(ReadOnlyAdmin):
    """The working copies (drafts and edits), with a link to the live copy."""

    list_display = ("id", "title", "author", "status", "version", "updated_at", "live_copy")
    list_filter = ("status",)
    search_fields = ("=id", "title", "author__email", "author__nickname")
    ordering = ("-id",)
    readonly_fields = ("live_copy",)

    @admin.display(description="live copy")
    def live_copy(self, article: Article) -> str:
        if article.status == "draft":
            return "—"
        url = reverse("admin:articles_publishedarticle_change", args=[article.pk])
        return format_html('<a href="{}">live #{}</a>', url, article.pk)


@admin.register(PublishedArticle)
class PublishedArticleAdmin(ReadOnlyAdmin):
    """The live copies readers see; take-down and restore are the actions."""

    list_display = (
        "id",
        "title",
        "author",
        "status",
        "taken_down_at",
        "published_at",
        "working_copy",
    )
    list_filter = ("status", ("taken_down_at", admin.EmptyFieldListFilter))
    search_fields = ("=id", "title", "author__email", "author__nickname")
    ordering = ("-publish_seq",)
    readonly_fields = ("working_copy",)
    actions = ("take_down", "restore")

    @admin.display(description="working copy")
    def working_copy(self, live: PublishedArticle) -> str:
        url = reverse("admin:articles_article_change", args=[live.pk])
        return format_html('<a href="{}">working copy #{}</a>', url, live.pk)

    @admin.action(description="Take down (hide from readers and search)", permissions=["change"])
    def take_down(
        self, request: HttpRequest, queryset: QuerySet[PublishedArticle]
    ) -> TemplateResponse | None:
        form = TakeDownForm(request.POST if "apply" in request.POST else None)
        if form.is_valid():
            for article_id, taken_down_at in queryset.values_list("id", "taken_down_at"):
                with transaction.atomic():
                    live = services.article_take_down(
                        article_id=article_id,
                        moderator=request.user,
                        reason=form.cleaned_data["reason"],
                    )
                    staff_action_record(
                        actor=request.user,
                        action="article_take_down",
                        target_type="article",
                        target_id=article_id,
                        reason=live.take_down_reason,
                        before={"taken_down": taken_down_at is not None},
                        after={"taken_down": True, "take_down_reason": live.take_down_reason},
                    )
            self.message_user(request, "Taken down; readers no longer see them.", messages.SUCCESS)
            return None
        context = {
            **self.admin_site.each_context(request),
            "title": "Take down articles",
            "opts": self.model._meta,
            "queryset": queryset,
            "form": form,
            "action_checkbox_name": ACTION_CHECKBOX_NAME,
        }
        return TemplateResponse(request, "admin/articles/take_down.html", context)

    @admin.action(description="Restore (undo a take-down)", permissions=["change"])
    def restore(self, request: HttpRequest, queryset: QuerySet[PublishedArticle]) -> None:
        for article_id in queryset.filter(taken_down_at__isnull=False).values_list("id", flat=True):
            with transaction.atomic():
                services.article_restore(article_id=article_id, moderator=request.user)
                staff_action_record(
                    actor=request.user,
                    action="article_restore",
                    target_type="article",
                    target_id=article_id,
                    before={"taken_down": True},
                    after={"taken_down": False},
                )
        self.message_user(request, "Restored.", messages.SUCCESS)


@admin.register(ArticleRevision)
class ArticleRevisionAdmin(ReadOnlyAdmin):
    """What each publication made public; immutable, so there is nothing to change here."""

    list_display = ("article", "number", "title", "created_at")
    list_select_related = ("article",)
    raw_id_fields = ("article",)
    search_fields = ("=article__id", "title")
    ordering = ("-id",)

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False  # the view page still shows it to whoever may view it
