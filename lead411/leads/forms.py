"""Parse and validate the GET parameters of lead search and CSV export (clause L2)."""

import datetime as dt
from decimal import Decimal
from typing import Any

from django import forms
from django.conf import settings
from django.core.exceptions import ValidationError
from django.http import QueryDict
from django.utils import timezone

from lead411.leads.exports import PRESETS
from lead411.leads.models import SavedSearch, TriggerEvent
from lead411.leads.search.query import FUNDS, SORTS, LeadQuery, parse_text

# Each multi-valued filter accepts this many values; more is a malformed URL.
MAX_FILTER_VALUES = 20
MAX_FILTER_VALUE_CHARS = 100
DATE_HELP = "Use YYYY-MM-DD, for example 2014-06-30."


class TextListField(forms.Field):
    """A repeatable GET parameter (``?city=Austin&city=Boston``) as a list of strings.

    Empty values are dropped; more than ``MAX_FILTER_VALUES`` values or a value longer
    than ``MAX_FILTER_VALUE_CHARS`` characters is an error.
    """

    widget = forms.MultipleHiddenInput

    def to_python(self, value: Any) -> list[str]:
        if not value:
            return []
        values = (
            [str(v).strip() for v in value] if isinstance(value, list | tuple) else [str(value)]
        )
        return list(dict.fromkeys(v for v in values if v))

    def validate(self, value: list[str]) -> None:
        super().validate(value)
        if len(value) > MAX_FILTER_VALUES:
            raise ValidationError(
                f"Choose at most {MAX_FILTER_VALUES} values (you sent {len(value)}).",
                code="too_many",
            )
        for item in value:
            if len(item) > MAX_FILTER_VALUE_CHARS:
                raise ValidationError(
                    f"A value may have at most {MAX_FILTER_VALUE_CHARS} characters.",
                    code="too_long",
                )
            if "\x00" in item:
                raise ValidationError("Null characters are not allowed.", code="null_characters")


def _amount_field(label: str) -> forms.DecimalField:
    return forms.DecimalField(
        label=label,
        required=False,
        min_value=0,
        max_digits=18,
        decimal_places=2,
        error_messages={
            "invalid": "Enter an amount in US dollars as a plain number, for example 5000000.",
            "min_value": "Enter an amount of 0 or more.",
            "max_digits": "Enter an amount below one quadrillion dollars.",
            "max_whole_digits": "Enter an amount below one quadrillion dollars.",
            "max_decimal_places": "Enter an amount with at most 2 decimal places.",
        },
    )


def _date_field(label: str) -> forms.DateField:
    return forms.DateField(
        label=label,
        required=False,
        input_formats=["%Y-%m-%d"],
        error_messages={"invalid": f"Enter a real calendar date. {DATE_HELP}"},
    )


