"""v1 paths of the ranking app; included before the articles app's (``articles/{id}``)."""

from django.urls import path

from apps.ranking.apis import HotArticlesView

urlpatterns = [
    path("articles/hot", HotArticlesView.as_view(), name="articles-hot"),
]
