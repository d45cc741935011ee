"""Every keyset list keeps its plan on MariaDB however stale the table statistics are.

The tables are filled to 131k live articles (and as many tag entries, working copies and
sessions) with bulk ``INSERT … SELECT`` doublings in the test's own transaction, by a few
dozen authors among 32k users (many articles, few authors: the shape that tempted MariaDB into
scanning ``users_user`` and sorting the join when statistics were stale). Nothing runs
``ANALYZE``. Then each list is requested through the API and every SELECT it ran is
``EXPLAIN``ed: one table per statement that stops at a LIMIT (so no join order to guess), and
none of them sorts; every table read through an index (or counted to be tiny); a statement
that fetches rows by the page's own ids may sort them (bounded by the page) and join further
tables by primary key.
"""

from __future__ import annotations

from typing import Any

import pytest
from django.contrib.auth import get_user_model
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from rest_framework.test import APIClient

from apps.articles.models import Article, LiveStatus, PublishedArticle, PublishedArticleTag
from apps.tags.names import name_key
from apps.users.models import UserSession
from tests.articles.conftest import ARTICLES, ME_ARTICLES
from tests.users.factories import UserFactory

pytestmark = [pytest.mark.real_db, pytest.mark.django_db]

AUTHORS = 32
DOUBLINGS = 12  # 32 authors' rows doubled 12 times: 131,072 rows per table
SMALL_TABLE = 1000
INDEXED_ACCESS = {"const", "eq_ref", "ref", "range", "ref_or_null", "index_merge"}


@pytest.fixture(autouse=True)
def _mariadb_only() -> None:
    if connection.vendor != "mysql":
        pytest.skip("EXPLAIN plans are asserted on MySQL/MariaDB only")


def _double(table: str, columns: str, select: str, *, times: int = DOUBLINGS) -> None:
    with connection.cursor() as cursor:
        for _ in range(times):
            cursor.execute(f"SELECT COALESCE(MAX(id), 0) FROM {table}")
            (shift,) = cursor.fetchone()
            cursor.execute(f"INSERT INTO {table} ({columns}) {select}".format(shift=shift))


@pytest.fixture
def big_tables() -> list[Any]:
    authors = UserFactory.create_batch(AUTHORS)
    now = timezone.now()
    for index, author in enumerate(authors):
        PublishedArticle.objects.create(
            id=index + 1, author=author, title=f"A{index}", publish_seq=index + 1, published_at=now
        )
        Article.objects.create(author=author, title=f"A{index}", status="published")
        UserSession.objects.create(user=author, expires_at=now + timezone.timedelta(days=7))
    live = (
        "id, author_id, title, content, content_html, content_bytes, abstract, status, "
        "publish_seq, published_at, updated_at, taken_down_at, take_down_reason, taken_down_by_id, "
        "doi, source_meta, revision"
    )
    _double(
        "articles_publishedarticle",
        live,
        "SELECT id + {shift}, author_id, title, '', '', 0, '', status, publish_seq + {shift}, "
        "published_at, updated_at, NULL, '', NULL, '', '{{}}', 1 FROM articles_publishedarticle",
    )
    with connection.cursor() as cursor:
        cursor.execute(
            "INSERT INTO articles_publishedarticletag (article_id, name, name_key, publish_seq) "
            "SELECT id, 'optics', %s, publish_seq FROM articles_publishedarticle",
            [name_key("optics")],
        )
        cursor.execute(  # every 64th article withdrawn: the tag list must skip its entries
            "UPDATE articles_publishedarticle SET status = %s WHERE id %% 64 = 0",
            [LiveStatus.PRIVATE],
        )
    working = "author_id, title, content, abstract_input, abstract, status, version, " + (
        "published_version, created_at, updated_at, published_at, source_meta"
    )
    _double(
        "articles_article",
        working,
        f"SELECT {working} FROM articles_article",
    )
    session = "sid, user_id, kind, user_agent, ip, created_at, last_seen_at, expires_at, " + (
        "revoked_at, refresh_generation"
    )
    _double(
        "users_usersession",
        session,
        "SELECT REPLACE(UUID(), '-', ''), user_id, kind, user_agent, ip, created_at, "
        "last_seen_at, expires_at, revoked_at, refresh_generation FROM users_usersession",
    )
    _double_users()
    assert PublishedArticleTag.objects.count() == AUTHORS * 2**DOUBLINGS
    return authors


