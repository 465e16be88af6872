"""
Pages of the accounts app: the invitation link, sign-up from it, a
delegate's registration, and the organisers' invitations and registrations.
Views parse, authorise (conference_view), call one service or selector, render.
"""

from allauth.account import views as allauth_views
from django.contrib import messages
from django.contrib.auth import logout
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import dateformat, timezone
from django.utils.translation import get_language, gettext_lazy, ngettext
from django.utils.translation import gettext as _
from django.views import i18n as i18n_views
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods, require_POST
from django_countries import countries
from django_htmx.http import HttpResponseClientRefresh

from accounts import selectors, services
from accounts.forms import (
    BULK_ACTIONS,
    InvitationFilterForm,
    InvitationForm,
    InvitationImportForm,
    RegistrationBulkForm,
    RegistrationFilterForm,
    RegistrationForm,
    RegistrationSettingsForm,
)
from accounts.models import Invitation, Registration, display_name_of
from conference.core.errors import shown_to_user
from conference.core.models import Job, OrganisationKind, OutgoingEmail, Role
from conference.core.permissions import REGISTERED, SIGNED_IN, conference_view
from conference.core.private_cache import private_page
from conference.core.release import code_version
from conference.core.uploads import upload_limit, upload_refused

PAGE_SIZE = 50


# The invitation link and sign-up ------------------------------------------------


def _after_accept_url(invitation):
    slug = invitation.conference.slug
    if invitation.role == Invitation.InvitedRole.DELEGATE:
        return reverse("accounts:register", args=[slug])
    if invitation.role == Invitation.InvitedRole.ORGANISER:
        return reverse("conference:dashboard", args=[slug])
    return reverse("conference:home", args=[slug])


@never_cache  # personal data behind a secret address, not behind a login
@require_http_methods(["GET", "POST"])
def invitation(request, token):
    """
    Where the invitation email leads. A usable invitation is remembered in
    the session (which opens sign-up, see the adapter); a logged-in invitee
    accepts it with one click, a new one goes on to sign up. A used, revoked
    or expired link gets a page that says so.

    Showing the page changes nothing about the invitation: mail security
    scanners and link previews follow (GET) every link in a message. Only a
    person's action on the page, a POST, marks it opened.
    """
    invitation = selectors.invitation_by_token(token=token)
    if invitation is None:
        return render(
            request, "accounts/invitation_unusable.html", {"reason": "unknown"}, status=404
        )
    conference = invitation.conference
    context = {"conference": conference, "invitation": invitation}
    with timezone.override(conference.tz):
        if not invitation.is_usable():
            mine = request.user.is_authenticated and invitation.accepted_by_id == request.user.pk
            if mine:
                return redirect(_after_accept_url(invitation))
            reason = invitation.status
            if invitation.status in Invitation.LIVE_STATUSES:
                reason = Invitation.Status.EXPIRED  # past expiry, not swept yet
            context["reason"] = reason
            return render(request, "accounts/invitation_unusable.html", context)

        if request.method == "POST":
            services.invitation_open(invitation=invitation)
        if request.user.is_authenticated:
            context["other_account"] = request.user.email.lower() != invitation.email.lower()
            if request.method == "POST" and not context["other_account"]:
                with shown_to_user(request) as outcome:
                    services.invitation_accept(token=token, user=request.user)
                if not outcome.ok:
                    return redirect("invitation", token)
                request.session.pop("invitation_token", None)
                messages.success(
                    request,
                    _("Welcome! Your invitation to %(name)s is accepted.")
                    % {"name": conference.name},
                )
                return redirect(_after_accept_url(invitation))
            return render(request, "accounts/invitation.html", context)

        request.session["invitation_token"] = token
        here = reverse("invitation", args=[token])
        if selectors.email_address_is_held(email=invitation.email):
            messages.info(
                request,
                _("You already have an account with %(email)s. Log in to accept the invitation.")
                % {"email": invitation.email},
            )
            return redirect(f"{reverse('account_login')}?next={here}")
        if request.method == "POST":
            return redirect(f"{reverse('account_signup')}?next={_after_accept_url(invitation)}")
        return render(request, "accounts/invitation.html", context)


@require_POST
def language_set(request):
    """Django's set_language; a signed-in person's choice is kept on their account too."""
    response = i18n_views.set_language(request)
    if request.user.is_authenticated:
        services.user_language_set(user=request.user, language=request.POST.get("language", ""))
    return response


@require_POST
def invitation_switch_account(request, token):
    """Log out of another account, to come back to the invitation as its invitee."""
    logout(request)
    return redirect("invitation", token)


@login_required
@require_GET
def email(request):
    """
    The account's address, read-only (in place of allauth's page, which adds
    addresses, switches the primary one and sends verification mail). It is
    the address the organisers invited: only they change it.
    """
    addresses = request.user.emailaddress_set.order_by("-primary", "email")
    return render(request, "account/email.html", {"addresses": addresses})


