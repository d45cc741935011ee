"""Revision 1 of every article published before revisions existed: its live copy as it is.

Without it those articles would answer ``revision: 0`` and an empty history until their next
publish. In batches by primary key, each in its own transaction (``atomic = False``), so a
large table is neither one long transaction nor one huge read; rows that already have a
revision are left alone, so running it again (after an interruption) only finishes the rest.
"""

from __future__ import annotations

from typing import Any

from django.db import migrations, transaction

BATCH = 500


def backfill(apps: Any, schema_editor: Any) -> None:
    published = apps.get_model("articles", "PublishedArticle")
    article = apps.get_model("articles", "Article")
    revision = apps.get_model("articles", "ArticleRevision")
    tag = apps.get_model("articles", "PublishedArticleTag")
    alias = schema_editor.connection.alias
    last_id = 0
    while True:
        rows = list(
            published.objects.using(alias).filter(pk__gt=last_id, revision=0).order_by("pk")[:BATCH]
        )
        if not rows:
            return
        last_id = rows[-1].pk
        ids = [row.pk for row in rows]
        versions = dict(
            article.objects.using(alias).filter(pk__in=ids).values_list("pk", "published_version")
        )
        tags: dict[int, list[tuple[Any, str]]] = {row_id: [] for row_id in ids}
        for article_id, key, name in (
            tag.objects.using(alias)
            .filter(article_id__in=ids)
            .values_list("article_id", "name_key", "name")
        ):
            tags[article_id].append((key, name))
        with transaction.atomic(using=alias):
            revision.objects.using(alias).bulk_create(
                revision(
                    article_id=row.pk,
                    number=1,
                    version=versions.get(row.pk) or 1,
                    title=row.title,
                    content=row.content,
                    content_html=row.content_html,
                    abstract=row.abstract,
                    tags=[name for _key, name in sorted(tags[row.pk])],
                    doi=row.doi,
                    created_at=row.updated_at,
                )
                for row in rows
                if row.pk in versions  # a live row always has its working copy
            )
            published.objects.using(alias).filter(pk__in=list(versions)).update(revision=1)


class Migration(migrations.Migration):
    atomic = False

    dependencies = [
        ("articles", "0004_new_columns_database_defaults"),
    ]

    operations = [migrations.RunPython(backfill, migrations.RunPython.noop, elidable=True)]
