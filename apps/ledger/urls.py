"""v1 paths of the ledger."""

from django.urls import re_path

from apps.ledger.apis import WalletViewSet

urlpatterns = [
    re_path(r"^me/wallet$", WalletViewSet.as_view({"get": "retrieve"}), name="me-wallet"),
]