class InvitationSignupView(allauth_views.SignupView):
    """allauth's sign-up, given the invitation of the session (see SignupForm)."""

    def closed(self):
        """No live invitation in the session: "invitation required", unless it was just used."""
        request = self.request
        token = request.session.get("invitation_token")
        invitation = selectors.invitation_by_token(token=token) if token else None
        if (
            invitation is not None
            and invitation.status == Invitation.Status.ACCEPTED
            and not request.user.is_authenticated
        ):
            # Accepted meanwhile, e.g. by the same person in another tab: the
            # account exists, so log in instead of "invitation required".
            messages.info(
                request,
                _("An account was just created with this invitation. Log in to continue."),
            )
            login = reverse("account_login")
            register = reverse("accounts:register", args=[invitation.conference.slug])
            return redirect(f"{login}?next={register}")
        return super().closed()

    def get_form_kwargs(self):
        kwargs = super().get_form_kwargs()
        token = self.request.session.get("invitation_token")
        kwargs["invitation"] = selectors.invitation_by_token(token=token) if token else None
        return kwargs

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        invitation = context["form"].invitation
        context["invitation"] = invitation
        context["conference"] = invitation.conference if invitation else None
        return context


signup = InvitationSignupView.as_view()


# A delegate's registration -------------------------------------------------------


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


# Invitations (organisers) ---------------------------------------------------------


def _invitations_page(request, access, *, invite_form=None, import_form=None, report=None):
    conference = access.conference
    filters = InvitationFilterForm(request.GET or None)
    status = query = ""
    if filters.is_valid():
        status, query = filters.cleaned_data["status"], filters.cleaned_data["q"]
    page = Paginator(
        selectors.invitation_list(conference=conference, status=status, query=query), PAGE_SIZE
    ).get_page(request.GET.get("page"))
    counts = selectors.invitation_status_counts(conference=conference)
    email_statuses = dict(OutgoingEmail.Status.choices)
    for invitation in page.object_list:
        invitation.email_status_label = email_statuses.get(invitation.email_status, "")
    context = {
        "conference": conference,
        "filters": filters,
        "page": page,
        "counts": counts,
        "status_counts": [
            (value, label, counts[value]) for value, label in Invitation.Status.choices
        ],
        "job": selectors.invitation_job_latest(conference=conference),
        "invite_form": invite_form or InvitationForm(prefix="invite"),
        "import_form": import_form or InvitationImportForm(prefix="import"),
        "report": report,
    }
    return render(request, "accounts/manage_invitations.html", context)


@conference_view(Role.ORGANISER)
def invitations(request, access):
    """The invitations: invite one person, upload a CSV, send, resend, revoke."""
    invite_form = InvitationForm(request.POST or None, prefix="invite")
    if request.method == "POST" and invite_form.is_valid():
        data = invite_form.cleaned_data
        try:
            invitation = services.invitation_create(
                conference=access.conference,
                actor=request.user,
                email=data["email"],
                name=data["name"],
                organisation=data["organisation"],
                role=data["role"],
                language=data["language"],
            )
        except services.InvitationError as exc:
            invite_form.add_error("email", str(exc))
        else:
            messages.success(
                request, _("Invitation queued for %(email)s.") % {"email": invitation.email}
            )
            return redirect("accounts:invitations", access.conference.slug)
    return _invitations_page(request, access, invite_form=invite_form)


@upload_limit(services.CSV_MAX_BYTES)
@require_POST
@conference_view(Role.ORGANISER)
def invitations_import(request, access):
    """
    Import a CSV and show the report on the same page (re-posting it is
    harmless: the import creates no duplicates).
    """
    form = InvitationImportForm(
        request.POST, request.FILES, prefix="import", upload_refused=upload_refused(request)
    )
    if not form.is_valid():
        return _invitations_page(request, access, import_form=form)
    report = services.invitation_import_csv(
        conference=access.conference, actor=request.user, data=form.cleaned_data["file"].read()
    )
    if report.created and form.cleaned_data["send_now"]:
        services.invitation_send_job_start(conference=access.conference, actor=request.user)
    return _invitations_page(request, access, report=report)