class LeadSearchForm(forms.Form):
    """The lead search parameters: ``q, kind, round_type, category, country, region, city,
    date_from, date_to, amount_min, amount_max, funds, sort, imported_since, imported_until, page``.

    ``to_query()`` gives the ``LeadQuery`` for the selectors; ``notices`` lists the
    corrections made to an otherwise valid request (ignored operators, unknown
    parameters) so the page can show them.
    """

    q = forms.CharField(label="Search", required=False, strip=True)
    kind = forms.MultipleChoiceField(
        label="Event type",
        required=False,
        choices=TriggerEvent.Kind.choices,
        error_messages={"invalid_choice": "%(value)s is not an event type we know."},
    )
    round_type = TextListField(label="Round type", required=False)
    category = TextListField(label="Industry", required=False)
    country = TextListField(label="Country", required=False)
    region = TextListField(label="State / region", required=False)
    city = TextListField(label="City", required=False)
    date_from = _date_field("From")
    date_to = _date_field("To")
    amount_min = _amount_field("Min. amount (USD)")
    amount_max = _amount_field("Max. amount (USD)")
    funds = forms.ChoiceField(
        label="Funds, trusts and REITs",
        required=False,
        choices=[
            ("", "Leave them out"),
            ("include", "Include them"),
            ("only", "Only them"),
        ],
        error_messages={"invalid_choice": "Choose to leave out, include or only show funds."},
    )
    sort = forms.ChoiceField(
        label="Sort by",
        required=False,
        choices=[("", "Default"), *((s, s.capitalize()) for s in SORTS)],
        error_messages={"invalid_choice": "Sort by relevance, date or amount."},
    )
    imported_since = forms.DateTimeField(
        required=False,
        widget=forms.HiddenInput,
        error_messages={"invalid": "imported_since must be an ISO 8601 date and time."},
    )
    imported_until = forms.DateTimeField(
        required=False,
        widget=forms.HiddenInput,
        error_messages={"invalid": "imported_until must be an ISO 8601 date and time."},
    )
    page = forms.IntegerField(
        required=False,
        min_value=1,
        error_messages={
            "invalid": "The page must be a whole number.",
            "min_value": "Pages start at 1.",
        },
    )

    def __init__(self, data: QueryDict | None = None, **kwargs: Any) -> None:
        super().__init__(data, **kwargs)
        self.unknown_params: list[str] = (
            sorted(k for k in data if k not in self.fields) if data is not None else []
        )

    def clean_q(self) -> str:
        """Reject text longer than ``settings.LEADS_QUERY_MAX_CHARS`` or holding NUL characters."""
        text: str = self.cleaned_data["q"]
        limit = settings.LEADS_QUERY_MAX_CHARS
        if len(text) > limit:
            raise ValidationError(
                f"Search text is limited to {limit} characters (yours has {len(text):,}).",
                code="too_long",
            )
        if "\x00" in text:
            raise ValidationError("Null characters are not allowed.", code="null_characters")
        return " ".join(text.split())

    def clean_page(self) -> int | None:
        """Reject pages past ``settings.LEADS_MAX_PAGE``, the hard cap on deep paging."""
        page: int | None = self.cleaned_data["page"]
        limit = settings.LEADS_MAX_PAGE
        if page is not None and page > limit:
            raise ValidationError(
                f"Results stop at page {limit}: narrow the search with words or filters "
                "to reach older leads.",
                code="max_value",
            )
        return page

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        date_from, date_to = cleaned.get("date_from"), cleaned.get("date_to")
        if date_from and date_to and date_from > date_to:
            self.add_error("date_to", "The end date is before the start date.")
        low, high = cleaned.get("amount_min"), cleaned.get("amount_max")
        if low is not None and high is not None and low > high:
            self.add_error("amount_max", "The maximum amount is below the minimum amount.")
        since, until = cleaned.get("imported_since"), cleaned.get("imported_until")
        if since and until and since > until:
            self.add_error("imported_until", "imported_until is before imported_since.")
        return cleaned

    @property
    def notices(self) -> list[str]:
        """Return messages about corrections made to a valid request, for display."""
        notices = []
        q = self.cleaned_data.get("q", "")
        parsed = parse_text(q)
        if q and parsed.is_empty:
            notices.append("Your search text had no words to search for; showing all leads.")
        elif parsed.notes:
            notices.append(" ".join(parsed.notes) + f" We searched for: {parsed.describe()}.")
        if self.cleaned_data.get("sort") == "relevance" and not parsed.must:
            notices.append("Sorting by relevance needs search words; sorted by date instead.")
        since, until = (
            self.cleaned_data.get("imported_since"),
            self.cleaned_data.get("imported_until"),
        )
        if since or until:
            shown = " and ".join(
                f"{word} {timezone.localtime(moment):%b %-d, %Y %H:%M %Z}"
                for word, moment in (("after", since), ("before", until))
                if moment
            )
            notices.append(f"Only new leads imported {shown} (catch-up imports left out).")
        if self.unknown_params:
            names = ", ".join(p[:40] for p in self.unknown_params[:5])
            notices.append(f"Ignored unknown parameter(s): {names}.")
        return notices

    def to_query(self) -> LeadQuery:
        """Return the ``LeadQuery`` of a valid form."""
        data = self.cleaned_data
        return LeadQuery(
            q=data["q"],
            kinds=tuple(data["kind"]),
            round_types=tuple(data["round_type"]),
            categories=tuple(data["category"]),
            countries=tuple(data["country"]),
            regions=tuple(data["region"]),
            cities=tuple(data["city"]),
            date_from=data["date_from"],
            date_to=data["date_to"],
            amount_min=data["amount_min"],
            amount_max=data["amount_max"],
            sort=data["sort"],
            imported_since=data.get("imported_since"),
            imported_until=data.get("imported_until"),
            funds=data["funds"] or FUNDS[0],
        )

    @property
    def page_number(self) -> int:
        """Return the requested page of a valid form (1 when absent)."""
        return self.cleaned_data.get("page") or 1


