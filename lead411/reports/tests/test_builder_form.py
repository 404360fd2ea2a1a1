"""Building a report without its dates is a form error, never an empty page (issue 17)."""

import re

import pytest
from django.urls import reverse

from lead411.reports.selectors import ReportKind


def _errors(html: str) -> dict[str, list[str]]:
    return {
        field: re.findall(r"<li>(.*?)</li>", items)
        for field, items in re.findall(
            r'<ul class="errorlist" id="id_(\w+)_error">(.*?)</ul>', html, re.S
        )
    }


@pytest.mark.clause("P14")
@pytest.mark.django_db
@pytest.mark.parametrize(
    ("query", "expected"),
    [
        (
            {"start": "", "end": ""},
            {"start": ["This field is required."], "end": ["This field is required."]},
        ),
        ({"start": "2026-01-01"}, {"end": ["This field is required."]}),
        ({"end": "2026-01-31"}, {"start": ["This field is required."]}),
    ],
)
def test_missing_dates_are_form_errors(client, releaser, query, expected):
    client.force_login(releaser)
    response = client.get(
        reverse("reports:builder"), {"kind": ReportKind.MEMBERS_BY_INDUSTRY, **query}
    )
    page = response.content.decode()
    assert _errors(page) == expected
    assert "<h2>Preview</h2>" not in page


@pytest.mark.clause("P14")
@pytest.mark.django_db
def test_a_release_without_dates_is_refused_with_the_errors_shown(client, releaser):
    client.force_login(releaser)
    response = client.post(
        reverse("reports:release"),
        {"kind": ReportKind.MEMBERS_BY_INDUSTRY, "recipient": "Acme", "purpose": "Research"},
    )
    assert response.status_code == 400
    assert _errors(response.content.decode()) == {
        "start": ["This field is required."],
        "end": ["This field is required."],
    }
