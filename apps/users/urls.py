"""v1 paths of accounts and sessions (DESIGN.md §4), and the WeChat login's."""

from django.urls import include, path
from rest_framework.routers import SimpleRouter

from apps.users.apis import AuthLogoutViewSet, AuthSessionViewSet, AuthViewSet, UserViewSet

router = SimpleRouter(trailing_slash=False)
router.register("auth/logout", AuthLogoutViewSet, basename="auth-logout")
router.register("auth/sessions", AuthSessionViewSet, basename="auth-sessions")
router.register("auth", AuthViewSet, basename="auth")
router.register("users", UserViewSet, basename="users")

urlpatterns = [
    *router.urls,
    path("", include("apps.users.wechat.urls")),
]
