from django import forms
from django.utils.translation import gettext_lazy as _

from b2b_meetings.scheduler.constants import TIME_LIMITS
from conference.core.forms import BootstrapMixin


class ScheduleForm(BootstrapMixin, forms.Form):
    reoptimise = forms.TypedChoiceField(
        label=_("Existing meetings"),
        choices=[
            ("0", _("Keep every existing meeting where it is")),
            (
                "1",
                _(
                    "Repair after cancellations: unlocked meetings may move to make room, "
                    "as few as possible; locked meetings never move"
                ),
            ),
        ],
        coerce=lambda value: value == "1",
        initial="0",
        widget=forms.RadioSelect,
    )
    boost = forms.BooleanField(
        label=_("Put wishes from or to financiers and OEMs first"),
        required=False,
        help_text=_(
            "Otherwise the wishes decide: “Must meet” before “Would like to meet”, "
            "and that before “If time allows”; a wish both sides share counts more."
        ),
    )
    time_limit = forms.TypedChoiceField(
        label=_("Time limit"),
        choices=[(str(s), _("%(s)s seconds") % {"s": s}) for s in TIME_LIMITS],
        coerce=int,
        initial="30",
        help_text=_(
            "A good schedule is ready within seconds; more time may find a better "
            "one, or confirm that it is the best possible."
        ),
    )
