"""The like benchmark's pieces: the insert floor and the like_toggle scenario's setup."""

import contextlib
import io

import pytest
from django.test import RequestFactory
from rest_framework.test import APIClient

from apps.interactions.models import ArticleLike
from bench import scenarios, views
from tests.articles.factories import published_article

pytestmark = pytest.mark.django_db


def test_the_insert_floor_inserts_one_like_row_on_an_id_no_article_has(reader):
    views._insert_user_id.cache_clear()

    first = views.insert(RequestFactory().get("/bench/insert"))
    views.insert(RequestFactory().get("/bench/insert"))

    assert first.content == views.BARE_BODY
    article_ids = list(ArticleLike.objects.values_list("article_id", flat=True))
    assert len(set(article_ids)) == 2
    assert all(article_id < 0 for article_id in article_ids)
    views._insert_user_id.cache_clear()


class _Context:
    def __init__(self, work_dir):
        self.work_dir = work_dir

    def manage(self, *args: str) -> str:
        assert args[:2] == ("shell", "-c")
        out = io.StringIO()
        with contextlib.redirect_stdout(out):
            exec(args[2], {})  # the scenario's own snippet, as manage.py shell -c runs it
        return out.getvalue()


def test_like_toggle_setup_writes_a_script_whose_token_can_like(
    monkeypatch, tmp_path, reader, author
):
    article = published_article(author=author)
    monkeypatch.setattr(scenarios, "WORK_DIR", tmp_path)
    monkeypatch.setattr(scenarios, "_content_data", lambda context: (article.pk, article.pk))

    headers = scenarios._like_toggle(_Context(tmp_path))

    script = (tmp_path / "like_toggle.lua").read_text()
    token = script.split('"Bearer ')[1].split('"')[0]
    client = APIClient(HTTP_USER_AGENT=scenarios.LIKE_USER_AGENT)
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {token}")
    response = client.put(f"/api/v1/articles/{article.pk}/like")
    assert response.json() == {"liked": True, "like_count": 1}
    # The runner's check request (PUT on the scenario's path) is signed in the same way.
    assert headers == {"Authorization": f"Bearer {token}", "User-Agent": scenarios.LIKE_USER_AGENT}
    assert scenarios.SCENARIOS["like_toggle"].method == "PUT"
    assert '"DELETE" or "PUT"' in script
    assert scenarios.SCENARIOS["like_toggle"].server_env == {
        "RATELIMIT_LIKE": "1000000000/60s",
        "RATELIMIT_LIKE_NEW_ACCOUNT": "1000000000/60s",  # its user is below trust level 1
    }


def test_a_measured_section_is_replaced_between_its_markers_and_the_rest_kept(
    monkeypatch, tmp_path
):
    from bench import standalone

    results = tmp_path / "RESULTS.md"
    results.write_text("# Results\n\nhand-written\n")
    monkeypatch.setattr(standalone, "RESULTS_MD", results)

    standalone.results_section_write("read_ingest", "| first |")
    standalone.results_section_write("rank_recompute", "| other |")
    standalone.results_section_write("read_ingest", "| second |")

    assert results.read_text() == (
        "# Results\n\nhand-written\n\n"
        "<!-- BEGIN MEASURED: read_ingest -->\n| second |\n<!-- END MEASURED: read_ingest -->\n\n"
        "<!-- BEGIN MEASURED: rank_recompute -->\n| other |\n"
        "<!-- END MEASURED: rank_recompute -->\n"
    )
