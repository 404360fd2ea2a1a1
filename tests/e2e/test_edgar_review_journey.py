"""Staff merge a company from the EDGAR review queue in Chromium (issue 14).

A Form D by "Zebulon Widgets, Inc." of Boston arrives while a "Zebulon Widgets, Inc." of
Austin is known: the importer creates a new company and a review. Staff open the queue,
compare the two, and merge the new one into the known one; the lead then belongs to it.
"""

import re
from typing import Any

import pytest

from lead411.leads.sources.edgar.tests.fixtures import form_d
from tests.e2e.conftest import LiveServer, log_in
from tests.e2e.personas import STAFF

NAME = "Zebulon Widgets, Inc."
SEED = f"""
from django.utils import timezone
from lead411.leads.matching import normalize_company_name
from lead411.leads.models import Company
now = timezone.now()
known = Company.objects.create(
    name={NAME!r}, normalized_name=normalize_company_name({NAME!r}), city="Austin",
    region="TX", country_code="USA", source="e2e", source_key="zebulon-austin",
    imported_at=now, updated_at=now,
)
print(known.pk)
"""
STATE = """
from lead411.leads.models import TriggerEvent, Company
from lead411.leads.sources.edgar.models import MatchReview
from lead411.core.models import AuditEvent
event = TriggerEvent.objects.get(source_key="0009999901-25-000001")
review = MatchReview.objects.get(accession="0009999901-25-000001")
print(event.company_id, Company.objects.filter(normalized_name="zebulon widgets").count(),
      review.status,
      sorted(AuditEvent.objects.filter(verb="edgar_review_merge").values_list("action", flat=True)))
"""
CLEAN_UP = """
from lead411.leads.models import Company
from lead411.leads.sources.edgar.models import EdgarFiling, MatchReview
MatchReview.objects.filter(accession="0009999901-25-000001").delete()
EdgarFiling.objects.filter(accession="0009999901-25-000001").delete()
Company.objects.filter(normalized_name="zebulon widgets").delete()
"""


@pytest.mark.clause("L5")
def test_staff_merge_a_new_company_into_its_candidate(browser: Any, e2e_server: LiveServer):
    known_id = int(e2e_server.shell(SEED).strip())
    filing = e2e_server.workdir / "0009999901-25-000001.xml"
    filing.write_bytes(form_d(cik="0009999901", name=NAME, city="Boston", state="MA"))
    staff = browser.new_context(base_url=e2e_server.url)
    try:
        done = e2e_server.manage("import_edgar", "--formd", str(filing))
        assert "companies created: 1 (1 sent to staff review)" in done.stdout

        page = staff.new_page()
        log_in(page, email_address=STAFF.email, password=STAFF.password)
        page.goto("/admin/")
        page.get_by_role("link", name="EDGAR review queue").click()
        page.get_by_role("link", name=re.compile(r"Zebulon Widgets, Inc\. \(Boston, MA")).click()
        compare = page.locator("table.edgar-review-compare")
        assert "Zebulon Widgets, Inc. files a Form D offering of $5M" in compare.inner_text()
        candidate = compare.locator("tr", has_text=f"#{known_id})")
        assert "Austin, TX, USA" in candidate.inner_text()
        candidate.get_by_role("button", name="Merge into this company").click()
        page.wait_for_load_state()
        assert "Merged into Zebulon Widgets, Inc. (Austin, TX" in page.content()
        assert page.get_by_role("button", name="Merge into this company").count() == 0

        company_id, companies, status, audits = e2e_server.shell(STATE).split(maxsplit=3)
        assert (int(company_id), int(companies), status) == (known_id, 1, "merged")
        # One audit row for the review's decision, one for the deleted duplicate.
        assert audits.strip() == "['delete', 'transition']"
    finally:
        staff.close()
        e2e_server.shell(CLEAN_UP)
