"""
Forms of matchmaking: a delegate's profile, an organisation's profile, a
topic of the taxonomy, and the organisers' pairing matrix and boosts.

The image fields come last in each form, and so last in the page: an upload
over the limit is stopped while it streams (conference.core.uploads), after
the fields in front of it are read, so everything typed survives a refused
photo.
"""

from django import forms
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from b2b_meetings.matchmaking.images import (
    MAX_BYTES,
    ImageRefused,
    image_prepare,
    too_large_message,
)
from b2b_meetings.matchmaking.services import SPOKEN_LANGUAGES
from b2b_meetings.matchmaking.settings_defaults import (
    MAX_WEIGHT,
    NEW_ENTRANT,
    pair_key,
    value_chain_pairs,
)
from b2b_meetings.models import DelegateProfile
from conference.core.forms import BootstrapMixin
from conference.core.models import Organisation, ValueChain

IMAGE_ACCEPT = "image/jpeg,image/png,image/webp"
TEXT_MAX = DelegateProfile.MAX_TEXT
BOOST_ROWS = 8


def _textarea(rows=3):
    return forms.Textarea(attrs={"rows": rows})


def _checkboxes():
    return forms.CheckboxSelectMultiple(attrs={"class": "form-check-input"})


class _ImageMixin:
    """
    Checks the form's image field (`image_field`) with Pillow and keeps the
    encoded image in `self.prepared_image`; an upload stopped for its size
    (`upload_refused`) is an error on the field.
    """

    image_field = ""
    crop = True

    def _setup_image(self, upload_refused):
        self.upload_refused = upload_refused
        self.prepared_image = None
        field = self.fields[self.image_field]
        field.widget.attrs["accept"] = IMAGE_ACCEPT
        field.help_text = gettext("JPEG, PNG or WebP, up to %(mb)s MB.") % {
            "mb": MAX_BYTES // (1024 * 1024)
        }

    def _clean_image(self):
        upload = self.cleaned_data.get(self.image_field)
        if self.upload_refused:
            raise forms.ValidationError(too_large_message())
        if not upload:
            return None
        try:
            self.prepared_image = image_prepare(upload, crop=self.crop)
        except ImageRefused as exc:
            raise forms.ValidationError(exc.message) from None
        return upload


