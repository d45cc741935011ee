"""URL map: the kernel endpoints (probes, metrics, schema), the admin and the v1 API."""

from django.conf import settings
from django.contrib import admin
from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerView

# Each app adds ``path("", include("apps.<app>.urls"))`` here; its urls.py holds the v1 paths.
# No two apps' paths overlap, so the order is free: Django tries patterns one by one, and the
# most-read paths come first (resolving cost a fifth of a cached article read when last).
api_v1_patterns: list = [
    # articles/hot before articles/{id}: one literal path, so the detail's reads pay ~nothing.
    path("", include("apps.ranking.urls")),
    path("", include("apps.articles.urls")),
    # The public profile is the next most-read path (an anonymous fast path).
    path("", include("apps.users.urls")),
    path("", include("apps.interactions.urls")),
    path("", include("apps.search.urls")),
    path("", include("apps.tags.urls")),
    path("", include("apps.follows.urls")),
    path("", include("apps.feed.urls")),
    path("", include("apps.comments.urls")),
    path("", include("apps.attachments.urls")),
    path("", include("apps.notifications.urls")),
    path("", include("apps.payments.urls")),
    path("", include("apps.moderation.urls")),
    path("", include("apps.ledger.urls")),
    path("", include("apps.rewards.urls")),
]

urlpatterns = [
    path("api/v1/", include((api_v1_patterns, "v1"))),
    path("", include("scholarnet.observability.urls")),  # /healthz, /readyz, /metrics
    path("admin/", admin.site.urls),
    path("api/schema/", SpectacularAPIView.as_view(), name="schema"),
    path("api/docs/", SpectacularSwaggerView.as_view(url_name="schema"), name="swagger-ui"),
    path("bench/", include("bench.urls")),  # empty unless BENCH_VIEWS
]

# The server-rendered pages last: their paths never shadow the API's or the kernel's.
urlpatterns.append(path("", include("apps.web.urls")))

# The local WeChat simulator: only where settings install it (never in production).
if settings.WECHAT_SIMULATOR_ENABLED:
    urlpatterns.append(path("wechat-sim/", include("apps.wechat_sim.urls")))

# The local ORCID simulator: likewise only where settings install it.
if settings.ORCID_SIMULATOR_ENABLED:
    urlpatterns.append(path("orcid-sim/", include("apps.orcid_sim.urls")))

handler400 = "scholarnet.api.views.bad_request"
handler403 = "scholarnet.api.views.permission_denied"
handler404 = "scholarnet.api.views.page_not_found"
handler500 = "scholarnet.api.views.server_error"
