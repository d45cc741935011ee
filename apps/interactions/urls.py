"""v1 paths of likes and collections."""

from django.urls import re_path

from apps.interactions.apis import ArticleCollectViewSet, ArticleLikeViewSet, CollectionViewSet
from scholarnet.api.toggles import ID, toggle_route

urlpatterns = [
    toggle_route(
        rf"^articles/{ID}/like$", ArticleLikeViewSet, on="like", off="unlike", name="articles-like"
    ),
    toggle_route(
        rf"^articles/{ID}/collect$",
        ArticleCollectViewSet,
        on="collect",
        off="uncollect",
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
    re_path(
        rf"^me/collections/{ID}/move$",
        CollectionViewSet.as_view({"post": "move"}),
        name="me-collections-move",
    ),
]
