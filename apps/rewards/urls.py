"""v1 paths of rewards."""

from django.urls import re_path

from apps.rewards.apis import ArticleRewardViewSet, RewardViewSet

ID = "(?P<pk>[0-9]{1,18})"  # fits a BIGINT: longer ids cannot exist

urlpatterns = [
    re_path(
        rf"^articles/{ID}/rewards$",
        ArticleRewardViewSet.as_view({"post": "create"}),
        name="articles-rewards",
    ),
    re_path(
        rf"^articles/{ID}/rewards/summary$",
        ArticleRewardViewSet.as_view({"get": "summary"}),
        name="articles-rewards-summary",
    ),
    re_path(rf"^rewards/{ID}$", RewardViewSet.as_view({"get": "retrieve"}), name="rewards-detail"),
]
