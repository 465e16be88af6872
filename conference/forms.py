from django import forms
from django.utils.translation import gettext_lazy as _

from conference.models import OutgoingEmail


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
