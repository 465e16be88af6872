"""
Suggested meetings: the delegate's page and its JSON twin, "not
interested", the organisers' proposals (answered by each side with one
click) and the organisers' matchmaking page, where they see any delegate's
suggestions and propose a meeting to a pair.
"""

from django.contrib import messages
from django.http import Http404, JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from b2b_meetings.matchmaking import proposals
from b2b_meetings.matchmaking.selectors import suggestions as selectors
from b2b_meetings.matchmaking.selectors.profiles import logo_url
from conference.core.errors import shown_to_user
from conference.core.forms import parse_id
from conference.core.models import Role
from conference.core.permissions import DELEGATE, conference_view


@conference_view(DELEGATE)
def suggestions(request, access):
    me = access.registration
    context = {
        "conference": access.conference,
        "me": me,
        "suggestions": selectors.suggestions_for(registration=me),
        "proposals": selectors.proposals_for(registration=me),
    }
    return render(request, "b2b_meetings/matchmaking/suggestions.html", context)


@conference_view(DELEGATE)
def suggestions_json(request, access):
    """The logged-in delegate's ranked list (registration id, organisation, score, reasons)."""
    conference = access.conference
    items = selectors.suggestions_for(registration=access.registration)
    data = {
        "conference": conference.slug,
        "suggestions": [
            {
                "rank": position,
                "registration_id": item.target.pk,
                "name": item.target.user.display_name,
                "job_title": item.target.job_title,
                "organisation": (
                    {
                        "id": item.target.organisation_id,
                        "name": item.target.organisation.name,
                        "kind": item.target.organisation.kind,
                        "value_chain": item.target.organisation.value_chain,
                        "logo": logo_url(item.target.organisation, conference),
                    }
                    if item.target.organisation_id
                    else None
                ),
                "score": item.score,
                "reasons": [
                    {"code": code.get("code"), "params": code.get("params", {})}
                    for code in item.reason_codes
                ],
                "reasons_text": item.reasons,
                "request_url": reverse(
                    "b2b_meetings:request_new_delegate", args=[conference.slug, item.target.pk]
                ),
            }
            for position, item in enumerate(items, start=1)
        ],
    }
    response = JsonResponse(data, json_dumps_params={"ensure_ascii": False})
    response["Cache-Control"] = "private, no-store"
    return response


@require_POST
@conference_view(DELEGATE)
def suggestion_dismiss(request, access, registration_id):
    with shown_to_user(request) as outcome:
        proposals.suggestion_dismiss(registration=access.registration, target_id=registration_id)
    if outcome.ok:
        messages.info(
            request, _("Noted: that suggestion will not come back. The list learns from it.")
        )
    return redirect("b2b_meetings:suggestions", access.conference.slug)


# Organisers' proposals, as the delegates answer them ---------------------------------


def _proposal(access, proposal_id):
    proposal = selectors.proposal_for(registration=access.registration, proposal_id=proposal_id)
    if proposal is None:
        raise Http404
    return proposal


@conference_view(DELEGATE)
def proposal(request, access, proposal_id):
    context = {
        "conference": access.conference,
        "proposal": _proposal(access, proposal_id),
        "me": access.registration,
    }
    return render(request, "b2b_meetings/matchmaking/proposal.html", context)


@require_POST
@conference_view(DELEGATE)
def proposal_answer(request, access, proposal_id):
    item = _proposal(access, proposal_id)
    accept = request.POST.get("answer") == "accept"
    with shown_to_user(request) as outcome:
        if accept:
            item = proposals.proposal_accept(proposal_id=item.pk, registration=access.registration)
        else:
            proposals.proposal_decline(proposal_id=item.pk, registration=access.registration)
    if outcome.ok:
        if not accept:
            messages.info(request, _("You declined the proposal. Nobody else is told who did."))
        elif item.status == item.Status.ACCEPTED:
            messages.success(
                request,
                _(
                    "You both accepted. The organisers will set the time; you will both get "
                    "a calendar invitation."
                ),
            )
        else:
            messages.success(request, _("Accepted. We will tell you when the other side answers."))
    return redirect("b2b_meetings:proposal", access.conference.slug, item.pk)


# Organisers -------------------------------------------------------------------------


@conference_view(Role.ORGANISER)
def manage_suggestions(request, access):
    conference = access.conference
    delegates = list(selectors.delegates_for_matchmaking(conference=conference))
    chosen_id = parse_id(request.GET.get("delegate"))
    chosen = next((d for d in delegates if d.pk == chosen_id), None)
    if chosen_id is not None and chosen is None:
        raise Http404
    context = {
        "conference": conference,
        "delegates": delegates,
        "chosen": chosen,
        "suggestions": selectors.suggestions_for(registration=chosen) if chosen else [],
        "proposals": selectors.organiser_proposals(conference=conference),
        "tab": "suggestions",
    }
    return render(request, "b2b_meetings/matchmaking/manage_suggestions.html", context)


@require_POST
@conference_view(Role.ORGANISER)
def manage_propose(request, access):
    conference = access.conference
    first_id = parse_id(request.POST.get("first"))
    second_id = parse_id(request.POST.get("second"))
    if first_id is None or second_id is None:
        messages.error(request, _("Choose two delegates."))
        return redirect("b2b_meetings:manage_suggestions", conference.slug)
    with shown_to_user(request) as outcome:
        proposals.proposal_create(
            conference=conference,
            first_id=first_id,
            second_id=second_id,
            note=request.POST.get("note", "")[:1000],
            actor=request.user,
        )
    if outcome.ok:
        messages.success(request, _("Proposed. Both got an email to accept with one click."))
    target = reverse("b2b_meetings:manage_suggestions", args=[conference.slug])
    return redirect(f"{target}?delegate={first_id}")
