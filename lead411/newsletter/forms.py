"""Forms of the newsletter app: saved searches, mail preferences, preview (L3, P5)."""

from django import forms


class PreviewForm(forms.Form):
    """Which member's newsletter, for which date (staff preview)."""

    email = forms.EmailField(label="Member's email")
    date = forms.DateField(input_formats=["%Y-%m-%d"], help_text="YYYY-MM-DD")
