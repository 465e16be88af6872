"""The broadcast editor (texts per language and audience) and the send form."""

from datetime import datetime

from django import forms
from django.conf import settings
from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from conference.core.forms import BootstrapMixin
from conference.core.models import ValueChain
from conference.portal.broadcasts import selectors, services
from conference.portal.broadcasts.audience import Audience
from conference.portal.forms import (
    organisation_country_field,
    organisation_kind_field,
    registration_status_field,
)

LANGUAGES = list(settings.LANGUAGES)
EITHER = ("", _("Either"))


class BroadcastForm(BootstrapMixin, forms.Form):
    """
    A broadcast's title, its subject and text in each language (the default
    language's required), and its audience. The texts are checked as the
    service checks them: only the documented placeholders.
    """

    title = forms.CharField(
        label=_("Title (for the organisers)"),
        max_length=150,
        help_text=_("Recipients see the subject, not this title."),
    )
    status = registration_status_field()
    kind = organisation_kind_field()
    value_chain = forms.MultipleChoiceField(
        label=_("Position in the value chain"),
        choices=ValueChain.choices,
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text=_("None ticked: any position."),
    )
    country = organisation_country_field()
    topic = forms.TypedMultipleChoiceField(
        label=_("Topic (the person's or their organisation's)"),
        coerce=int,
        required=False,
        widget=forms.SelectMultiple(attrs={"size": 6}),
        help_text=_("None selected: any topic."),
    )
    session = forms.TypedChoiceField(
        label=_("Signed up for session"), coerce=int, empty_value=None, required=False
    )
    meetings = forms.ChoiceField(
        label=_("B2B meetings"),
        choices=[EITHER, ("yes", _("Has at least one")), ("no", _("Has none"))],
        required=False,
    )
    checked_in = forms.ChoiceField(
        label=_("Checked in"),
        choices=[EITHER, ("yes", _("Checked in")), ("no", _("Not yet"))],
        required=False,
    )
    language = forms.MultipleChoiceField(
        label=_("Language of the recipient"),
        choices=LANGUAGES,
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text=_("None ticked: every language."),
    )

    def __init__(self, *args, conference, **kwargs):
        super().__init__(*args, **kwargs)
        self.conference = conference
        countries, sessions, topics = selectors.audience_choices(conference=conference)
        self.fields["country"].choices = countries
        self.fields["session"].choices = [("", _("Any session")), *sessions]
        self.fields["topic"].choices = topics
        for code, label in LANGUAGES:
            default = code == settings.LANGUAGE_CODE
            self.fields[f"subject_{code}"] = forms.CharField(
                label=_("Subject (%(language)s)") % {"language": label},
                max_length=200,
                required=default,
            )
            self.fields[f"body_{code}"] = forms.CharField(
                label=_("Text (%(language)s)") % {"language": label},
                widget=forms.Textarea(attrs={"rows": 10}),
                max_length=20000,
                required=default,
                help_text=None
                if default
                else _("Optional: readers of this language get the default text without it."),
            )
            for name in (f"subject_{code}", f"body_{code}"):
                widget = self.fields[name].widget
                widget.attrs["class"] = "form-control"
                widget.attrs["lang"] = code

    @classmethod
    def initial_of(cls, broadcast):
        """The form's initial data from a saved broadcast."""
        initial = {"title": broadcast.title, **broadcast.audience}
        for code, _label in LANGUAGES:
            text = broadcast.texts.get(code) or {}
            initial[f"subject_{code}"] = text.get("subject", "")
            initial[f"body_{code}"] = text.get("body", "")
        return initial

    def language_fields(self):
        """(code, label, subject field, body field) per language, for the template."""
        return [
            (code, label, self[f"subject_{code}"], self[f"body_{code}"])
            for code, label in LANGUAGES
        ]

    def clean(self):
        data = super().clean()
        try:
            services.texts_check(self.texts())
        except ValidationError as exc:
            for field, problems in exc.message_dict.items():
                for problem in problems:
                    if field in self.fields and problem not in self.errors.get(field, []):
                        self.add_error(field, problem)
        return data

    def texts(self):
        data = self.cleaned_data
        return {
            code: {
                "subject": " ".join((data.get(f"subject_{code}") or "").split()),
                "body": (data.get(f"body_{code}") or "").replace("\r\n", "\n").strip(),
            }
            for code, _label in LANGUAGES
            if (data.get(f"subject_{code}") or "").strip()
            or (data.get(f"body_{code}") or "").strip()
        }

    def audience(self):
        data = self.cleaned_data
        return Audience(
            status=data.get("status") or [],
            kind=data.get("kind") or [],
            country=data.get("country") or [],
            value_chain=data.get("value_chain") or [],
            topic=data.get("topic") or [],
            session=data.get("session"),
            meetings=data.get("meetings") or "",
            checked_in=data.get("checked_in") or "",
            language=data.get("language") or [],
        )


class AudienceForm(BroadcastForm):
    """The audience alone (the recipients count as the organiser edits): texts not needed."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for name, field in self.fields.items():
            if name == "title" or name.startswith(("subject_", "body_")):
                field.required = False

    def clean(self):
        return forms.Form.clean(self)


class SendForm(BootstrapMixin, forms.Form):
    when = forms.ChoiceField(
        label=_("When"),
        choices=[("now", _("Send now")), ("later", _("Send later, at:"))],
        widget=forms.RadioSelect,
        initial="now",
    )
    send_at = forms.DateTimeField(
        label=_("Date and time"),
        required=False,
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"),
        input_formats=["%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M"],
    )

    def __init__(self, *args, conference, **kwargs):
        super().__init__(*args, **kwargs)
        self.conference = conference
        self.fields["send_at"].help_text = _("In the conference's time zone (%(zone)s).") % {
            "zone": conference.time_zone
        }

    def clean(self):
        data = super().clean()
        if data.get("when") == "later":
            at = data.get("send_at")
            if at is None:
                self.add_error("send_at", _("Choose when to send it."))
            else:
                # Typed in the conference's zone, whatever the server's.
                naive = timezone.make_naive(at) if timezone.is_aware(at) else at
                at = timezone.make_aware(
                    datetime.combine(naive.date(), naive.time()), self.conference.tz
                )
                if at <= timezone.now():
                    self.add_error("send_at", _("Choose a time in the future."))
                data["send_at"] = at
        return data

    def send_time(self):
        return self.cleaned_data["send_at"] if self.cleaned_data.get("when") == "later" else None
