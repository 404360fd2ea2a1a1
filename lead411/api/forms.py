"""The token page's form: a name and a scope for a new API token."""

from django import forms

from .models import ApiToken


class ApiTokenCreateForm(forms.Form):
    name = forms.CharField(
        max_length=100, strip=True, help_text="Where you use it, e.g. “HubSpot sync”."
    )
    scope = forms.ChoiceField(
        choices=ApiToken.Scope.choices, initial=ApiToken.Scope.READ, widget=forms.RadioSelect
    )
