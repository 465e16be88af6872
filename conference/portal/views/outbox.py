"""The organisers' email outbox: every email of the conference, its status, one email as sent."""

from csp.constants import NONE, SELF, UNSAFE_INLINE
from csp.decorators import csp
from django.contrib import messages
from django.core.paginator import Paginator
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils.html import escape
from django.utils.translation import gettext as _
from django.views.decorators.clickjacking import xframe_options_sameorigin
from django.views.decorators.http import require_POST

from conference.core import selectors, services
from conference.core.forms import OutboxFilterForm
from conference.core.models import OutgoingEmail, Role
from conference.core.permissions import conference_view


@conference_view(Role.ORGANISER)
def outbox(request, access):
    """The staff outbox: every email of the conference, its status, search."""
    conference = access.conference
    filters = OutboxFilterForm(request.GET or None)
    status = query = ""
    if filters.is_valid():
        status, query = filters.cleaned_data["status"], filters.cleaned_data["q"]
    page = Paginator(
        selectors.outbox_list(conference=conference, status=status, query=query), 50
    ).get_page(request.GET.get("page"))
    counts = selectors.outbox_status_counts(conference=conference)
    context = {
        "conference": conference,
        "filters": filters,
        "page": page,
        "status_counts": [
            (value, label, counts[value]) for value, label in OutgoingEmail.Status.choices
        ],
    }
    return render(request, "conference/outbox.html", context)


@conference_view(Role.ORGANISER)
def outbox_email(request, access, email_id):
    email = selectors.outbox_get(conference=access.conference, email_id=email_id)
    return render(
        request, "conference/outbox_email.html", {"conference": access.conference, "email": email}
    )


# The HTML body is the email as sent: it carries inline styles, so it is served
# on its own, framed by the message page only, with scripts, forms and remote
# content refused (its own policy instead of the site's).
@xframe_options_sameorigin
@csp(
    {
        "default-src": [NONE],
        "style-src": [UNSAFE_INLINE],
        "img-src": ["data:"],
        "frame-ancestors": [SELF],
        "sandbox": [""],
    }
)
@conference_view(Role.ORGANISER)
def outbox_email_body(request, access, email_id):
    email = selectors.outbox_get(conference=access.conference, email_id=email_id)
    body = email.body_html or ""
    if not body:
        body = "<pre>" + escape(email.body_text) + "</pre>"
    return HttpResponse(body, content_type="text/html; charset=utf-8")


@require_POST
@conference_view(Role.ORGANISER)
def outbox_resend(request, access, email_id):
    email = selectors.outbox_get(conference=access.conference, email_id=email_id)
    if email.status != email.Status.FAILED:
        messages.info(request, _("Only a failed email can be sent again."))
    else:
        services.outbox_resend(email=email, actor=request.user)
        messages.success(request, _("The email is queued again."))
    return redirect("conference:outbox_email", access.conference.slug, email.pk)
