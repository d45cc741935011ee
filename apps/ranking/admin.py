"""The ranking in the admin: the stored hot list, each article's score explained, a recompute.

Nothing here edits a ranking by hand: the list is derived state, recomputed from the articles
and their counters (the only write is "recompute now", for staff allowed to change it).
"""

from __future__ import annotations

from typing import Any

from django.contrib import admin, messages
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils.html import format_html, format_html_join
from django.utils.safestring import SafeString

from apps.ranking import selectors
from apps.ranking.models import ArticleScore, HotList
from apps.ranking.services import ranking_compute_alone

RECOMPUTE_PERMISSION = "ranking.change_hotlist"


def _recompute(modeladmin: admin.ModelAdmin, request: HttpRequest) -> None:
    hot = ranking_compute_alone()
    if hot is None:
        modeladmin.message_user(request, "Another worker is computing it now.", messages.WARNING)
        return
    modeladmin.message_user(
        request, f"Hot list recomputed: {len(hot.entries)} of {hot.scanned} articles kept."
    )


class RecomputeMixin:
    def has_recompute_permission(self, request: HttpRequest) -> bool:
        user = request.user
        return bool(user.is_active and user.is_staff and user.has_perm(RECOMPUTE_PERMISSION))

    @admin.action(description="Recompute the hot list now", permissions=["recompute"])
    def recompute(self, request: HttpRequest, queryset: QuerySet[Any]) -> None:
        _recompute(self, request)  # type: ignore[arg-type]


@admin.register(HotList)
class HotListAdmin(RecomputeMixin, admin.ModelAdmin):
    list_display = ["computed_at", "size", "scanned", "duration_ms"]
    readonly_fields = ["computed_at", "scanned", "duration_ms", "ranking"]
    exclude = ["entries"]
    actions = ["recompute"]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    @admin.display(description="articles")
    def size(self, obj: HotList) -> int:
        return len(obj.entries)

    @admin.display(description="ranking (id, score)")
    def ranking(self, obj: HotList) -> SafeString:
        rows = format_html_join(
            "", "<tr><td>{}</td><td>{}</td><td>{}</td></tr>", _ranked_rows(obj.entries)
        )
        return format_html(
            "<table><tr><th>#</th><th>article</th><th>score</th></tr>{}</table>", rows
        )


def _ranked_rows(entries: list[list[Any]]) -> list[tuple[int, int, str]]:
    # Numbers are formatted here: format_html escapes its arguments to text before formatting.
    return [(place, int(entry[0]), f"{entry[1]:.6f}") for place, entry in enumerate(entries, 1)]


@admin.register(ArticleScore)
class ArticleScoreAdmin(RecomputeMixin, admin.ModelAdmin):
    list_display = ["id", "title", "author", "status", "published_at"]
    list_filter = ["status"]
    search_fields = ["=id", "title"]
    ordering = ["-publish_seq"]
    list_select_related = ["author"]
    show_full_result_count = False
    fields = ("title", "author", "status", "published_at", "taken_down_at", "hot_rank", "explain")
    readonly_fields = fields
    actions = ["recompute"]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    @admin.display(description="place in the stored hot list")
    def hot_rank(self, obj: ArticleScore) -> str:
        place = selectors.article_hot_rank(article_id=obj.pk)
        return "not ranked" if place is None else f"#{place}"

    @admin.display(description="score, explained")
    def explain(self, obj: ArticleScore) -> SafeString:
        explained = selectors.article_score_explain(article=obj)
        factors = format_html_join(
            "",
            "<tr><td>{}</td><td>{}</td><td>x {}</td><td>= {}</td></tr>",
            ((f["name"], f["count"], f["weight"], f["points"]) for f in explained["factors"]),
        )
        return format_html(
            "<table><tr><th>factor</th><th>count</th><th>weight</th><th>points</th></tr>{}"
            "</table><p>({} - {}) / ({} h + {}) ^ {} = <strong>{}</strong>{}</p>",
            factors,
            explained["points"],
            explained["offset"],
            f"{explained['hours']:.2f}",
            explained["hours_offset"],
            explained["gravity"],
            f"{explained['score']:.6f}",
            "" if explained["in_window"] else " (outside the window: not ranked)",
        )
