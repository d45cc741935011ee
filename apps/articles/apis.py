"""The articles API (v1): thin actions over services and selectors."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.http import HttpResponse
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import status, viewsets
from rest_framework.decorators import action
from rest_framework.negotiation import BaseContentNegotiation
from rest_framework.permissions import AllowAny, BasePermission, IsAuthenticated
from rest_framework.request import Request
from rest_framework.response import Response

from apps.articles import citations, revisions, selectors, services
from apps.articles.errors import (
    ArticleNotFound,
    ArticleNotPublished,
    CitationFormatInvalid,
    ContentTooLarge,
    DoiAlreadyImported,
    DoiInvalid,
    DoiNotFound,
    DoiRegistryUnavailable,
    DoiTaken,
    RevisionDiffTooLarge,
    RevisionNotFound,
)
from apps.articles.pagination import (
    ArticleAuthorPagination,
    ArticlePublicPagination,
    ArticleRevisionPagination,
)
from apps.articles.rates import DOI_IMPORT
from apps.articles.reads import article_read_emit
from apps.articles.serializers import (
    ArticleCreateInputSerializer,
    ArticleDetailOutputSerializer,
    ArticleDoiImportInputSerializer,
    ArticleDraftOutputSerializer,
    ArticleDraftUpdateInputSerializer,
    ArticleListFilterInputSerializer,
    ArticleListItemOutputSerializer,
    ArticleMineOutputSerializer,
    ArticleRevisionDiffInputSerializer,
    ArticleRevisionDiffOutputSerializer,
    ArticleRevisionListItemOutputSerializer,
    ArticleRevisionOutputSerializer,
)
from scholarnet.api.errors import RateLimited, ServiceUnavailable, ValidationFailed
from scholarnet.api.params import query_params_data
from scholarnet.api.renderers import OrjsonRenderer
from scholarnet.api.schema import error_responses
from scholarnet.ratelimit.throttles import RedisRateThrottle

ARTICLE_ID = OpenApiParameter("id", int, OpenApiParameter.PATH, description="Article id")
AUTHOR_ONLY = "Only the author; anyone else gets 404, as for an id that does not exist."
AS_DETAIL = "Visible exactly as the article (GET /articles/{id}): private or taken down is 404 "
AS_DETAIL += "for everyone but its author."
REVISION_NUMBER = OpenApiParameter(
    "number", int, OpenApiParameter.PATH, description="Revision number, from 1"
)
CITE_FORMAT = OpenApiParameter(
    "format",
    str,
    OpenApiParameter.QUERY,
    enum=list(citations.FORMATS),
    description="bibtex (default), ris or csl-json",
)


class DoiImportThrottle(RedisRateThrottle):
    scope = DOI_IMPORT


class _JsonOnlyNegotiation(BaseContentNegotiation):
    """JSON for errors whatever ``?format=`` says: on /cite it names the citation format."""

    def select_renderer(self, request: Any, renderers: Any, format_suffix: Any = None) -> Any:
        renderer = renderers[0]
        return renderer, renderer.media_type


def _validated(serializer_class: type, request: Request) -> dict[str, Any]:
    # Refused before parsing: the content limit is 1 MiB and nothing legitimate is this big.
    if int(request.META.get("CONTENT_LENGTH") or 0) > settings.DATA_UPLOAD_MAX_MEMORY_SIZE:
        raise ContentTooLarge("The request body is larger than the limit.")
    serializer = serializer_class(data=request.data)
    serializer.is_valid(raise_exception=True)
    return serializer.validated_data


def _draft_response(article: Any, *, status_code: int = 200) -> Response:
    body = ArticleDraftOutputSerializer(selectors.article_draft_represent(article=article)).data
    return Response(body, status=status_code)


def _public_page(view: Any, request: Request, rows: Any) -> Response:
    paginator = ArticlePublicPagination()
    page = paginator.paginate_queryset(rows, request, view=view) or []
    # The items are in the serializer's shape already (see retrieve); a test pins the bytes.
    return paginator.get_paginated_response(selectors.article_list_items(page, user=request.user))


@extend_schema(tags=["articles"])
class ArticleViewSet(viewsets.ViewSet):
    lookup_value_regex = r"[0-9]{1,18}"  # fits a BIGINT: longer ids cannot exist
    pagination_class = ArticlePublicPagination

    def get_permissions(self) -> list[BasePermission]:
        if self.action in (
            "list",
            "retrieve",
            "cite",
            "revisions_list",
            "revision",
            "revision_diff",
        ):
            return [AllowAny()]
        return [IsAuthenticated()]

    @extend_schema(
        operation_id="articles_create",
        summary="Create a draft",
        request=ArticleCreateInputSerializer,
        responses={
            201: ArticleDraftOutputSerializer,
            **error_responses(ValidationFailed, DoiInvalid, DoiTaken, ContentTooLarge),
        },
    )
    def create(self, request: Request) -> Response:
        data = _validated(ArticleCreateInputSerializer, request)
        article = services.article_create(author=request.user, **data)
        return _draft_response(article, status_code=status.HTTP_201_CREATED)

    @extend_schema(
        operation_id="articles_list",
        summary="Published articles, newest first",
        parameters=[ArticleListFilterInputSerializer],
        responses={
            200: ArticleListItemOutputSerializer(many=True),
            **error_responses(ValidationFailed, ServiceUnavailable),
        },
    )
    def list(self, request: Request) -> Response:
        if not request.query_params:
            page = selectors.article_public_first_page_get(
                page_size=ArticlePublicPagination.page_size, user=request.user
            )
            return Response(page)
        filters = ArticleListFilterInputSerializer(data=query_params_data(request))
        filters.is_valid(raise_exception=True)
        rows = selectors.article_public_list(
            author_id=filters.validated_data.get("author"), tag=filters.validated_data.get("tag")
        )
        return _public_page(self, request, rows)

    @extend_schema(
        operation_id="articles_retrieve",
        summary="A published article",
        description="A private or taken-down article is 404 for everyone but its author, who "
        "gets the live copy (what readers saw); the working copy is at /draft.",
        parameters=[ARTICLE_ID],
        responses={
            200: ArticleDetailOutputSerializer,
            **error_responses(ArticleNotFound, ServiceUnavailable),
        },
    )
    def retrieve(self, request: Request, pk: str) -> Response:
        # The selector returns the serializer's shape, in its field order, with JSON-ready values.
        # Building the serializer per request cost more than the cached read itself, so the
        # hottest endpoint renders the dict as it is (a test pins the bytes to the serializer's).
        body = selectors.article_get_for_reader(article_id=int(pk), user=request.user)
        article_read_emit(
            request=request,
            article_id=body["id"],
            author_id=body["author"]["id"],
            user=request.user,
        )
        return Response(body)

    @extend_schema(
        operation_id="articles_draft_retrieve",
        summary="The working copy",
        description=AUTHOR_ONLY,
        parameters=[ARTICLE_ID],
        responses={200: ArticleDraftOutputSerializer, **error_responses(ArticleNotFound)},
    )
    @action(detail=True, methods=["get"], url_path="draft")
    def draft(self, request: Request, pk: str) -> Response:
        return _draft_response(selectors.article_draft_get(article_id=int(pk), author=request.user))

    @extend_schema(
        operation_id="articles_draft_update",
        summary="Edit the working copy",
        description="A published article keeps its live copy until it is published again. "
        + AUTHOR_ONLY,
        parameters=[ARTICLE_ID],
        request=ArticleDraftUpdateInputSerializer,
        responses={
            200: ArticleDraftOutputSerializer,
            **error_responses(
                ValidationFailed, DoiInvalid, DoiTaken, ArticleNotFound, ContentTooLarge
            ),
        },
    )
    @draft.mapping.patch
    def draft_update(self, request: Request, pk: str) -> Response:
        data = _validated(ArticleDraftUpdateInputSerializer, request)
        article = services.article_draft_update(article_id=int(pk), author=request.user, data=data)
        return _draft_response(article)

    @extend_schema(
        operation_id="articles_draft_destroy",
        summary="Delete the article",
        description="Deletes both the working copy and the live copy. " + AUTHOR_ONLY,
        parameters=[ARTICLE_ID],
        responses={204: None, **error_responses(ArticleNotFound)},
    )
    @draft.mapping.delete
    def draft_destroy(self, request: Request, pk: str) -> Response:
        services.article_delete(article_id=int(pk), author=request.user)
        return Response(status=status.HTTP_204_NO_CONTENT)

    @extend_schema(
        operation_id="articles_publish",
        summary="Publish the working copy",
        description="Renders the Markdown and copies the working copy to the live store. "
        + AUTHOR_ONLY,
        parameters=[ARTICLE_ID],
        request=None,
        responses={
            200: ArticleDraftOutputSerializer,
            **error_responses(ValidationFailed, ArticleNotFound),
        },
    )
    @action(detail=True, methods=["post"], url_path="publish")
    def publish(self, request: Request, pk: str) -> Response:
        return _draft_response(services.article_publish(article_id=int(pk), author=request.user))

    @extend_schema(
        operation_id="articles_withdraw",
        summary="Make the article private",
        description="Gone for everyone but the author at once. A never-published article is "
        "409 article_not_published. " + AUTHOR_ONLY,
        parameters=[ARTICLE_ID],
        request=None,
        responses={
            200: ArticleDraftOutputSerializer,
            **error_responses(ArticleNotFound, ArticleNotPublished),
        },
    )
    @action(detail=True, methods=["post"], url_path="withdraw")
    def withdraw(self, request: Request, pk: str) -> Response:
        return _draft_response(services.article_withdraw(article_id=int(pk), author=request.user))

    # --- DOI import, citations, revisions ----------------------------------------------------

    @extend_schema(
        operation_id="articles_doi_import",
        summary="Create a draft from a DOI's Crossref record",
        description="Title, authors, abstract, year and venue from Crossref; the draft carries "
        "the DOI. 409 doi_already_imported when an article has it; 404 doi_not_found when "
        "Crossref does not know it; 503 doi_registry_unavailable when Crossref cannot be reached.",
        request=ArticleDoiImportInputSerializer,
        responses={
            201: ArticleDraftOutputSerializer,
            **error_responses(
                ValidationFailed,
                DoiInvalid,
                DoiNotFound,
                DoiAlreadyImported,
                DoiRegistryUnavailable,
                RateLimited,
            ),
        },
    )
    @action(
        detail=False, methods=["post"], url_path="doi-import", throttle_classes=[DoiImportThrottle]
    )
    def doi_import(self, request: Request) -> Response:
        data = _validated(ArticleDoiImportInputSerializer, request)
        article = services.article_doi_import(author=request.user, doi=data["doi"])
        return _draft_response(article, status_code=status.HTTP_201_CREATED)

    @extend_schema(
        operation_id="articles_cite",
        summary="Cite the article (BibTeX, RIS, CSL-JSON)",
        description="A download with a stable citation key (author, year, first title word, id) "
        "as its file name. " + AS_DETAIL,
        parameters=[ARTICLE_ID, CITE_FORMAT],
        responses={
            (200, "application/x-bibtex"): OpenApiTypes.STR,
            (200, "application/x-research-info-systems"): OpenApiTypes.STR,
            (200, "application/vnd.citationstyles.csl+json"): OpenApiTypes.OBJECT,
            **error_responses(CitationFormatInvalid, ArticleNotFound),
        },
    )
    @action(
        detail=True,
        methods=["get"],
        url_path="cite",
        renderer_classes=[OrjsonRenderer],
        content_negotiation_class=_JsonOnlyNegotiation,
    )
    def cite(self, request: Request, pk: str) -> HttpResponse:
        fmt = request.query_params.get("format", "bibtex")
        if fmt not in citations.FORMATS:
            raise CitationFormatInvalid(fields={"format": [CitationFormatInvalid.default_detail]})
        selectors.article_readable_author_id(article_id=int(pk), user=request.user)
        data = citations.citation_data(
            article_id=int(pk), url=request.build_absolute_uri(citations.permalink_path(int(pk)))
        )
        content_type, extension = citations.FORMATS[fmt]
        response = HttpResponse(citations.citation_render(data, fmt), content_type=content_type)
        # The key is ASCII letters, digits and "-": safe in the header as it is.
        response["Content-Disposition"] = f'attachment; filename="{data.key}.{extension}"'
        response["X-Content-Type-Options"] = "nosniff"
        return response

    @extend_schema(
        operation_id="articles_revisions_list",
        summary="The article's revisions, newest first",
        description="One per publication that changed what readers see. " + AS_DETAIL,
        parameters=[ARTICLE_ID],
        responses={
            200: ArticleRevisionListItemOutputSerializer(many=True),
            **error_responses(ArticleNotFound),
        },
    )
    @action(detail=True, methods=["get"], url_path="revisions")
    def revisions_list(self, request: Request, pk: str) -> Response:
        paginator = ArticleRevisionPagination()
        rows = revisions.article_revision_list(article_id=int(pk), user=request.user)
        page = paginator.paginate_queryset(rows, request, view=self) or []
        return paginator.get_paginated_response(revisions.article_revision_items(page))

    @extend_schema(
        operation_id="articles_revisions_retrieve",
        summary="One revision",
        description=AS_DETAIL,
        parameters=[ARTICLE_ID, REVISION_NUMBER],
        responses={
            200: ArticleRevisionOutputSerializer,
            **error_responses(ArticleNotFound, RevisionNotFound),
        },
    )
    @action(detail=True, methods=["get"], url_path=r"revisions/(?P<number>[0-9]{1,9})")
    def revision(self, request: Request, pk: str, number: str) -> Response:
        body = revisions.article_revision_get(
            article_id=int(pk), number=int(number), user=request.user
        )
        return Response(ArticleRevisionOutputSerializer(body).data)

    @extend_schema(
        operation_id="articles_revisions_diff",
        summary="The difference between two revisions",
        description="Unified diffs (difflib) of the title, tags and content from revision `from` "
        "to revision `to`; `of=text` compares the rendered text instead of the Markdown. "
        + AS_DETAIL,
        parameters=[ARTICLE_ID, ArticleRevisionDiffInputSerializer],
        responses={
            200: ArticleRevisionDiffOutputSerializer,
            **error_responses(
                ValidationFailed, ArticleNotFound, RevisionNotFound, RevisionDiffTooLarge
            ),
        },
    )
    @action(detail=True, methods=["get"], url_path="revisions/diff")
    def revision_diff(self, request: Request, pk: str) -> Response:
        params = ArticleRevisionDiffInputSerializer(data=query_params_data(request))
        params.is_valid(raise_exception=True)
        body = revisions.article_revision_diff(
            article_id=int(pk),
            from_number=params.validated_data["from"],
            to_number=params.validated_data["to"],
            of=params.validated_data["of"],
            user=request.user,
        )
        return Response(ArticleRevisionDiffOutputSerializer(body).data)


@extend_schema(tags=["articles"])
class MyArticleViewSet(viewsets.ViewSet):
    permission_classes = (IsAuthenticated,)
    pagination_class = ArticleAuthorPagination

    @extend_schema(
        operation_id="me_articles_list",
        summary="My articles, every status, newest first",
        responses={
            200: ArticleMineOutputSerializer(many=True),
            **error_responses(ServiceUnavailable),
        },
    )
    def list(self, request: Request) -> Response:
        paginator = ArticleAuthorPagination()
        if "cursor" not in request.query_params and "page_size" not in request.query_params:
            page = selectors.article_author_first_page_get(
                author=request.user, page_size=paginator.page_size
            )
            items = selectors.article_items_decorate(page["results"], user=request.user)
            data = ArticleMineOutputSerializer(items, many=True).data
            return Response({"results": data, "next": page["next"]})
        rows = paginator.paginate_queryset(
            selectors.article_author_list(author=request.user), request, view=self
        )
        items = selectors.article_items_decorate(
            selectors.article_author_items(rows or [], author=request.user), user=request.user
        )
        return paginator.get_paginated_response(
            list(ArticleMineOutputSerializer(items, many=True).data)
        )


@extend_schema(tags=["articles"])
class TagArticleViewSet(viewsets.ViewSet):
    permission_classes = (AllowAny,)
    pagination_class = ArticlePublicPagination

    @extend_schema(
        operation_id="tags_articles_list",
        summary="Published articles with a tag, newest first",
        description="The same list as GET /articles?tag={name}.",
        parameters=[
            OpenApiParameter("name", OpenApiTypes.STR, OpenApiParameter.PATH, description="Tag")
        ],
        responses={200: ArticleListItemOutputSerializer(many=True)},
    )
    def list(self, request: Request, name: str) -> Response:
        return _public_page(self, request, selectors.article_public_list(tag=name))
