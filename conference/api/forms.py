"""The organisers' forms for API tokens and webhook endpoints."""

import datetime

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from conference.api.models import WebhookMessage
from conference.api.scopes import grantable
from conference.core import events
from conference.core.forms import BootstrapMixin

# What each event announces, for the endpoint form (the payloads: README, "API").
EVENT_DESCRIPTIONS = {
    events.REGISTRATION_CREATED: _("A delegate registered (pending approval)."),
    events.REGISTRATION_APPROVED: _("A registration was approved."),
    events.INVITATION_ACCEPTED: _("An invitation was accepted."),
    events.MEETING_BOOKED: _("A B2B meeting was booked."),
    events.MEETING_RESCHEDULED: _("A B2B meeting moved to another slot or table."),
    events.MEETING_CANCELLED: _("A B2B meeting was cancelled."),
    events.CHECKIN_CREATED: _("A badge holder was checked in."),
    events.SCHEDULE_PUBLISHED: _("A new version of the agenda was published."),
}


class TokenForm(BootstrapMixin, forms.Form):
    """A new token: its name, the scopes `roles` may grant, an optional last day."""

    name = forms.CharField(
        label=_("Token name"),
        max_length=100,
        help_text=_("The system that will use it, e.g. “Visitor management”."),
    )
    scopes = forms.MultipleChoiceField(
        label=_("Scopes"), widget=forms.CheckboxSelectMultiple, choices=()
    )
    expires_on = forms.DateField(
        label=_("Valid until"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}),
        help_text=_("Optional: the token stops working after this day (conference time)."),
    )

    def __init__(self, *args, conference, roles, **kwargs):
        super().__init__(*args, **kwargs)
        self.conference = conference
        self.fields["scopes"].choices = [(scope.value, scope.label) for scope in grantable(roles)]

    def clean_expires_on(self):
        day = self.cleaned_data["expires_on"]
        if day is not None and day < timezone.localdate(timezone=self.conference.tz):
            raise forms.ValidationError(_("Choose today or a later day."))
        return day

    @property
    def expires_at(self):
        """The last instant of the chosen day in the conference's zone (None: never)."""
        day = self.cleaned_data.get("expires_on")
        if day is None:
            return None
        return datetime.datetime.combine(day, datetime.time.max, tzinfo=self.conference.tz)


class EndpointForm(BootstrapMixin, forms.Form):
    url = forms.URLField(
        label=_("URL"),
        max_length=500,
        assume_scheme="https",
        help_text=_("Where the portal POSTs each event, e.g. https://visitors.example.org/hooks."),
    )
    description = forms.CharField(label=_("Description"), max_length=200, required=False)
    event_types = forms.MultipleChoiceField(
        label=_("Events"),
        widget=forms.CheckboxSelectMultiple,
        choices=[(event, EVENT_DESCRIPTIONS[event]) for event in events.EVENT_TYPES],
        error_messages={"required": _("Choose at least one event.")},
    )


class MessageFilterForm(forms.Form):
    status = forms.ChoiceField(
        label=_("Status"),
        choices=[("", _("All statuses")), *WebhookMessage.Status.choices],
        required=False,
    )
