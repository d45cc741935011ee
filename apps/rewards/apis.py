"""The rewards API (v1): tip an article's author, follow the tip, see an article's tips."""

from __future__ import annotations

from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import status, viewsets
from rest_framework.permissions import AllowAny, IsAuthenticated
from rest_framework.request import Request
from rest_framework.response import Response

from apps.articles.errors import ArticleNotFound
from apps.payments.errors import PaymentProviderError
from apps.rewards import selectors, services
from apps.rewards.errors import RewardNotFound, RewardOwnArticle
from apps.rewards.rates import REWARD_CREATE
from apps.rewards.serializers import (
    RewardCreateInputSerializer,
    RewardOutputSerializer,
    RewardSummaryOutputSerializer,
    reward_represent,
)
from scholarnet.api.errors import NotAuthenticated, RateLimited, ValidationFailed
from scholarnet.api.schema import error_responses
from scholarnet.ratelimit.throttles import RedisRateThrottle

ARTICLE_ID = OpenApiParameter("id", int, OpenApiParameter.PATH, description="Article id")
REWARD_ID = OpenApiParameter("id", int, OpenApiParameter.PATH, description="Reward id")


class RewardCreateThrottle(RedisRateThrottle):
    scope = REWARD_CREATE


def _user_id(request: Request) -> int:
    """The signed-in requester's id (the permission class has made sure there is one)."""
    return int(request.user.pk)  # type: ignore[arg-type]


@extend_schema(tags=["rewards"])
class ArticleRewardViewSet(viewsets.ViewSet):
    def get_permissions(self):  # type: ignore[no-untyped-def]
        return [AllowAny()] if self.action == "summary" else [IsAuthenticated()]

    def get_throttles(self):  # type: ignore[no-untyped-def]
        return [RewardCreateThrottle()] if self.action == "create" else []

    @extend_schema(
        operation_id="articles_rewards_create",
        summary="Tip the article's author through WeChat Pay Native",
        description="The same (article, amount) again within 30 minutes while unpaid returns the "
        "same order. 400 `invalid` (amount 1 to 50,000 fen), 400 `reward_own_article`, 404 "
        "`not_found` (not public), 429 `rate_limited`, 502 `payment_provider_error`.",
        parameters=[ARTICLE_ID],
        request=RewardCreateInputSerializer,
        responses={
            201: RewardOutputSerializer,
            **error_responses(
                ValidationFailed,
                RewardOwnArticle,
                NotAuthenticated,
                ArticleNotFound,
                RateLimited,
                PaymentProviderError,
            ),
        },
    )
    def create(self, request: Request, pk: str) -> Response:
        serializer = RewardCreateInputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        reward = services.reward_create(
            payer_id=_user_id(request),
            article_id=int(pk),
            amount=serializer.validated_data["amount"],
        )
        return Response(reward_represent(reward), status=status.HTTP_201_CREATED)

    @extend_schema(
        operation_id="articles_rewards_summary",
        summary="Count and total of the article's paid rewards",
        description="404 `not_found` for an article that is not public.",
        parameters=[ARTICLE_ID],
        responses={200: RewardSummaryOutputSerializer, **error_responses(ArticleNotFound)},
    )
    def summary(self, request: Request, pk: str) -> Response:
        summary = selectors.reward_summary_get(article_id=int(pk))
        return Response(
            {
                "article_id": summary.article_id,
                "reward_count": summary.reward_count,
                "reward_total": summary.reward_total,
            }
        )


@extend_schema(tags=["rewards"])
class RewardViewSet(viewsets.ViewSet):
    permission_classes = (IsAuthenticated,)

    @extend_schema(
        operation_id="rewards_retrieve",
        summary="My reward's status",
        description="Only for its payer (anyone else: 404 `not_found`). A pending reward asks "
        "the payment provider before answering.",
        parameters=[REWARD_ID],
        responses={
            200: RewardOutputSerializer,
            **error_responses(NotAuthenticated, RewardNotFound),
        },
    )
    def retrieve(self, request: Request, pk: str) -> Response:
        reward = selectors.reward_get_for_payer(reward_id=int(pk), payer_id=_user_id(request))
        return Response(reward_represent(services.reward_refresh(reward=reward)))
