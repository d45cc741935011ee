"""v1 paths of articles, including the tag page's article list."""

from django.urls import URLPattern, URLResolver
from rest_framework.routers import SimpleRouter

from apps.articles.apis import ArticleViewSet, MyArticleViewSet, TagArticleViewSet
from apps.articles.views import article_detail

router = SimpleRouter(trailing_slash=False)
router.register("articles", ArticleViewSet, basename="articles")
router.register("me/articles", MyArticleViewSet, basename="me-articles")
# The tags app owns GET /tags; a tag's articles are an article list, so they are served here.
router.register(r"tags/(?P<name>[^/]+)/articles", TagArticleViewSet, basename="tag-articles")


def _with_fast_detail(pattern: URLPattern | URLResolver) -> URLPattern | URLResolver:
    # Same route, same name, same schema: only the callback gains the anonymous fast path.
    if not isinstance(pattern, URLPattern) or pattern.name != "articles-detail":
        return pattern
    return URLPattern(
        pattern.pattern, article_detail(pattern.callback), pattern.default_args, pattern.name
    )


urlpatterns = [_with_fast_detail(pattern) for pattern in router.urls]
