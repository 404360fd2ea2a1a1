"""The date-range form of the staff dashboard."""

import datetime as dt

from django import forms

MAX_RANGE_DAYS = 3660  # ten years: a bound on one report's work


class DateRangeForm(forms.Form):
    """``start`` and ``end`` UTC dates, inclusive; defaults are the last 30 days."""

    start = forms.DateField(widget=forms.DateInput(attrs={"type": "date"}))
    end = forms.DateField(widget=forms.DateInput(attrs={"type": "date"}))

    def clean(self) -> dict:
        data = super().clean() or {}
        start, end = data.get("start"), data.get("end")
        if isinstance(start, dt.date) and isinstance(end, dt.date):
            if end < start:
                raise forms.ValidationError("The end date is before the start date.")
            if (end - start).days > MAX_RANGE_DAYS:
                raise forms.ValidationError("Choose a range of at most ten years.")
        return data
