"""The wallet API (v1): the signed-in user's balance and ledger entries."""

from __future__ import annotations

from drf_spectacular.utils import extend_schema
from rest_framework import viewsets
from rest_framework.permissions import IsAuthenticated
from rest_framework.request import Request
from rest_framework.response import Response

from apps.ledger import selectors
from apps.ledger.pagination import EntryPagination
from apps.ledger.serializers import WalletOutputSerializer, entries_represent
from scholarnet.api.errors import InvalidCursor, NotAuthenticated, ValidationFailed
from scholarnet.api.schema import error_responses


def _user_id(request: Request) -> int:
    """The signed-in requester's id (the permission class has made sure there is one)."""
    return int(request.user.pk)  # type: ignore[arg-type]


@extend_schema(tags=["ledger"])
class WalletViewSet(viewsets.ViewSet):
    permission_classes = (IsAuthenticated,)
    pagination_class = EntryPagination

    @extend_schema(
        operation_id="me_wallet",
        summary="My balance and ledger entries, newest first",
        description="Amounts in fen (1/100 CNY). 400 `invalid` (page_size), 400 `invalid_cursor`.",
        responses={
            200: WalletOutputSerializer,
            **error_responses(ValidationFailed, InvalidCursor, NotAuthenticated),
        },
    )
    def retrieve(self, request: Request) -> Response:
        wallet = selectors.wallet_get(user_id=_user_id(request))
        paginator = EntryPagination()
        entries = paginator.paginate_queryset(
            selectors.wallet_entries(account_id=wallet.account_id), request, view=self
        )
        page = paginator.get_paginated_response(entries_represent(entries or []))
        return Response({"balance": wallet.balance, "currency": "CNY", **page.data})
