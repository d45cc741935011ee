"""v1 paths of articles (DESIGN.md §4), including the tag page's article list."""

from rest_framework.routers import SimpleRouter

from apps.articles.apis import ArticleViewSet, MyArticleViewSet, TagArticleViewSet

router = SimpleRouter(trailing_slash=False)
router.register("articles", ArticleViewSet, basename="articles")
router.register("me/articles", MyArticleViewSet, basename="me-articles")
# The tags app owns GET /tags; a tag's articles are an article list, so they are served here.
router.register(r"tags/(?P<name>[^/]+)/articles", TagArticleViewSet, basename="tag-articles")

urlpatterns = router.urls
