"""Reports end to end: build, release, register, download; budget; attacks (P6, P14)."""

import csv
import datetime as dt
import hashlib
import io

import pytest
from django.core.exceptions import ImproperlyConfigured
from django.core.management import call_command
from django.core.management.base import SystemCheckError
from django.db import IntegrityError, transaction
from django.urls import reverse

from lead411.accounts.models import Application
from lead411.activity.models import MemberDailyActivity
from lead411.reports.checks import min_cell
from lead411.reports.guard import ReleaseBlocked
from lead411.reports.models import Disclosure, DisclosureFile, Recipient, recipient_key
from lead411.reports.selectors import ReportKind
from lead411.reports.services import (
    ReleaseRefused,
    disclosure_dir,
    report_build,
    report_release,
)

from .conftest import PERIOD_END, PERIOD_START, add_member, add_members

PageType = MemberDailyActivity.PageType


def released_rows(disclosure: Disclosure) -> dict[str, str]:
    file = disclosure.files.get(file_format="csv")
    text = (disclosure_dir() / file.name).read_text()
    rows = [r for r in csv.reader(io.StringIO(text)) if r and not r[0].startswith("#")]
    return {r[0]: r[1] for r in rows[1:]}


def population():
    add_members(30, industry="Software", size="11-50", title="Account Executive")
    add_members(12, industry="Biotechnology", size="51-200", title="CEO")
    add_members(15, industry="Fintech", size="11-50", title="Marketing Manager")
    add_members(3, industry="Underwater basket weaving", size="1-10", title="Sales Rep")


def release(actor, kind=ReportKind.MEMBERS_BY_INDUSTRY, recipient="Acme Research", **kw):
    return report_release(
        actor=actor,
        recipient_name=recipient,
        purpose="Market sizing",
        kind=kind,
        start=PERIOD_START,
        end=PERIOD_END,
        **kw,
    )


@pytest.mark.clause("P14")
def test_rare_labels_fold_into_other_and_small_cells_are_suppressed(db):
    population()
    built = report_build(kind=ReportKind.MEMBERS_BY_INDUSTRY, start=PERIOD_START, end=PERIOD_END)
    table = built.released.table
    assert table.rows == ["Software", "Fintech", "Biotechnology", "Other"]
    assert "Underwater basket weaving" not in table.rows
    # "Other" (3) is below k; Biotechnology (12), the smallest count >= k, hides with it.
    assert built.released.grid == [[30], [15], [None], [None], [60]]


@pytest.mark.clause("P14")
@pytest.mark.clause("P6")
def test_staff_builds_releases_and_finds_it_in_the_register(client, releaser):
    population()
    client.force_login(releaser)
    query = {"kind": ReportKind.MEMBERS_BY_INDUSTRY, "start": "2026-03-02", "end": "2026-03-15"}
    page = client.get(reverse("reports:builder"), query).content.decode()
    assert "<svg" in page
    assert "suppressed" in page
    assert "<script>" not in page.split("<main", 1)[1]
    response = client.post(
        reverse("reports:release"),
        {**query, "recipient": "Acme Research", "purpose": "Market sizing", "epsilon": ""},
    )
    disclosure = Disclosure.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("reports:disclosure", args=[disclosure.pk])
    assert (disclosure.recipient.name, disclosure.purpose) == ("Acme Research", "Market sizing")
    assert (disclosure.min_cell, disclosure.epsilon, disclosure.released_by) == (10, None, releaser)
    assert disclosure.definition["kind"] == "members_by_industry"
    register = client.get(reverse("reports:disclosures")).content.decode()
    assert "Acme Research" in register
    for file in disclosure.files.all():
        download = client.get(reverse("reports:file", args=[disclosure.pk, file.pk]))
        assert download.status_code == 200
        assert hashlib.sha256(download.content).hexdigest() == file.sha256
        assert b"person" not in download.content  # no member email
        assert b"+1 555 01" not in download.content  # no telephone
    assert released_rows(disclosure) == {
        "Software": "30",
        "Fintech": "15",
        "Biotechnology": "suppressed",
        "Other": "suppressed",
        "Total": "60",
    }


