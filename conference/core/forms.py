from django import forms
from django.utils.translation import gettext_lazy as _

from conference.core.email_templates import wording_problems
from conference.core.models import OutgoingEmail

# PostgreSQL's bigint, the type of every id: a larger number names no row.
ID_MAX = 2**63 - 1


class IdField(forms.IntegerField):
    """A row id: a positive integer within bigint, in ASCII digits."""

    def __init__(self, **kwargs):
        super().__init__(min_value=1, max_value=ID_MAX, **kwargs)

    def to_python(self, value):
        # int() reads the digits of every script ("١" is 1); no id is written so.
        if isinstance(value, str) and not value.isascii():
            raise forms.ValidationError(self.error_messages["invalid"], code="invalid")
        return super().to_python(value)


def parse_id(value):
    """
    `value`, as read from a query string or a form, as a row id; None if it is
    not one. Parse ids with this (or an IdField), never str.isdigit(): "²"
    passes isdigit() and fails int(), and a number past bigint passes both
    and then fails in the database.
    """
    try:
        return IdField().clean(value)
    except forms.ValidationError:
        return None


class BootstrapMixin:
    """Give every widget the Bootstrap class it needs (no template hacks)."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for field in self.fields.values():
            widget = field.widget
            if isinstance(widget, forms.CheckboxInput):
                css = "form-check-input"
            elif isinstance(widget, forms.Select | forms.SelectMultiple):
                css = "form-select"
            elif isinstance(widget, forms.CheckboxSelectMultiple | forms.RadioSelect):
                continue
            else:
                css = "form-control"
            widget.attrs["class"] = f"{css} {widget.attrs.get('class', '')}".strip()


class OutboxFilterForm(BootstrapMixin, forms.Form):
    q = forms.CharField(label=_("Search recipient or subject"), required=False)
    status = forms.ChoiceField(
        label=_("Status"),
        choices=[("", _("All statuses")), *OutgoingEmail.Status.choices],
        required=False,
    )


class EmailTemplateForm(BootstrapMixin, forms.Form):
    """
    An organiser's wording of one kind of email: checked as at save
    (`email_templates.wording_problems`), so the form names the allowed
    placeholders next to the field at fault. `sample` picks whom the
    preview and the test are filled in for.
    """

    subject = forms.CharField(label=_("Subject"), max_length=300, strip=False)
    body = forms.CharField(
        label=_("Text"), widget=forms.Textarea(attrs={"rows": 16}), max_length=10000, strip=False
    )
    sample = forms.TypedChoiceField(
        label=_("Sample recipient"), coerce=int, required=False, empty_value=0
    )

    def __init__(self, *args, kind, samples, **kwargs):
        super().__init__(*args, **kwargs)
        self.kind = kind
        if samples:
            self.fields["sample"].choices = [
                (index, sample.label) for index, sample in enumerate(samples)
            ]
        else:
            # Nobody to fill it in for yet: nothing to choose.
            del self.fields["sample"]

    def clean_subject(self):
        subject = self.cleaned_data["subject"].strip()
        if problems := wording_problems(self.kind, subject, subject=True):
            raise forms.ValidationError(problems)
        return subject

    def clean_body(self):
        body = self.cleaned_data["body"].strip()
        if problems := wording_problems(self.kind, body):
            raise forms.ValidationError(problems)
        return body
