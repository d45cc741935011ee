"""v1 paths of follows (users and tags)."""

from django.urls import re_path

from apps.follows.apis import FollowListViewSet, TagFollowViewSet, UserFollowViewSet

ID = "(?P<pk>[0-9]{1,18})"  # fits a BIGINT: longer ids cannot exist
NAME = "(?P<name>[^/]+)"

urlpatterns = [
    re_path(
        rf"^users/{ID}/follow$",
        UserFollowViewSet.as_view({"put": "follow", "delete": "unfollow"}),
        name="users-follow",
    ),
    re_path(
        rf"^users/{ID}/followers$",
        FollowListViewSet.as_view({"get": "followers"}),
        name="users-followers",
    ),
    re_path(
        rf"^users/{ID}/followees$",
        FollowListViewSet.as_view({"get": "followees"}),
        name="users-followees",
    ),
    re_path(
        rf"^tags/{NAME}/follow$",
        TagFollowViewSet.as_view({"put": "follow", "delete": "unfollow"}),
        name="tags-follow",
    ),
    re_path(
        r"^me/followed-tags$", TagFollowViewSet.as_view({"get": "list"}), name="me-followed-tags"
    ),
]