def test_reports_need_the_release_permission(client, staff):
    client.force_login(staff)
    assert client.get(reverse("reports:builder")).status_code == 403
    assert client.get(reverse("reports:disclosures")).status_code == 403


@pytest.mark.clause("P14")
def test_an_altered_archive_is_not_served(client, releaser):
    population()
    disclosure = release(releaser)
    file = disclosure.files.get(file_format="csv")
    (disclosure_dir() / file.name).write_text("Industry,Members\nSoftware,1\n")
    client.force_login(releaser)
    assert client.get(reverse("reports:file", args=[disclosure.pk, file.pk])).status_code == 404


@pytest.mark.clause("P6")
def test_a_release_carrying_pii_is_refused_and_leaves_nothing(releaser):
    add_members(12, industry="Software")
    add_members(12, industry="Call 555-010-2030 for leads")
    with pytest.raises(ReleaseBlocked, match="a telephone number"):
        release(releaser)
    assert not Disclosure.objects.exists()
    assert not DisclosureFile.objects.exists()
    assert list(disclosure_dir().iterdir()) == []


@pytest.mark.clause("P6")
def test_a_members_name_as_a_label_is_refused(releaser):
    members = add_members(12, industry="Software")
    name = f"{members[0].first_name} {members[0].last_name}"
    Application.objects.filter(user__in=members).update(industry=f"{name} consulting")
    add_members(12, industry="Fintech")
    with pytest.raises(ReleaseBlocked):
        release(releaser)
    assert not Disclosure.objects.exists()


@pytest.mark.clause("P14")
def test_differencing_attack_recovers_nobody(releaser):
    """Two releases whose populations differ by one member: the member's industry stays hidden."""
    population()
    first = release(releaser, recipient="Acme Research")
    add_member(industry="Biotechnology")  # the target joins
    second = release(releaser, recipient="Other Analytics")
    before, after = released_rows(first), released_rows(second)
    # The attacker compares every row released in both: none moved by fewer than k.
    both = [
        label
        for label in before
        if label in after and "suppressed" not in (before[label], after[label])
    ]
    assert all(before[label] == after[label] for label in both)
    # The rows that could hold the new member are those not released in both: at least two.
    candidates = [label for label in before if label != "Total" and label not in both]
    assert len(candidates) >= 2
    assert "Biotechnology" in candidates


@pytest.mark.clause("P14")
def test_each_dp_release_states_its_epsilon_and_the_budget_refuses_overspending(releaser, settings):
    population()
    first = release(releaser, kind=ReportKind.MEMBERS_BY_COMPANY_SIZE, epsilon=0.5)
    assert first.epsilon == pytest.approx(0.5)
    csv_text = (disclosure_dir() / first.files.get(file_format="csv").name).read_text()
    assert "epsilon = 0.5 (discrete Laplace, OpenDP)" in csv_text
    release(releaser, kind=ReportKind.MEMBERS_BY_JOB_FAMILY, epsilon=0.5)
    with pytest.raises(ReleaseRefused) as excinfo:
        release(releaser, kind=ReportKind.MEMBERS_BY_INDUSTRY, epsilon=0.1)
    assert str(excinfo.value) == (
        "Refused: Acme Research has used epsilon 1 of its budget 1; this release would spend 0.1."
    )
    assert Disclosure.objects.count() == 2
    # Another recipient has its own budget.
    release(releaser, kind=ReportKind.MEMBERS_BY_INDUSTRY, epsilon=0.1, recipient="Beta Inc")


