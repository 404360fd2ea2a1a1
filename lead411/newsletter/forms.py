"""Forms of the newsletter app: saved searches, mail preferences, preview (L3, P5)."""

import datetime as dt

from django import forms
from django.core.exceptions import ValidationError

from lead411.newsletter.digest import IssueDateOutOfRange, issue_date_check


class PreviewForm(forms.Form):
    """Which member's newsletter, for which date (staff preview)."""

    email = forms.EmailField(label="Member's email")
    date = forms.DateField(input_formats=["%Y-%m-%d"], help_text="YYYY-MM-DD")

    def clean_date(self) -> dt.date:
        """Reject dates the build does not support (``digest.issue_date_check``)."""
        date: dt.date = self.cleaned_data["date"]
        try:
            issue_date_check(date=date)
        except IssueDateOutOfRange as exc:
            raise ValidationError(str(exc), code="out_of_range") from None
        return date
