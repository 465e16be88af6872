from django import forms
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from django_countries import countries

from b2b_meetings.models import MeetingFeedback, MeetingMessage, MeetingRequest, MeetingSlot
from b2b_meetings.rules import kind_rule_choices
from b2b_meetings.selectors.directory import NAME, ORGANISATIONS, PEOPLE, RELEVANCE, DirectoryQuery
from b2b_meetings.services import B2B_SETTINGS_FIELDS, MAX_PROPOSED
from conference.core.forms import BootstrapMixin
from conference.core.models import Conference, OrganisationKind, Room, ValueChain


class DirectoryFilterForm(BootstrapMixin, forms.Form):
    """
    The directory's query string: organisations or people, the search, the
    facets and the order. An unknown value is dropped, not an error: the
    page shows what the rest of the query asks for. `show_facets` puts each
    option's count (from the search) into its label.
    """

    show = forms.ChoiceField(
        required=False,
        choices=[(ORGANISATIONS, _("Organisations")), (PEOPLE, _("People"))],
        widget=forms.HiddenInput,
    )
    q = forms.CharField(label=_("Search"), required=False, max_length=100)
    kind = forms.ChoiceField(
        label=_("Kind"),
        required=False,
        choices=[("", _("All kinds")), *OrganisationKind.choices],
    )
    # A country code, checked in clean_country: listing every country's
    # translated name to validate one would cost more than the whole search.
    country = forms.CharField(label=_("Country"), required=False, widget=forms.Select)
    value_chain = forms.ChoiceField(
        label=_("Value chain"),
        required=False,
        choices=[("", _("Whole value chain")), *ValueChain.choices],
    )
    topic = forms.ChoiceField(label=_("Topic"), required=False)
    sort = forms.ChoiceField(
        label=_("Sort by"),
        required=False,
        choices=[(RELEVANCE, _("Relevance to me")), (NAME, _("Name"))],
    )

    ALL = {
        "kind": _("All kinds"),
        "country": _("All countries"),
        "value_chain": _("Whole value chain"),
        "topic": _("All topics"),
    }

    def __init__(self, *args, topics=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["country"].widget.choices = [("", self.ALL["country"])]
        self.fields["topic"].choices = [("", self.ALL["topic"])] + [
            (topic.code, topic.label) for topic in topics
        ]
        self.fields["q"].widget.attrs["placeholder"] = _("Name, offers, seeks, people…")
        self.fields["q"].widget.attrs["type"] = "search"

    def clean_country(self):
        code = self.cleaned_data["country"].upper()
        return code if code in countries else ""

    def directory_query(self):
        """The valid part of the query string (call after is_valid())."""
        data = getattr(self, "cleaned_data", {})
        return DirectoryQuery(
            show=data.get("show") or ORGANISATIONS,
            q=" ".join((data.get("q") or "").split()),
            kind=data.get("kind") or "",
            country=data.get("country") or "",
            value_chain=data.get("value_chain") or "",
            topic=data.get("topic") or "",
            sort=data.get("sort") or RELEVANCE,
        )

    def show_facets(self, facets):
        """Offer only the options the search leaves, each with its count."""
        label = gettext("%(label)s (%(count)s)")
        for name, options in facets.items():
            self.fields[name].widget.choices = [("", self.ALL[name])] + [
                (option.value, label % {"label": option.label, "count": option.count})
                for option in options
            ]


class MeetingRequestForm(BootstrapMixin, forms.Form):
    agenda = forms.CharField(
        label=_("What would you like to discuss?"),
        max_length=1000,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=_("A short agenda helps the other side say yes. Up to 1,000 characters."),
    )
    priority = forms.TypedChoiceField(
        label=_("How much do you want this meeting?"),
        choices=MeetingRequest.Priority.choices,
        coerce=int,
        initial=MeetingRequest.Priority.WOULD_LIKE,
        help_text=_(
            "When the organisers schedule meetings, “must meet” wishes come first, "
            "and wishes both sides share before one-sided ones."
        ),
    )
    proposed = forms.TypedMultipleChoiceField(
        label=_("Propose up to three times (optional)"),
        required=False,
        coerce=int,
        widget=forms.CheckboxSelectMultiple,
        help_text=_(
            "Only times you both have free now are listed. The other side can accept "
            "one with a click, or pick another."
        ),
    )

    def __init__(self, *args, slots=(), conference=None, **kwargs):
        super().__init__(*args, **kwargs)
        label = _slot_label(conference) if conference is not None else str
        self.fields["proposed"].choices = [(slot.pk, label(slot)) for slot in slots]
        self.fields["proposed"].widget.attrs["class"] = "form-check-input"
        if not slots:
            del self.fields["proposed"]

    def clean_proposed(self):
        proposed = self.cleaned_data["proposed"]
        if len(proposed) > MAX_PROPOSED:
            raise forms.ValidationError(_("Propose at most three times."))
        return proposed


class AcceptToScheduleForm(BootstrapMixin, forms.Form):
    priority = forms.TypedChoiceField(
        label=_("How much do you want this meeting?"),
        choices=[("", _("No preference")), *MeetingRequest.Priority.choices],
        coerce=int,
        empty_value=None,
        required=False,
    )


class MessageForm(BootstrapMixin, forms.Form):
    body = forms.CharField(
        label=_("Message"),
        max_length=MeetingMessage.MAX_LENGTH,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_(
            "Only the participants and the organisers read this thread. The others get "
            "it by email; no email address is shown to anyone."
        ),
    )


class AvailabilityForm(forms.Form):
    """The conference's slots a delegate ticks as unavailable (none ticked: available in all)."""

    unavailable = forms.ModelMultipleChoiceField(
        queryset=MeetingSlot.objects.none(), required=False
    )

    def __init__(self, *args, conference, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["unavailable"].queryset = MeetingSlot.objects.filter(conference=conference)


class DeclineForm(BootstrapMixin, forms.Form):
    reason = forms.CharField(
        label=_("Reason (optional, shown to the sender)"),
        max_length=300,
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
    )


class CancelForm(BootstrapMixin, forms.Form):
    reason = forms.CharField(
        label=_("Reason (optional, shown to the other side)"),
        max_length=300,
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
    )


class FeedbackForm(BootstrapMixin, forms.Form):
    outcome = forms.ChoiceField(
        label=_("How did it go?"),
        choices=MeetingFeedback.Outcome.choices,
        widget=forms.RadioSelect(attrs={"class": "form-check-input"}),
    )
    note = forms.CharField(
        label=_("Private note for the organisers"),
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("Only the organisers read this; the other side never sees it."),
    )


# Organisers --------------------------------------------------------------------


class B2BSettingsForm(BootstrapMixin, forms.ModelForm):
    kind_pairs = forms.MultipleChoiceField(
        label=_("Which kinds of organisation may request each other"),
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text=_(
            "Tick the pairs that may meet. Leave every box empty to let any "
            "organisation request any other."
        ),
    )

    class Meta:
        model = Conference
        fields = [f for f in B2B_SETTINGS_FIELDS if f != "b2b_kind_rules"]
        help_texts = {
            "b2b_slot_minutes": _("Used when slots are created from the agenda's B2B blocks."),
            "b2b_max_meetings_per_organisation": _("Empty = no limit."),
            "b2b_reminder_minutes": _("Participants get one reminder this long before."),
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["kind_pairs"].choices = kind_rule_choices()
        self.fields["kind_pairs"].widget.attrs["class"] = "form-check-input"
        self.fields["kind_pairs"].initial = [
            ":".join(rule) for rule in (self.instance.b2b_kind_rules or [])
        ] + [":".join(reversed(rule)) for rule in (self.instance.b2b_kind_rules or [])]
        for name in ["b2b_max_meetings_per_delegate", "b2b_max_pending_requests"]:
            self.fields[name].min_value = 1
            self.fields[name].widget.attrs["min"] = 1

    def kind_matrix(self):
        """
        The pair checkboxes as a triangle: [(kind label, [checkbox or None per
        kind])], each pair once (row kind, then the same or a later column).
        """
        boxes = {box.data["value"]: box for box in self["kind_pairs"]}
        kinds = list(OrganisationKind)
        return [
            (
                row.label,
                [
                    boxes.get(f"{row.value}:{col.value}") if j >= i else None
                    for j, col in enumerate(kinds)
                ],
            )
            for i, row in enumerate(kinds)
        ]

    def clean_b2b_max_meetings_per_delegate(self):
        value = self.cleaned_data["b2b_max_meetings_per_delegate"]
        if value < 1:
            raise forms.ValidationError(_("At least one."))
        return value

    def settings_values(self):
        """The cleaned values in the shape `b2b_settings_update` takes."""
        values = {name: self.cleaned_data[name] for name in self.Meta.fields}
        values["b2b_kind_rules"] = [pair.split(":") for pair in self.cleaned_data["kind_pairs"]]
        return values


class TableForm(BootstrapMixin, forms.Form):
    room = forms.ModelChoiceField(label=_("Room"), queryset=Room.objects.none())
    label = forms.CharField(label=_("Label"), max_length=50)
    seats = forms.IntegerField(label=_("Seats"), min_value=2, max_value=20, initial=4)

    def __init__(self, *args, conference, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["room"].queryset = Room.objects.filter(conference=conference)


class TableBulkForm(BootstrapMixin, forms.Form):
    room = forms.ModelChoiceField(label=_("Room"), queryset=Room.objects.none())
    prefix = forms.CharField(label=_("Label prefix"), max_length=20, initial="T")
    first = forms.IntegerField(label=_("First number"), min_value=0, initial=1)
    count = forms.IntegerField(label=_("How many"), min_value=1, max_value=200, initial=10)
    seats = forms.IntegerField(label=_("Seats each"), min_value=2, max_value=20, initial=4)

    def __init__(self, *args, conference, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["room"].queryset = Room.objects.filter(conference=conference)

    def labels(self):
        data = self.cleaned_data
        width = max(2, len(str(data["first"] + data["count"] - 1)))
        return [
            f"{data['prefix']}{n:0{width}d}"
            for n in range(data["first"], data["first"] + data["count"])
        ]


class _PlaceForm(BootstrapMixin, forms.Form):
    """Slot and table choices of one conference."""

    slot = forms.ModelChoiceField(label=_("Slot"), queryset=None)
    table = forms.ModelChoiceField(label=_("Table"), queryset=None)
    confirm = forms.BooleanField(
        label=_("I have read the warnings; book anyway"),
        required=False,
    )

    def __init__(self, *args, conference, slots, tables, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["slot"].queryset = slots
        self.fields["table"].queryset = tables
        self.fields["slot"].label_from_instance = _slot_label(conference)
        self.fields["table"].label_from_instance = lambda t: f"{t.label} · {t.room.name}"


def _slot_label(conference):
    def label(slot):
        start = timezone.localtime(slot.starts_at, conference.tz)
        end = timezone.localtime(slot.ends_at, conference.tz)
        return f"{date_format(start, gettext('D j M, H:i'))}–{date_format(end, 'H:i')}"

    return label


class MeetingCreateForm(_PlaceForm):
    first = forms.ModelChoiceField(label=_("First delegate"), queryset=None)
    second = forms.ModelChoiceField(label=_("Second delegate"), queryset=None)
    note = forms.CharField(
        label=_("Agenda note (participants see it)"),
        required=False,
        max_length=1000,
        widget=forms.Textarea(attrs={"rows": 2}),
    )
    field_order = ["first", "second", "slot", "table", "note", "confirm"]

    def __init__(self, *args, delegates, **kwargs):
        super().__init__(*args, **kwargs)
        for name in ("first", "second"):
            self.fields[name].queryset = delegates
            self.fields[name].label_from_instance = _delegate_label

    def clean(self):
        data = super().clean()
        if data.get("first") and data.get("first") == data.get("second"):
            raise forms.ValidationError(_("Choose two different delegates."))
        return data


def _delegate_label(registration):
    if registration.organisation_id:
        return f"{registration.user.display_name} — {registration.organisation.name}"
    return registration.user.display_name


class MeetingMoveForm(_PlaceForm):
    pass
