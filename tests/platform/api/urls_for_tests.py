"""Throwaway views that raise each kind of error, and a list to paginate, for the kernel tests.

The project's URLs are included too, and the error handlers are the project's, so a test using
this URLConf sees the same 404/500 behaviour as the real site.
"""

from __future__ import annotations

from django.contrib.auth.models import Group
from django.core.exceptions import (
    DisallowedHost,
    RequestDataTooBig,
    SuspiciousOperation,
    TooManyFieldsSent,
    TooManyFilesSent,
)
from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.urls import include, path
from django.views.decorators.http import require_GET
from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.authentication import BaseAuthentication
from rest_framework.exceptions import Throttled
from rest_framework.generics import ListAPIView
from rest_framework.permissions import IsAuthenticated
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.throttling import BaseThrottle
from rest_framework.views import APIView
from rest_framework.viewsets import ViewSet

from scholarnet.api.errors import ApplicationError, RateLimited, ValidationFailed
from scholarnet.api.pagination import CursorPagination
from scholarnet.api.schema import error_responses


class ArticleLocked(ApplicationError):
    status_code = 423
    code = "article_locked"
    default_detail = "The article is locked."


class ApplicationErrorView(APIView):
    def get(self, request: Request) -> Response:
        raise ArticleLocked(extra={"article_id": 5})


class RateLimitedView(APIView):
    def get(self, request: Request) -> Response:
        raise RateLimited(retry_after=42)


class NoteInputSerializer(serializers.Serializer):
    title = serializers.CharField(max_length=5)
    count = serializers.IntegerField()


class NoteOutputSerializer(serializers.Serializer):
    title = serializers.CharField()
    count = serializers.IntegerField()


class ValidationView(APIView):
    authentication_classes = ()  # the schema tests count exactly the codes named here

    @extend_schema(
        request=NoteInputSerializer,
        responses={201: NoteOutputSerializer, **error_responses(ValidationFailed, ArticleLocked)},
    )
    def post(self, request: Request) -> Response:
        serializer = NoteInputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        return Response(serializer.validated_data, status=201)


class BearerAuthentication(BaseAuthentication):
    """Authenticates nobody but names a scheme, as token authentication does."""

    def authenticate(self, request: Request) -> None:
        return None

    def authenticate_header(self, request: Request) -> str:
        return 'Bearer realm="api"'


class AuthRequiredView(APIView):
    authentication_classes = [BearerAuthentication]
    permission_classes = [IsAuthenticated]

    def get(self, request: Request) -> Response:
        return Response({"secret": 1})


class ThrottledView(APIView):
    def get(self, request: Request) -> Response:
        raise Throttled(wait=2.2)


class AlwaysThrottle(BaseThrottle):
    def allow_request(self, request: Request, view: APIView) -> bool:
        return False

    def wait(self) -> float:
        return 7


class ThrottleClassView(APIView):
    throttle_classes = [AlwaysThrottle]

    def get(self, request: Request) -> Response:
        return Response({})


class BoomView(APIView):
    def get(self, request: Request) -> Response:
        raise RuntimeError("secret internals: password=hunter2")


def plain_boom(request: HttpRequest) -> HttpResponse:
    raise RuntimeError("secret internals: password=hunter2")


class GetOnlyView(APIView):
    def get(self, request: Request) -> Response:
        return Response({"ok": True})


class MissingView(APIView):
    def get(self, request: Request) -> Response:
        raise Http404("no article 9 for user 3")


class DjangoErrorsView(APIView):
    def get(self, request: Request) -> Response:
        if request.query_params.get("kind") == "permission":
            raise DjangoPermissionDenied("internal reason")
        raise DjangoValidationError({"doi": ["Enter a valid DOI."]})


SUSPICIOUS = {
    "fields": TooManyFieldsSent,
    "files": TooManyFilesSent,
    "body": RequestDataTooBig,
    "host": DisallowedHost,
    "other": SuspiciousOperation,
}


class SuspiciousView(APIView):
    """Raises what Django raises while reading a request that is too big or forged."""

    def get(self, request: Request) -> Response:
        raise SUSPICIOUS[request.query_params["kind"]]("internal reason")


@require_GET
def plain_get_only(request: HttpRequest) -> HttpResponse:
    return HttpResponse("ok")


def plain_suspicious(request: HttpRequest) -> HttpResponse:
    raise SUSPICIOUS[request.GET["kind"]]("internal reason")


class TagInputSerializer(serializers.Serializer):
    name = serializers.CharField(max_length=3)


class NestedInputSerializer(serializers.Serializer):
    tags = serializers.ListField(child=serializers.CharField(max_length=3))
    owner = TagInputSerializer()
    items = TagInputSerializer(many=True)


class NestedView(APIView):
    def post(self, request: Request) -> Response:
        NestedInputSerializer(data=request.data).is_valid(raise_exception=True)
        return Response(status=204)


class GroupOutputSerializer(serializers.ModelSerializer):
    class Meta:
        model = Group
        fields = ["id", "name"]


class GroupPageOutputSerializer(serializers.Serializer):
    results = GroupOutputSerializer(many=True)
    next = serializers.CharField(allow_null=True)


class GroupPageViewSet(ViewSet):
    """A list action that builds its page itself and documents it with a page serializer."""

    @extend_schema(responses={200: GroupPageOutputSerializer})
    def list(self, request: Request) -> Response:
        return Response({"results": [], "next": None})


class GroupListView(ListAPIView):
    queryset = Group.objects.all()
    serializer_class = GroupOutputSerializer
    pagination_class = CursorPagination


urlpatterns = [
    path("t/application-error", ApplicationErrorView.as_view()),
    path("t/rate-limited", RateLimitedView.as_view()),
    path("t/validation", ValidationView.as_view()),
    path("t/auth-required", AuthRequiredView.as_view()),
    path("t/throttled", ThrottledView.as_view()),
    path("t/throttle-class", ThrottleClassView.as_view()),
    path("t/boom", BoomView.as_view()),
    path("t/plain-boom", plain_boom),
    path("t/get-only", GetOnlyView.as_view()),
    path("t/missing", MissingView.as_view()),
    path("t/django-errors", DjangoErrorsView.as_view()),
    path("t/groups", GroupListView.as_view()),
    path("t/group-pages", GroupPageViewSet.as_view({"get": "list"})),
    path("t/suspicious", SuspiciousView.as_view()),
    path("t/plain-suspicious", plain_suspicious),
    path("t/nested", NestedView.as_view()),
    path("api/t/plain-boom", plain_boom),
    path("api/t/plain-suspicious", plain_suspicious),
    path("api/t/plain-get-only", plain_get_only),
    path("", include("config.urls")),
]

handler400 = "scholarnet.api.views.bad_request"
handler403 = "scholarnet.api.views.permission_denied"
handler404 = "scholarnet.api.views.page_not_found"
handler500 = "scholarnet.api.views.server_error"
