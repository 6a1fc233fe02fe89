# A rate limit that counts rows read, not requests (U11 bulk-read limit; PIPL art. 51).

from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("core", "0005_rate_limit_at"),
    ]

    operations = [
        migrations.AddField(
            model_name="ratelimithit",
            name="weight",
            field=models.PositiveIntegerField(default=1),
        ),
    ]
