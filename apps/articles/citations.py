"""Citations of a live article: BibTeX, RIS and CSL-JSON, with one stable citation key.

The data is the live copy (what readers see): its title, DOI and, for an imported work, the
Crossref authors, year and venue (``source_meta``); otherwise the ScholarNet author (nickname)
and the year of first publication. The key is ``<author's last name><year><first word of the
title>`` folded to ASCII letters and digits, then ``-<id>``, so two articles never share one
and an article keeps its key while its title's first word and its author stay the same.

BibTeX is written by hand: every field value is braced, and outside ``$…$`` math the ten
characters BibTeX or LaTeX give a meaning (``\\ { } $ & % # _ ~ ^``) are escaped. Math whose
braces balance is kept as it is (it is LaTeX already); unbalanced math is escaped as text, so no
title can close a field early or open an unterminated group.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from typing import Any

from apps.articles.models import PublishedArticle
from apps.users.selectors import user_public_profile_fields
from scholarnet.api.renderers import dumps as json_dumps

FORMATS = {
    # format: (Content-Type, file extension)
    "bibtex": ("application/x-bibtex; charset=utf-8", "bib"),
    "ris": ("application/x-research-info-systems; charset=utf-8", "ris"),
    "csl-json": ("application/vnd.citationstyles.csl+json", "json"),
}
SITE_NAME = "ScholarNet"
_STOP_WORDS = frozenset({"a", "an", "the", "on", "of", "in", "for", "and", "to", "with", "at"})
_LATEX_SPECIALS = {
    "\\": r"\textbackslash{}",
    "{": r"\{",
    "}": r"\}",
    "$": r"\$",
    "&": r"\&",
    "%": r"\%",
    "#": r"\#",
    "_": r"\_",
    "~": r"\textasciitilde{}",
    "^": r"\textasciicircum{}",
}
_SPECIAL = re.compile(r"[\\{}$&%#_~^]")
_MATH = re.compile(r"(?<!\\)\$([^$]+)(?<!\\)\$")
_WHITESPACE = re.compile(r"\s+")


def permalink_path(article_id: int) -> str:
    """The article's permanent address on the site, the one a citation names: the web's short
    link, which redirects to the page (its slug may change with the title; this never does)."""
    return f"/a/{article_id}/"


@dataclass(frozen=True, slots=True)
class CitationData:
    id: int
    title: str
    authors: list[dict[str, str]]  # {"family", "given"}; "literal" for a nickname
    year: int
    venue: str
    doi: str
    url: str
    abstract: str

    @property
    def key(self) -> str:
        return citation_key(self)


def citation_data(*, article_id: int, url: str) -> CitationData:
    """The live copy of a readable article as citation data (check visibility before)."""
    live = PublishedArticle.objects.only(
        "id", "author_id", "title", "abstract", "doi", "source_meta", "published_at"
    ).get(pk=article_id)
    meta: dict[str, Any] = live.source_meta or {}
    authors = [
        {"family": str(person.get("family", "")), "given": str(person.get("given", ""))}
        for person in meta.get("authors") or []
        if isinstance(person, dict)
    ]
    if not authors:
        profile = user_public_profile_fields(user_id=live.author_id) or {}
        authors = [{"literal": str(profile.get("nickname") or f"user {live.author_id}")}]
    meta_year = meta.get("year")
    year = meta_year if isinstance(meta_year, int) else live.published_at.year
    return CitationData(
        id=live.pk,
        title=live.title,
        authors=authors,
        year=year,
        venue=str(meta.get("venue") or ""),
        doi=live.doi,
        url=url,
        abstract=live.abstract,
    )


def _ascii_word(text: str) -> str:
    folded = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode("ascii")
    return re.sub(r"[^a-z0-9]", "", folded.lower())


def citation_key(data: CitationData) -> str:
    first = data.authors[0] if data.authors else {}
    name = first.get("family") or first.get("literal") or ""
    last_name = _ascii_word(name.split()[-1] if name.split() else "") or "anon"
    words = [_ascii_word(word) for word in _MATH.sub(" ", data.title).split()]
    words = [word for word in words if word]
    first_word = next(
        (word for word in words if word not in _STOP_WORDS), words[0] if words else ""
    )
    return f"{last_name}{data.year}{first_word}-{data.id}"


# --- BibTeX -----------------------------------------------------------------------------------


def _escape_text(text: str) -> str:
    return _SPECIAL.sub(lambda match: _LATEX_SPECIALS[match.group()], text)


def bibtex_escape(text: str) -> str:
    """``text`` as LaTeX text: the special characters escaped, whitespace on one line."""
    return _escape_text(_WHITESPACE.sub(" ", text).strip())


def _balanced(text: str) -> bool:
    depth, escaped = 0, False
    for char in text:
        if escaped:
            escaped = False
            continue
        if char == "\\":
            escaped = True
        elif char == "{":
            depth += 1
        elif char == "}":
            depth -= 1
            if depth < 0:
                return False
    return depth == 0 and not escaped


def bibtex_title(title: str) -> str:
    """A title for BibTeX: text escaped, balanced ``$…$`` math kept as LaTeX."""
    title = _WHITESPACE.sub(" ", title).strip()
    parts, position = [], 0
    for match in _MATH.finditer(title):
        parts.append(_escape_text(title[position : match.start()]))
        # A trailing backslash would escape the closing "$" or the field's brace: such math, or
        # math whose braces do not balance, is escaped as text.
        math = match.group(1)
        parts.append(match.group() if _balanced(math) else _escape_text(match.group()))
        position = match.end()
    parts.append(_escape_text(title[position:]))
    return "".join(parts)


def _bibtex_name(person: dict[str, str]) -> str:
    if "literal" in person:
        return "{" + bibtex_escape(person["literal"]) + "}"  # a nickname is one unit
    family, given = bibtex_escape(person.get("family", "")), bibtex_escape(person.get("given", ""))
    return f"{family}, {given}" if given else family


def to_bibtex(data: CitationData) -> str:
    fields = [("title", "{" + bibtex_title(data.title) + "}")]
    fields.append(("author", " and ".join(_bibtex_name(person) for person in data.authors)))
    fields.append(("year", str(data.year)))
    if data.venue:
        fields.append(("journal", bibtex_escape(data.venue)))
    else:
        fields.append(("howpublished", SITE_NAME))
    if data.doi:
        fields.append(("doi", bibtex_escape(data.doi)))
    fields.append(("url", data.url.replace("\\", "").replace("{", "%7B").replace("}", "%7D")))
    entry_type = "article" if data.venue else "misc"
    body = ",\n".join(f"  {name} = {{{value}}}" for name, value in fields)
    return f"@{entry_type}{{{data.key},\n{body}\n}}\n"


# --- RIS -----------------------------------------------------------------------------------------


def _ris_value(text: str) -> str:
    return _WHITESPACE.sub(" ", text).strip()


def to_ris(data: CitationData) -> str:
    lines = [("TY", "JOUR" if data.venue else "GEN"), ("ID", data.key)]
    lines.append(("TI", _ris_value(data.title)))
    for person in data.authors:
        if "literal" in person:
            lines.append(("AU", _ris_value(person["literal"])))
        else:
            name = ", ".join(p for p in (person.get("family"), person.get("given")) if p)
            lines.append(("AU", _ris_value(name)))
    lines.append(("PY", str(data.year)))
    lines.append(("JO" if data.venue else "PB", _ris_value(data.venue or SITE_NAME)))
    if data.doi:
        lines.append(("DO", data.doi))
    lines.append(("UR", data.url))
    if data.abstract:
        lines.append(("AB", _ris_value(data.abstract)))
    lines.append(("ER", ""))
    # RIS: "XX  - value" per line, CRLF line ends, the record closed by "ER  - ".
    return "".join(f"{tag}  - {value}\r\n" for tag, value in lines)


# --- CSL-JSON ----------------------------------------------------------------------------------


def to_csl_json(data: CitationData) -> bytes:
    item: dict[str, Any] = {
        "id": data.key,
        "type": "article-journal" if data.venue else "article",
        "title": data.title,
        "author": data.authors,
        "issued": {"date-parts": [[data.year]]},
        "URL": data.url,
    }
    if data.venue:
        item["container-title"] = data.venue
    else:
        item["publisher"] = SITE_NAME
    if data.doi:
        item["DOI"] = data.doi
    if data.abstract:
        item["abstract"] = data.abstract
    return json_dumps([item])


def citation_render(data: CitationData, fmt: str) -> bytes:
    if fmt == "bibtex":
        return to_bibtex(data).encode("utf-8")
    if fmt == "ris":
        return to_ris(data).encode("utf-8")
    return to_csl_json(data)
