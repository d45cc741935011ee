"""v1 paths of follows (users and tags)."""

from django.urls import re_path

from apps.follows.apis import FollowListViewSet, TagFollowViewSet, UserFollowViewSet
from scholarnet.api.toggles import ID, toggle_route

NAME = "(?P<name>[^/]+)"

urlpatterns = [
    toggle_route(
        rf"^users/{ID}/follow$", UserFollowViewSet, on="follow", off="unfollow", name="users-follow"
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
    toggle_route(
        rf"^tags/{NAME}/follow$", TagFollowViewSet, on="follow", off="unfollow", name="tags-follow"
    ),
    re_path(
        r"^me/followed-tags$", TagFollowViewSet.as_view({"get": "list"}), name="me-followed-tags"
    ),
]
