"""DOIs: the one normal form articles store, and its check.

A DOI is ``10.<registrant>/<suffix>``: a registrant code of four to nine digits (dot-separated
sub-codes allowed), then any printable suffix. DOIs are case-insensitive (ASCII), so the stored
form is lower case, without a resolver prefix (``https://doi.org/``, ``doi:``), which makes the
unique index compare what the DOI system treats as one.
"""

from __future__ import annotations

import re

from apps.articles.errors import DoiInvalid
from apps.articles.models import DOI_MAX_LENGTH

_PREFIXES = ("https://doi.org/", "http://doi.org/", "https://dx.doi.org/", "http://dx.doi.org/")
_DOI = re.compile(r"10\.[0-9]{4,9}(?:\.[0-9]+)*/[!-~]+")


def doi_normalise(raw: str) -> str:
    """The stored form of ``raw``, or :class:`DoiInvalid` (400 ``doi_invalid``).

    Only printable ASCII in the suffix: that is what registries hand out, and it keeps a DOI
    safe in a URL path, a BibTeX field and an RIS line alike.
    """
    doi = raw.strip()
    lowered = doi.lower()
    for prefix in _PREFIXES:
        if lowered.startswith(prefix):
            doi = doi[len(prefix) :]
            break
    else:
        if lowered.startswith("doi:"):
            doi = doi[4:].strip()
    doi = doi.lower()
    if len(doi) > DOI_MAX_LENGTH or not _DOI.fullmatch(doi):
        raise DoiInvalid(fields={"doi": [DoiInvalid.default_detail]})
    return doi
