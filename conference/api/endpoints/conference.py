from datetime import date

from ninja import Router, Schema

from conference.api.auth import event_for
from conference.api.endpoints.common import answers
from conference.core.content import content_text

router = Router(tags=["conference"])


class ConferenceOut(Schema):
    slug: str
    name: str
    tagline: str
    venue: str
    address: str
    time_zone: str
    start_date: date
    end_date: date

    # In the request's language (Accept-Language), else the conference's default.
    @staticmethod
    def resolve_name(obj):
        return content_text(obj.name)

    @staticmethod
    def resolve_tagline(obj):
        return content_text(obj.tagline)


@router.get(
    "/events/{slug}/",
    response=answers(ConferenceOut),
    summary="The conference",
    operation_id="conference_detail",
)
def conference_detail(request, slug: str):
    """The conference the token belongs to (any scope)."""
    conference = event_for(request, slug, None)
    return conference
