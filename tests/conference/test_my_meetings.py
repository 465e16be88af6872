import csv
import io

from tests.factories import MeetingFactory, MeetingSeatFactory, RegistrationFactory


def _rows(response):
    body = b"".join(response.streaming_content).decode("utf-8-sig")
    return list(csv.reader(io.StringIO(body)))


def test_my_meetings_lists_only_my_own_not_my_colleagues(client, conference, delegate):
    """Closed door: a colleague at the same organisation does not see whom I meet."""
    me = delegate.registration
    colleague = RegistrationFactory(
        conference=conference, organisation=me.organisation, approved=True
    )
    partner = RegistrationFactory(conference=conference, approved=True)
    secret_partner = RegistrationFactory(conference=conference, approved=True)

    mine = MeetingFactory(conference=conference)
    MeetingSeatFactory(meeting=mine, registration=me)
    MeetingSeatFactory(meeting=mine, registration=partner)
    theirs = MeetingFactory(conference=conference)
    MeetingSeatFactory(meeting=theirs, registration=colleague)
    MeetingSeatFactory(meeting=theirs, registration=secret_partner)

    client.force_login(delegate)
    response = client.get(f"/events/{conference.slug}/me/meetings.csv")

    assert response.status_code == 200
    text = "\n".join(",".join(row) for row in _rows(response))
    assert partner.user.display_name in text
    assert secret_partner.user.display_name not in text
    assert colleague.user.display_name not in text
