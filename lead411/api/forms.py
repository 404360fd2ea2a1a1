"""The member pages' forms: a new API token; a new webhook endpoint."""

from typing import Any

from django import forms

from lead411.leads.models import SavedSearch
from lead411.leads.selectors import saved_search_list

from .models import ApiToken


class ApiTokenCreateForm(forms.Form):
    name = forms.CharField(
        max_length=100, strip=True, help_text="Where you use it, e.g. “HubSpot sync”."
    )
    scope = forms.ChoiceField(
        choices=ApiToken.Scope.choices, initial=ApiToken.Scope.READ, widget=forms.RadioSelect
    )


class WebhookEndpointCreateForm(forms.Form):
    """A saved search of the member and the https URL its new matches are POSTed to."""

    saved_search = forms.ModelChoiceField(queryset=SavedSearch.objects.none(), empty_label=None)
    url = forms.URLField(
        label="Endpoint URL",
        max_length=500,
        assume_scheme="https",
        help_text="An https address of your own tool, e.g. https://crm.example.com/hooks/lead411.",
    )

    def __init__(self, *args: Any, member: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["saved_search"]
        assert isinstance(field, forms.ModelChoiceField)
        field.queryset = saved_search_list(member=member)
