"""
The organisers' pages of the accounts app: invitations (one, a CSV import,
the bulk send with its progress, resend, revoke) and registrations (the
list with its facets and bulk actions, the settings, one registration and
its status changes).
Views parse, authorise (conference_view), call one service or selector, render.
"""

from django.contrib import messages
from django.core.paginator import Paginator
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import dateformat, timezone
from django.utils.translation import get_language, gettext_lazy, ngettext
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST
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
    RegistrationSettingsForm,
)
from accounts.models import Invitation, Registration, display_name_of
from conference.core.errors import shown_to_user
from conference.core.models import Job, OrganisationKind, OutgoingEmail, Role
from conference.core.permissions import conference_view
from conference.core.private_cache import private_page
from conference.core.release import code_version
from conference.core.uploads import upload_limit, upload_refused

PAGE_SIZE = 50


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
