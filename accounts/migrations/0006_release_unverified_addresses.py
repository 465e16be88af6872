"""
Addresses added on /accounts/email/ before the page became read-only were
never verified, yet could log in and squat an address the organisers were
about to invite. Such an address now counts for nothing (only a verified one
logs in): this drops those that are not their account's login, and moves an
account whose login is one back to an address it did verify.
"""

from django.db import migrations
from django.db.models import Exists, F, OuterRef


def release_unverified_addresses(apps, schema_editor):
    EmailAddress = apps.get_model("account", "EmailAddress")
    User = apps.get_model("accounts", "User")
    verified = EmailAddress.objects.filter(user=OuterRef("pk"), verified=True)
    squatters = User.objects.filter(Exists(verified)).exclude(
        Exists(verified.filter(email__iexact=OuterRef("email")))
    )
    for user in squatters:
        other_login = User.objects.filter(email__iexact=OuterRef("email")).exclude(pk=user.pk)
        fallback = (
            EmailAddress.objects.filter(user=user, verified=True)
            .exclude(Exists(other_login))
            .order_by("-primary", "pk")
            .first()
        )
        if fallback is None:
            continue
        EmailAddress.objects.filter(user=user).exclude(pk=fallback.pk).update(primary=False)
        EmailAddress.objects.filter(pk=fallback.pk).update(primary=True)
        User.objects.filter(pk=user.pk).update(email=fallback.email.lower())
    EmailAddress.objects.filter(verified=False).exclude(email__iexact=F("user__email")).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("accounts", "0005_invitation_language"),
        ("account", "0009_emailaddress_unique_primary_email"),
    ]

    operations = [
        migrations.RunPython(release_unverified_addresses, migrations.RunPython.noop),
    ]
