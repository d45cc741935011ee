from __future__ import annotations

from rest_framework.routers import SimpleRouter

from apps.users.orcid.apis import MeOrcidViewSet, OrcidLoginViewSet

router = SimpleRouter(trailing_slash=False)
router.register("auth/orcid", OrcidLoginViewSet, basename="orcid")
router.register("me/orcid", MeOrcidViewSet, basename="me-orcid")

urlpatterns = router.urls
