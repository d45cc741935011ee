"""Text analysis shared by every backend: the same tokens are indexed and queried everywhere.

Analysis runs here, in Python, on both the index and the query side; the backends receive
finished terms (tantivy as pre-tokenised text, Elasticsearch through its ``whitespace``
analyzer), so the two backends match exactly the same documents for the same query.

- Text is NFKC-normalised (full-width letters are plain letters) and case-folded.
- Runs of letters and digits outside CJK scripts are words, stemmed with the Snowball English
  stemmer (the algorithm of tantivy's ``en_stem`` and Elasticsearch's ``english`` analyzer):
  ``Learning`` → ``learn``.
- Runs of CJK characters (Han, kana, Hangul) become overlapping character bigrams: ``学习`` →
  ``学习``, ``注意力`` → ``注意 意力``. A one-character run is its own token. A two-character query
  therefore matches inside any longer run that contains it, with no dictionary to maintain.
- Tokens keep their character offsets in the original text, for highlighting.
"""

from __future__ import annotations

import functools
import re
import unicodedata
from collections.abc import Iterator
from dataclasses import dataclass

import snowballstemmer

# Tokens longer than this are noise (hashes, base64, URLs without separators); tantivy's
# ``remove_long`` filter uses the same bound.
MAX_TOKEN_CHARS = 40

_CJK = (
    "\u3040-\u30ff"  # Hiragana, Katakana
    "\u3400-\u4dbf"  # CJK Extension A
    "\u4e00-\u9fff"  # CJK Unified Ideographs
    "\uac00-\ud7af"  # Hangul syllables
    "\uf900-\ufaff"  # CJK Compatibility Ideographs
    "\U00020000-\U0003134f"  # CJK Extensions B to G
)
# A CJK run, or a run of word characters that are neither "_" nor CJK.
_RUNS = re.compile(rf"(?P<cjk>[{_CJK}]+)|(?P<word>[^\W_{_CJK}]+)")
_STEMMER = snowballstemmer.stemmer("english")


@dataclass(frozen=True, slots=True)
class Token:
    term: str
    position: int
    start: int  # character offsets into the analysed text
    end: int


def analyze(text: str) -> list[Token]:
    """The tokens of ``text``, positions counted from 0."""
    return [
        Token(term, position, start, end)
        for position, (term, start, end) in enumerate(terms_with_offsets(text))
    ]


def index_terms(text: str) -> list[str]:
    """The terms of ``text`` in order, without offsets: the indexing side's fast path (most
    text is ASCII words, which skip normalisation)."""
    found: list[str] = []
    for cjk, word in _RUNS.findall(text):
        if not word:
            found.extend(term for term, _start, _end in _bigrams(cjk, 0))
        elif word.isascii():
            if len(word) <= MAX_TOKEN_CHARS:
                found.append(_stem(word.lower()))
        else:
            found.extend(term for term, _start, _end in _words(word, 0, 0))
    return found


def terms(text: str) -> list[str]:
    """The distinct terms of ``text`` in order of first appearance (the query side)."""
    return list(dict.fromkeys(token.term for token in analyze(text)))


def normalize_keyword(value: object) -> str:
    """The exact-match form of a filter value (a tag name, an id): case and width folded."""
    if isinstance(value, bool):
        return "true" if value else "false"
    return unicodedata.normalize("NFKC", str(value)).casefold().strip()


def terms_with_offsets(text: str) -> Iterator[tuple[str, int, int]]:
    """``(term, start, end)`` of each token: ``analyze`` without the objects (highlighting)."""
    for match in _RUNS.finditer(text):
        start, end = match.span()
        word = match.group()
        if match.lastgroup == "cjk":
            yield from _bigrams(word, start)
        elif word.isascii():  # the common case, inline: NFKC changes nothing, casefold is lower
            if len(word) <= MAX_TOKEN_CHARS:
                yield _stem(word.lower()), start, end
        else:
            yield from _words(word, start, end)


def _bigrams(run: str, start: int, end: int | None = None) -> Iterator[tuple[str, int, int]]:
    """Bigrams of a CJK run at ``start``; with ``end``, every bigram spans start..end (a run
    that only appeared by normalising a word keeps that word's offsets)."""
    normalised = unicodedata.normalize("NFKC", run)
    if len(normalised) == len(run):  # compatibility ideographs fold one to one
        run = normalised
    if len(run) == 1:
        yield run, start, end or start + 1
        return
    for index in range(len(run) - 1):
        if end is None:
            yield run[index : index + 2], start + index, start + index + 2
        else:
            yield run[index : index + 2], start, end


def _words(word: str, start: int, end: int) -> Iterator[tuple[str, int, int]]:
    normalised = unicodedata.normalize("NFKC", word).casefold()
    if normalised == word.casefold():
        if len(normalised) <= MAX_TOKEN_CHARS:
            yield _stem(normalised), start, end
        return
    # Normalising may split a word ("½" becomes "1", a fraction slash, "2") or turn it into
    # CJK (half-width kana); every part keeps the offsets of the word it came from.
    for match in _RUNS.finditer(normalised):
        if match.lastgroup == "cjk":
            yield from _bigrams(match.group(), start, end)
        elif len(match.group()) <= MAX_TOKEN_CHARS:
            yield _stem(match.group()), start, end


@functools.lru_cache(maxsize=65_536)
def _stem(word: str) -> str:
    # Words repeat heavily within and across documents; the cache makes stemming nearly free.
    return _STEMMER.stemWord(word)
