"""v1 paths of attachments."""

from django.urls import re_path

from apps.attachments.apis import ArticleAttachmentViewSet, AttachmentViewSet
from scholarnet.api.toggles import ID

urlpatterns = [
    re_path(
        rf"^articles/{ID}/attachments$",
        ArticleAttachmentViewSet.as_view({"get": "list", "post": "create"}),
        name="articles-attachments",
    ),
    re_path(
        rf"^attachments/{ID}$",
        AttachmentViewSet.as_view({"get": "retrieve", "delete": "destroy"}),
        name="attachments-detail",
    ),
]
