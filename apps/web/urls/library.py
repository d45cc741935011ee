"""The library pages: in-place actions (like, collect, follow, comments) and the reader's own
pages (collections, notifications, wallet, tipping). Literal paths, as the pages' contract
fixes them."""

from django.urls import path, register_converter

from apps.web.views import folders, library


class IdConverter:
    """An id that fits a BIGINT: a longer one cannot exist, so it is a 404 (as in the API)."""

    regex = "[0-9]{1,18}"

    def to_python(self, value: str) -> int:
        return int(value)

    def to_url(self, value: int) -> str:
        return str(value)


register_converter(IdConverter, "library_id")

urlpatterns = [
    path("a/<library_id:article_id>/like", library.article_like, name="library-like"),
    path("a/<library_id:article_id>/collect", library.article_collect, name="library-collect"),
    path("a/<library_id:article_id>/comments", library.article_comments, name="library-comments"),
    path("a/<library_id:article_id>/tip", library.article_tip, name="library-tip"),
    path("c/<library_id:comment_id>/replies", library.comment_replies, name="library-replies"),
    path("c/<library_id:comment_id>/delete", library.comment_delete, name="library-comment-delete"),
    path("u/<library_id:user_id>/follow", library.user_follow, name="library-follow"),
    path("t/<str:name>/follow", library.tag_follow, name="library-tag-follow"),
    path("me/collections/", folders.collection_list, name="library-collections"),
    path(
        "me/collections/<library_id:collection_id>/",
        folders.collection_detail,
        name="library-collection",
    ),
    path(
        "me/collections/<library_id:collection_id>/rename",
        folders.collection_rename,
        name="library-collection-rename",
    ),
    path(
        "me/collections/<library_id:collection_id>/delete",
        folders.collection_delete,
        name="library-collection-delete",
    ),
    path(
        "me/collections/<library_id:collection_id>/move",
        folders.collection_item_move,
        name="library-collection-move",
    ),
    path("me/notifications/", library.notification_list, name="library-notifications"),
    path("me/notifications/badge", library.notification_badge, name="library-badge"),
    path("me/wallet/", library.wallet, name="library-wallet"),
]
