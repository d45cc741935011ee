import pytest

from apps.interactions import services
from apps.interactions.models import ArticleLike, ArticleStat
from tests.articles.conftest import moderator_client  # noqa: F401 - fixture
from tests.interactions.conftest import stat

pytestmark = pytest.mark.django_db

STATS = "/admin/interactions/articlestat/"


def test_stats_are_read_only_and_recounted_by_an_action(
    moderator_client,  # noqa: F811 - the imported fixture
    reader,
    article,
):
    services.article_like(user=reader, article_id=article.pk)
    ArticleStat.objects.filter(pk=article.pk).update(like_count=9)

    listing = moderator_client.get(STATS)
    edit = moderator_client.post(f"{STATS}{article.pk}/change/", {"like_count": 0})
    recount = moderator_client.post(
        STATS, {"action": "recount", "_selected_action": [article.pk]}, follow=True
    )

    assert listing.status_code == 200
    assert edit.status_code == 403
    assert "Recounted 1 articles: 1 corrected." in recount.content.decode()
    assert stat(article.pk) == (1, 0)


def test_likes_and_folders_are_listed_but_not_edited(
    moderator_client,  # noqa: F811 - the imported fixture
    reader,
    article,
):
    services.article_like(user=reader, article_id=article.pk)
    services.article_collect(user=reader, article_id=article.pk)
    like = ArticleLike.objects.get()

    assert moderator_client.get("/admin/interactions/articlelike/").status_code == 200
    assert moderator_client.get("/admin/interactions/collection/").status_code == 200
    assert moderator_client.get("/admin/interactions/articlelike/add/").status_code == 403
    deleted = moderator_client.post(
        f"/admin/interactions/articlelike/{like.pk}/delete/", {"post": "yes"}
    )
    assert deleted.status_code == 403
    assert ArticleLike.objects.count() == 1
