"""Forms of the accounts app, and allauth's forms with the portal's styling."""

from allauth.account import forms as allauth_forms

from conference.forms import BootstrapMixin


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


class SignupForm(BootstrapMixin, allauth_forms.SignupForm):
    pass
