from datetime import timedelta

from django import forms
from django.conf import settings
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from accounts.models import Registration
from conference.core.content import ContentFormMixin, content_data_values
from conference.core.forms import BootstrapMixin
from conference.core.images import MAX_BYTES, ImageRefused, image_prepare, too_large_message
from conference.core.models import Conference, Organisation, Room
from sessions_app.models import Session, SessionSpeaker, Speaker, Track

# The fixed palette of track colours (classes in portal.css: no inline styles).
TRACK_COLOURS = [
    ("teal", _("Teal")),
    ("indigo", _("Indigo")),
    ("amber", _("Amber")),
    ("rose", _("Rose")),
    ("sky", _("Sky")),
    ("emerald", _("Emerald")),
    ("slate", _("Slate")),
    ("violet", _("Violet")),
]


class LocalDateTimeInput(forms.DateTimeInput):
    """A browser date-time picker; the value is in the conference's zone."""

    input_type = "datetime-local"

    def __init__(self, attrs=None):
        super().__init__(attrs={"step": 300, **(attrs or {})}, format="%Y-%m-%dT%H:%M")


class SessionForm(ContentFormMixin, BootstrapMixin, forms.ModelForm):
    class Meta:
        model = Session
        fields = [
            "title",
            "kind",
            "track",
            "room",
            "starts_at",
            "ends_at",
            "description",
            "capacity",
            "signup_required",
            "published",
            "is_cancelled",
        ]
        widgets = {
            "starts_at": LocalDateTimeInput(),
            "ends_at": LocalDateTimeInput(),
        }
        labels = {"track": _("Track"), "room": _("Room")}
        help_texts = {
            "starts_at": _("Conference local time."),
            "published": _("Shown on the agenda from the next publish on."),
            "is_cancelled": _("Stays on the agenda, marked cancelled; sign-ups are told."),
        }

    def __init__(self, *args, conference, **kwargs):
        super().__init__(*args, **kwargs)
        self.conference = conference
        self.content_languages_apply(conference)
        self.fields["track"].queryset = Track.objects.filter(conference=conference)
        self.fields["room"].queryset = Room.objects.filter(conference=conference)
        self.fields["kind"].help_text = _(
            "Mark the time the closed-door B2B meetings run as “B2B meetings”."
        )

    def clean(self):
        data = super().clean()
        starts, ends = data.get("starts_at"), data.get("ends_at")
        if starts and ends and ends <= starts:
            self.add_error("ends_at", _("A session must end after it starts."))
        capacity = data.get("capacity")
        taken = self.instance.taken if self.instance.pk else 0
        if capacity is not None and capacity < taken:
            self.add_error(
                "capacity",
                _("%(taken)s people are already confirmed; the capacity can't be lower.")
                % {"taken": taken},
            )
        return data

    def save(self, commit=True):
        self.instance.conference = self.conference
        return super().save(commit=commit)


