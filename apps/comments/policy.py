"""Who may post links in a comment, decided by an app above comments without an upward import.

The moderation app registers a check in its ``ready()`` (accounts below trust level 1 may not
post links). Without a registered check every account may. A link is a Markdown link or image
(an ``<a``/``<img`` in the rendered HTML) or a bare URL in the text, which readers copy.
"""

from __future__ import annotations

import re
from collections.abc import Callable

from apps.comments.errors import CommentLinksNotAllowed

LinksAllowed = Callable[[int], bool]

_BARE_URL = re.compile(r"(?i)\b(?:https?://|ftp://|www\.)\S")
_HTML_LINK = re.compile(r"<(?:a|img)\s")
_checks: list[LinksAllowed] = []


def comment_links_check_register(check: LinksAllowed) -> None:
    """``check(user_id)`` is True when the user may post links."""
    if check not in _checks:
        _checks.append(check)


def has_links(*, content: str, content_html: str) -> bool:
    return bool(_HTML_LINK.search(content_html) or _BARE_URL.search(content))


def comment_links_check(*, user_id: int, content: str, content_html: str) -> None:
    """Raise ``CommentLinksNotAllowed`` for a comment with links its author may not post."""
    if not _checks or not has_links(content=content, content_html=content_html):
        return
    if not all(check(user_id) for check in _checks):
        raise CommentLinksNotAllowed()
