"""
Forget cached token lookups (conference/api/tokens.py) when what they hold
changes: the token itself, its creator's roles at the conference, or the
creator's account. At once, and again after the commit, so that a request
that read the old state in between does not keep it.
"""

from django.conf import settings
from django.db import transaction
from django.db.models.signals import post_delete, post_save
from django.dispatch import receiver

from conference.api.models import ApiToken
from conference.api.tokens import token_cache_forget
from conference.core.models import ConferenceRole


def _forget_later(tokens):
    tokens = list(tokens)
    token_cache_forget(tokens)
    transaction.on_commit(lambda: token_cache_forget(tokens))


@receiver(post_save, sender=ApiToken)
@receiver(post_delete, sender=ApiToken)
def token_changed(sender, instance, **kwargs):
    _forget_later([instance])


@receiver(post_save, sender=ConferenceRole)
@receiver(post_delete, sender=ConferenceRole)
def role_changed(sender, instance, **kwargs):
    _forget_later(
        ApiToken.objects.filter(
            conference_id=instance.conference_id, created_by_id=instance.user_id
        ).only("digest")
    )


@receiver(post_save, sender=settings.AUTH_USER_MODEL)
def user_changed(sender, instance, update_fields=None, **kwargs):
    # A login saves last_login alone: nothing a token depends on.
    if update_fields is not None and "is_active" not in update_fields:
        return
    _forget_later(ApiToken.objects.filter(created_by_id=instance.pk).only("digest"))
