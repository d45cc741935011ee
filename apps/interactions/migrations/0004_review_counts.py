from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("interactions", "0003_read_days"),
    ]

    operations = [
        migrations.AddField(
            model_name="articlestat",
            name="review_count",
            field=models.PositiveIntegerField(db_default=0, default=0),
        ),
        migrations.AddField(
            model_name="articlestat",
            name="review_rating_sum",
            field=models.PositiveIntegerField(db_default=0, default=0),
        ),
    ]
