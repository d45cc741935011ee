"""The academic pages: citations, revisions, PDF attachments, typed reviews, and the DOI
import of the writing pages (account security is :mod:`apps.web.views.academic_security`).

Every write goes through the service the API's action calls (``apps.articles``,
``apps.attachments``, ``apps.comments``) after the
API's own input serializer, and every read through the selector that scopes it as the API
does: another reader's draft, its revisions and attachments are a 404 here as there. Errors are
shown on the form with the error's HTTP status, and a refused write changes nothing.

The article page calls :func:`article_academic_context` (what every reader sees; it depends on
the article alone, so an anonymous page can be cached per article) and
:func:`article_viewer_context` (the signed-in viewer's review form) with one line each.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.cache import add_never_cache_headers
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from apps.articles import citations, revisions
from apps.articles import selectors as article_selectors
from apps.articles import services as article_services
from apps.articles.errors import ArticleNotFound, RevisionNotFound
from apps.articles.rates import DOI_IMPORT
from apps.articles.selectors import article_get_for_reader, article_readable_author_id
from apps.articles.serializers import (
    ArticleDoiImportInputSerializer,
    ArticleRevisionDiffInputSerializer,
)
from apps.attachments import selectors as attachment_selectors
from apps.attachments import services as attachment_services
from apps.attachments.disposition import content_disposition
from apps.attachments.errors import AttachmentMissing, AttachmentNotFound, AttachmentTooLarge
from apps.comments import selectors as comment_selectors
from apps.comments import services as comment_services
from apps.comments.kinds import user_edits, user_moderates
from apps.comments.models import CommentKind
from apps.comments.rates import COMMENT
from apps.comments.serializers import CommentCreateInputSerializer
from apps.web.math import math_to_mathml
from apps.web.views.account import SeeOther, _error_text, _errors
from apps.web.views.library import _throttle as _user_throttle
from apps.web.views.writing import _editor
from scholarnet.api.errors import ApplicationError

LOGIN_URL = "/login/"
REVIEWS_ON_ARTICLE = 10
REVIEWS_PAGE = 50
REVISIONS_PAGE = 50
# The kinds the review form offers, in its order; comments are posted in the thread.
REVIEW_FORM_KINDS = (CommentKind.REVIEW, CommentKind.QUESTION, CommentKind.META_REVIEW)
KIND_LABELS = {
    CommentKind.REVIEW: "Review",
    CommentKind.REBUTTAL: "Rebuttal",
    CommentKind.QUESTION: "Question",
    CommentKind.META_REVIEW: "Meta review",
}


def _never_cached(response: HttpResponse) -> HttpResponse:
    add_never_cache_headers(response)
    return response


def _error_status(error: ApplicationError) -> tuple[list[str], int]:
    return [_error_text(error)], error.status_code


# --- the article page's academic parts -------------------------------------------------------


def _citation_texts(data: citations.CitationData) -> dict[str, str]:
    return {
        "key": data.key,
        "bibtex": citations.citation_render(data, "bibtex").decode(),
        "ris": citations.citation_render(data, "ris").decode(),
        "csl_json": citations.citation_render(data, "csl-json").decode(),
    }


def _questions_and_meta_reviews(article_id: int) -> list[dict[str, Any]]:
    """The newest root questions and meta reviews (the ``(article_id, kind, -id)`` index)."""
    rows = comment_selectors.comment_root_list(article_id=article_id).filter(
        kind__in=(CommentKind.QUESTION, CommentKind.META_REVIEW)
    )
    return comment_selectors.comments_represent(list(rows.order_by("-id")[:REVIEWS_ON_ARTICLE]))


def _reviews(article_id: int, *, limit: int, before: int | None = None) -> list[dict[str, Any]]:
    rows = comment_selectors.review_list(article_id=article_id).order_by("-id")
    if before is not None:
        rows = rows.filter(pk__lt=before)
    return comment_selectors.review_page_represent(list(rows[:limit]))


def article_academic_context(
    request: HttpRequest, article: dict[str, Any], *, citation_url: str
) -> dict[str, Any]:
    """What every reader of the article page sees: citations, attachments, reviews.

    Depends on the article alone (the viewer only decides whether the page is shown at all).
    ``citation_url`` is the article's absolute permalink the citations name (the cached
    anonymous page passes its hole for it, which each request fills with its own host).
    """
    article_id = int(article["id"])
    data = citations.citation_data(article_id=article_id, url=citation_url)
    attachments = attachment_selectors.attachment_list(article_id=article_id, user=request.user)
    # The page shows the review thread only when the article is public (as its comments).
    reviews = _reviews(article_id, limit=REVIEWS_ON_ARTICLE)
    discussion = _questions_and_meta_reviews(article_id)
    return {
        "citation": _citation_texts(data),
        "attachments": [attachment_selectors.attachment_represent(row) for row in attachments],
        "reviews": reviews,
        "questions_and_meta_reviews": discussion,
        "kind_labels": KIND_LABELS,
    }


def _review_kinds(user: Any, *, article_id: int, author_id: int) -> list[tuple[str, str]]:
    """The kinds of root post the review form offers ``user`` (apps.comments.kinds decides)."""
    kinds = []
    for kind in REVIEW_FORM_KINDS:
        if kind == CommentKind.REVIEW and user.pk == author_id:
            continue
        if kind == CommentKind.META_REVIEW and not (
            user_moderates(user) or user_edits(user=user, article_id=article_id)
        ):
            continue
        kinds.append((str(kind), KIND_LABELS[kind]))
    return kinds


def article_viewer_context(request: HttpRequest, article: dict[str, Any]) -> dict[str, Any]:
    """The signed-in viewer's controls: which review kinds they may post, rebuttals for the
    author. Nothing for an anonymous reader, whose page stays the same for everyone."""
    user = request.user
    if not user.is_authenticated:
        return {}
    author_id = int(article["author"]["id"])
    return {
        "review_kinds": _review_kinds(user, article_id=int(article["id"]), author_id=author_id),
        "may_rebut": user.pk == author_id,
    }


# --- citations, revisions ---------------------------------------------------------------------


def _readable(request: HttpRequest, article_id: int) -> None:
    try:
        article_readable_author_id(article_id=article_id, user=request.user)
    except ArticleNotFound:
        raise Http404("No such article.") from None


@require_GET
def cite_view(request: HttpRequest, article_id: int) -> HttpResponse:
    """The citation as a file to save, exactly as ``GET /api/v1/articles/{id}/cite`` answers it:
    the same formats, headers and URL (the article's permalink, as "Cite this" shows)."""
    fmt = request.GET.get("format", "bibtex")
    if fmt not in citations.FORMATS:
        return HttpResponse(
            "Unknown citation format; use bibtex, ris or csl-json.",
            status=400,
            content_type="text/plain; charset=utf-8",
        )
    try:
        article_get_for_reader(article_id=article_id, user=request.user)  # visible as the page
    except ArticleNotFound:
        raise Http404("No such article.") from None
    url = request.build_absolute_uri(citations.permalink_path(article_id))
    data = citations.citation_data(article_id=article_id, url=url)
    content_type, extension = citations.FORMATS[fmt]
    response = HttpResponse(citations.citation_render(data, fmt), content_type=content_type)
    response["Content-Disposition"] = f'attachment; filename="{data.key}.{extension}"'
    response["X-Content-Type-Options"] = "nosniff"
    return response


def _revision_page(request: HttpRequest, template: str, context: dict[str, Any]) -> HttpResponse:
    return render(request, f"web/academic/{template}", context)


@require_GET
def revision_list_view(request: HttpRequest, article_id: int) -> HttpResponse:
    try:
        rows = revisions.article_revision_list(article_id=article_id, user=request.user)
    except ArticleNotFound:
        raise Http404("No such article.") from None
    before = request.GET.get("before", "")
    if before.isdigit() and len(before) < 10:
        rows = rows.filter(number__lt=int(before))
    page = list(rows[: REVISIONS_PAGE + 1])
    items = revisions.article_revision_items(page[:REVISIONS_PAGE])
    older = items[-1]["number"] if len(page) > REVISIONS_PAGE else None
    context = {"article_id": article_id, "revisions": items, "older": older}
    return _revision_page(request, "revisions.html", context)


@require_GET
def revision_view(request: HttpRequest, article_id: int, number: int) -> HttpResponse:
    try:
        revision = revisions.article_revision_get(
            article_id=article_id, number=number, user=request.user
        )
    except (ArticleNotFound, RevisionNotFound):
        raise Http404("No such revision.") from None
    body = math_to_mathml(revision["content_html"])
    context = {"article_id": article_id, "revision": revision, "body_html": body}
    return _revision_page(request, "revision.html", context)


@require_GET
def revision_diff_view(request: HttpRequest, article_id: int) -> HttpResponse:
    _readable(request, article_id)
    params = ArticleRevisionDiffInputSerializer(data=request.GET.dict())
    context: dict[str, Any] = {"article_id": article_id, "diff": None, "errors": []}
    if not params.is_valid():
        fields, general = _errors(params)
        context["errors"] = general + [f"{k}: {' '.join(v)}" for k, v in fields.items()]
        return render(request, "web/academic/revision_diff.html", context, status=400)
    try:
        context["diff"] = revisions.article_revision_diff(
            article_id=article_id,
            from_number=params.validated_data["from"],
            to_number=params.validated_data["to"],
            of=params.validated_data["of"],
            user=request.user,
        )
    except ArticleNotFound:
        raise Http404("No such article.") from None
    except ApplicationError as error:
        context["errors"], status = _error_status(error)
        return render(request, "web/academic/revision_diff.html", context, status=status)
    return _revision_page(request, "revision_diff.html", context)


# --- attachments ------------------------------------------------------------------------------

# Room for the multipart envelope around a file of the largest size (as the API allows).
MULTIPART_OVERHEAD = 64 * 1024


def _attachments_page(
    request: HttpRequest, article_id: int, *, status: int = 200, errors: list[str] | None = None
) -> HttpResponse:
    try:
        rows = attachment_selectors.attachment_list(article_id=article_id, user=request.user)
        article = article_selectors.article_draft_get(article_id=article_id, author=request.user)
    except ArticleNotFound:
        raise Http404("No such article.") from None
    context = {
        "article": article,
        "attachments": [attachment_selectors.attachment_represent(row) for row in rows],
        "errors": errors or [],
        "max_mib": int(settings.ATTACHMENTS_MAX_BYTES) // (1024 * 1024),
    }
    response = render(request, "web/academic/attachments.html", context, status=status)
    return _never_cached(response)


def _library_error(request: HttpRequest, error: ApplicationError) -> HttpResponse:
    return render(request, "web/library/error.html", {"error": error}, status=error.status_code)


def _upload(request: HttpRequest, article_id: int) -> None:
    length = int(request.META.get("CONTENT_LENGTH") or 0)
    if length > int(settings.ATTACHMENTS_MAX_BYTES) + MULTIPART_OVERHEAD:
        raise AttachmentTooLarge()  # before the body is read
    upload = request.FILES.get("file")
    if upload is None:
        raise AttachmentMissing()
    attachment_services.attachment_create(user=request.user, article_id=article_id, upload=upload)


@login_required(login_url=LOGIN_URL)
@require_http_methods(["GET", "POST"])
def attachments_view(request: HttpRequest, article_id: int) -> HttpResponse:
    """The author's attachments of an article: the list, upload (PDF only) and delete."""
    if request.method == "GET":
        return _attachments_page(request, article_id)
    try:
        _upload(request, article_id)
    except ArticleNotFound:
        raise Http404("No such article.") from None
    except ApplicationError as error:
        if error.status_code == 403:  # a reader of someone else's public article
            return _library_error(request, error)
        errors, status = _error_status(error)
        return _attachments_page(request, article_id, status=status, errors=errors)
    return SeeOther(f"/a/{article_id}/attachments")


@require_GET
def attachment_download_view(request: HttpRequest, attachment_id: int) -> Any:
    """As ``GET /api/v1/attachments/{id}``: as visible as its article, a file to save."""
    try:
        attachment = attachment_selectors.attachment_get_for_user(
            attachment_id=attachment_id, user=request.user
        )
    except AttachmentNotFound:
        raise Http404("No such attachment.") from None
    response = FileResponse(attachment.file.open("rb"), content_type="application/pdf")
    response["Content-Disposition"] = content_disposition(attachment.filename)
    response["Content-Length"] = str(attachment.size)
    response["X-Content-Type-Options"] = "nosniff"
    response["Content-Security-Policy"] = "default-src 'none'; sandbox"
    response["Cache-Control"] = "private, no-store"
    return response


@login_required(login_url=LOGIN_URL)
@require_POST
def attachment_delete_view(request: HttpRequest, attachment_id: int) -> HttpResponse:
    try:
        attachment = attachment_selectors.attachment_get_for_user(
            attachment_id=attachment_id, user=request.user
        )
        attachment_services.attachment_delete(user=request.user, attachment_id=attachment_id)
    except AttachmentNotFound:
        raise Http404("No such attachment.") from None
    except ApplicationError as error:
        return _library_error(request, error)
    return SeeOther(f"/a/{attachment.article_id}/attachments")


# --- typed reviews ----------------------------------------------------------------------------


def _review_input(request: HttpRequest) -> dict[str, Any]:
    """The form's fields as the API's body: an empty optional field is not sent."""
    names = ("content", "kind", "rating", "confidence", "parent_id")
    return {name: request.POST[name] for name in names if request.POST.get(name, "") != ""}


def _reviews_page(
    request: HttpRequest, article_id: int, *, status: int = 200, **context: Any
) -> HttpResponse:
    try:
        comment_selectors.article_comments_visible(article_id=article_id)
        article = article_get_for_reader(article_id=article_id, user=request.user)
    except ArticleNotFound:
        raise Http404("No such article.") from None
    before = request.GET.get("before", "")
    start = int(before) if before.isdigit() and len(before) < 19 else None
    reviews = _reviews(article_id, limit=REVIEWS_PAGE + 1, before=start)
    base = {
        "article": article,
        "reviews": reviews[:REVIEWS_PAGE],
        "questions_and_meta_reviews": _questions_and_meta_reviews(article_id),
        "older": reviews[REVIEWS_PAGE - 1]["id"] if len(reviews) > REVIEWS_PAGE else None,
        "kind_labels": KIND_LABELS,
        "errors": [],
        "field_errors": {},
        "form": {},
        **article_viewer_context(request, article),
    }
    response = render(request, "web/academic/reviews.html", base | context, status=status)
    return _never_cached(response)


def _review_create(request: HttpRequest, article_id: int) -> HttpResponse:
    form = _review_input(request)
    serializer = CommentCreateInputSerializer(data=form)
    if not serializer.is_valid():
        fields, general = _errors(serializer)
        return _reviews_page(
            request, article_id, status=400, field_errors=fields, errors=general, form=form
        )
    try:
        _user_throttle(request, COMMENT)
        comment = comment_services.comment_create(
            user=request.user, article_id=article_id, **serializer.validated_data
        )
    except ArticleNotFound:
        raise Http404("No such article.") from None
    except ApplicationError as error:
        errors, status = _error_status(error)
        return _reviews_page(request, article_id, status=status, errors=errors, form=form)
    if comment.kind in (CommentKind.REVIEW, CommentKind.REBUTTAL):
        anchor = f"review-{comment.root_id or comment.pk}"
    else:
        anchor = f"post-{comment.pk}"
    return SeeOther(f"/a/{article_id}/reviews#{anchor}")


@require_http_methods(["GET", "POST"])
def reviews_view(request: HttpRequest, article_id: int) -> HttpResponse:
    """The article's reviews with their rebuttals, newest first, and the form to post a
    review, question or meta review (or, for the author, a rebuttal), as the API allows."""
    if request.method == "GET":
        return _reviews_page(request, article_id)
    if not request.user.is_authenticated:
        return SeeOther(f"{LOGIN_URL}?next=/a/{article_id}/reviews")
    return _review_create(request, article_id)


# --- DOI import -------------------------------------------------------------------------------


@login_required(login_url=LOGIN_URL)
@require_POST
def doi_import_view(request: HttpRequest) -> HttpResponse:
    """A draft from the DOI's Crossref record (``POST /api/v1/articles/doi-import``)."""
    empty = {"title": "", "content": "", "abstract": "", "tags": [], "doi": ""}
    serializer = ArticleDoiImportInputSerializer(data=request.POST)
    if not serializer.is_valid():
        fields, general = _errors(serializer)
        messages = general + [message for values in fields.values() for message in values]
        return _editor(request, form=empty, status=400, errors=messages)
    try:
        _user_throttle(request, DOI_IMPORT)
        article = article_services.article_doi_import(
            author=request.user, doi=serializer.validated_data["doi"]
        )
    except ApplicationError as error:
        errors, status = _error_status(error)
        return _editor(request, form=empty, status=status, errors=errors)
    return SeeOther(f"/a/{article.pk}/edit/")
