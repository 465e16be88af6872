"""
Posting to the message thread of a request or of a meeting: its
participants, and the organisers (who write as "the organisers"). Whoever
cannot see the request or meeting gets a 404, as if it did not exist.
"""

from django.contrib import messages
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from b2b_meetings import services
from b2b_meetings.forms import MessageForm
from b2b_meetings.views.shared import (
    get_meeting,
    get_request_to_read,
    is_seated,
    meeting_page_context,
    request_page_context,
)
from conference.core.models import Role
from conference.core.permissions import DELEGATE, conference_view


@require_POST
@conference_view(DELEGATE, Role.ORGANISER)
def request_message(request, access, request_id):
    item = get_request_to_read(access, request_id)
    form = MessageForm(request.POST)
    error = None
    if form.is_valid():
        try:
            services.message_post(
                meeting_request=item,
                # An organiser who is not one of its sides writes as the organisers.
                author=access.registration if item.is_party else None,
                author_user=request.user,
                body=form.cleaned_data["body"],
            )
        except services.B2BError as exc:
            error = exc.message
        else:
            messages.success(request, _("Message sent."))
            return redirect(_thread_anchor(access, "b2b_meetings:request", item.pk))
    # The page again with what was written, and why it was refused.
    context = request_page_context(access, item)
    context.update(message_form=form, message_error=error)
    return render(request, "b2b_meetings/request_detail.html", context, status=400)


@require_POST
@conference_view(DELEGATE, Role.ORGANISER)
def meeting_message(request, access, meeting_id):
    item = get_meeting(access, meeting_id)
    seated = is_seated(access, item)
    if not seated and not access.is_organiser:
        raise Http404
    form = MessageForm(request.POST)
    error = None
    if form.is_valid():
        try:
            services.message_post(
                meeting=item,
                author=access.registration if seated else None,
                author_user=request.user,
                body=form.cleaned_data["body"],
            )
        except services.B2BError as exc:
            error = exc.message
        else:
            messages.success(request, _("Message sent."))
            return redirect(_thread_anchor(access, "b2b_meetings:meeting", item.pk))
    context = meeting_page_context(access, item, message_form=form, message_error=error)
    return render(request, "b2b_meetings/meeting.html", context, status=400)


def _thread_anchor(access, name, pk):
    return reverse(name, args=[access.conference.slug, pk]) + "#thread"
