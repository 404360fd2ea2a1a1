"""Contact, reply and acknowledgement forms (clauses P1, P10, P15)."""

from django import forms


class AcknowledgeForm(forms.Form):
    """The notice banner's button: which version the member read."""

    version = forms.IntegerField(min_value=1)
