"""v1 paths of moderation."""

from django.urls import path

from apps.moderation.apis import ReportViewSet

urlpatterns = [
    path("reports", ReportViewSet.as_view({"post": "create"}), name="reports"),
]
