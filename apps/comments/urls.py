"""v1 paths of comments."""

from django.urls import re_path

from apps.comments.apis import ArticleCommentViewSet, CommentViewSet
from apps.comments.review_apis import ArticleEditorViewSet, ArticleReviewViewSet
from scholarnet.api.toggles import ID

urlpatterns = [
    re_path(
        rf"^articles/{ID}/comments$",
        ArticleCommentViewSet.as_view({"get": "list", "post": "create"}),
        name="articles-comments",
    ),
    re_path(
        rf"^articles/{ID}/reviews$",
        ArticleReviewViewSet.as_view({"get": "list"}),
        name="articles-reviews",
    ),
    re_path(
        rf"^articles/{ID}/editors$",
        ArticleEditorViewSet.as_view({"get": "list", "post": "create"}),
        name="articles-editors",
    ),
    re_path(
        rf"^articles/{ID}/editors/(?P<user_id>[0-9]{{1,18}})$",
        ArticleEditorViewSet.as_view({"delete": "destroy"}),
        name="articles-editors-detail",
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
