"""v1 paths of comments."""

from django.urls import re_path

from apps.comments.apis import ArticleCommentViewSet, CommentViewSet
from scholarnet.api.toggles import ID

urlpatterns = [
    re_path(
        rf"^articles/{ID}/comments$",
        ArticleCommentViewSet.as_view({"get": "list", "post": "create"}),
        name="articles-comments",
    ),
    re_path(
        rf"^comments/{ID}/replies$",
        CommentViewSet.as_view({"get": "replies"}),
        name="comments-replies",
    ),
    re_path(
        rf"^comments/{ID}$", CommentViewSet.as_view({"delete": "destroy"}), name="comments-detail"
    ),
]
