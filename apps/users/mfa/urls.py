from __future__ import annotations

from django.urls import re_path
from rest_framework.routers import SimpleRouter

from apps.users.mfa.apis import MfaVerifyViewSet, MfaViewSet

router = SimpleRouter(trailing_slash=False)
router.register("auth/2fa/verify", MfaVerifyViewSet, basename="mfa-verify")
router.register("auth/2fa", MfaViewSet, basename="mfa")

urlpatterns = [
    re_path(r"^auth/2fa$", MfaViewSet.as_view({"get": "status"}), name="mfa-status"),
    *router.urls,
]
