"""
The security gate list: approved delegates with nationality and ID document
fields, for the embassy's gate. The ID columns exist only here, and are left
out once the conference's retention period has passed or the data was erased.
"""

from accounts.models import Registration
from conference.portal.exports.attendees import CHUNK_SIZE, ROW_FIELDS
from conference.portal.exports.columns import GATELIST_COLUMNS, labels_for, make_table
from conference.portal.exports.params import registration_filter


def gatelist_table(*, conference, params, hide_id_data):
    """
    Approved delegates with nationality and ID document fields, by family
    name. `hide_id_data` (the retention period has passed) blanks the ID
    columns for everyone; a registration whose data was erased has none anyway.
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

    def rows():
        for row in values.iterator(chunk_size=CHUNK_SIZE):
            yield [column.get(row, labels) for column in GATELIST_COLUMNS]

    return make_table(GATELIST_COLUMNS, rows(), count, conference)
