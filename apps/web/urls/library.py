"""The library pages: in-place actions (like, collect, follow, comments) and the reader's own
pages (collections, notifications, wallet, tipping). Literal paths, as the pages' contract
fixes them."""

from django.urls import path

from apps.web.views import library

urlpatterns = [
    path("a/<int:article_id>/like", library.article_like, name="library-like"),
    path("a/<int:article_id>/collect", library.article_collect, name="library-collect"),
    path("a/<int:article_id>/comments", library.article_comments, name="library-comments"),
    path("a/<int:article_id>/tip", library.article_tip, name="library-tip"),
    path("c/<int:comment_id>/replies", library.comment_replies, name="library-replies"),
    path("c/<int:comment_id>/delete", library.comment_delete, name="library-comment-delete"),
    path("u/<int:user_id>/follow", library.user_follow, name="library-follow"),
    path("t/<str:name>/follow", library.tag_follow, name="library-tag-follow"),
    path("me/collections/", library.collection_list, name="library-collections"),
    path(
        "me/collections/<int:collection_id>/",
        library.collection_detail,
        name="library-collection",
    ),
    path("me/notifications/", library.notification_list, name="library-notifications"),
    path("me/notifications/badge", library.notification_badge, name="library-badge"),
    path("me/wallet/", library.wallet, name="library-wallet"),
]
