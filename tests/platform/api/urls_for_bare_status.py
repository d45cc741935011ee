"""A view documented the former way, with a bare status: the schema generation warns."""

from __future__ import annotations

from django.urls import path
from drf_spectacular.utils import extend_schema
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from scholarnet.api.schema import error_responses


class BareStatusView(APIView):
    @extend_schema(responses={200: None, **error_responses(404)})
    def get(self, request: Request) -> Response:
        return Response()


urlpatterns = [path("t/bare", BareStatusView.as_view())]
