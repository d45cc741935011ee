"""v1 path of the personal feed."""

from django.urls import re_path

from apps.feed.apis import FeedViewSet

urlpatterns = [re_path(r"^feed$", FeedViewSet.as_view({"get": "list"}), name="feed")]
