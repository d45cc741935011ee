"""Review counts move from ``ReviewStat`` to the interactions app's ``ArticleStat``.

The new columns are filled from the reviews themselves (the source of truth, as
``comments_recount`` counts them), then ``ReviewStat`` goes. Reversed, ``ReviewStat`` comes
back filled from the stat rows.
"""

from django.db import migrations
from django.db.models import Count, Sum

BATCH = 1000
REVIEW = "review"


def _reviews_counted(apps, schema_editor):
    comment_model = apps.get_model("comments", "Comment")
    stat_model = apps.get_model("interactions", "ArticleStat")
    rows = list(
        comment_model.objects.filter(kind=REVIEW)
        .values_list("article_id")
        .annotate(n=Count("id"), total=Sum("rating"))
        .order_by("article_id")
    )
    for start in range(0, len(rows), BATCH):
        batch = rows[start : start + BATCH]
        stat_model.objects.bulk_create(
            [stat_model(article_id=article_id) for article_id, _n, _total in batch],
            ignore_conflicts=True,
        )
        for article_id, n, total in batch:
            stat_model.objects.filter(pk=article_id).update(
                review_count=n, review_rating_sum=int(total or 0)
            )


def _review_stats_restored(apps, schema_editor):
    stat_model = apps.get_model("interactions", "ArticleStat")
    review_stat_model = apps.get_model("comments", "ReviewStat")
    rows = stat_model.objects.filter(review_count__gt=0).values_list(
        "article_id", "review_count", "review_rating_sum"
    )
    review_stat_model.objects.bulk_create(
        [
            review_stat_model(article_id=article_id, review_count=n, rating_sum=total, version=1)
            for article_id, n, total in rows.iterator()
        ],
        batch_size=BATCH,
        ignore_conflicts=True,
    )


class Migration(migrations.Migration):
    dependencies = [
        ("comments", "0003_kind_db_default"),
        ("interactions", "0004_review_counts"),
    ]

    operations = [
        migrations.RunPython(_reviews_counted, _review_stats_restored),
        migrations.DeleteModel(name="ReviewStat"),
    ]
