"""The hot list's window costs one index range on MariaDB, not a scan of every publication.

``PublishSequence`` is filled to 131k rows published long ago (bulk ``INSERT … SELECT``
doublings in the test's own transaction, no ``ANALYZE``) and a handful inside the window. The
query that finds where the scan stops is ``EXPLAIN``ed: it must read the ``created_at`` index
as a range, touching about the window's rows, whatever the statistics say.
"""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from apps.articles.models import PublishSequence
from apps.ranking import services

pytestmark = [pytest.mark.real_db, pytest.mark.django_db]

DOUBLINGS = 17  # 1 row doubled 17 times: 131,072 old publications
RECENT = 5


@pytest.fixture(autouse=True)
def _mariadb_only() -> None:
    if connection.vendor != "mysql":
        pytest.skip("EXPLAIN plans are asserted on MySQL/MariaDB only")


@pytest.fixture
def publications() -> None:
    long_ago = timezone.now() - timedelta(days=400)
    PublishSequence.objects.create(article_id=1, created_at=long_ago)
    table = PublishSequence._meta.db_table
    with connection.cursor() as cursor:
        for _ in range(DOUBLINGS):
            cursor.execute(f"SELECT MAX(article_id) FROM {table}")
            (shift,) = cursor.fetchone()
            cursor.execute(
                f"INSERT INTO {table} (article_id, created_at) "
                f"SELECT article_id + %s, created_at FROM {table}",
                [shift],
            )
    now = timezone.now()
    PublishSequence.objects.bulk_create(
        PublishSequence(article_id=10**9 + n, created_at=now - timedelta(hours=n))
        for n in range(RECENT)
    )


def test_the_windows_first_sequence_is_one_range_of_the_created_at_index(publications):
    cutoff = timezone.now() - timedelta(days=7)
    with CaptureQueriesContext(connection) as queries:
        lowest = services._lowest_window_seq(cutoff=cutoff)

    assert lowest == PublishSequence.objects.get(article_id=10**9).pk  # the first one inserted
    (query,) = queries.captured_queries
    with connection.cursor() as cursor:
        cursor.execute(f"EXPLAIN {query['sql']}")
        columns = [column[0] for column in cursor.description]
        plans = [dict(zip(columns, row, strict=True)) for row in cursor.fetchall()]
    (plan,) = plans
    assert plan["key"] == "articles_seq_created", plan
    assert plan["type"] == "range", plan
    assert int(plan["rows"]) <= 10 * RECENT, plan
