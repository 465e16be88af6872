"""
The emails of the organisers' proposal to meet (`matchmaking/proposals.py`),
sent and accepted by both, which organisers may reword.
"""

from django.conf import settings
from django.db.models import Case, When
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from b2b_meetings.email_kinds.meetings import SAMPLES
from b2b_meetings.matchmaking.models import MeetingProposal
from b2b_meetings.services.notifications import person_label
from conference.core.email_templates import (
    EmailKind,
    Placeholder,
    Sample,
    conference_placeholders,
    kind_register,
    recipient_placeholders,
)


def _proposal_samples(*statuses):
    def samples(conference):
        proposals = (
            MeetingProposal.objects.filter(conference=conference)
            .select_related(
                "first__user", "first__organisation", "second__user", "second__organisation"
            )
            .order_by(Case(When(status__in=statuses, then=0), default=1), "-created_at")[:SAMPLES]
        )
        return [
            Sample(
                label=f"{person_label(proposal.first)} · {person_label(proposal.second)}",
                context={
                    "user": proposal.first.user,
                    "registration": proposal.first,
                    "other": proposal.second,
                    "proposal": proposal,
                    "proposal_url": settings.SITE_ROOT
                    + reverse("b2b_meetings:proposal", args=[conference.slug, proposal.pk]),
                },
            )
            for proposal in proposals
        ]

    return samples


PROPOSAL_PLACEHOLDERS = (
    *recipient_placeholders(),
    *conference_placeholders(),
    Placeholder(
        "other",
        _("Whom the organisers suggest meeting: name and organisation"),
        lambda c: person_label(c["other"]) if c.get("other") else "",
    ),
    Placeholder(
        "note",
        _("Why the organisers suggest it (may be empty)"),
        lambda c: getattr(c.get("proposal"), "note", ""),
    ),
    Placeholder(
        "proposal_link",
        _("The link to accept or decline the suggestion"),
        lambda c: c.get("proposal_url", ""),
        is_url=True,
    ),
)
kind_register(
    EmailKind(
        "b2b.b2b_proposal",
        _("Suggested meeting"),
        "b2b_proposal",
        PROPOSAL_PLACEHOLDERS,
        _proposal_samples(MeetingProposal.Status.OPEN),
        _("Sent to both delegates when the organisers suggest they meet."),
    )
)
kind_register(
    EmailKind(
        "b2b.b2b_proposal_accepted",
        _("Suggested meeting accepted by both"),
        "b2b_proposal_accepted",
        PROPOSAL_PLACEHOLDERS,
        _proposal_samples(MeetingProposal.Status.ACCEPTED),
        _("Sent to both delegates once both accept the organisers' suggestion."),
    )
)
