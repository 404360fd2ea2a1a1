"""Forms of the report builder and the release (clause P14)."""

import datetime as dt
from typing import Any

from django import forms

from lead411.core import clock

from .selectors import ReportKind

MAX_PERIOD_DAYS = 366


class ReportForm(forms.Form):
    """Which report, for which period (inclusive days, site time zone)."""

    kind = forms.ChoiceField(label="Report", choices=ReportKind.choices)
    start = forms.DateField(label="From", widget=forms.DateInput(attrs={"type": "date"}))
    end = forms.DateField(label="To", widget=forms.DateInput(attrs={"type": "date"}))

    def clean(self) -> dict[str, Any]:
        """Refuse a period that ends before it starts, lies in the future or exceeds a year."""
        data = super().clean() or {}
        start, end = data.get("start"), data.get("end")
        if isinstance(start, dt.date) and isinstance(end, dt.date):
            if end < start:
                raise forms.ValidationError("The period ends before it starts.")
            if (end - start).days >= MAX_PERIOD_DAYS:
                raise forms.ValidationError("A report covers at most one year.")
            if start > clock.today():
                raise forms.ValidationError("The period starts in the future.")
        return data


class ReleaseForm(ReportForm):
    """A report plus whom it goes to, why, and the optional differential privacy."""

    recipient = forms.CharField(label="Recipient (organisation)", max_length=200)
    purpose = forms.CharField(
        label="Purpose", widget=forms.Textarea(attrs={"rows": 2}), max_length=2000
    )
    epsilon = forms.FloatField(
        label="Differential privacy epsilon (optional)",
        required=False,
        min_value=0.01,
        max_value=10.0,
        help_text="Member-count reports only. Smaller is more private; it is spent from the "
        "recipient's budget.",
    )
