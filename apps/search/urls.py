"""v1 paths of search."""

from rest_framework.routers import SimpleRouter

from apps.search.apis import SearchViewSet

router = SimpleRouter(trailing_slash=False)
router.register("search", SearchViewSet, basename="search")

urlpatterns = router.urls