@pytest.mark.clause("P14")
def test_dp_is_refused_for_page_view_reports(releaser):
    population()
    with pytest.raises(ReleaseRefused, match="member counts only"):
        release(releaser, kind=ReportKind.PAGEVIEWS_BY_SECTION, epsilon=0.5)


@pytest.mark.clause("P14")
def test_dp_release_holds_no_count_below_k(releaser):
    population()
    disclosure = release(releaser, kind=ReportKind.MEMBERS_BY_COMPANY_SIZE, epsilon=1.0)
    for value in released_rows(disclosure).values():
        assert value == "suppressed" or int(value) >= 10


@pytest.mark.clause("P14")
def test_usage_report_by_week_and_section(releaser):
    add_members(12, page_type=PageType.SEARCH, pageviews=4, visits=2)
    add_members(11, page_type=PageType.EXPORT, pageviews=1, visits=1)
    add_member(page_type=PageType.NEWSLETTER, pageviews=50, visits=3)  # one heavy user
    built = report_build(kind=ReportKind.PAGEVIEWS_BY_SECTION, start=PERIOD_START, end=PERIOD_END)
    table = built.released.table
    assert table.rows == ["2026-03-02", "2026-03-09"]
    search, _export, newsletter = (
        table.columns.index(label) for label in ("Lead search", "Export", "Newsletter preferences")
    )
    assert table.values[0][search] == 48
    assert built.released.grid[0][search] == 48
    assert built.released.grid[0][newsletter] is None  # 50 views, but one member
    shown = [v for row in built.released.grid for v in row if v is not None]
    assert min(shown) >= 10


@pytest.mark.clause("P14")
def test_visit_distribution_and_lead_views(releaser):
    add_members(12, visits=1)
    add_members(10, visits=3)
    built = report_build(kind=ReportKind.VISIT_DISTRIBUTION, start=PERIOD_START, end=PERIOD_END)
    assert built.released.table.values == [[12], [10], [0], [0], [0]]
    leads = report_build(kind=ReportKind.LEAD_VIEWS_BY_CATEGORY, start=PERIOD_START, end=PERIOD_END)
    assert leads.released.table.rows == []


@pytest.mark.clause("P14")
def test_k_below_five_is_refused_by_settings_validation(settings):
    settings.REPORT_MIN_CELL = 4
    with pytest.raises(ImproperlyConfigured, match="REPORT_MIN_CELL is 4; it must be at least 5"):
        min_cell()
    with pytest.raises(SystemCheckError, match=r"reports\.E001"):
        call_command("check")


@pytest.mark.clause("P14")
def test_register_entries_are_append_only(releaser):
    population()
    disclosure = release(releaser)
    disclosure.purpose = "Something else"
    with pytest.raises(ValueError, match="append-only"):
        disclosure.save()


@pytest.mark.clause("P14")
def test_a_failure_after_archiving_rolls_back_entry_and_files(releaser, monkeypatch):
    population()

    def broken_audit(**kwargs):
        raise RuntimeError("audit log unavailable")

    monkeypatch.setattr("lead411.reports.services.audit_record", broken_audit)
    with pytest.raises(RuntimeError):
        release(releaser)
    assert not Disclosure.objects.exists()
    assert list(disclosure_dir().iterdir()) == []


