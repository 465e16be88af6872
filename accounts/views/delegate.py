"""
A delegate's own pages: registering (with an accepted invitation), the
registration's status and details, withdrawing, their personal data and a
request to delete it.
"""

from django.contrib import messages
from django.http import JsonResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from accounts import selectors, services
from accounts.forms import RegistrationForm
from accounts.models import Registration
from conference.core.errors import shown_to_user
from conference.core.permissions import REGISTERED, SIGNED_IN, conference_view


@conference_view(SIGNED_IN)
def register(request, access):
    """
    Register (with an accepted invitation), see the status, and edit the
    details until the organisers lock them.
    """
    conference, registration = access.conference, access.registration
    if registration is None and not services.registration_can_register(
        conference=conference, user=request.user
    ):
        return render(
            request, "accounts/register_by_invitation.html", {"conference": conference}, status=403
        )
    editing = registration is not None and registration.status != Registration.Status.WITHDRAWN
    locked = editing and conference.registration_locked
    closed = not editing and not conference.registration_is_open()
    form = None
    if not locked and not closed:
        initial = {}
        if not editing:
            # The organisation the organisers invited them from, chosen already.
            initial["organisation"] = selectors.invited_organisation_id(
                conference=conference, user=request.user
            )
        form = RegistrationForm(
            request.POST or None,
            instance=registration,
            initial=initial,
            conference=conference,
            user=request.user,
            questions=selectors.questions_asked(conference=conference),
        )
        if request.method == "POST" and form.is_valid():
            with shown_to_user(request):
                if editing:
                    services.registration_update(
                        registration=registration, actor=request.user, **form.service_kwargs()
                    )
                    messages.success(request, _("Your details are saved."))
                else:
                    services.registration_create(
                        conference=conference, user=request.user, **form.service_kwargs()
                    )
                    messages.success(request, _("Thank you for registering."))
            return redirect("accounts:register", conference.slug)
    context = {
        "conference": conference,
        "registration": registration,
        "form": form,
        "editing": editing,
        "locked": locked,
        "closed": closed,
    }
    return render(request, "accounts/register.html", context)


@require_POST
@conference_view(REGISTERED)
def withdraw(request, access):
    with shown_to_user(request) as outcome:
        services.registration_transition(
            registration=access.registration,
            to=Registration.Status.WITHDRAWN,
            actor=request.user,
            by_delegate=True,
        )
    if outcome.ok:
        messages.success(request, _("Your registration is withdrawn."))
    return redirect("accounts:register", access.conference.slug)


@conference_view(REGISTERED)
def personal_data(request, access):
    """Everything the portal holds about the delegate, as a JSON download."""
    data = selectors.registration_personal_data(user=request.user, conference=access.conference)
    response = JsonResponse(data, json_dumps_params={"indent": 2, "ensure_ascii": False})
    filename = f"{access.conference.slug}-my-data.json"
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


@require_POST
@conference_view(REGISTERED)
def request_deletion(request, access):
    services.registration_request_deletion(registration=access.registration, actor=request.user)
    messages.success(
        request,
        _("Your request is recorded. The organisers will delete your data and confirm by email."),
    )
    return redirect("accounts:register", access.conference.slug)