@conference_view(Role.ORGANISER)
def invitations_template(request, access):
    """A sample CSV with the columns the import understands."""
    rows = [
        "email,name,organisation,kind,country,role,language",
        "hanako.sato@example.jp,Sato Hanako,Example Motors,oem,JP,delegate,ja",
        "a.kumar@example.in,Arjun Kumar,Example Recycling,recycler,IN,delegate,en",
    ]
    response = HttpResponse("\n".join(rows) + "\n", content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = 'attachment; filename="invitations-template.csv"'
    return response


@require_POST
@conference_view(Role.ORGANISER)
def invitations_send(request, access):
    job = services.invitation_send_job_start(conference=access.conference, actor=request.user)
    if job.total:
        messages.success(
            request,
            ngettext("Sending %(count)s invitation.", "Sending %(count)s invitations.", job.total)
            % {"count": job.total},
        )
    else:
        messages.info(request, _("There are no queued invitations to send."))
    return redirect("accounts:invitations", access.conference.slug)


@conference_view(Role.ORGANISER)
def invitations_job(request, access, job_id):
    """The progress bar of a bulk send (polled by htmx while it runs)."""
    job = selectors.invitation_job_get(conference=access.conference, job_id=job_id)
    if request.GET.get("running") and job.status not in (Job.Status.QUEUED, Job.Status.RUNNING):
        # It ended while the page watched: reload it, so that the list shows
        # the invitations as sent (no "Queued" rows left with Send buttons).
        return HttpResponseClientRefresh()
    return render(
        request, "accounts/_job_progress.html", {"conference": access.conference, "job": job}
    )


@require_POST
@conference_view(Role.ORGANISER)
def invitation_resend(request, access, invitation_id):
    invitation = selectors.invitation_get(conference=access.conference, invitation_id=invitation_id)
    with shown_to_user(request) as outcome:
        services.invitation_resend(invitation=invitation, actor=request.user)
    if outcome.ok:
        messages.success(
            request, _("Invitation resent to %(email)s.") % {"email": invitation.email}
        )
    return redirect(_back(request, "accounts:invitations", access.conference.slug))


@require_POST
@conference_view(Role.ORGANISER)
def invitation_revoke(request, access, invitation_id):
    invitation = selectors.invitation_get(conference=access.conference, invitation_id=invitation_id)
    with shown_to_user(request) as outcome:
        services.invitation_revoke(invitation=invitation, actor=request.user)
    if outcome.ok:
        messages.success(
            request, _("Invitation to %(email)s revoked.") % {"email": invitation.email}
        )
    return redirect(_back(request, "accounts:invitations", access.conference.slug))


def _back(request, name, slug):
    """The list page the action came from, with its filters, if it is ours."""
    base = reverse(name, args=[slug])
    back = request.POST.get("next", "")
    return back if back.startswith(base) else base


# Registrations (organisers) ---------------------------------------------------------


@private_page
@conference_view(Role.ORGANISER)
def registrations(request, access):
    conference = access.conference
    facets = selectors.registration_facets(conference=conference)
    counts = facets["status_counts"]
    filters = RegistrationFilterForm(request.GET or None, countries=facets["countries"])
    criteria = {}
    if filters.is_valid():
        criteria = {
            "status": filters.cleaned_data["status"],
            "kind": filters.cleaned_data["kind"],
            "country": filters.cleaned_data["country"],
            "query": filters.cleaned_data["q"],
            "deletion": filters.cleaned_data["deletion"],
        }
    paginator = Paginator(selectors.registration_list(conference=conference, **criteria), PAGE_SIZE)
    if not any(value for name, value in criteria.items() if name != "status"):
        # Every registration, or those of one status: counted already (a query less).
        status = criteria.get("status")
        paginator.count = counts[status] if status else sum(counts.values())
    page = paginator.get_page(request.GET.get("page"))
    settings_form = RegistrationSettingsForm(instance=conference, prefix="settings")
    context = {
        "conference": conference,
        "filters": filters,
        "page": page,
        "rows": _registration_rows(page.object_list, slug=conference.slug),
        "status_counts": [
            (value, label, counts[value]) for value, label in Registration.Status.choices
        ],
        "settings_form": settings_form,
        # Its markup is cached (the template, with the language) by what shapes
        # it: the code, the conference and the values it shows, never stale.
        "settings_form_key": [code_version(), conference.pk, *settings_form.initial.items()],
    }
    return render(request, "accounts/manage_registrations.html", context)


def _registration_rows(registrations, *, slug):
    """
    The rows of the registrations list (selectors.registration_list) with
    what each shows, worked out once per page where it can be: the labels of
    the statuses and organisation kinds, the countries' names, the address
    of the registrations' pages. Done row by row in the template (lazy
    translations, django-countries, `{% url %}`, `|date`, lookups on model
    instances) they were most of the page's time (issue 19).
    """
    statuses = {value: str(label) for value, label in Registration.Status.choices}
    kinds = {value: str(label) for value, label in OrganisationKind.choices}
    country_names = {}
    select = _("Select %(name)s")
    registered_format = _("j M, H:i")
    # A registration's page is this list's address plus its id.
    url_prefix = reverse("accounts:registrations", args=[slug])
    rows = []
    for registration in registrations:
        name = display_name_of(
            given_name=registration["user__given_name"],
            family_name=registration["user__family_name"],
            family_name_first=registration["user__family_name_first"],
            email=registration["user__email"],
        )
        status = registration["status"]
        row = {
            "pk": str(registration["pk"]),
            "url": f"{url_prefix}{registration['pk']}/",
            "name": name,
            "select_label": select % {"name": name},
            "email": registration["user__email"],
            "deletion_requested": registration["deletion_requested_at"] is not None,
            "organisation": None,
            "job_title": registration["job_title"],
            "status": status,
            "status_label": statuses.get(status, status),
            "registered": dateformat.format(
                timezone.localtime(registration["created_at"]), registered_format
            ),
        }
        if registration["organisation_id"] is not None:
            code = registration["organisation__country"]
            if code not in country_names:
                country_names[code] = countries.name(code) if code else ""
            kind = registration["organisation__kind"]
            row.update(
                organisation=registration["organisation__name"],
                kind_label=kinds.get(kind, kind),
                country_name=country_names[code],
                unconfirmed=not registration["organisation__confirmed"],
            )
        rows.append(row)
    return rows


@require_POST
@conference_view(Role.ORGANISER)
def registrations_bulk(request, access):
    conference = access.conference
    form = RegistrationBulkForm(request.POST, conference=conference)
    if not form.is_valid():
        for errors in form.errors.values():
            for error in errors:
                messages.error(request, error)
        return redirect(_back(request, "accounts:registrations", conference.slug))
    changed, refused = services.registration_bulk_transition(
        conference=conference,
        registration_ids=[r.pk for r in form.cleaned_data["registrations"]],
        to=BULK_ACTIONS[form.cleaned_data["action"]],
        actor=request.user,
    )
    if changed:
        messages.success(
            request,
            ngettext(
                "%(count)s registration changed.", "%(count)s registrations changed.", len(changed)
            )
            % {"count": len(changed)},
        )
    for registration, reason in refused:
        messages.warning(request, f"{registration.user.display_name}: {reason}")
    return redirect(_back(request, "accounts:registrations", conference.slug))


@require_POST
@conference_view(Role.ORGANISER)
def registrations_settings(request, access):
    conference = access.conference
    form = RegistrationSettingsForm(request.POST, instance=conference, prefix="settings")
    if form.is_valid():
        services.registration_settings_update(
            conference=conference, actor=request.user, **form.cleaned_data
        )
        messages.success(request, _("Registration settings saved."))
    else:
        conference.refresh_from_db()
        for field, errors in form.errors.items():
            for error in errors:
                messages.error(request, f"{form.fields[field].label}: {error}")
    return redirect("accounts:registrations", conference.slug)


TRANSITION_ACTIONS = {
    "approve": (Registration.Status.APPROVED, gettext_lazy("Approve")),
    "waitlist": (Registration.Status.WAITLISTED, gettext_lazy("Put on the waiting list")),
    "reject": (Registration.Status.REJECTED, gettext_lazy("Reject")),
}


@conference_view(Role.ORGANISER)
def registration_detail(request, access, registration_id):
    conference = access.conference
    registration = selectors.registration_get(
        conference=conference, registration_id=registration_id
    )
    actions = [
        (key, label)
        for key, (to, label) in TRANSITION_ACTIONS.items()
        if registration.status in services.ORGANISER_TRANSITIONS[to]
    ]
    context = {
        "conference": conference,
        "registration": registration,
        "actions": actions,
        "history": selectors.registration_history(registration=registration),
        "emails": selectors.registration_emails(registration=registration),
        "has_id_document": bool(registration.id_document_number),
        "answers": selectors.registration_answers(
            registration=registration, roles=access.roles, language=get_language()
        ),
    }
    return render(request, "accounts/manage_registration.html", context)


@require_POST
@conference_view(Role.ORGANISER)
def registration_transition(request, access, registration_id):
    conference = access.conference
    registration = selectors.registration_get(
        conference=conference, registration_id=registration_id
    )
    action = TRANSITION_ACTIONS.get(request.POST.get("action", ""))
    if action is None:
        messages.error(request, _("Unknown action."))
    else:
        with shown_to_user(request) as outcome:
            services.registration_transition(
                registration=registration, to=action[0], actor=request.user
            )
        if outcome.ok:
            messages.success(request, _("Registration updated; the delegate is told by email."))
    return redirect("accounts:registration", conference.slug, registration.pk)


@require_POST
@conference_view(Role.ORGANISER)
def registration_confirm_organisation(request, access, registration_id):
    conference = access.conference
    registration = selectors.registration_get(
        conference=conference, registration_id=registration_id
    )
    if registration.organisation_id:
        services.registration_confirm_organisation(registration=registration, actor=request.user)
        messages.success(
            request,
            _("%(name)s is confirmed.") % {"name": registration.organisation.name},
        )
    return redirect("accounts:registration", conference.slug, registration.pk)