# The search form's parameters that define a search; ``page`` is a position, not a criterion.
CRITERIA_PARAMS = (
    "q", "kind", "round_type", "category", "country", "region", "city",
    "date_from", "date_to", "amount_min", "amount_max", "funds", "sort",
)  # fmt: skip


def criteria_from_params(params: QueryDict) -> dict[str, list[str]]:
    """Return the search criteria of a search page's GET parameters, validated by its form.

    Shape: ``{param: [value, ...]}`` with only the ``CRITERIA_PARAMS`` that have a value,
    in the form's cleaned spelling (``q`` with single spaces). Raises ``ValidationError``
    with the search form's own messages when a parameter is invalid.
    """
    form = LeadSearchForm(params)
    if not form.is_valid():
        messages = [f"{name}: {err}" for name, errs in form.errors.items() for err in errs]
        raise ValidationError(messages)
    criteria: dict[str, list[str]] = {}
    for name in CRITERIA_PARAMS:
        value = form.cleaned_data.get(name)
        if value in (None, "", [], ()):
            continue
        if isinstance(value, list | tuple):
            criteria[name] = [str(v) for v in value]
        elif isinstance(value, dt.date):
            criteria[name] = [value.isoformat()]
        elif isinstance(value, Decimal):
            criteria[name] = [format(value.normalize(), "f")]
        else:
            criteria[name] = [str(value)]
    return criteria


class SavedSearchForm(forms.Form):
    """Name, newsletter switch, pace (daily, weekly on a weekday, instant) and the search
    parameters (a query string) of a saved search."""

    name = forms.CharField(max_length=100, strip=True)
    include_in_newsletter = forms.BooleanField(
        label="Include in my daily newsletter", required=False, initial=True
    )
    # Not required: a form posted without them (an older page) means daily, Monday.
    pace = forms.TypedChoiceField(
        label="How often",
        choices=SavedSearch.Pace.choices,
        required=False,
        empty_value=SavedSearch.Pace.DAILY.value,
        initial=SavedSearch.Pace.DAILY,
    )
    weekday = forms.TypedChoiceField(
        label="Weekly on",
        choices=SavedSearch.Weekday.choices,
        coerce=int,
        required=False,
        empty_value=SavedSearch.Weekday.MONDAY.value,  # type: ignore[arg-type]  # Django returns it as is; the stubs say str
        initial=SavedSearch.Weekday.MONDAY,
        help_text="The day of the weekly digest (used when “How often” is weekly).",
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


class ExportOptionsForm(forms.Form):
    """The export's own parameters beside the search's: ``preset`` and ``bom`` (issue 16).

    ``preset`` is a key of ``lead411.leads.exports.PRESETS`` (default: the plain export);
    ``bom`` ("1") starts the file with a UTF-8 byte-order mark, which Excel needs to read
    names like "München" correctly.
    """

    preset = forms.ChoiceField(label="Format", required=False)
    bom = forms.BooleanField(label="For Excel (UTF-8 with BOM)", required=False)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.presets = PRESETS
        field = self.fields["preset"]
        assert isinstance(field, forms.ChoiceField)
        field.choices = [(key, preset.label) for key, preset in PRESETS.items()]
        field.error_messages["invalid_choice"] = "Choose one of the listed formats."

    def clean_preset(self) -> str:
        return self.cleaned_data.get("preset") or "leads"

    def clean_bom(self) -> bool:
        # A checkbox sends "1"; "0" or "false" from a hand-written URL means no BOM.
        return str(self.data.get("bom", "")).strip().lower() in ("1", "true", "on", "yes")
