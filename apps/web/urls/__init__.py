"""The server-rendered pages. Each area keeps its own URL module and views module.

``reading``: home, article, author, tag, search, Atom feeds, sitemap, robots.
``account``: sign in and register, sign out, sessions.
``writing``: new and edit with preview, my articles.
``library``: collections, notifications, wallet, tipping.
``academic``: account security (two-factor sign-in, ORCID), citations, revisions, attachments,
typed reviews, DOI import.
"""

from django.urls import include, path

app_name = "web"

urlpatterns = [
    path("", include("apps.web.urls.reading")),
    path("", include("apps.web.urls.account")),
    path("", include("apps.web.urls.writing")),
    path("", include("apps.web.urls.library")),
    path("", include("apps.web.urls.academic")),
]
