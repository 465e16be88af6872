"""
Slots and tables get `updated_at`, and meetings an index on (conference,
updated_at, id): the order and the `updated_since` filter of the API's lists.
"""

import django.utils.timezone
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("b2b_meetings", "0004_directory_search"),
    ]

    operations = [
        migrations.AddField(
            model_name="meetingslot",
            name="updated_at",
            field=models.DateTimeField(auto_now=True, default=django.utils.timezone.now),
            preserve_default=False,
        ),
        migrations.AddField(
            model_name="table",
            name="updated_at",
            field=models.DateTimeField(auto_now=True, default=django.utils.timezone.now),
            preserve_default=False,
        ),
        migrations.AddIndex(
            model_name="meeting",
            index=models.Index(
                fields=["conference", "updated_at", "id"], name="meeting_conf_updated"
            ),
        ),
    ]
