"""Forms of the accounts app, and allauth's forms with the portal's styling."""

from allauth.account import forms as allauth_forms
from allauth.mfa.base import forms as mfa_base_forms
from allauth.mfa.totp import forms as mfa_totp_forms
from django import forms
from django.conf import settings
from django.db import IntegrityError, transaction
from django.shortcuts import redirect
from django.utils import translation
from django.utils.html import escape
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from django_countries.fields import CountryField

from accounts import selectors, services
from accounts.models import Invitation, Registration, RegistrationQuestion
from accounts.questions import TEXT_MAX, AnswerInvalid, answer_clean
from conference.core.forms import BootstrapMixin
from conference.core.models import Conference, Organisation, OrganisationKind


class LoginForm(BootstrapMixin, allauth_forms.LoginForm):
    pass


class ResetPasswordForm(BootstrapMixin, allauth_forms.ResetPasswordForm):
    pass


class ResetPasswordKeyForm(BootstrapMixin, allauth_forms.ResetPasswordKeyForm):
    pass


class ChangePasswordForm(BootstrapMixin, allauth_forms.ChangePasswordForm):
    pass


class SetPasswordForm(BootstrapMixin, allauth_forms.SetPasswordForm):
    pass


class ReauthenticateForm(BootstrapMixin, allauth_forms.ReauthenticateForm):
    pass


# Two-factor authentication (allauth.mfa), styled like the rest.
class MfaAuthenticateForm(BootstrapMixin, mfa_base_forms.AuthenticateForm):
    pass


class MfaReauthenticateForm(BootstrapMixin, mfa_base_forms.ReauthenticateForm):
    pass


class ActivateTOTPForm(BootstrapMixin, mfa_totp_forms.ActivateTOTPForm):
    pass


class SignupForm(BootstrapMixin, allauth_forms.SignupForm):
    """
    Sign-up from an invitation: the email address is the invited one and
    cannot be changed (so it counts as verified), and the account is created
    and the invitation accepted in one transaction under the invitation's lock.
    """

    given_name = forms.CharField(label=_("Given name"), max_length=100)
    family_name = forms.CharField(label=_("Family name"), max_length=100, required=False)
    field_order = ["email", "given_name", "family_name", "password1", "password2"]

    def __init__(self, *args, invitation=None, **kwargs):
        self.invitation = invitation
        super().__init__(*args, **kwargs)
        email = self.fields["email"]
        if invitation is not None:
            email.initial = invitation.email
            given, _sep, family = invitation.name.partition(" ")
            self.fields["given_name"].initial = given
            self.fields["family_name"].initial = family
        # Disabled: the posted value is ignored and the invited address used.
        email.disabled = True
        email.help_text = _("Your invitation was sent to this address. It is your login.")

    def validate_unique_email(self, value):
        # Only an account that holds the address stops the sign-up (its owner
        # logs in instead); another account's unverified copy gives way below.
        self.account_already_exists = selectors.email_address_is_held(email=value)
        return value

    def try_save(self, request):
        token = self.invitation.token if self.invitation else None
        if token is None:
            return None, redirect("account_signup")
        if self.account_already_exists:
            return None, redirect("invitation", token)
        with transaction.atomic():
            # Of two simultaneous sign-ups from one invitation, the second waits
            # here and then finds the invitation accepted.
            if services.invitation_lock_usable(token=token) is None:
                return None, redirect("invitation", token)
            try:
                with transaction.atomic():
                    services.email_address_release(email=self.cleaned_data["email"])
                    user = self.save(request)
            except IntegrityError:  # the same address signed up a moment ago
                return None, redirect("invitation", token)
            services.invitation_accept(token=token, user=user)
        request.session.pop("invitation_token", None)
        return user, None


# Invitations (organisers) ---------------------------------------------------


class InvitationForm(BootstrapMixin, forms.Form):
    email = forms.EmailField(label=_("Email address"))
    name = forms.CharField(label=_("Name"), max_length=200, required=False)
    organisation = forms.ModelChoiceField(
        label=_("Organisation"),
        queryset=Organisation.objects.filter(confirmed=True).order_by("name"),
        required=False,
        empty_label=_("— not known yet —"),
    )
    role = forms.ChoiceField(
        label=_("Role"),
        choices=Invitation.InvitedRole.choices,
        initial=Invitation.InvitedRole.DELEGATE,
    )
    language = forms.TypedChoiceField(
        label=_("Language of the emails"),
        empty_value=settings.LANGUAGE_CODE,
        choices=settings.LANGUAGES,
        initial=settings.LANGUAGE_CODE,
        required=False,
        help_text=_("The invitation and its reminder are written in it; it becomes the account's."),
    )


