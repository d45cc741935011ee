from django.contrib.sitemaps.views import sitemap
from django.urls import path, re_path

from apps.web.feeds import AuthorArticlesFeed, LatestArticlesFeed, TagArticlesFeed
from apps.web.sitemaps import SITEMAPS
from apps.web.views import reading

urlpatterns = [
    path("", reading.home, name="home"),
    # /a/<id>/edit/ is the writing pages': the slug is any segment but "edit".
    re_path(
        r"^a/(?P<article_id>[0-9]{1,18})/(?!edit/$)(?P<slug>[^/]+)/$",
        reading.article_detail,
        name="article",
    ),
    path("a/<int:article_id>/", reading.article_short, name="article-short"),
    path("u/<int:user_id>/", reading.author_detail, name="author"),
    path("t/<str:name>/", reading.tag_detail, name="tag"),
    path("search", reading.search, name="search"),
    path("feeds/latest.atom", LatestArticlesFeed(), name="feed-latest"),
    path("feeds/u/<int:user_id>.atom", AuthorArticlesFeed(), name="feed-author"),
    path("feeds/t/<str:name>.atom", TagArticlesFeed(), name="feed-tag"),
    path("sitemap.xml", sitemap, {"sitemaps": SITEMAPS}, name="sitemap"),
    path("robots.txt", reading.robots_txt, name="robots"),
]
