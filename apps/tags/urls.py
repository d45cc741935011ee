"""v1 paths of tags."""

from rest_framework.routers import SimpleRouter

from apps.tags.apis import TagViewSet

router = SimpleRouter(trailing_slash=False)
router.register("tags", TagViewSet, basename="tags")

urlpatterns = router.urls
