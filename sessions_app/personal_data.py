"""The agenda's section of the delegate's data download (accounts.personal_data)."""

from django.dispatch import receiver

from accounts.personal_data import iso, personal_data_sections
from sessions_app.models import SessionSignup


@receiver(personal_data_sections, dispatch_uid="sessions_app.session_signups")
def session_signups(sender, *, registration, **kwargs):
    """The person's session sign-ups, in any status."""
    if registration is None:
        return "session_signups", []
    signups = SessionSignup.objects.filter(registration=registration).select_related("session")
    return "session_signups", [
        {
            "session": str(signup.session.title),
            "starts_at": iso(signup.session.starts_at),
            "status": signup.status,
        }
        for signup in signups
    ]
