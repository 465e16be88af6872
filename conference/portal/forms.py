"""
Forms of the staff pages: the export chooser (which also validates the
query string of every export URL), export presets, and the check-in search.
"""

from django import forms
from django.utils.translation import gettext_lazy as _

from accounts.models import Registration
from conference.core.forms import BootstrapMixin
from conference.core.models import ExportPreset, OrganisationKind, Role
from conference.portal import exports


class CommaSeparatedChoiceField(forms.MultipleChoiceField):
    """
    Accepts `columns=a,b` as well as `columns=a&columns=b`, keeping the order
    given. With a `registry` (exports.attendee_columns_for), a value is valid
    when it is one of its columns, and the choices are read only to render.
    """

    registry = None

    def valid_value(self, value):
        if self.registry is not None:
            return value in self.registry
        return super().valid_value(value)

    def to_python(self, value):
        values = []
        for item in super().to_python(value):
            values.extend(part.strip() for part in item.split(",") if part.strip())
        return list(dict.fromkeys(values))


# The attendee exports are the organisers'.
EXPORTER_ROLES = frozenset({Role.ORGANISER})


def chooser_choices(conference, roles=EXPORTER_ROLES):
    """
    The conference's countries and sessions to filter by, and the columns
    `roles` may export (a registry: `exports.attendee_columns_for`); three queries.
    """
    return (
        exports.country_choices(conference=conference),
        exports.session_choices(conference=conference),
        exports.attendee_columns_for(conference=conference, roles=roles),
    )


YES_NO_ANY = [("", _("Either")), ("yes", _("Yes")), ("no", _("No"))]


# Filters over registrations shared by the exports and the broadcasts' audience.


def registration_status_field():
    return forms.MultipleChoiceField(
        label=_("Registration status"),
        choices=Registration.Status.choices,
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text=_("None ticked: every status."),
    )


def organisation_kind_field():
    return forms.MultipleChoiceField(
        label=_("Organisation kind"),
        choices=OrganisationKind.choices,
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text=_("None ticked: every kind."),
    )


def organisation_country_field():
    """Its choices are the conference's countries (exports.country_choices), set by the form."""
    return forms.MultipleChoiceField(
        label=_("Country of the organisation"),
        required=False,
        widget=forms.SelectMultiple(attrs={"size": 6}),
        help_text=_("None selected: every country. Ctrl/⌘-click to choose several."),
    )


class ExportForm(BootstrapMixin, forms.Form):
    """
    The columns and filters of an attendee export. Bound to a query string,
    it validates an export URL: a session or country that is not the
    conference's is an error, never a way to read another conference.
    """

    columns = CommaSeparatedChoiceField(
        label=_("Columns"),
        choices=(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    status = registration_status_field()
    kind = organisation_kind_field()
    country = organisation_country_field()
    session = forms.TypedChoiceField(
        label=_("Signed up for session"), coerce=int, empty_value=None, required=False
    )
    checked_in = forms.ChoiceField(
        label=_("Checked in"),
        choices=[("", _("Either")), ("yes", _("Checked in")), ("no", _("Not yet"))],
        required=False,
    )
    vip = forms.ChoiceField(label=_("VIP (protocol)"), choices=YES_NO_ANY, required=False)
    order = forms.ChoiceField(
        label=_("Order by"),
        choices=[(key, label) for key, (label, _fields) in exports.ORDERS.items()],
        required=False,
    )
    layout = forms.ChoiceField(
        label=_("Rows"), choices=list(exports.LAYOUTS.items()), required=False
    )

    def __init__(self, *args, conference, choices=None, roles=EXPORTER_ROLES, **kwargs):
        """
        `choices`: what `chooser_choices` gives, when a page has many forms;
        else it is read for `roles`, the roles of who exports.
        """
        super().__init__(*args, **kwargs)
        self.conference = conference
        countries, sessions, self.registry = choices or chooser_choices(conference, roles)
        self.fields["columns"].registry = self.registry
        self.fields["columns"].choices = self.registry.choices
        self.fields["country"].choices = countries
        self.fields["session"].choices = [("", _("Any session")), *sessions]

    def params(self):
        """The validated choices as ExportParams (defaults where nothing was chosen)."""
        data = self.cleaned_data
        return exports.ExportParams(
            columns=data["columns"] or list(exports.DEFAULT_COLUMNS),
            status=data["status"],
            kind=data["kind"],
            country=data["country"],
            session=data["session"],
            checked_in=data["checked_in"],
            vip=data["vip"],
            order=data["order"] or "name",
            layout=data["layout"] or "people",
        )


class BadgeForm(ExportForm):
    sheet = forms.ChoiceField(
        label=_("Paper"),
        choices=[("a6", _("A6, one badge per page")), ("a4", _("A4, four badges per sheet"))],
        required=False,
    )


class GateListForm(BootstrapMixin, forms.Form):
    """The gate list's filters: approved delegates only, by kind or country if asked."""

    kind = forms.MultipleChoiceField(
        label=_("Organisation kind"),
        choices=OrganisationKind.choices,
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    country = forms.MultipleChoiceField(
        label=_("Country of the organisation"), required=False, widget=forms.SelectMultiple
    )

    def __init__(self, *args, conference, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["country"].choices = exports.country_choices(conference=conference)

    def params(self):
        return exports.ExportParams(
            columns=[], kind=self.cleaned_data["kind"], country=self.cleaned_data["country"]
        )


class PresetForm(ExportForm):
    """A preset: a name and an audience, and the export choices it stands for."""

    name = forms.CharField(label=_("Name"), max_length=100)
    audience = forms.ChoiceField(label=_("Audience"), choices=ExportPreset.Audience.choices)

    field_order = ["name", "audience"]

    def __init__(self, *args, preset=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.preset = preset

    def clean_name(self):
        name = self.cleaned_data["name"].strip()
        if exports.preset_name_taken(conference=self.conference, name=name, preset=self.preset):
            raise forms.ValidationError(_("There is already a preset with this name."))
        return name


class CheckinSearchForm(forms.Form):
    q = forms.CharField(label=_("Name, organisation or badge code"), max_length=100, required=False)