class SessionMoveForm(forms.Form):
    """Where and when a session runs: the timetable's drag and drop, and its fallback."""

    room = forms.ModelChoiceField(queryset=Room.objects.none(), required=False, label=_("Room"))
    starts_at = forms.DateTimeField(label=_("Starts"), widget=LocalDateTimeInput())
    ends_at = forms.DateTimeField(label=_("Ends"), widget=LocalDateTimeInput())

    def __init__(self, *args, conference, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["room"].queryset = Room.objects.filter(conference=conference)

    def clean(self):
        data = super().clean()
        starts, ends = data.get("starts_at"), data.get("ends_at")
        if starts and ends and ends <= starts:
            raise forms.ValidationError(_("A session must end after it starts."))
        return data


class SessionPlaceForm(SessionMoveForm):
    """
    Where a new session goes when it is started from an empty cell of the
    timetable (`?room=&starts_at=`): read like any input, and an hour long
    unless `ends_at` says otherwise.
    """

    DEFAULT_LENGTH = timedelta(hours=1)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["ends_at"].required = False

    def clean(self):
        data = super().clean()
        if data.get("starts_at") and not data.get("ends_at") and "ends_at" not in self.errors:
            data["ends_at"] = data["starts_at"] + self.DEFAULT_LENGTH
        return data


class SessionSpeakerForm(BootstrapMixin, forms.ModelForm):
    class Meta:
        model = SessionSpeaker
        fields = ["speaker", "role", "position"]
        labels = {"speaker": _("Speaker"), "position": _("Order")}


class BaseSessionSpeakerFormSet(forms.BaseInlineFormSet):
    def __init__(self, *args, conference, **kwargs):
        self.conference = conference
        super().__init__(*args, **kwargs)

    def _construct_form(self, i, **kwargs):
        form = super()._construct_form(i, **kwargs)
        form.fields["speaker"].queryset = Speaker.objects.filter(conference=self.conference)
        return form

    @property
    def empty_form(self):
        form = super().empty_form
        form.fields["speaker"].queryset = Speaker.objects.filter(conference=self.conference)
        return form

    def clean(self):
        super().clean()
        seen = set()
        for form in self.forms:
            if not hasattr(form, "cleaned_data") or form.cleaned_data.get("DELETE"):
                continue
            speaker = form.cleaned_data.get("speaker")
            if speaker is None:
                continue
            if speaker.pk in seen:
                raise forms.ValidationError(_("Each speaker can appear once per session."))
            seen.add(speaker.pk)

    def speaker_roles(self):
        """The rows as filled in, for `services.session_save` (unchanged new rows left out)."""
        return [
            {
                "id": row["id"].pk if row.get("id") else None,
                "speaker": row.get("speaker"),
                "role": row.get("role"),
                "position": row.get("position"),
                "delete": bool(row.get("DELETE")),
            }
            for row in self.cleaned_data
            if row
        ]


SessionSpeakerFormSet = forms.inlineformset_factory(
    Session,
    SessionSpeaker,
    form=SessionSpeakerForm,
    formset=BaseSessionSpeakerFormSet,
    extra=2,
    can_delete=True,
)


class UniqueNameMixin(ContentFormMixin):
    """
    A friendly error for a name already used in the conference, in any of its
    languages (the constraint covers the exact same texts).
    """

    def __init__(self, *args, conference, **kwargs):
        super().__init__(*args, **kwargs)
        self.content_languages_apply(conference)

    def clean_name(self):
        name = self.cleaned_data["name"]
        wanted = {text.casefold() for text in content_data_values(name)}
        others = type(self.instance).objects.filter(conference_id=self.instance.conference_id)
        if self.instance.pk:
            others = others.exclude(pk=self.instance.pk)
        for other in others.only("name"):
            if wanted & {text.casefold() for text in content_data_values(other.name)}:
                raise forms.ValidationError(_("This name is already used in this conference."))
        return name


class RoomForm(UniqueNameMixin, BootstrapMixin, forms.ModelForm):
    class Meta:
        model = Room
        fields = ["name", "capacity", "location", "position"]


class TrackForm(UniqueNameMixin, BootstrapMixin, forms.ModelForm):
    colour = forms.ChoiceField(label=_("colour"), choices=TRACK_COLOURS)

    class Meta:
        model = Track
        fields = ["name", "description", "colour", "position"]


class SpeakerForm(ContentFormMixin, BootstrapMixin, forms.ModelForm):
    """
    A speaker, with their photo last in the form: an upload over the limit is
    stopped while it streams, after the fields in front of it are read.
    """

    photo_upload = forms.FileField(label=_("Photo"), required=False)
    remove_photo = forms.BooleanField(label=_("Remove the photo"), required=False)

    class Meta:
        model = Speaker
        fields = ["registration", "name", "title", "organisation", "bio", "photo_consent"]
        labels = {"registration": _("Registered delegate")}
        help_texts = {
            "registration": _(
                "Link a delegate so that clashes with their B2B meetings are shown; "
                "leave empty for an outside speaker."
            ),
            "organisation": _("Empty: the linked delegate's organisation, if any."),
        }

    def __init__(self, *args, conference, upload_refused=False, **kwargs):
        super().__init__(*args, **kwargs)
        self.content_languages_apply(conference)
        self.upload_refused = upload_refused
        self.prepared_photo = None
        upload = self.fields["photo_upload"]
        upload.widget.attrs["accept"] = "image/jpeg,image/png,image/webp"
        upload.help_text = gettext(
            "JPEG, PNG or WebP, up to %(mb)s MB. Shown publicly only with the speaker's consent."
        ) % {"mb": MAX_BYTES // (1024 * 1024)}
        if not self.instance.photo:
            del self.fields["remove_photo"]
        self.fields["organisation"].queryset = Organisation.objects.filter(confirmed=True)
        self.fields["registration"].queryset = (
            Registration.objects.filter(conference=conference, status=Registration.Status.APPROVED)
            .select_related("user", "organisation")
            .order_by("user__family_name", "user__given_name")
        )
        self.fields["registration"].label_from_instance = lambda r: (
            f"{r.user.display_name} ({r.organisation.name})" if r.organisation_id else str(r.user)
        )
        self.fields["name"].required = False
        self.fields["name"].help_text = _("Empty: the delegate's name.")

    def clean_photo_upload(self):
        upload = self.cleaned_data.get("photo_upload")
        if self.upload_refused:
            raise forms.ValidationError(too_large_message())
        if upload:
            try:
                self.prepared_photo = image_prepare(upload)
            except ImageRefused as exc:
                raise forms.ValidationError(exc.message) from None
        return upload

    def speaker_values(self):
        """The model fields as filled in, for `services.speaker_save`."""
        return {name: self.cleaned_data[name] for name in self._meta.fields}

    def clean(self):
        data = super().clean()
        if not data.get("name"):
            registration = data.get("registration")
            if registration is None:
                self.add_error("name", _("Give the speaker's name or choose a delegate."))
            else:
                data["name"] = registration.user.display_name
                self.instance.name = data["name"]
        return data


class ConferenceTextsForm(ContentFormMixin, BootstrapMixin, forms.ModelForm):
    """The conference's content languages and its own texts, in each of them side by side."""

    content_languages = forms.MultipleChoiceField(
        label=_("Content languages"),
        choices=settings.LANGUAGES,
        widget=forms.CheckboxSelectMultiple,
        help_text=_(
            "The languages you write session titles, abstracts, tracks, rooms and bios in. "
            "Delegates see their own language where it is written, else the default."
        ),
    )

    class Meta:
        model = Conference
        fields = ["content_languages", "default_content_language", "name", "tagline", "description"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.content_languages_apply(self.instance)
        self.fields["content_languages"].widget.attrs["class"] = "form-check-input"

    def clean(self):
        data = super().clean()
        languages = data.get("content_languages") or []
        default = data.get("default_content_language")
        if languages and default and default not in languages:
            self.add_error(
                "default_content_language",
                _("The default content language must be one of the content languages."),
            )
        return data
