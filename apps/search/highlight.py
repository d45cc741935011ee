"""Highlights computed on the stored original text, the same way for every backend.

The text is analysed again (the analysis keeps character offsets), tokens whose term is one of
the query's terms are wrapped in ``<mark>``, and everything else is HTML-escaped: the output is
safe to insert as HTML whatever the document contains. Long fields are cut to a fragment around
the first match.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Collection, Iterable, Mapping
from html import escape
from typing import Any

from apps.search.analysis import terms_with_offsets

ELLIPSIS = "…"
# Fields up to this long are shown whole; longer ones as a fragment of this many characters.
FRAGMENT_CHARS = 200
# How much of the fragment comes before the first match.
LEAD_CHARS = 40
# A text longer than a fragment is not analysed whole (an article body costs milliseconds): a
# plain substring scan finds where a match may start, and only the text around it is analysed.
MAX_CANDIDATES = 50
_MARGIN = 60


def highlight(text: str, terms: Collection[str], *, fragment_chars: int = FRAGMENT_CHARS) -> str:
    """``text`` with every match of ``terms`` marked; "" when nothing matches."""
    if not terms:
        return ""
    if len(text) <= fragment_chars:
        return _render(text, _spans(text, 0, len(text), terms), fragment_chars)
    for candidate in _candidates(text, frozenset(terms)):
        start = max(0, candidate - LEAD_CHARS - _MARGIN)
        end = min(len(text), candidate + fragment_chars + _MARGIN)
        spans = _spans(text, start, end, terms)
        if spans:
            return _render(text, spans, fragment_chars)
    return ""


def highlights(
    fields: Mapping[str, Any], names: Iterable[str], terms: Collection[str]
) -> dict[str, str]:
    """The highlighted fields among ``names`` that contain a match."""
    found: dict[str, str] = {}
    if not terms:
        return found
    for name in names:
        value = fields.get(name)
        if isinstance(value, str) and (marked := highlight(value, terms)):
            found[name] = marked
    return found


def _candidates(text: str, terms: frozenset[str]) -> Iterable[int]:
    """Where a match may start, in order."""
    for count, match in enumerate(_probe_pattern(terms).finditer(text.lower())):
        if count == MAX_CANDIDATES:
            return
        yield match.start()


@functools.lru_cache(maxsize=256)
def _probe_pattern(terms: frozenset[str]) -> re.Pattern[str]:
    # A term's stem prefix: a stem drops or changes the end of a word ("studies" is "studi"),
    # a CJK bigram appears as it is.
    probes = {term[:-1] if len(term) > 3 else term for term in terms}
    return re.compile("|".join(re.escape(probe) for probe in sorted(probes, key=len)))


def _spans(text: str, start: int, end: int, terms: Collection[str]) -> list[tuple[int, int]]:
    """The merged spans of matching tokens in ``text[start:end]``, as offsets into ``text``.
    A word cut by the slice's edge is not a word of the text: its tokens are skipped."""
    piece = text[start:end]
    cut_head = start > 0 and text[start - 1].isalnum() and piece[:1].isalnum()
    cut_tail = end < len(text) and text[end].isalnum() and piece[-1:].isalnum()
    found = []
    for term, token_start, token_end in terms_with_offsets(piece):
        if term not in terms:
            continue
        if (cut_head and token_start == 0) or (cut_tail and token_end == len(piece)):
            continue
        found.append((start + token_start, start + token_end))
    return _merged(found)


def _render(text: str, spans: list[tuple[int, int]], fragment_chars: int) -> str:
    if not spans:
        return ""
    start, end = _window(text, spans[0][0], fragment_chars)
    parts = [ELLIPSIS] if start > 0 else []
    position = start
    for span_start, span_end in spans:
        if span_start >= end:
            break
        end = max(end, span_end)  # keep a match the cut runs through whole
        parts.append(escape(text[position:span_start]))
        parts.append(f"<mark>{escape(text[span_start:span_end])}</mark>")
        position = span_end
    parts.append(escape(text[position:end]))
    if end < len(text):
        parts.append(ELLIPSIS)
    return "".join(parts)


def _merged(spans: Iterable[tuple[int, int]]) -> list[tuple[int, int]]:
    # CJK bigrams overlap (学习 and 习方 share a character): one mark covers them both.
    merged: list[tuple[int, int]] = []
    for start, end in sorted(spans):
        if merged and start <= merged[-1][1]:
            merged[-1] = (merged[-1][0], max(merged[-1][1], end))
        else:
            merged.append((start, end))
    return merged


def _window(text: str, first_match: int, size: int) -> tuple[int, int]:
    if len(text) <= size:
        return 0, len(text)
    start = max(0, min(first_match - LEAD_CHARS, len(text) - size))
    end = min(len(text), start + size)
    # Cut at spaces when one is near, so the fragment neither opens nor closes mid-word.
    if start > 0 and text[start - 1] != " ":
        space = text.find(" ", start, min(first_match, start + 15))
        start = space + 1 if space != -1 else start
    if end < len(text) and (space := text.rfind(" ", max(start, end - 15), end)) > first_match:
        end = space
    return start, end
