"""Forms of the newsletter app: saved searches, mail preferences, preview (L3, P5)."""

from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.http import QueryDict

from .criteria import criteria_from_params
from .models import Stream


class SavedSearchForm(forms.Form):
    """Name, newsletter switch and the search parameters (a query string) of a saved search."""

    name = forms.CharField(max_length=100, strip=True)
    include_in_newsletter = forms.BooleanField(
        label="Include in my daily newsletter", required=False, initial=True
    )
    params = forms.CharField(
        label="Search parameters",
        required=False,
        max_length=2000,
        widget=forms.TextInput(attrs={"spellcheck": "false"}),
        help_text="The search as in the search page's address, e.g. q=robotics&kind=funding_round&country=USA.",
    )

    def clean_params(self) -> dict[str, list[str]]:
        """Return the criteria of the query string, validated by the lead search form."""
        text: str = self.cleaned_data["params"].lstrip("?")
        try:
            return criteria_from_params(QueryDict(text))
        except ValidationError as exc:
            raise ValidationError(exc.messages) from None


class MailPreferencesForm(forms.Form):
    """One switch per stream (clause P5); account mail has no switch: it follows your actions."""

    daily = forms.BooleanField(label=Stream.DAILY.label, required=False)
    replies = forms.BooleanField(label=Stream.REPLIES.label, required=False)
    updates = forms.BooleanField(label=Stream.UPDATES.label, required=False)

    def consents(self) -> dict[str, Any]:
        """Return ``{stream: bool}`` of a valid form."""
        return {stream: self.cleaned_data[stream] for stream in Stream.values}


class PreviewForm(forms.Form):
    """Which member's newsletter, for which date (staff preview)."""

    email = forms.EmailField(label="Member's email")
    date = forms.DateField(input_formats=["%Y-%m-%d"], help_text="YYYY-MM-DD")


class MemberExportForm(forms.Form):
    """Why the superuser exports the member list: recorded with the export (P6)."""

    purpose = forms.CharField(
        max_length=300,
        help_text="For the operator's own use only; member lists are never given to third parties.",
    )
