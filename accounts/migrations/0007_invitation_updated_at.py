"""
Invitations get `updated_at`, and invitations and registrations an index on
(conference, updated_at, id): the order and the `updated_since` filter of the
API's lists. Existing invitations take the time of the migration.
"""

import django.utils.timezone
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("accounts", "0006_release_unverified_addresses"),
    ]

    operations = [
        migrations.AddField(
            model_name="invitation",
            name="updated_at",
            field=models.DateTimeField(
                auto_now=True, default=django.utils.timezone.now, verbose_name="updated"
            ),
            preserve_default=False,
        ),
        migrations.AddIndex(
            model_name="invitation",
            index=models.Index(
                fields=["conference", "updated_at", "id"], name="invitation_conf_updated"
            ),
        ),
        migrations.AddIndex(
            model_name="registration",
            index=models.Index(
                fields=["conference", "updated_at", "id"], name="registration_conf_updated"
            ),
        ),
    ]