class DelegateProfileForm(_ImageMixin, BootstrapMixin, forms.Form):
    job_title = forms.CharField(label=_("Job title"), max_length=200, required=False)
    bio = forms.CharField(
        label=_("Short bio"),
        max_length=TEXT_MAX,
        required=False,
        widget=_textarea(4),
        help_text=_("A few lines about you and your work. Up to 1,000 characters."),
    )
    languages = forms.MultipleChoiceField(
        label=_("Languages you speak"),
        required=False,
        choices=SPOKEN_LANGUAGES,
        widget=_checkboxes(),
    )
    topics = forms.TypedMultipleChoiceField(
        label=_("Topics of interest"), required=False, coerce=int, widget=_checkboxes()
    )
    offers = forms.CharField(
        label=_("What I offer"),
        max_length=TEXT_MAX,
        required=False,
        widget=_textarea(),
        help_text=_("In English, Japanese or both."),
    )
    seeks = forms.CharField(
        label=_("What I seek"),
        max_length=TEXT_MAX,
        required=False,
        widget=_textarea(),
        help_text=_("In English, Japanese or both."),
    )
    remove_photo = forms.BooleanField(label=_("Remove my photo"), required=False)
    photo = forms.FileField(label=_("Choose a photo"), required=False)

    image_field = "photo"
    crop = True

    def __init__(self, *args, topics=(), job_title_locked=False, upload_refused=False, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["topics"].choices = [(topic.pk, topic.label) for topic in topics]
        self.job_title_locked = job_title_locked
        if job_title_locked:
            self.fields["job_title"].disabled = True
            self.fields["job_title"].help_text = _(
                "The organisers have locked registration details; "
                "ask them to change your job title."
            )
        else:
            self.fields["job_title"].help_text = _("Printed on your badge.")
        self._setup_image(upload_refused)

    def clean_photo(self):
        return self._clean_image()

    def profile_values(self):
        """The cleaned values in the shape `delegate_profile_update` takes."""
        data = self.cleaned_data
        return {
            "bio": data["bio"],
            "languages": data["languages"],
            "topics": data["topics"],
            "offers": data["offers"],
            "seeks": data["seeks"],
            "job_title": None if self.job_title_locked else data["job_title"],
            "photo": self.prepared_image,
            "remove_photo": data["remove_photo"] and self.prepared_image is None,
        }


class OrganisationProfileForm(_ImageMixin, BootstrapMixin, forms.ModelForm):
    website = forms.URLField(
        label=_("Website"), required=False, max_length=200, assume_scheme="https"
    )
    offered = forms.TypedMultipleChoiceField(
        label=_("Topics it offers"), required=False, coerce=int, widget=_checkboxes()
    )
    sought = forms.TypedMultipleChoiceField(
        label=_("Topics it seeks"), required=False, coerce=int, widget=_checkboxes()
    )
    remove_logo = forms.BooleanField(label=_("Remove the logo"), required=False)
    logo = forms.FileField(label=_("Choose a logo"), required=False)

    image_field = "logo"
    crop = False

    class Meta:
        model = Organisation
        fields = [
            "kind",
            "value_chain",
            "is_new_entrant",
            "country",
            "website",
            "offers",
            "seeks",
            "offers_ja",
            "seeks_ja",
        ]
        labels = {
            "offers": _("What it offers (English)"),
            "seeks": _("What it seeks (English)"),
        }
        widgets = {
            "offers": _textarea(),
            "seeks": _textarea(),
            "offers_ja": _textarea(),
            "seeks_ja": _textarea(),
        }

    def __init__(self, *args, topics=(), upload_refused=False, **kwargs):
        super().__init__(*args, **kwargs)
        choices = [(topic.pk, topic.label) for topic in topics]
        self.fields["offered"].choices = choices
        self.fields["sought"].choices = choices
        self.fields["value_chain"].choices = [("", _("Not set")), *ValueChain.choices]
        for name in ("offers", "seeks", "offers_ja", "seeks_ja"):
            self.fields[name].max_length = TEXT_MAX
            self.fields[name].widget.attrs["maxlength"] = TEXT_MAX
        # The model's fields: file fields written by the service, not the form.
        self._setup_image(upload_refused)

    def clean_logo(self):
        return self._clean_image()

    def _post_clean(self):
        # Validate the fields without writing them into the instance: the
        # service compares the values with the row it locks.
        pass

    def profile_values(self):
        """The cleaned values in the shape `organisation_profile_update` takes."""
        data = self.cleaned_data
        return {
            "values": {name: data[name] for name in self.Meta.fields},
            "offered": data["offered"],
            "sought": data["sought"],
            "logo": self.prepared_image,
            "remove_logo": data["remove_logo"] and self.prepared_image is None,
        }


# Organisers --------------------------------------------------------------------------------


class TopicForm(BootstrapMixin, forms.Form):
    label_en = forms.CharField(label=_("Label in English"), max_length=100)
    label_ja = forms.CharField(label=_("Label in Japanese"), max_length=100, required=False)

    def clean_label_en(self):
        value = self.cleaned_data["label_en"].strip()
        if not value:
            raise forms.ValidationError(_("Give the topic an English label."))
        return value


class TopicMoveForm(forms.Form):
    direction = forms.ChoiceField(choices=[("up", "up"), ("down", "down")])

    def offset(self):
        return -1 if self.cleaned_data["direction"] == "up" else 1


def _segment_choices():
    return [("", "—"), *ValueChain.choices, (NEW_ENTRANT, _("New entrants"))]


class MatchmakingForm(BootstrapMixin, forms.Form):
    """
    The pairing matrix, one number 0–3 per pair of value-chain positions
    (fields `pair_<a>__<b>`), and up to eight boosts (`boost<i>_a`,
    `boost<i>_b`, `boost<i>_weight`); a boost row left empty is ignored.
    """

    def __init__(self, *args, matrix=None, boosts=(), **kwargs):
        # The fields are made here, after BootstrapMixin has run: their widgets
        # carry their Bootstrap classes themselves.
        super().__init__(*args, **kwargs)
        matrix = matrix or {}
        labels = dict(ValueChain.choices)
        for a, b in value_chain_pairs():
            name = self.pair_field(a, b)
            self.fields[name] = forms.IntegerField(
                label=gettext("%(first)s with %(second)s")
                % {"first": labels[a], "second": labels[b]},
                min_value=0,
                max_value=MAX_WEIGHT,
                initial=matrix.get(pair_key(a, b), 0),
                widget=forms.NumberInput(
                    attrs={"class": "form-control form-control-sm pair-input", "step": 1}
                ),
            )
        boosts = list(boosts)[:BOOST_ROWS]
        for i in range(BOOST_ROWS):
            first, second, weight = boosts[i] if i < len(boosts) else ("", "", None)
            self.fields[f"boost{i}_a"] = forms.ChoiceField(
                label=_("Segment"),
                choices=_segment_choices(),
                required=False,
                initial=first,
                widget=forms.Select(attrs={"class": "form-select form-select-sm"}),
            )
            self.fields[f"boost{i}_b"] = forms.ChoiceField(
                label=_("Segment"),
                choices=_segment_choices(),
                required=False,
                initial=second,
                widget=forms.Select(attrs={"class": "form-select form-select-sm"}),
            )
            self.fields[f"boost{i}_weight"] = forms.IntegerField(
                label=_("Weight"),
                min_value=0,
                max_value=MAX_WEIGHT,
                required=False,
                initial=weight,
                widget=forms.NumberInput(
                    attrs={"class": "form-control form-control-sm", "step": 1}
                ),
            )
        self.initial_boosts = len(boosts)

    @staticmethod
    def pair_field(a, b):
        a, b = sorted((a, b))
        return f"pair_{a}__{b}"

    def matrix_rows(self):
        """
        The pair inputs as a triangle: [(position label, [bound field or None
        per position])], each pair once (the row's position, then the same
        or a later column).
        """
        positions = list(ValueChain)
        return [
            (
                row.label,
                [
                    self[self.pair_field(row.value, col.value)] if j >= i else None
                    for j, col in enumerate(positions)
                ],
            )
            for i, row in enumerate(positions)
        ]

    def column_labels(self):
        return [position.label for position in ValueChain]

    def boost_rows(self):
        """The boost rows to show: those holding a value, then two empty ones (at most 8)."""
        rows = [
            (i, self[f"boost{i}_a"], self[f"boost{i}_b"], self[f"boost{i}_weight"])
            for i in range(BOOST_ROWS)
        ]
        used = [i for i, a, b, _w in rows if a.value() or b.value()]
        shown = min(BOOST_ROWS, max([self.initial_boosts, *(i + 1 for i in used)]) + 2)
        return rows[:shown]

    def clean(self):
        data = super().clean()
        boosts = []
        for i in range(BOOST_ROWS):
            first, second = data.get(f"boost{i}_a"), data.get(f"boost{i}_b")
            weight = data.get(f"boost{i}_weight")
            if not first and not second:
                continue
            if not first or not second or weight is None:
                self.add_error(
                    f"boost{i}_a",
                    _("A boost needs two segments and a weight (or leave the row empty)."),
                )
                continue
            boosts.append([first, second, weight])
        data["boosts"] = boosts
        return data

    def settings_values(self):
        """The cleaned values in the shape `matchmaking_settings_save` takes."""
        data = self.cleaned_data
        matrix = {pair_key(a, b): data[self.pair_field(a, b)] for a, b in value_chain_pairs()}
        return {"matrix": matrix, "boosts": data["boosts"]}