def _double_users() -> None:
    """Other users, 32k of them: the author lookup must not scan a small table."""
    columns, values = [], []
    for field in get_user_model()._meta.concrete_fields:
        if field.column == "id":
            continue  # auto-increment: other tests' users may hold any ids
        columns.append(field.column)
        if field.column == "email":
            values.append("CONCAT(REPLACE(UUID(), '-', ''), '@bulk.test')")
        else:
            values.append("NULL" if field.unique and field.null else field.column)
    select = f"SELECT {', '.join(values)} FROM users_user"
    _double("users_user", ", ".join(columns), select, times=10)


def _explain(sql: str) -> list[dict[str, Any]]:
    with connection.cursor() as cursor:
        cursor.execute(f"EXPLAIN {sql}")
        names = [column[0].lower() for column in cursor.description]
        return [dict(zip(names, row, strict=True)) for row in cursor.fetchall()]


# A UNION's arms are queries of their own (each checked above to walk an index), not joins.
UNION_STEPS = ("UNION", "UNION RESULT")


def _assert_plan_stable(queries: list[dict[str, str]]) -> int:
    """Assert the rules of the module docstring for every SELECT; how many were checked."""
    selects = [query["sql"] for query in queries if query["sql"].lstrip().startswith("SELECT")]
    for sql in selects:
        plan = _explain(sql)
        for step in plan:
            assert _indexed(step), f"not through an index: {sql}\n{step}"
        if " LIMIT " in sql:
            assert len(plan) == 1, f"a join leaves the optimizer an order to guess: {sql}\n{plan}"
            assert "filesort" not in (plan[0]["extra"] or ""), f"sorts first: {sql}\n{plan}"
        else:  # rows fetched by the page's ids: any further joined table by its primary key
            joined = [step for step in plan[1:] if step["select_type"] not in UNION_STEPS]
            assert all(step["type"] == "eq_ref" for step in joined), f"{sql}\n{plan}"
    return len(selects)


def _indexed(step: dict[str, Any]) -> bool:
    if step["type"] in INDEXED_ACCESS and step["key"]:
        return True
    if step["table"] is None or step["table"].startswith("<"):
        return True  # no table read ("Impossible WHERE …"), or a derived table checked on its own
    # A table of a few rows (one the lists do not fill here, like the counters) may be read
    # whole: counted, not estimated, since estimates are what goes stale.
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT COUNT(*) FROM {connection.ops.quote_name(step['table'])}")
        return cursor.fetchone()[0] < SMALL_TABLE


def _requested(client: APIClient, path: str, **params: Any) -> list[dict[str, str]]:
    with CaptureQueriesContext(connection) as captured:
        response = client.get(path, params)
    assert response.status_code == 200, response.content
    assert len(response.json()["results"]) == 20
    return captured.captured_queries


def _second_page(client: APIClient, path: str, **params: Any) -> list[dict[str, str]]:
    first = client.get(path, {**params, "page_size": 20}).json()
    return _requested(client, path, **params, page_size=20, cursor=first["next"])


def test_every_list_walks_its_index(big_tables, settings):
    # One test for every list: building the tables is most of its 20 s.
    settings.ARTICLE_PUBLIC_FIRST_PAGE_CACHE_ENABLED = False
    anonymous, author = APIClient(), big_tables[3]

    assert _assert_plan_stable(_requested(anonymous, ARTICLES, page_size=20)) >= 4
    assert _assert_plan_stable(_second_page(anonymous, ARTICLES)) >= 4
    assert _assert_plan_stable(_second_page(anonymous, ARTICLES, author=author.pk)) >= 4
    assert _assert_plan_stable(_second_page(anonymous, "/api/v1/tags/optics/articles")) >= 4
    tagged_by_author = _second_page(anonymous, ARTICLES, tag="optics", author=author.pk)
    assert _assert_plan_stable(tagged_by_author) >= 4

    signed_in = APIClient()
    signed_in.force_authenticate(big_tables[5])
    assert _assert_plan_stable(_second_page(signed_in, ME_ARTICLES)) >= 3
    assert _assert_plan_stable(_second_page(signed_in, "/api/v1/auth/sessions")) >= 1
