"""
Reads of the accounts app. Staff reads are scoped to one conference; a
delegate's reads start from their own registration, so an id in a URL never
reaches another person's row (it is a 404).
"""

from allauth.account.models import EmailAddress
from django.db.models import CharField, Count, Exists, OuterRef, Q, Subquery, Value
from django.db.models.functions import Cast, Concat
from django.shortcuts import get_object_or_404

from accounts.models import (
    JOB_INVITATIONS_SEND,
    Invitation,
    Registration,
    RegistrationAnswer,
    RegistrationQuestion,
    User,
)
from accounts.personal_data import iso, sections_collect
from conference.core.models import AuditLog, Job, Organisation, OutgoingEmail
from conference.core.selectors import count_by


def invitation_by_token(*, token):
    return Invitation.objects.select_related("conference").filter(token=token).first()


def email_address_is_held(*, email):
    """
    Whether an account holds `email`: has verified it, or logs in with it and
    has verified no address at all (made in the admin: it verifies at its
    first login). An unverified copy on an account that verified another
    address does not count; it gives way to an invitation to `email`
    (services.email_address_release).
    """
    verified = EmailAddress.objects.filter(user=OuterRef("pk"), verified=True)
    return (
        EmailAddress.objects.filter(email__iexact=email, verified=True).exists()
        or User.objects.filter(email__iexact=email).exclude(Exists(verified)).exists()
    )


def email_address_is_own(*, user, email):
    """Whether `email` is `user`'s login or an address `user` verified."""
    return (
        user.email.lower() == email.lower()
        or user.emailaddress_set.filter(email__iexact=email, verified=True).exists()
    )


def invitation_list(*, conference, status="", query=""):
    """
    The conference's invitations, each with the id and status of its latest
    email (`email_id`, `email_status`), found by the email's dedup key.
    """
    latest_email = OutgoingEmail.objects.filter(dedup_key=OuterRef("email_key"))
    invitations = (
        Invitation.objects.filter(conference=conference)
        .select_related("organisation", "accepted_by")
        .annotate(
            email_key=Concat(
                Value("invitation:"),
                Cast("pk", CharField()),
                Value(":send:"),
                Cast("send_count", CharField()),
            ),
            email_id=Subquery(latest_email.values("pk")[:1]),
            email_status=Subquery(latest_email.values("status")[:1]),
        )
    )
    if status:
        invitations = invitations.filter(status=status)
    if query:
        invitations = invitations.filter(
            Q(email__icontains=query)
            | Q(name__icontains=query)
            | Q(organisation__name__icontains=query)
        )
    return invitations.order_by("-created_at", "-pk")


def invitation_status_counts(*, conference):
    counts = dict.fromkeys(Invitation.Status.values, 0)
    counts.update(count_by(Invitation.objects.filter(conference=conference), "status"))
    return counts


def invitation_get(*, conference, invitation_id):
    return get_object_or_404(Invitation, conference=conference, pk=invitation_id)


def invitation_job_latest(*, conference):
    return Job.objects.filter(conference=conference, kind=JOB_INVITATIONS_SEND).first()


def invitation_job_get(*, conference, job_id):
    return get_object_or_404(Job, conference=conference, kind=JOB_INVITATIONS_SEND, pk=job_id)


# What a row of the organisers' registrations list shows.
REGISTRATION_ROW_FIELDS = (
    "pk",
    "status",
    "job_title",
    "created_at",
    "deletion_requested_at",
    "user__given_name",
    "user__family_name",
    "user__family_name_first",
    "user__email",
    "organisation_id",
    "organisation__name",
    "organisation__kind",
    "organisation__country",
    "organisation__confirmed",
)


def registration_list(*, conference, status="", kind="", country="", query="", deletion=False):
    """
    The conference's registrations for the organisers' list, newest first,
    as plain rows (dicts of REGISTRATION_ROW_FIELDS): a page of them is read
    without building three model instances per row.
    """
    registrations = Registration.objects.filter(conference=conference)
    if status:
        registrations = registrations.filter(status=status)
    if kind:
        registrations = registrations.filter(organisation__kind=kind)
    if country:
        registrations = registrations.filter(organisation__country=country)
    if deletion:
        registrations = registrations.filter(deletion_requested_at__isnull=False)
    if query:
        registrations = registrations.filter(
            Q(user__email__icontains=query)
            | Q(user__given_name__icontains=query)
            | Q(user__family_name__icontains=query)
            | Q(organisation__name__icontains=query)
            | Q(job_title__icontains=query)
        )
    return registrations.order_by("-created_at", "-pk").values(*REGISTRATION_ROW_FIELDS)


def registration_status_counts(*, conference):
    counts = dict.fromkeys(Registration.Status.values, 0)
    counts.update(count_by(Registration.objects.filter(conference=conference), "status"))
    return counts


def registration_facets(*, conference):
    """
    What the registrations list's filters offer, in one query: the number of
    registrations in each status (`status_counts`, every status) and the
    organisation countries present among them (`countries`, sorted).
    """
    status_counts = dict.fromkeys(Registration.Status.values, 0)
    countries = set()
    groups = (
        Registration.objects.filter(conference=conference)
        .values("status", "organisation__country")
        .annotate(n=Count("pk"))
        .order_by()
    )
    for group in groups:
        status_counts[group["status"]] = status_counts.get(group["status"], 0) + group["n"]
        if group["organisation__country"]:
            countries.add(group["organisation__country"])
    return {"status_counts": status_counts, "countries": sorted(countries)}


def registration_get(*, conference, registration_id):
    return get_object_or_404(
        Registration.objects.select_related("user", "organisation", "conference"),
        conference=conference,
        pk=registration_id,
    )