class InvitationImportForm(BootstrapMixin, forms.Form):
    file = forms.FileField(label=_("CSV file"))
    send_now = forms.BooleanField(
        label=_("Send the new invitations straight away"), required=False, initial=True
    )

    def __init__(self, *args, upload_refused=False, **kwargs):
        super().__init__(*args, **kwargs)
        # The upload handler stopped the file while it streamed (conference.core.uploads):
        # there is no file to validate, and the reason is its size, not its absence.
        self.upload_refused = upload_refused
        if upload_refused:
            self.fields["file"].required = False
        # Set here, not in the field: the text is translated per request.
        self.fields["file"].help_text = gettext(
            "Columns: email (required), name, organisation, kind, country, role, "
            "language (en or ja, for the emails). "
            "Comma or semicolon separated, UTF-8. At most %(rows)s rows and %(mb)s MB."
        ) % {"rows": services.CSV_MAX_ROWS, "mb": services.CSV_MAX_BYTES // (1024 * 1024)}

    def clean_file(self):
        upload = self.cleaned_data["file"]
        if self.upload_refused or upload.size > services.CSV_MAX_BYTES:
            raise forms.ValidationError(
                _("The file is larger than %(mb)s MB. Split it into smaller files.")
                % {"mb": services.CSV_MAX_BYTES // (1024 * 1024)}
            )
        if upload.name.lower().endswith((".xlsx", ".xls", ".ods", ".numbers")):
            raise forms.ValidationError(
                _("This is a spreadsheet file. Save it as “CSV UTF-8” and upload that.")
            )
        return upload


class InvitationFilterForm(BootstrapMixin, forms.Form):
    q = forms.CharField(label=_("Search"), required=False)
    status = forms.ChoiceField(
        label=_("Status"),
        choices=[("", _("All statuses")), *Invitation.Status.choices],
        required=False,
    )


# Registration (delegates) ---------------------------------------------------


class RegistrationForm(BootstrapMixin, forms.ModelForm):
    given_name = forms.CharField(label=_("Given name"), max_length=100)
    family_name = forms.CharField(label=_("Family name"), max_length=100, required=False)
    family_name_first = forms.BooleanField(
        label=_("Show my family name first"),
        help_text=_("For example 佐藤 花子 (Sato Hanako) rather than Hanako Sato."),
        required=False,
    )
    new_organisation_name = forms.CharField(
        label=_("Name of your organisation"), max_length=200, required=False
    )
    new_organisation_kind = forms.ChoiceField(
        label=_("Kind of organisation"),
        choices=[("", "—"), *OrganisationKind.choices],
        required=False,
    )
    new_organisation_country = CountryField(blank=True).formfield(
        label=_("Country of the organisation"), required=False
    )
    privacy_accepted = forms.BooleanField(
        label=_("I have read the privacy notice and accept it"), required=True
    )

    class Meta:
        model = Registration
        fields = [
            "organisation",
            "job_title",
            "nationality",
            "id_document_type",
            "id_document_number",
            "id_document_expiry",
            "dietary_needs",
            "access_needs",
            "directory_consent",
            "directory_contact",
        ]
        widgets = {"id_document_expiry": forms.DateInput(attrs={"type": "date"})}
        help_texts = {
            "directory_consent": _(
                "Other delegates can then find you and your organisation and request B2B meetings."
            ),
        }

    def __init__(self, *args, conference, user, questions=(), **kwargs):
        """`questions`: the conference's active questions (selectors.questions_asked)."""
        super().__init__(*args, **kwargs)
        self.conference = conference
        self.questions = list(questions)
        self._add_question_fields()
        self.fields["given_name"].initial = user.given_name
        self.fields["family_name"].initial = user.family_name
        self.fields["family_name_first"].initial = user.family_name_first
        organisation = self.fields["organisation"]
        organisation.queryset = selectors.organisation_choices(user=user)
        organisation.required = False
        organisation.empty_label = _("— my organisation is not listed —")
        for name in ("job_title", "nationality", "id_document_type", "id_document_number"):
            self.fields[name].required = True
        self.fields["id_document_expiry"].required = True
        if self.instance.pk and self.instance.status != Registration.Status.WITHDRAWN:
            # Accepted when they registered; editing does not ask again.
            del self.fields["privacy_accepted"]

    def _add_question_fields(self):
        language = translation.get_language()
        answers = {}
        if self.questions and self.instance.pk:
            answers = {a.question_id: a.value for a in self.instance.answers.all()}
        for question in self.questions:
            field = question_field(question, language)
            value = answers.get(question.pk)
            if question.kind == RegistrationQuestion.Kind.YES_NO and value is not None:
                value = "yes" if value else "no"
            field.initial = value
            self.fields[f"q_{question.pk}"] = field
            # The mixin styled the fields made before; style this one the same way.
            widget = field.widget
            if isinstance(widget, forms.Select):
                widget.attrs["class"] = "form-select"
            elif isinstance(widget, forms.TextInput | forms.Textarea | forms.DateInput):
                widget.attrs["class"] = "form-control"

    @property
    def question_fields(self):
        """The bound fields of the custom questions, in the form's order."""
        return [self[f"q_{question.pk}"] for question in self.questions]

    def clean(self):
        data = super().clean()
        for question in self.questions:
            name = f"q_{question.pk}"
            if name in self.errors:
                continue
            try:
                data[name] = answer_clean(question, data.get(name))
            except AnswerInvalid as exc:
                self.add_error(name, str(exc))
        name = (data.get("new_organisation_name") or "").strip()
        if data.get("organisation") is None:
            if not name:
                self.add_error(
                    "organisation", _("Choose your organisation, or name it below if it is new.")
                )
            elif not Organisation.objects.filter(name__iexact=name).exists() and not data.get(
                "new_organisation_kind"
            ):
                self.add_error("new_organisation_kind", _("What kind of organisation is it?"))
        expiry = data.get("id_document_expiry")
        if expiry and expiry < self.conference.end_date:
            self.add_error(
                "id_document_expiry",
                _("The document must still be valid on the last day of the conference."),
            )
        return data

    def service_kwargs(self):
        """The cleaned data as keyword arguments of registration_create/update."""
        data = self.cleaned_data
        kwargs = {name: data[name] for name in self.Meta.fields}
        kwargs["given_name"] = data["given_name"].strip()
        kwargs["family_name"] = data["family_name"].strip()
        kwargs["family_name_first"] = data["family_name_first"]
        name = (data.get("new_organisation_name") or "").strip()
        if data["organisation"] is None and name:
            kwargs["new_organisation"] = {
                "name": name,
                "kind": data.get("new_organisation_kind") or OrganisationKind.OTHER,
                "country": data.get("new_organisation_country") or "",
            }
        if not data["directory_consent"]:
            kwargs["directory_contact"] = ""
        kwargs["answers"] = {question.pk: data[f"q_{question.pk}"] for question in self.questions}
        return kwargs


def question_field(question, language):
    """The form field asking `question` in `language`; its help text is escaped (shown as HTML)."""
    Kind = RegistrationQuestion.Kind
    options = {
        "label": question.label(language),
        "required": question.required,
        "help_text": escape(question.help_text(language)),
    }
    if question.kind in TEXT_MAX:
        widget = forms.Textarea(attrs={"rows": 3}) if question.kind == Kind.LONG_TEXT else None
        return forms.CharField(max_length=TEXT_MAX[question.kind], widget=widget, **options)
    if question.kind == Kind.YES_NO:
        return forms.ChoiceField(
            choices=[("yes", _("Yes")), ("no", _("No"))], widget=forms.RadioSelect, **options
        )
    if question.kind == Kind.DATE:
        return forms.DateField(widget=forms.DateInput(attrs={"type": "date"}), **options)
    if question.kind == Kind.COUNTRY:
        return CountryField(blank=True).formfield(**options)
    choices = question.choice_labels(language)
    if question.kind == Kind.MULTIPLE_CHOICE:
        return forms.MultipleChoiceField(
            choices=choices, widget=forms.CheckboxSelectMultiple, **options
        )
    return forms.ChoiceField(choices=[("", "—"), *choices], **options)


# Registrations (organisers) ---------------------------------------------------


class RegistrationFilterForm(BootstrapMixin, forms.Form):
    q = forms.CharField(label=_("Search"), required=False)
    status = forms.ChoiceField(
        label=_("Status"),
        choices=[("", _("All statuses")), *Registration.Status.choices],
        required=False,
    )
    kind = forms.ChoiceField(
        label=_("Organisation kind"),
        choices=[("", _("All kinds")), *OrganisationKind.choices],
        required=False,
    )
    country = forms.ChoiceField(label=_("Country"), required=False)
    deletion = forms.BooleanField(label=_("Asked for deletion"), required=False)

    def __init__(self, *args, countries=(), **kwargs):
        super().__init__(*args, **kwargs)
        from django_countries import countries as all_countries

        self.fields["country"].choices = [
            ("", _("All countries")),
            *((code, all_countries.name(code)) for code in countries),
        ]


BULK_ACTIONS = {
    "approve": Registration.Status.APPROVED,
    "waitlist": Registration.Status.WAITLISTED,
    "reject": Registration.Status.REJECTED,
}


class RegistrationBulkForm(forms.Form):
    action = forms.ChoiceField(choices=[(key, key) for key in BULK_ACTIONS])
    registrations = forms.ModelMultipleChoiceField(queryset=Registration.objects.none())

    def __init__(self, *args, conference, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["registrations"].queryset = Registration.objects.filter(conference=conference)
        self.fields["registrations"].error_messages["required"] = _(
            "Select at least one registration."
        )


class RegistrationSettingsForm(BootstrapMixin, forms.ModelForm):
    class Meta:
        model = Conference
        fields = ["capacity", "auto_approve", "promote_from_waitlist", "registration_locked"]
        help_texts = {
            "registration_locked": _("Delegates can no longer change their details."),
        }


# Registration questions (organisers) ------------------------------------------------------

CHOICE_KEY_MAX = 40


class QuestionForm(BootstrapMixin, forms.ModelForm):
    """A custom registration question; its choices are typed one per line."""

    choices_text = forms.CharField(
        label=_("Choices"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 5}),
    )

    class Meta:
        model = RegistrationQuestion
        fields = [
            "kind",
            "label_en",
            "label_ja",
            "help_en",
            "help_ja",
            "choices_text",
            "required",
            "visible_to",
        ]
        help_texts = {
            "visible_to": _(
                "Who may read the answers on the registration page and in exports. "
                "“Security officers only” hides them from organisers too."
            ),
            "required": _("Delegates cannot register without answering."),
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["choices_text"].help_text = gettext(
            "For single and multiple choice: one choice per line, as "
            "“key | English | 日本語”, for example “hotel | Hotel booking | ホテル予約”. "
            "The key (letters, digits, - and _) is what answers store: keep it when you "
            "reword a choice. Answers already given keep the wording they were given in."
        )
        if self.instance.pk:
            self.initial["choices_text"] = "\n".join(
                f"{c['key']} | {c['en']} | {c.get('ja', '')}" for c in self.instance.choices
            )

    def clean_choices_text(self):
        choices, keys = [], set()
        for number, line in enumerate(self.cleaned_data["choices_text"].splitlines(), 1):
            if not line.strip():
                continue
            parts = [part.strip() for part in line.split("|")]
            key, english = parts[0], parts[1] if len(parts) > 1 else ""
            japanese = parts[2] if len(parts) > 2 else ""
            if (
                len(parts) > 3
                or not english
                or not key
                or len(key) > CHOICE_KEY_MAX
                or not key.isascii()
                or not key.replace("-", "").replace("_", "").isalnum()
            ):
                raise forms.ValidationError(
                    _(
                        "Line %(number)s: write “key | English | 日本語”; "
                        "the key uses letters, digits, - and _."
                    )
                    % {"number": number}
                )
            if key in keys:
                raise forms.ValidationError(
                    _("Line %(number)s: the key “%(key)s” is used twice.")
                    % {"number": number, "key": key}
                )
            keys.add(key)
            choices.append({"key": key, "en": english, "ja": japanese})
        return choices

    def clean(self):
        data = super().clean()
        if data.get("kind") in RegistrationQuestion.CHOICE_KINDS and not data.get("choices_text"):
            self.add_error("choices_text", _("A choice question needs at least one choice."))
        return data

    def service_kwargs(self):
        data = self.cleaned_data
        kwargs = {name: data[name] for name in self.Meta.fields if name != "choices_text"}
        kwargs["choices"] = data["choices_text"]
        return kwargs
