"""Admin of comments: moderators find comments by article, author or text and delete them
through the service (the subtree, ``comment_count``, the ``comment.deleted`` event), never by a
bare row delete. Nothing is added or edited here: comments change through the API."""

from __future__ import annotations

from typing import Any

from django.contrib import admin, messages
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils.html import format_html
from django.utils.text import Truncator

from apps.comments.errors import CommentNotFound
from apps.comments.models import Comment
from apps.comments.services import comment_delete


class ThreadPositionFilter(admin.SimpleListFilter):
    title = "position"
    parameter_name = "position"

    def lookups(self, request: HttpRequest, model_admin: Any) -> list[tuple[str, str]]:
        return [("root", "Root comments"), ("reply", "Replies")]

    def queryset(self, request: HttpRequest, queryset: QuerySet[Comment]) -> QuerySet[Comment]:
        if self.value() == "root":
            return queryset.filter(root__isnull=True)
        if self.value() == "reply":
            return queryset.filter(root__isnull=False)
        return queryset


@admin.register(Comment)
class CommentAdmin(admin.ModelAdmin):
    list_display = (
        "id",
        "article",
        "author_link",
        "excerpt",
        "root_id",
        "reply_count",
        "created_at",
    )
    list_filter = (ThreadPositionFilter,)
    # Exact matches use the indexes; the text search is a scan, for moderators only.
    search_fields = ("=id", "=article_id", "=author__id", "=author__email", "content")
    search_help_text = "A comment id, an article id, an author id or email, or words of the text."
    list_select_related = ("author",)
    show_full_result_count = False
    ordering = ("-id",)
    fields = (
        "id",
        "article_id",
        "author",
        "root",
        "parent",
        "content",
        "reply_count",
        "created_at",
    )
    readonly_fields = fields
    actions = ("delete_with_replies",)

    def lookup_allowed(self, lookup: str, value: str, request: HttpRequest) -> bool:
        # The list's links filter by article (?article_id=) and by author (?author__id__exact=).
        if lookup in ("article_id", "article_id__exact", "author__id__exact"):
            return True
        return bool(super().lookup_allowed(lookup, value, request))

    @admin.display(description="article", ordering="article_id")
    def article(self, comment: Comment) -> str:
        return format_html(
            '<a href="?article_id={}">#{}</a>', comment.article_id, comment.article_id
        )

    @admin.display(description="author", ordering="author_id")
    def author_link(self, comment: Comment) -> str:
        return format_html(
            '<a href="?author__id__exact={}">{}</a>', comment.author_id, comment.author
        )

    @admin.display(description="text")
    def excerpt(self, comment: Comment) -> str:
        return Truncator(comment.content).chars(80)

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def get_actions(self, request: HttpRequest) -> dict[str, Any]:
        actions = super().get_actions(request)
        actions.pop("delete_selected", None)  # a bare delete would skip the count and the event
        return actions

    def delete_model(self, request: HttpRequest, obj: Comment) -> None:
        _delete(request, [obj.pk])

    def delete_queryset(self, request: HttpRequest, queryset: QuerySet[Comment]) -> None:
        _delete(request, list(queryset.values_list("pk", flat=True)))

    @admin.action(description="Delete with their replies", permissions=["delete"])
    def delete_with_replies(self, request: HttpRequest, queryset: QuerySet[Comment]) -> None:
        deleted = _delete(request, list(queryset.values_list("pk", flat=True)))
        self.message_user(request, f"{deleted} comments deleted.", messages.SUCCESS)


def _delete(request: HttpRequest, comment_ids: list[int]) -> int:
    """Delete each comment with its subtree as the moderator; how many comments went."""
    deleted = 0
    for comment_id in sorted(comment_ids):
        try:
            deleted += len(comment_delete(user=request.user, comment_id=comment_id))
        except CommentNotFound:
            continue  # inside a subtree deleted just before
    return deleted
