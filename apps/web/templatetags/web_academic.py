"""Template tags the academic partials use where the including page does not pass their data:
the author's attachments on the edit page, and whether ORCID sign-in is on (the sign-in page)."""

from __future__ import annotations

from typing import Any

from django import template
from django.conf import settings

from apps.attachments import selectors as attachment_selectors

register = template.Library()


@register.simple_tag(takes_context=True)
def academic_attachments(context: template.Context, article_id: int) -> list[dict[str, Any]]:
    """The article's attachments as its reader (here: its author on the edit page) sees them."""
    rows = attachment_selectors.attachment_list(article_id=article_id, user=context["request"].user)
    return [attachment_selectors.attachment_represent(row) for row in rows]


@register.simple_tag
def academic_attachment_max_mib() -> int:
    return int(settings.ATTACHMENTS_MAX_BYTES) // (1024 * 1024)


@register.simple_tag
def orcid_login_enabled() -> bool:
    return bool(settings.ORCID_LOGIN_ENABLED)
