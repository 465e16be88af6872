"""A delegate's job title, kept up from their B2B profile."""

from django.db import transaction
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from accounts.errors import RegistrationError
from accounts.models import Registration
from conference.core.services import audit_message, audit_record


def registration_job_title_set(*, registration, job_title, actor):
    """
    Set the job title of `registration` (it is printed on the badge).
    Refused once the organisers have locked registration details, like every
    other detail. Audited when it changes; joins the caller's transaction.
    """
    job_title = job_title.strip()
    with transaction.atomic():
        locked = (
            Registration.objects.select_for_update(of=("self",))
            .select_related("conference", "user")
            .get(pk=registration.pk)
        )
        if locked.job_title == job_title:
            return locked
        if locked.conference.registration_locked:
            raise RegistrationError(
                _("The organisers have locked registration details. Please contact them.")
            )
        previous = locked.job_title
        locked.job_title = job_title
        locked.save(update_fields=["job_title", "updated_at"])
        audit_record(
            actor=actor,
            conference=locked.conference,
            action="registration.job_title",
            obj=locked,
            summary=audit_message(
                gettext_noop("%(email)s changed their job title"), email=locked.user.email
            ),
            data={"fields": ["job_title"], "from": previous, "to": job_title},
        )
    registration.job_title = job_title
    return locked
