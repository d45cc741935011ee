"""Template filters of the reading pages."""

from __future__ import annotations

import functools
import re

from django import template
from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe

from apps.web.math import math_to_mathml, tex_to_mathml

register = template.Library()

# $…$ in plain text (titles, abstracts): no newline, no "$" inside, not empty.
_INLINE_TEX = re.compile(r"\$([^$\n]+?)\$")


@register.filter
def inline_math(text: object) -> SafeString:
    """Plain text (a title, an abstract) escaped, with each ``$…$`` as inline MathML.

    TeX the converter rejects stays as the escaped text with its dollars.
    """
    value = str(text or "")
    parts: list[str] = []
    position = 0
    for match in _INLINE_TEX.finditer(value):
        parts.append(escape(value[position : match.start()]))
        mathml = tex_to_mathml(match.group(1).strip(), display=False)
        if mathml is None:
            parts.append(escape(match.group(0)))
        else:
            tex = escape(match.group(1).strip())
            parts.append(f'<span class="math inline" data-tex="{tex}">{mathml}</span>')
        position = match.end()
    parts.append(escape(value[position:]))
    return mark_safe("".join(parts))  # noqa: S308 - every part is escaped or allowlisted MathML


@register.filter
def content_math(content_html: object) -> SafeString:
    """A comment's or review's rendered HTML (sanitised by the renderer) with its math as MathML.

    Remembered per text: a thread's page shows the same comments to every reader.
    """
    return mark_safe(_content_math(str(content_html or "")))  # noqa: S308 - renderer's HTML


@functools.lru_cache(maxsize=4096)
def _content_math(content_html: str) -> str:
    return math_to_mathml(content_html)
