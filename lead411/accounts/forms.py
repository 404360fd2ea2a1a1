"""Membership forms: the application sign-up fields and the member-side forms."""

from typing import Any

from django import forms
from django.http import HttpRequest

from .models import AccountChangeRequest, Application


def _single_line(value: str) -> str:
    """Refuse control characters (CR/LF, NUL) in one-line fields, which would reach emails."""
    if any(ord(ch) < 32 or ord(ch) == 127 for ch in value):
        raise forms.ValidationError("Use a single line of text.", code="control_characters")
    return value.strip()


class SingleLineCharField(forms.CharField):
    """A CharField that rejects control characters."""

    def clean(self, value: Any) -> Any:
        """Return the stripped value; raise ValidationError on control characters."""
        cleaned = super().clean(value)
        return _single_line(cleaned) if cleaned else cleaned


class ApplicationSignupForm(forms.Form):
    """The extra fields of allauth's sign-up form: the membership application (clause P3).

    allauth adds email and password (ACCOUNT_SIGNUP_FORM_CLASS); ``signup`` runs after
    the user is saved and files the pending application.
    """

    first_name = SingleLineCharField(max_length=150, label="First name")
    last_name = SingleLineCharField(max_length=150, label="Last name")
    company = SingleLineCharField(max_length=200)
    job_title = SingleLineCharField(max_length=200, label="Job title")
    telephone = SingleLineCharField(max_length=40)
    industry = SingleLineCharField(max_length=100)
    company_size = forms.ChoiceField(choices=Application.CompanySize.choices, label="Company size")
    country = SingleLineCharField(max_length=100, label="Country or region")

    def signup(self, request: HttpRequest, user: Any) -> None:
        """Hook allauth calls after saving the user; the adapter files the application."""


class ApplicationAnswerForm(forms.Form):
    """The applicant's answer to staff's request for more information."""

    answer = forms.CharField(widget=forms.Textarea, max_length=4000)


class NameChangeForm(forms.Form):
    """Self-service change of the member's name (clause P11)."""

    first_name = SingleLineCharField(max_length=150, label="First name")
    last_name = SingleLineCharField(max_length=150, label="Last name")


class AccountChangeRequestForm(forms.ModelForm):
    """A request to staff, logged in or not (clause P11)."""

    name = SingleLineCharField(max_length=200, label="Your name")
    details = forms.CharField(widget=forms.Textarea, max_length=4000)

    class Meta:
        model = AccountChangeRequest
        fields = ["name", "contact_email", "kind", "details"]
        labels = {"contact_email": "Where we can reach you", "kind": "What to change"}


class ConfirmForm(forms.Form):
    """An explicit confirmation box for irreversible actions."""

    confirm = forms.BooleanField(required=True, label="Yes, I confirm")


class DeleteAccountForm(ConfirmForm):
    """Confirm an account deletion with the current password (re-authentication)."""

    password = forms.CharField(
        widget=forms.PasswordInput, label="Current password", max_length=1024
    )

    def __init__(self, *args: Any, user: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.user = user

    def clean_password(self) -> str:
        """Raise ValidationError unless the password is the member's current one."""
        password = self.cleaned_data["password"]
        if not self.user.check_password(password):
            raise forms.ValidationError("Please type your current password.", code="wrong_password")
        return password
