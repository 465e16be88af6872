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
                    "Re-optimise unlocked meetings (repair): they may move to make room, "
                    "as few as possible; locked meetings never move"
                ),
            ),
        ],
        coerce=lambda value: value == "1",
        initial="0",
        widget=forms.RadioSelect,
    )
    boost = forms.BooleanField(
        label=_("Put requests from or to financiers and OEMs first"),
        required=False,
        help_text=_(
            "Priority decides otherwise: essential requests before important ones, "
            "important before nice to have."
        ),
    )
    time_limit = forms.TypedChoiceField(
        label=_("Time limit"),
        choices=[(str(s), _("%(s)s seconds") % {"s": s}) for s in TIME_LIMITS],
        coerce=int,
        initial="30",
        help_text=_(
            "A good schedule is ready within seconds; more time lets the solver "
            "get closer to the best possible, or prove it has."
        ),
    )
