"""v1 paths of likes and collections."""

from django.urls import re_path

from apps.interactions.apis import ArticleCollectViewSet, ArticleLikeViewSet, CollectionViewSet

ID = "(?P<pk>[0-9]{1,18})"  # fits a BIGINT: longer ids cannot exist

urlpatterns = [
    re_path(
        rf"^articles/{ID}/like$",
        ArticleLikeViewSet.as_view({"put": "like", "delete": "unlike"}),
        name="articles-like",
    ),
    re_path(
        rf"^articles/{ID}/collect$",
        ArticleCollectViewSet.as_view({"put": "collect", "delete": "uncollect"}),
        name="articles-collect",
    ),
    re_path(
        r"^me/collections$",
        CollectionViewSet.as_view({"get": "list", "post": "create"}),
        name="me-collections-list",
    ),
    re_path(
        rf"^me/collections/{ID}$",
        CollectionViewSet.as_view({"patch": "partial_update", "delete": "destroy"}),
        name="me-collections-detail",
    ),
    re_path(
        rf"^me/collections/{ID}/items$",
        CollectionViewSet.as_view({"get": "items"}),
        name="me-collections-items",
    ),
]
