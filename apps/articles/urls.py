"""v1 paths of articles, including the tag page's article list."""

from django.urls import URLPattern, URLResolver
from rest_framework.routers import SimpleRouter

from apps.articles.apis import ArticleViewSet, MyArticleViewSet, TagArticleViewSet
from apps.articles.list_views import article_list
from apps.articles.views import article_detail

router = SimpleRouter(trailing_slash=False)
router.register("articles", ArticleViewSet, basename="articles")
router.register("me/articles", MyArticleViewSet, basename="me-articles")
# The tags app owns GET /tags; a tag's articles are an article list, so they are served here.
router.register(r"tags/(?P<name>[^/]+)/articles", TagArticleViewSet, basename="tag-articles")


# The most-read routes, each with an anonymous fast path in front of its DRF view.
_FAST_PATHS = {"articles-detail": article_detail, "articles-list": article_list}


def _with_fast_path(pattern: URLPattern | URLResolver) -> URLPattern | URLResolver:
    # Same route, same name, same schema: only the callback gains the anonymous fast path.
    if not isinstance(pattern, URLPattern) or pattern.name not in _FAST_PATHS:
        return pattern
    callback = _FAST_PATHS[pattern.name](pattern.callback)
    return URLPattern(pattern.pattern, callback, pattern.default_args, pattern.name)


urlpatterns = [_with_fast_path(pattern) for pattern in router.urls]
