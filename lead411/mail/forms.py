"""Forms of the mail app."""

from typing import Any

from django import forms

from .models import Stream


class MailPreferencesForm(forms.Form):
    """One switch per stream (clause P5); account mail has no switch: it follows your actions."""

    daily = forms.BooleanField(label=Stream.DAILY.label, required=False)
    replies = forms.BooleanField(label=Stream.REPLIES.label, required=False)
    updates = forms.BooleanField(label=Stream.UPDATES.label, required=False)

    def consents(self) -> dict[str, Any]:
        """Return ``{stream: bool}`` of a valid form."""
        return {stream: self.cleaned_data[stream] for stream in Stream.values}


class MemberExportForm(forms.Form):
    """Why the superuser exports the member list: recorded with the export (P6)."""

    purpose = forms.CharField(
        max_length=300,
        help_text="For the operator's own use only; member lists are never given to third parties.",
    )
