"""v1 paths of notifications."""

from django.urls import re_path

from apps.notifications.apis import DigestUnsubscribeViewSet, NotificationViewSet

urlpatterns = [
    re_path(r"^notifications$", NotificationViewSet.as_view({"get": "list"}), name="notifications"),
    re_path(
        r"^notifications/unread-count$",
        NotificationViewSet.as_view({"get": "unread_count"}),
        name="notifications-unread-count",
    ),
    re_path(
        r"^notifications/read$",
        NotificationViewSet.as_view({"post": "read"}),
        name="notifications-read",
    ),
    re_path(
        r"^notifications/unsubscribe$",
        DigestUnsubscribeViewSet.as_view({"get": "unsubscribe"}),
        name="notifications-unsubscribe",
    ),
]