def registration_history(*, registration):
    """The audit entries about one registration, newest first."""
    return AuditLog.objects.filter(
        object_type=Registration._meta.label_lower, object_id=str(registration.pk)
    ).select_related("actor")


def registration_emails(*, registration):
    """The emails the conference sent this person, newest first."""
    return OutgoingEmail.objects.filter(
        conference=registration.conference, recipient__iexact=registration.user.email
    ).only("pk", "subject", "kind", "status", "created_at", "sent_at")


def invited_organisation_id(*, conference, user):
    """The organisation of the invitation `user` accepted for `conference`, if it named one."""
    return (
        Invitation.objects.filter(
            conference=conference, accepted_by=user, status=Invitation.Status.ACCEPTED
        )
        .exclude(organisation=None)
        .values_list("organisation_id", flat=True)
        .first()
    )


def organisation_choices(*, user=None):
    """Confirmed organisations, plus any the user proposed that staff have not confirmed."""
    organisations = Organisation.objects.filter(confirmed=True)
    if user is not None:
        organisations = Organisation.objects.filter(
            Q(confirmed=True) | Q(registrations__user=user)
        ).distinct()
    return organisations.order_by("name")


def registration_personal_data(*, user, conference):
    """
    Everything the portal holds about `user` that concerns this conference,
    as JSON-ready data: account, invitations, registration (with ID document
    data: it is theirs), then the sections of the apps above accounts
    (session sign-ups, B2B requests and meetings: accounts.personal_data),
    then emails.
    """
    registration = (
        Registration.objects.select_related("organisation")
        .filter(conference=conference, user=user)
        .first()
    )
    return {
        "conference": {"name": str(conference.name), "slug": conference.slug},
        "account": {
            "email": user.email,
            "given_name": user.given_name,
            "family_name": user.family_name,
            "family_name_first": user.family_name_first,
            "language": user.language,
            "time_zone": user.time_zone,
            "joined": iso(user.date_joined),
            "last_login": iso(user.last_login),
        },
        "invitations": [
            {
                "email": invitation.email,
                "role": invitation.role,
                "status": invitation.status,
                "sent_at": iso(invitation.sent_at),
                "accepted_at": iso(invitation.accepted_at),
            }
            for invitation in Invitation.objects.filter(conference=conference).filter(
                Q(accepted_by=user) | Q(email__iexact=user.email)
            )
        ],
        "registration": _registration_data(registration) if registration else None,
        **sections_collect(user=user, conference=conference, registration=registration),
        "emails": [
            {
                "subject": email.subject,
                "kind": email.kind,
                "status": email.status,
                "created_at": iso(email.created_at),
                "sent_at": iso(email.sent_at),
            }
            for email in OutgoingEmail.objects.filter(
                conference=conference, recipient__iexact=user.email
            ).order_by("created_at")
        ],
    }


def _registration_data(registration):
    organisation = registration.organisation
    return {
        "status": registration.status,
        "registered_at": iso(registration.created_at),
        "status_changed_at": iso(registration.status_changed_at),
        "organisation": organisation.name if organisation else None,
        "organisation_kind": organisation.kind if organisation else None,
        "job_title": registration.job_title,
        "nationality": str(registration.nationality.code or ""),
        "id_document_type": registration.id_document_type,
        "id_document_number": registration.id_document_number,
        "id_document_expiry": iso(registration.id_document_expiry),
        "id_data_erased_at": iso(registration.id_data_erased_at),
        "dietary_needs": registration.dietary_needs,
        "access_needs": registration.access_needs,
        "directory_consent": registration.directory_consent,
        "directory_contact": registration.directory_contact,
        "privacy_accepted_at": iso(registration.privacy_accepted_at),
        "badge_code": registration.badge_code,
        "checked_in_at": iso(registration.checked_in_at),
        "deletion_requested_at": iso(registration.deletion_requested_at),
        # Their own answers, every one: the readers' roles limit staff, not the delegate.
        "answers": _answers_data(registration),
    }


# Custom registration questions ------------------------------------------------------------


def question_list(*, conference):
    """All the conference's questions in form order, each with its number of answers."""
    return conference.registration_questions.annotate(answer_count=Count("answers")).order_by(
        "position", "pk"
    )


def question_get(*, conference, question_id):
    return get_object_or_404(RegistrationQuestion, conference=conference, pk=question_id)


def questions_asked(*, conference):
    """The questions the registration form asks now (active), in order."""
    return list(conference.registration_questions.filter(is_active=True).order_by("position", "pk"))


def registration_answers(*, registration, roles, language):
    """
    The answers of `registration` for staff holding `roles`, in question
    order, as (question label, answer or None when the role may not read it)
    pairs: what was asked and answered then, in `language`. Two queries.
    """
    answers = {
        answer.question_id: answer
        for answer in RegistrationAnswer.objects.filter(registration=registration)
    }
    found = []
    for question in registration.conference.registration_questions.order_by("position", "pk"):
        answer = answers.get(question.pk)
        if answer is None and not question.is_active:
            continue
        readable = question.readable_by(roles)
        found.append(
            {
                "question": answer.question_label(language) if answer else question.label(language),
                "readable": readable,
                "answer": answer.display(language) if (answer and readable) else None,
                "retired": not question.is_active,
            }
        )
    return found


def _answers_data(registration):
    return [
        {
            "question_en": answer.question_en,
            "question_ja": answer.question_ja,
            "value": answer.value,
            "answer_en": answer.answer_en,
            "answer_ja": answer.answer_ja,
            "answered_at": iso(answer.answered_at),
        }
        for answer in registration.answers.order_by("question__position", "question_id")
    ]
