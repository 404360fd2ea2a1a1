"""The EDGAR review queue's decisions (issue 14): merge into a candidate, keep as new.

Each decision goes through its service, is audited, and has its effect on the real rows;
bad input on these staff pages is a 404, a 405 or a message, never an error page.
"""

from pathlib import Path

import pytest
from django.urls import reverse

from lead411.core.models import AuditEvent
from lead411.leads.matching import normalize_company_name
from lead411.leads.models import Category, Company, Contact, TriggerEvent
from lead411.leads.sources.edgar.models import EdgarFiling, MatchReview
from lead411.leads.sources.edgar.services import KEPT_MATCH, MERGED_MATCH, edgar_import
from lead411.leads.sources.edgar.tests.fixtures import form_d
from lead411.leads.tests.factories import CompanyFactory, ContactFactory

pytestmark = [pytest.mark.django_db, pytest.mark.clause("L5")]


def _import(tmp_path: Path, name: str, data: bytes) -> None:
    path = tmp_path / name
    path.write_bytes(data)
    report = edgar_import(form_ds=[str(path)])
    assert not report.problems


@pytest.fixture
def review(tmp_path) -> MatchReview:
    """A Form D by "Acme, Inc." of Boston while an "Acme, Inc." of Austin is known: a review
    whose new company has one event and two contacts, and whose candidates are two Acmes."""
    for city in ("Austin", "Denver"):
        CompanyFactory(
            name="Acme, Inc.", normalized_name=normalize_company_name("Acme, Inc."), city=city
        )
    _import(
        tmp_path,
        "0009000001-25-000001.xml",
        form_d(
            persons=(
                ("Ada", "Lovelace", ("Executive Officer",), "Chief Executive Officer"),
                ("Alan", "Turing", ("Director",), ""),
            )
        ),
    )
    return MatchReview.objects.get()


def _url(review: MatchReview, name: str) -> str:
    return reverse(f"admin:edgar_matchreview_{name}", args=[review.pk])


def test_merge_moves_events_contacts_and_filings_and_deletes_the_duplicate(admin_client, review):
    duplicate = review.company
    assert (duplicate.street_address, duplicate.state_of_incorporation) == ("1 Main St", "DE")
    austin = review.candidates.get(city="Austin")
    ada = Contact.objects.get(company=duplicate, name="Ada Lovelace")
    ContactFactory(company=austin, name="Ada Lovelace", role=ada.role)
    event = TriggerEvent.objects.get(company=duplicate)
    other_event_ids = set(TriggerEvent.objects.exclude(pk=event.pk).values_list("id", flat=True))

    page = admin_client.get(reverse("admin:edgar_matchreview_change", args=[review.pk]))
    html = page.content.decode()
    assert "Acme, Inc. files a Form D offering of $5M" in html
    assert html.count("Merge into this company") == 2
    assert "Keep as a new company" in html

    response = admin_client.post(_url(review, "merge"), {"candidate": austin.pk})

    assert response.status_code == 302
    assert not Company.objects.filter(pk=duplicate.pk).exists()
    event.refresh_from_db()
    assert event.company_id == austin.pk
    assert event.company_match == MERGED_MATCH
    assert EdgarFiling.objects.get(accession="0009000001-25-000001").event_id == event.pk
    # Ada was already listed at Austin with the same role: not twice. Alan moved.
    assert sorted(Contact.objects.filter(company=austin).values_list("name", flat=True)) == [
        "Ada Lovelace",
        "Alan Turing",
    ]
    austin.refresh_from_db()
    assert austin.cik == "0009000001"  # the next filing of this issuer matches by CIK
    # Issue 14: the Form D's state of incorporation fills Austin's blank; its Boston street
    # does not go to the Austin company.
    assert austin.state_of_incorporation == "DE"
    assert austin.street_address == ""
    assert set(austin.categories.values_list("name", flat=True)) == {"Other Technology"}
    assert set(TriggerEvent.objects.exclude(pk=event.pk).values_list("id", flat=True)) == (
        other_event_ids
    )
    review.refresh_from_db()
    assert review.status == MatchReview.Status.MERGED
    assert review.merged_into_id == austin.pk
    assert review.company is None
    assert review.company_label.startswith("Acme, Inc. (Boston, MA; CIK 0009000001; #")
    assert review.resolved_by is not None
    audits = AuditEvent.objects.filter(verb="edgar_review_merge")
    transition = audits.get(action=AuditEvent.Action.TRANSITION)
    assert transition.object_id == str(review.pk)
    assert transition.changes["status"] == {"before": "open", "after": "merged"}
    assert transition.changes["events_moved"]["after"] == [event.pk]
    assert transition.changes["contacts_moved"]["after"] == 1
    assert transition.actor_label == review.resolved_by.email
    deleted = audits.get(action=AuditEvent.Action.DELETE)
    assert deleted.object_id == str(duplicate.pk)

    # The merged page still opens, names the deleted duplicate and offers no decision.
    page = admin_client.get(reverse("admin:edgar_matchreview_change", args=[review.pk]))
    assert page.status_code == 200
    assert "(merged, deleted)" in page.content.decode()
    assert "Merge into this company" not in page.content.decode()


