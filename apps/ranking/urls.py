"""v1 paths of the ranking app; included before the articles app's (``articles/{id}``)."""

from django.urls import path

from apps.ranking.apis import HotArticlesView
from apps.ranking.hot_page import hot_list_view

urlpatterns = [
    path("articles/hot", hot_list_view(HotArticlesView.as_view()), name="articles-hot"),
]
