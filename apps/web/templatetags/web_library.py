"""Template tags the library partials use to fetch what the including page does not pass.

The reading pages include the partials with ``article`` / ``author`` / ``user`` only; the
comment page, the reader's folders and the unread count are read here, through the same
selectors as the library views.
"""

from __future__ import annotations

from typing import Any

from django import template

from apps.web.views import library

register = template.Library()


@register.simple_tag(takes_context=True)
def library_comment_page(context: template.Context, article: dict[str, Any]) -> dict[str, Any]:
    """The article's first comment page (roots with their 3 newest replies)."""
    if "comment_page" in context:
        return context["comment_page"]  # type: ignore[no-any-return]
    author = article.get("author") or {}
    return library.comment_page(
        context["request"],
        article_id=article["id"],
        article_author_id=author.get("id"),
        cursor=None,
    )


@register.simple_tag(takes_context=True)
def library_folders(context: template.Context) -> list[dict[str, Any]]:
    return library.folders_of(context["request"].user)


@register.simple_tag(takes_context=True)
def library_unread_total(context: template.Context) -> int:
    return library.unread_total(context["request"].user)


@register.simple_tag(takes_context=True)
def library_tag_followed(context: template.Context, name: str) -> bool:
    return library.tag_followed(user=context["request"].user, name=name)


@register.filter
def yuan(fen: int) -> str:
    """An amount in fen as yuan with two decimals (negative amounts keep their sign)."""
    sign = "-" if fen < 0 else ""
    return f"{sign}{abs(fen) // 100}.{abs(fen) % 100:02d}"