def test_a_re_import_after_the_merge_changes_nothing(admin_client, review, tmp_path):
    austin = review.candidates.get(city="Austin")
    admin_client.post(_url(review, "merge"), {"candidate": austin.pk})
    companies, events = Company.objects.count(), TriggerEvent.objects.count()

    report = edgar_import(form_ds=[str(tmp_path / "0009000001-25-000001.xml")])

    assert report.changed == 0
    assert (Company.objects.count(), TriggerEvent.objects.count()) == (companies, events)
    assert MatchReview.objects.count() == 1


def test_keep_as_new_resolves_the_review_and_keeps_the_company(admin_client, review):
    company = review.company
    response = admin_client.post(_url(review, "keep"))

    assert response.status_code == 302
    review.refresh_from_db()
    assert review.status == MatchReview.Status.KEPT
    assert review.company_id == company.pk
    assert TriggerEvent.objects.get(company=company).company_match == KEPT_MATCH
    audit = AuditEvent.objects.get(verb="edgar_review_keep")
    assert audit.changes == {"status": {"before": "open", "after": "kept"}}
    assert Company.objects.filter(normalized_name="acme").count() == 3


def test_bad_input_on_the_decision_pages_is_a_4xx_or_a_message(admin_client, review):
    before = (Company.objects.count(), Category.objects.count(), Contact.objects.count())
    outsider = CompanyFactory.create(name="Acme, Inc.", city="Boston")  # not a candidate
    assert admin_client.get(_url(review, "merge")).status_code == 405
    assert admin_client.post("/admin/edgar/matchreview/abc/merge/").status_code == 404
    assert admin_client.post("/admin/edgar/matchreview/999999/keep/").status_code == 404
    for posted in ({}, {"candidate": "abc"}, {"candidate": outsider.pk}, {"candidate": "1e9"}):
        response = admin_client.post(_url(review, "merge"), posted, follow=True)
        assert response.status_code == 200
        messages = [str(m) for m in response.context["messages"]]
        assert messages in (
            ["Choose the candidate to merge into."],
            ["That company is not a candidate of this review."],
        ), messages
    review.refresh_from_db()
    assert review.status == MatchReview.Status.OPEN
    assert (Company.objects.count() - 1, Category.objects.count(), Contact.objects.count()) == (
        before
    )

    admin_client.post(_url(review, "keep"), follow=True)
    austin = review.candidates.get(city="Austin")
    response = admin_client.post(_url(review, "merge"), {"candidate": austin.pk}, follow=True)
    assert [str(m) for m in response.context["messages"]] == [
        "This review was already decided (kept as a new company)."
    ]
    assert Company.objects.filter(pk=review.company_id).exists()
    assert not AuditEvent.objects.filter(verb="edgar_review_merge").exists()


def test_staff_without_the_change_permission_cannot_decide(client, staff, review):
    client.force_login(staff)
    response = client.post(_url(review, "keep"))
    assert response.status_code == 403
    review.refresh_from_db()
    assert review.status == MatchReview.Status.OPEN
