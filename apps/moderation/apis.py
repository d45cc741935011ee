"""The moderation API (v1): readers file reports; moderators work in the admin.

Filing is rate limited per user (scope ``report``, 429 ``rate_limited`` with Retry-After).
"""

from __future__ import annotations

from typing import Any

from drf_spectacular.utils import extend_schema
from rest_framework import status, viewsets
from rest_framework.permissions import IsAuthenticated
from rest_framework.request import Request
from rest_framework.response import Response

from apps.moderation import services
from apps.moderation.errors import AlreadyReported, CannotReportOwn, ReportTargetNotFound
from apps.moderation.rates import REPORT
from apps.moderation.serializers import ReportCreateInputSerializer, ReportOutputSerializer
from scholarnet.api.errors import NotAuthenticated, RateLimited, ValidationFailed
from scholarnet.api.schema import error_responses
from scholarnet.ratelimit.throttles import RedisRateThrottle


class ReportThrottle(RedisRateThrottle):
    scope = REPORT


@extend_schema(tags=["moderation"])
class ReportViewSet(viewsets.ViewSet):
    permission_classes = [IsAuthenticated]

    def get_throttles(self) -> list[Any]:
        return [ReportThrottle()]

    @extend_schema(
        operation_id="reports_create",
        summary="Report an article, a comment or a user to the moderators",
        description="`reason`: spam, harassment, plagiarism, misinformation, inappropriate or "
        "other; `note` up to 2,000 characters. 400 `invalid` (a field, listed under "
        "`extra.fields`); 400 `cannot_report_own`; 404 `report_target_not_found` (no such "
        "target, or one the reporter cannot see: a private article, a comment on one, a closed "
        "account); 409 `already_reported` while the reporter's earlier report on the same "
        "target is open (`extra.report_id` names it); 429 `rate_limited`.",
        request=ReportCreateInputSerializer,
        responses={
            201: ReportOutputSerializer,
            **error_responses(
                ValidationFailed,
                CannotReportOwn,
                NotAuthenticated,
                ReportTargetNotFound,
                AlreadyReported,
                RateLimited,
            ),
        },
    )
    def create(self, request: Request) -> Response:
        serializer = ReportCreateInputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        report = services.report_create(reporter=request.user, **serializer.validated_data)
        return Response(ReportOutputSerializer(report).data, status=status.HTTP_201_CREATED)
