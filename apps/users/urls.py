"""v1 paths of accounts and sessions, and the WeChat login's."""

from django.urls import URLPattern, URLResolver, include, path
from rest_framework.routers import SimpleRouter

from apps.users.apis import AuthLogoutViewSet, AuthSessionViewSet, AuthViewSet, UserViewSet
from apps.users.views import user_public_profile_view

router = SimpleRouter(trailing_slash=False)
# The public profile first: Django tries patterns in order, and its anonymous fast path is the
# most-read route here (behind the auth routes it paid a dozen more regular expressions a read).
router.register("users", UserViewSet, basename="users")
router.register("auth/logout", AuthLogoutViewSet, basename="auth-logout")
router.register("auth/sessions", AuthSessionViewSet, basename="auth-sessions")
router.register("auth", AuthViewSet, basename="auth")


def _with_fast_profile(pattern: URLPattern | URLResolver) -> URLPattern | URLResolver:
    # Same route, same name, same schema: only the callback gains the anonymous fast path.
    if not isinstance(pattern, URLPattern) or pattern.name != "users-detail":
        return pattern
    return URLPattern(
        pattern.pattern,
        user_public_profile_view(pattern.callback),
        pattern.default_args,
        pattern.name,
    )


urlpatterns = [
    *(_with_fast_profile(pattern) for pattern in router.urls),
    path("", include("apps.users.wechat.urls")),
    path("", include("apps.users.mfa.urls")),
    path("", include("apps.users.orcid.urls")),
]
