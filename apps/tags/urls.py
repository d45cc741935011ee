"""v1 paths of tags (DESIGN.md §4)."""

from rest_framework.routers import SimpleRouter

from apps.tags.apis import TagViewSet

router = SimpleRouter(trailing_slash=False)
router.register("tags", TagViewSet, basename="tags")

urlpatterns = router.urls
