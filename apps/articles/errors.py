"""Errors of articles, each with the stable ``code`` clients switch on."""

from __future__ import annotations

from scholarnet.api.errors import (
    ApplicationError,
    Conflict,
    NotFound,
    PayloadTooLarge,
    ServiceUnavailable,
    ValidationFailed,
)


class ArticleNotFound(NotFound):
    # Also the answer for someone else's draft: 404, not 403, so ids cannot be probed.
    code = "not_found"
    default_detail = "Article not found."


class ContentTooLarge(PayloadTooLarge):
    code = "content_too_large"
    default_detail = "The article content is larger than the limit."


class ArticleNotPublished(Conflict):
    code = "article_not_published"
    default_detail = "The article has never been published."


class DoiInvalid(ValidationFailed):
    code = "doi_invalid"
    default_detail = "Not a DOI: a DOI looks like 10.1234/some-suffix."


class DoiTaken(ValidationFailed):
    code = "doi_taken"
    default_detail = "Another article already carries this DOI."


class DoiAlreadyImported(Conflict):
    code = "doi_already_imported"
    default_detail = "An article with this DOI exists already."


class DoiNotFound(NotFound):
    code = "doi_not_found"
    default_detail = "The DOI registry does not know this DOI."


class DoiRegistryUnavailable(ServiceUnavailable):
    code = "doi_registry_unavailable"
    default_detail = "The DOI registry could not be reached; try again later."


class CitationFormatInvalid(ValidationFailed):
    code = "citation_format_invalid"
    default_detail = "Unknown citation format; use bibtex, ris or csl-json."


class RevisionNotFound(NotFound):
    code = "revision_not_found"
    default_detail = "The article has no such revision."


class RevisionDiffTooLarge(ApplicationError):
    status_code = 400
    code = "revision_diff_too_large"
    default_detail = "The revisions are too large to compare here."
