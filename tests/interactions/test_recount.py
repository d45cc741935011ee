import pytest
from django.core.management import call_command
from django_redis import get_redis_connection

from apps.interactions import services
from apps.interactions.counters import counts_key
from apps.interactions.models import ArticleStat
from apps.interactions.selectors import article_stats_provide
from tests.articles.factories import published_article
from tests.interactions.conftest import stat
from tests.users.factories import UserFactory

pytestmark = pytest.mark.django_db


def _corrupted() -> list[int]:
    articles = [published_article() for _ in range(3)]
    readers = [UserFactory() for _ in range(2)]
    for reader in readers:
        services.article_like(user=reader, article_id=articles[0].pk)
        services.article_collect(user=reader, article_id=articles[1].pk)
    ArticleStat.objects.filter(pk=articles[0].pk).update(like_count=7, collect_count=3)
    ArticleStat.objects.filter(pk=articles[1].pk).update(collect_count=0)
    ArticleStat.objects.create(article_id=articles[2].pk, like_count=5)
    return [article.pk for article in articles]


def test_recount_rebuilds_the_counters_from_the_facts_and_drops_the_hashes(
    capsys, django_capture_on_commit_callbacks
):
    ids = _corrupted()
    article_stats_provide(ids=ids)  # fills the Redis hashes with the wrong values
    assert get_redis_connection("default").exists(counts_key(ids[0]))

    with django_capture_on_commit_callbacks(execute=True):
        call_command("interactions_recount", "--batch-size", "2", "--no-progress")

    assert [stat(article_id) for article_id in ids] == [(2, 0), (0, 2), (0, 0)]
    assert "Recounted 3 articles: 3 corrected." in capsys.readouterr().out
    assert not get_redis_connection("default").exists(*[counts_key(i) for i in ids])
    assert article_stats_provide(ids=ids)[ids[0]]["like_count"] == 2


def test_recount_starts_after_the_given_id_and_resumes_from_the_saved_position(capsys):
    ids = _corrupted()

    call_command("interactions_recount", "--after-id", str(ids[1]), "--no-progress")
    assert [stat(article_id) for article_id in ids] == [(7, 3), (0, 0), (0, 0)]

    get_redis_connection("default").set("interactions:recount:position", ids[0])
    call_command("interactions_recount", "--resume", "--no-progress")
    assert [stat(article_id) for article_id in ids] == [(7, 3), (0, 2), (0, 0)]
    assert "Recounted 2 articles: 1 corrected." in capsys.readouterr().out.splitlines()[-1]
