"""The TeX in the renderer's math elements, turned into MathML on the server.

``apps.articles.rendering`` leaves math as HTML-escaped TeX inside ``<span class="math inline">``,
``<span class="math display">`` and ``<div class="math block">``. :func:`math_to_mathml` replaces
each element's content by MathML from ``latex2mathml`` (no script, no CDN: browsers render MathML
natively), keeping the TeX in ``data-tex`` for copying. The converter's output is checked against
a MathML allowlist (element and attribute names, no URL-like values); anything else, and any TeX
the converter rejects, keeps the original escaped TeX text.
"""

from __future__ import annotations

import html
import logging
import re

from latex2mathml.converter import convert

logger = logging.getLogger(__name__)

_MATH_ELEMENT = re.compile(
    r'<(?P<tag>span|div) class="math (?P<kind>inline|display|block)">(?P<tex>.*?)</(?P=tag)>',
    re.DOTALL,
)
_TAG = re.compile(r"<(/?)([A-Za-z][A-Za-z0-9]*)((?:\s+[A-Za-z-]+=\"[^\"<>]*\")*)\s*(/?)>")
_ATTRIBUTE = re.compile(r'([A-Za-z-]+)="([^"<>]*)"')
MATHML_ELEMENTS = frozenset(
    [
        "math",
        "semantics",
        "annotation",
        "mrow",
        "mi",
        "mn",
        "mo",
        "ms",
        "mtext",
        "mspace",
        "mfrac",
        "msqrt",
        "mroot",
        "mstyle",
        "merror",
        "mpadded",
        "mphantom",
        "mfenced",
        "menclose",
        "msub",
        "msup",
        "msubsup",
        "munder",
        "mover",
        "munderover",
        "mmultiscripts",
        "mprescripts",
        "none",
        "mtable",
        "mtr",
        "mtd",
        "mlabeledtr",
        "maligngroup",
        "malignmark",
    ]
)
MATHML_ATTRIBUTES = frozenset(
    [
        "xmlns",
        "display",
        "mathvariant",
        "mathsize",
        "mathcolor",
        "mathbackground",
        "stretchy",
        "fence",
        "separator",
        "lspace",
        "rspace",
        "minsize",
        "maxsize",
        "symmetric",
        "largeop",
        "movablelimits",
        "accent",
        "accentunder",
        "form",
        "linethickness",
        "numalign",
        "denomalign",
        "bevelled",
        "columnalign",
        "rowalign",
        "columnspacing",
        "rowspacing",
        "columnlines",
        "rowlines",
        "frame",
        "framespacing",
        "equalrows",
        "equalcolumns",
        "displaystyle",
        "scriptlevel",
        "width",
        "height",
        "depth",
        "voffset",
        "notation",
        "open",
        "close",
        "separators",
        "align",
        "side",
        "columnspan",
        "rowspan",
        "encoding",
    ]
)
MATHML_NAMESPACE = "http://www.w3.org/1998/Math/MathML"


def _is_safe_mathml(markup: str) -> bool:
    """Only allowlisted MathML elements and attributes, and no text that looks like markup."""
    if not markup.startswith("<math"):
        return False
    for match in _TAG.finditer(markup):
        if match.group(2) not in MATHML_ELEMENTS:
            return False
        for name, value in _ATTRIBUTE.findall(match.group(3)):
            if name not in MATHML_ATTRIBUTES:
                return False
            if name == "xmlns" and value != MATHML_NAMESPACE:
                return False
            if ":" in value and name != "xmlns":
                return False
    # Whatever is left between the tags is text: it must hold no tag the pattern did not accept.
    return "<" not in _TAG.sub("", markup)


def tex_to_mathml(tex: str, *, display: bool) -> str | None:
    """MathML for ``tex`` (plain TeX text), or ``None`` when it cannot be converted safely."""
    try:
        markup = convert(tex, display="block" if display else "inline")
    except Exception:
        logger.debug("math: cannot convert %r", tex[:200])
        return None
    return markup if _is_safe_mathml(markup) else None


def _replace(match: re.Match[str]) -> str:
    escaped_tex = match.group("tex")
    tex = html.unescape(escaped_tex).strip()
    display = match.group("kind") != "inline"
    mathml = tex_to_mathml(tex, display=display) if tex else None
    if mathml is None:
        return match.group(0)
    tag, kind = match.group("tag"), match.group("kind")
    return f'<{tag} class="math {kind}" data-tex="{html.escape(tex, quote=True)}">{mathml}</{tag}>'


def math_to_mathml(content_html: str) -> str:
    """The renderer's sanitised HTML with every math element's TeX rendered as MathML."""
    if "math" not in content_html:
        return content_html
    return _MATH_ELEMENT.sub(_replace, content_html)
