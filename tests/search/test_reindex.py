"""search_reindex: rebuilds the index from the database, in batches, while it keeps serving."""

from __future__ import annotations

import re
import threading
import time
from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from django.db import connection

from apps.articles import services as articles
from apps.search import services
from apps.search.backends import get_backend
from apps.search.services import search_reindex
from tests.articles.factories import published_article
from tests.search.support import found
from tests.tags.factories import OfficialTagFactory, TagFactory
from tests.users.factories import UserFactory

pytestmark = pytest.mark.django_db


def reindex(*args: str) -> str:
    out = StringIO()
    call_command("search_reindex", *args, "--no-progress", stdout=out, stderr=StringIO())
    return out.getvalue()


def summaries(output: str) -> list[str]:
    return [line.split(" in ")[0] for line in output.splitlines()]


def test_the_command_rebuilds_a_cleared_index_from_the_database():
    author = UserFactory(nickname="Ada", about="Spectral graphs")
    article = published_article(author=author, title="Krylov solvers", tags=["NLP"])
    tag = OfficialTagFactory(name="图神经网络")
    backend = get_backend()
    for doc_type in ("article", "user", "tag"):
        backend.clear(doc_type)

    output = reindex()

    assert summaries(output) == [
        "Reindexed article: 1 documents",
        "Reindexed user: 1 documents",
        "Reindexed tag: 2 documents",  # the official tag and Ada's own "NLP"
    ]
    assert re.fullmatch(r".* in \d+\.\d s \(\d+ documents/s\)", output.splitlines()[0])
    assert found(backend, "article", "krylov") == [str(article.pk)]
    assert found(backend, "user", "spectral") == [str(author.pk)]
    assert found(backend, "tag", "神经") == [str(tag.pk)]
    assert backend.get("article", str(article.pk))["tags"] == ["NLP"]


def test_one_type_only():
    published_article(title="Krylov solvers", author=UserFactory(nickname="Ada"))
    user = UserFactory(nickname="Grace")

    assert summaries(reindex("--type", "user")) == ["Reindexed user: 2 documents"]

    assert found(get_backend(), "user", "grace") == [str(user.pk)]
    assert found(get_backend(), "article", "krylov") == []


def test_it_works_in_batches(django_assert_max_num_queries):
    for n in range(5):
        published_article(title=f"Krylov solver {n}")
    sizes: list[int] = []

    # three per batch (articles, tags, the attachments' text); cache and sweep need none
    with django_assert_max_num_queries(3 * 3 + 1):
        indexed = search_reindex(doc_type="article", batch_size=2, on_batch=sizes.append)

    assert indexed == 5
    assert sizes == [2, 2, 1]
    assert get_backend().search("article", "krylov").total == 5


def test_documents_no_longer_in_the_database_are_removed():
    kept = published_article(title="Krylov solvers")
    backend = get_backend()
    backend.upsert("article", "987654", {"title": "Krylov ghosts"})
    backend.upsert("user", "987654", {"nickname": "ghost"})

    reindex()

    assert found(backend, "article", "krylov") == [str(kept.pk)]
    assert found(backend, "user", "ghost") == []


def test_changes_made_while_it_runs_are_kept(django_capture_on_commit_callbacks):
    first, second, third = (published_article(title=f"Krylov solver {n}") for n in range(3))

    def meanwhile(_size: int) -> None:
        if meanwhile.done:
            return
        meanwhile.done = True
        # After the first batch: the site edits an article already indexed and withdraws
        # another; the consumer applies both between two batches.
        with django_capture_on_commit_callbacks(execute=True):
            articles.article_draft_update(
                article_id=first.pk, author=first.author, data={"title": "Lanczos method"}
            )
            articles.article_publish(article_id=first.pk, author=first.author)
            articles.article_withdraw(article_id=second.pk, author=second.author)

    meanwhile.done = False
    search_reindex(doc_type="article", batch_size=2, on_batch=meanwhile)

    backend = get_backend()
    assert found(backend, "article", "lanczos") == [str(first.pk)]
    assert sorted(found(backend, "article", "krylov")) == [str(third.pk)]


def test_an_interrupted_run_resumes_where_it_stopped():
    for n in range(4):
        published_article(title=f"Krylov solver {n}")
    get_backend().upsert("article", "987654", {"title": "Krylov ghost"})

    class Interrupted(Exception):
        pass

    def interrupt(_size: int) -> None:
        raise Interrupted

    with pytest.raises(Interrupted):
        search_reindex(doc_type="article", batch_size=2, on_batch=interrupt)
    sizes: list[int] = []
    indexed = search_reindex(doc_type="article", batch_size=2, resume=True, on_batch=sizes.append)

    assert (indexed, sizes) == (2, [2])  # only the second half was left
    assert get_backend().search("article", "krylov").total == 4  # the ghost is gone
    assert search_reindex(doc_type="article", batch_size=2, resume=True) == 4  # a fresh run


def test_a_users_own_tags_stay_private_after_a_rebuild():
    owner = UserFactory()
    TagFactory(owner=owner, name="my reading list")

    reindex("--type", "tag")

    backend = get_backend()
    assert found(backend, "tag", "reading", filters={"audience": ["public"]}) == []
    assert len(found(backend, "tag", "reading", filters={"audience": [f"user:{owner.pk}"]})) == 1


def test_bad_arguments_are_refused():
    with pytest.raises(CommandError):
        reindex("--batch-size", "0")
    with pytest.raises(CommandError):
        reindex("--type", "comment")


def test_a_type_whose_app_is_missing_is_reported(monkeypatch):
    def missing(app_label, name):
        raise services.sources.SourceUnavailable(f"apps.{app_label} is not installed")

    monkeypatch.setattr(services.sources, "_selector", missing)

    with pytest.raises(CommandError, match=r"apps\.tags is not installed"):
        reindex("--type", "tag")
    assert "Reindexed user" in reindex()


@pytest.mark.django_db(transaction=True)
def test_a_withdrawal_during_a_batch_is_not_overwritten_by_the_batchs_stale_read(monkeypatch):
    """The race a rebuild must not lose: it reads an article as public, the author withdraws it
    and the consumer removes it, then the rebuild writes what it read. Reading and writing in
    one session makes the consumer's sync wait, and its re-read sees the withdrawal."""
    article = published_article(title="Krylov solvers")
    read_done, reindexed = threading.Event(), threading.Event()
    real_batch = services.sources.source_for("article").batch

    def slow_batch(after_id: int, batch_size: int) -> list[dict]:
        documents = real_batch(after_id, batch_size)
        read_done.set()
        time.sleep(0.5)  # the withdrawal commits now, and its event arrives
        return documents

    monkeypatch.setattr(
        services.sources,
        "source_for",
        lambda doc_type: services.sources.Source(
            "article", services.sources.ARTICLE_FIELDS, slow_batch, lambda: None
        ),
    )

    def rebuild() -> None:
        try:
            search_reindex(doc_type="article", batch_size=10)
        finally:
            reindexed.set()
            connection.close()

    thread = threading.Thread(target=rebuild)
    thread.start()
    assert read_done.wait(timeout=30)
    articles.article_withdraw(article_id=article.pk, author=article.author)
    services.search_article_sync(article_id=article.pk)  # the consumer's handler
    thread.join(timeout=30)

    assert reindexed.is_set()
    assert found(get_backend(), "article", "krylov") == []
