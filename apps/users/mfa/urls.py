from __future__ import annotations

from rest_framework.routers import SimpleRouter

from apps.users.mfa.apis import MfaVerifyViewSet, MfaViewSet

router = SimpleRouter(trailing_slash=False)
router.register("auth/2fa/verify", MfaVerifyViewSet, basename="mfa-verify")
router.register("auth/2fa", MfaViewSet, basename="mfa")

urlpatterns = router.urls
