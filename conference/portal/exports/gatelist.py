"""
The security gate list: approved delegates with nationality and ID document
fields, for the embassy's gate. The ID columns exist only here, and are left
out once the conference's retention period has passed or the data was erased.
The answers to the custom registration questions security officers may read
follow them, one column each.
"""

from accounts.models import Registration
from conference.core.models import Role
from conference.portal.exports.attendees import ROW_FIELDS, attendee_rows
from conference.portal.exports.columns import GATELIST_COLUMNS, labels_for, make_table
from conference.portal.exports.params import registration_filter
from conference.portal.exports.questions import question_columns


def gatelist_table(*, conference, params, hide_id_data):
    """
    Approved delegates with nationality and ID document fields, by family
    name, then the answers security officers may read. `hide_id_data` (the
    retention period has passed) blanks the ID columns for everyone; a
    registration whose data was erased has none anyway.
    """
    values = (
        Registration.objects.filter(
            registration_filter(params), conference=conference, status=Registration.Status.APPROVED
        )
        .order_by("user__family_name", "user__given_name", "pk")
        .values(*ROW_FIELDS)
    )
    count = values.count()
    labels = labels_for(conference, hide_id_data=hide_id_data)
    answers = question_columns(conference=conference, roles={Role.SECURITY})
    columns = GATELIST_COLUMNS + answers

    def rows():
        source = attendee_rows(values, conference=conference, layout="people", columns=answers)
        for row in source:
            yield [column.get(row, labels) for column in columns]

    return make_table(columns, rows(), count, conference)
