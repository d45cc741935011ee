"""Crossref metadata of a DOI, for ``POST /articles/doi-import``, through ``habanero``.

``habanero`` speaks to the REST API (``ARTICLE_CROSSREF_BASE_URL``) with ``httpx2``; this module
turns its outcomes into the two errors clients see (404 ``doi_not_found``, 503
``doi_registry_unavailable``) and the record into plain, bounded fields. Crossref's abstracts are
JATS XML fragments (``<jats:p>``, ``<jats:italic>`` …): they are reduced to plain text with
``nh3`` (a real HTML parser, not a regex), so no markup from the registry reaches a page.
"""

from __future__ import annotations

import html
import logging
import re
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import quote

import httpx2
import nh3
from django.conf import settings
from habanero import Crossref
from habanero.exceptions import RequestError

from apps.articles.errors import DoiNotFound, DoiRegistryUnavailable
from apps.articles.models import ABSTRACT_MAX_LENGTH, TITLE_MAX_LENGTH

logger = logging.getLogger(__name__)

# Paragraph and section ends become blank lines before the tags go; titles ("Abstract") go whole.
_BLOCK_END = re.compile(r"</(?:jats:)?(?:p|sec|list-item)\s*>", re.IGNORECASE)
_DROPPED = {"script", "style", "jats:title", "title"}
_SPACES = re.compile(r"[ \t\r\f\v]+")
_BLANK_LINES = re.compile(r"\s*\n\s*")
MAX_AUTHORS = 100
VENUE_MAX_LENGTH = 255


@dataclass(frozen=True, slots=True)
class CrossrefWork:
    title: str
    abstract: str
    authors: list[dict[str, str]] = field(default_factory=list)
    year: int | None = None
    venue: str = ""


def jats_text(fragment: str) -> str:
    """The plain text of a JATS (or HTML) fragment: paragraphs kept as blank-line breaks."""
    marked = _BLOCK_END.sub("\n\n", fragment)
    cleaned = html.unescape(nh3.clean(marked, tags=set(), clean_content_tags=_DROPPED))
    paragraphs = [_SPACES.sub(" ", part).strip() for part in _BLANK_LINES.split(cleaned)]
    return "\n\n".join(part for part in paragraphs if part)


def _one_line(value: str) -> str:
    return " ".join(jats_text(value).split())


def _first(values: Any) -> str:
    if isinstance(values, list) and values and isinstance(values[0], str):
        return values[0]
    return values if isinstance(values, str) else ""


def _year(message: dict[str, Any]) -> int | None:
    for key in ("published-print", "published-online", "published", "issued", "created"):
        parts = (message.get(key) or {}).get("date-parts") or [[None]]
        year = parts[0][0] if parts and parts[0] else None
        if isinstance(year, int) and 0 < year < 10000:
            return year
    return None


def _authors(message: dict[str, Any]) -> list[dict[str, str]]:
    authors = []
    for person in (message.get("author") or [])[:MAX_AUTHORS]:
        if not isinstance(person, dict):
            continue
        family = _one_line(str(person.get("family") or person.get("name") or ""))[:100]
        given = _one_line(str(person.get("given") or ""))[:100]
        if family or given:
            authors.append({"family": family, "given": given})
    return authors


def work_from_message(message: dict[str, Any]) -> CrossrefWork:
    """A Crossref ``message`` (one work) as the fields an imported draft needs."""
    title = _one_line(_first(message.get("title")))[:TITLE_MAX_LENGTH].strip()
    return CrossrefWork(
        title=title or "Untitled",
        abstract=jats_text(str(message.get("abstract") or ""))[:ABSTRACT_MAX_LENGTH].strip(),
        authors=_authors(message),
        year=_year(message),
        venue=_one_line(_first(message.get("container-title")))[:VENUE_MAX_LENGTH],
    )


def crossref_work(doi: str) -> CrossrefWork:
    """The Crossref record of ``doi`` (normalised), or 404 ``doi_not_found`` / 503."""
    client = Crossref(
        base_url=settings.ARTICLE_CROSSREF_BASE_URL.rstrip("/"),
        mailto=settings.ARTICLE_CROSSREF_MAILTO or None,
        timeout=settings.ARTICLE_CROSSREF_TIMEOUT,  # type: ignore[arg-type]
    )
    try:
        # Percent-encoded: a suffix may hold "?", "#" or "%", which would end or alter the path.
        body = client.works(ids=quote(doi, safe="/"))
    except httpx2.HTTPStatusError as error:
        if error.response.status_code == 404:
            raise DoiNotFound() from error
        logger.warning("crossref answered %s", error.response.status_code)
        raise DoiRegistryUnavailable() from error
    # Transport errors and timeouts; a body that is not JSON (RequestError, KeyError, ValueError).
    except (httpx2.HTTPError, RequestError, KeyError, ValueError) as error:
        logger.warning("crossref unreachable: %s", type(error).__name__)
        raise DoiRegistryUnavailable() from error
    message = body.get("message") if isinstance(body, dict) else None
    if not isinstance(message, dict):
        raise DoiRegistryUnavailable()
    return work_from_message(message)
