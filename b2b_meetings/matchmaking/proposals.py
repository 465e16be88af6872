"""
Meetings the organisers propose to a pair of delegates, and "not
interested" on a suggestion.

A proposal is audited and emailed to both; each accepts with one click.
When the second accepts, the pair gets a request accepted to be scheduled
(the auto-scheduler's input), unless they already meet or have agreed to;
either may decline instead. Each write locks the proposal row first.
"""

from django.conf import settings
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from accounts.models import Registration
from b2b_meetings.errors import B2BError
from b2b_meetings.matchmaking.models import MeetingProposal, SuggestionDismissal
from b2b_meetings.matchmaking.suggestions import suggestions_refresh_soon
from b2b_meetings.models import Meeting, MeetingRequest
from b2b_meetings.services import person_label
from conference.core.services import audit_message, audit_record, email_queue


def _listed(conference, registration_id):
    return (
        Registration.objects.select_related("user", "organisation")
        .filter(
            pk=registration_id,
            conference=conference,
            status=Registration.Status.APPROVED,
            directory_consent=True,
        )
        .first()
    )


def proposal_create(*, conference, first_id, second_id, note, actor):
    """
    Propose that two listed, approved delegates meet. Refused for one person
    twice, colleagues of one organisation, a pair that already meets or has
    an open request or proposal. Emails both with a one-click answer.
    """
    if first_id == second_id:
        raise B2BError(_("Choose two different delegates."))
    first_id, second_id = sorted((first_id, second_id))
    with transaction.atomic():
        first, second = _listed(conference, first_id), _listed(conference, second_id)
        if first is None or second is None:
            raise B2BError(_("Both must be approved delegates listed in the directory."))
        if first.organisation_id and first.organisation_id == second.organisation_id:
            raise B2BError(_("These two work for the same organisation."))
        if (
            Meeting.objects.filter(status=Meeting.Status.ACTIVE, seats__registration=first)
            .filter(seats__registration=second)
            .exists()
        ):
            raise B2BError(_("These two already have a meeting together."))
        if MeetingRequest.objects.filter(
            status__in=MeetingRequest.OPEN_STATUSES,
            requester__in=[first, second],
            target_registration__in=[first, second],
        ).exists():
            raise B2BError(_("These two already have a request open between them."))
        try:
            with transaction.atomic():
                proposal = MeetingProposal.objects.create(
                    conference=conference,
                    first=first,
                    second=second,
                    note=note.strip()[:1000],
                    created_by=actor,
                )
        except IntegrityError as exc:
            raise B2BError(_("The organisers have already proposed this meeting.")) from exc
        audit_record(
            actor=actor,
            conference=conference,
            action="meeting_proposal.create",
            obj=proposal,
            summary=audit_message(
                gettext_noop("Proposed a meeting between %(a)s and %(b)s"),
                a=person_label(first),
                b=person_label(second),
            ),
        )
        for person, other in ((first, second), (second, first)):
            _email(proposal, person, other, "b2b_proposal")
    return proposal


def _email(proposal, person, other, template):
    conference = proposal.conference
    email_queue(
        recipient=person.user.email,
        template=template,
        context={
            "registration": person,
            "other": other,
            "proposal": proposal,
            "conference": conference,
            "proposal_url": settings.SITE_ROOT
            + reverse("b2b_meetings:proposal", args=[conference.slug, proposal.pk]),
        },
        kind=f"b2b.{template}",
        dedup_key=f"b2b:proposal:{proposal.pk}:{template}:{person.pk}",
        conference=conference,
        user=person.user,
    )


def _lock(proposal_id, registration):
    proposal = (
        MeetingProposal.objects.select_for_update(of=("self",)).filter(pk=proposal_id).first()
    )
    if proposal is None or registration.pk not in (proposal.first_id, proposal.second_id):
        raise B2BError(_("This proposal is not addressed to you."))
    if proposal.status != MeetingProposal.Status.OPEN:
        raise B2BError(_("This proposal has already been answered."))
    return MeetingProposal.objects.select_related(
        "conference", "first__user", "first__organisation", "second__user", "second__organisation"
    ).get(pk=proposal.pk)


def proposal_accept(*, proposal_id, registration):
    """
    One side accepts. When both have, a request accepted to be scheduled is
    created between them (first asks second), and both are told.
    """
    with transaction.atomic():
        proposal = _lock(proposal_id, registration)
        now = timezone.now()
        if registration.pk == proposal.first_id:
            proposal.first_accepted_at = proposal.first_accepted_at or now
        else:
            proposal.second_accepted_at = proposal.second_accepted_at or now
        fields = ["first_accepted_at", "second_accepted_at"]
        if proposal.first_accepted_at and proposal.second_accepted_at:
            try:
                with transaction.atomic():
                    proposal.meeting_request = MeetingRequest.objects.create(
                        conference=proposal.conference,
                        requester=proposal.first,
                        target_registration=proposal.second,
                        agenda=proposal.note,
                        status=MeetingRequest.Status.SCHEDULING,
                        responded_by=proposal.second,
                        responded_at=now,
                    )
            except IntegrityError as exc:
                raise B2BError(
                    _("You already have a request open with this person; see your requests.")
                ) from exc
            proposal.status = MeetingProposal.Status.ACCEPTED
            fields += ["status", "meeting_request"]
            audit_record(
                actor=registration.user,
                conference=proposal.conference,
                action="meeting_proposal.accept",
                obj=proposal,
                summary=audit_message(
                    gettext_noop(
                        "Proposed meeting between %(a)s and %(b)s accepted by both; time to be set"
                    ),
                    a=person_label(proposal.first),
                    b=person_label(proposal.second),
                ),
            )
            for person, other in (
                (proposal.first, proposal.second),
                (proposal.second, proposal.first),
            ):
                _email(proposal, person, other, "b2b_proposal_accepted")
        proposal.save(update_fields=fields)
    return proposal


def proposal_decline(*, proposal_id, registration):
    """One side declines; the proposal closes (the other side is not told who declined)."""
    with transaction.atomic():
        proposal = _lock(proposal_id, registration)
        proposal.status = MeetingProposal.Status.DECLINED
        proposal.declined_by = registration
        proposal.save(update_fields=["status", "declined_by"])
        audit_record(
            actor=registration.user,
            conference=proposal.conference,
            action="meeting_proposal.decline",
            obj=proposal,
            summary=audit_message(
                gettext_noop("Proposed meeting between %(a)s and %(b)s declined by %(by)s"),
                a=person_label(proposal.first),
                b=person_label(proposal.second),
                by=person_label(registration),
            ),
        )
    return proposal


def suggestion_dismiss(*, registration, target_id):
    """
    "Not interested": `target_id` leaves `registration`'s suggestions for
    good, and the list learns from it (`engine.Lesson`): the pages re-rank at
    once, and a (debounced) refresh refills the list.
    """
    if target_id == registration.pk:
        raise B2BError(_("You cannot mark yourself as not interesting."))
    others = Registration.objects.filter(conference=registration.conference_id)
    if not others.filter(pk=target_id).exists():
        raise B2BError(_("That delegate is not at this conference."))
    _dismissal, created = SuggestionDismissal.objects.get_or_create(
        registration=registration, target_id=target_id
    )
    if created:
        suggestions_refresh_soon(registration.conference_id)