@pytest.mark.clause("P14")
def test_lead_views_by_category_fold_rare_categories(db):
    from lead411.core import clock
    from lead411.leads.models import Category, Company, TriggerEvent

    now = clock.now()
    events = {}
    for name in ("Software", "Biotech"):
        company = Company.objects.create(
            name=f"{name} Co",
            normalized_name=name.lower(),
            source="test",
            source_key=name,
            imported_at=now,
            updated_at=now,
        )
        company.categories.add(Category.objects.create(name=name))
        events[name] = TriggerEvent.objects.create(
            company=company,
            kind=TriggerEvent.Kind.FUNDING_ROUND,
            summary=f"{name} raised",
            source="test",
            source_key=name,
            imported_at=now,
            updated_at=now,
        )
    viewers = add_members(12)
    for member in viewers:
        MemberDailyActivity.objects.create(
            member=member,
            day=PERIOD_START,
            page_type=PageType.LEAD_DETAIL,
            lead_id=events["Software"].pk,
            pageviews=2,
            visits=0,
            last_seen_at=now,
        )
    for member in viewers[:3]:
        MemberDailyActivity.objects.create(
            member=member,
            day=PERIOD_START,
            page_type=PageType.LEAD_DETAIL,
            lead_id=events["Biotech"].pk,
            pageviews=1,
            visits=0,
            last_seen_at=now,
        )
    built = report_build(kind=ReportKind.LEAD_VIEWS_BY_CATEGORY, start=PERIOD_START, end=PERIOD_END)
    assert built.released.table.rows == ["Software", "Other"]
    assert built.released.table.values == [[24], [3]]
    # "Other" (3 views by 3 members) is hidden, and Software with it, so the total (27,
    # by 12 members) does not give "Other" away.
    assert built.released.grid == [[None], [None], [27]]


@pytest.mark.clause("P14")
def test_a_recipients_budget_cannot_be_bypassed_by_case_spaces_or_punctuation(releaser):
    """Issue 17: "Acme Analytics" refused, then "acme analytics" released; now refused too."""
    population()
    release(
        releaser, kind=ReportKind.MEMBERS_BY_COMPANY_SIZE, epsilon=0.6, recipient="Acme Analytics"
    )
    for variant in ("Acme Analytics", "acme analytics", "ACME Analytics", " Acme-Analytics. "):
        with pytest.raises(ReleaseRefused) as excinfo:
            release(releaser, kind=ReportKind.MEMBERS_BY_INDUSTRY, epsilon=0.6, recipient=variant)
        assert str(excinfo.value) == (
            "Refused: Acme Analytics has used epsilon 0.6 of its budget 1; "
            "this release would spend 0.6."
        )
    assert Recipient.objects.count() == 1
    # A release without noise to a variant is recorded under the one recipient.
    disclosure = release(releaser, kind=ReportKind.MEMBERS_BY_INDUSTRY, recipient="ACME analytics")
    assert disclosure.recipient.name == "Acme Analytics"
    assert sorted(
        Recipient.objects.get().disclosures.values_list("epsilon", flat=True), key=str
    ) == [
        0.6,
        None,
    ]


@pytest.mark.parametrize(
    ("name", "key"),
    [
        ("Acme Analytics", "acme analytics"),
        ("  ACME\tAnalytics ", "acme analytics"),
        ("Acme-Analytics, Inc.", "acme analytics inc"),
        ("\uff21\uff23\uff2d\uff25 Analytics", "acme analytics"),  # full-width ACME (NFKC)
        ("Straße GmbH", "strasse gmbh"),
        ("...", ""),
    ],
)
def test_recipient_key_folds_case_spaces_and_punctuation(name, key):
    assert recipient_key(name) == key


@pytest.mark.clause("P14")
def test_the_database_refuses_a_second_recipient_with_the_same_key(db):
    """The constraint holds for writers other than report_release (issue 17)."""
    now = dt.datetime(2026, 3, 1, tzinfo=dt.UTC)
    Recipient.objects.create(name="Acme Analytics", epsilon_budget=1.0, created_at=now)
    with pytest.raises(IntegrityError), transaction.atomic():
        Recipient.objects.create(name="acme  analytics!", epsilon_budget=1.0, created_at=now)
    # bulk_create skips save(): an empty key is refused rather than left to collide later.
    with pytest.raises(IntegrityError), transaction.atomic():
        Recipient.objects.bulk_create(
            [Recipient(name="Beta Research", epsilon_budget=1.0, created_at=now)]
        )
    assert list(Recipient.objects.values_list("name", flat=True)) == ["Acme Analytics"]
