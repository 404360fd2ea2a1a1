"""Browser journey: a HubSpot export of more than 5,000 leads, prepared in the background (issue 16).

The server is the shared e2e server (gunicorn); the export job runs in a real django-q2
worker (``manage.py qcluster``) started with the server's environment for this test.
"""

import csv
import re
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.e2e.conftest import REPO, LiveServer, log_in, stop
from tests.e2e.personas import MEMBER

pytestmark = [pytest.mark.e2e, pytest.mark.clause("L2")]

LEADS = 5_100
WORD = "zebulon"

_ADD = f"""
import datetime as dt
from django.utils import timezone
from lead411.leads.models import Company, TriggerEvent
from lead411.leads.services import leads_changed
old = dt.datetime(2000, 1, 1, tzinfo=dt.UTC)  # long ago: never news in a digest
now = timezone.now()
company = Company.objects.create(
    name="Zebulon Exportco", normalized_name="zebulon exportco",
    homepage="https://www.zebulon.example", country_code="DEU", city="München",
    source="e2e", source_key="zebulon", imported_at=old, updated_at=now,
)
TriggerEvent.objects.bulk_create(
    TriggerEvent(
        company=company, kind="funding_round", round_type="venture",
        announced_on=dt.date(2014, 1, 1) + dt.timedelta(days=n % 300),
        summary=f"Zebulon Exportco raised round {{n}}", source="e2e",
        source_key=f"zebulon-{{n}}", imported_at=old, updated_at=now,
    )
    for n in range({LEADS})
)
leads_changed()
"""
_REMOVE = """
from lead411.leads.models import Company
from lead411.leads.services import leads_changed
Company.objects.filter(source="e2e", source_key="zebulon").delete()
leads_changed()
"""


@pytest.fixture
def many_leads(e2e_server: LiveServer) -> Iterator[None]:
    """5,100 leads of one company, removed again so the other journeys see the seed alone."""
    e2e_server.shell(_ADD)
    try:
        yield
    finally:
        e2e_server.shell(_REMOVE)


@pytest.fixture
def task_worker(e2e_server: LiveServer, many_leads: None) -> Iterator[None]:
    """A django-q2 worker on the server's database, as `make run` starts one."""
    process = subprocess.Popen(  # our own manage.py with fixed arguments
        [sys.executable, "manage.py", "qcluster"],
        cwd=REPO,
        env=e2e_server.env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        yield
    finally:
        stop(process)


def test_a_hubspot_export_of_more_than_5000_leads_is_prepared_then_downloaded(
    page: Any, task_worker: None
) -> None:
    """Search, choose the HubSpot leads preset for Excel, watch the progress, open the file."""
    log_in(page, email_address=MEMBER.email, password=MEMBER.password)
    page.get_by_role("searchbox").fill(WORD)
    page.get_by_role("button", name="Search", exact=True).click()
    assert page.locator(".results-count strong").inner_text() == f"{LEADS:,}"
    assert "more than the 5,000 a download carries at once" in page.content()

    page.get_by_label("Export as").select_option("hubspot-leads")
    page.get_by_label("For Excel (UTF-8 with BOM)").check()
    page.get_by_role("button", name="Prepare export").click()
    assert re.search(r"/leads/exports/[0-9a-f-]{36}/$", page.url)
    assert page.locator("progress#export-progress").get_attribute("max") == str(LEADS)

    link = page.get_by_role("link", name=re.compile(r"^Download lead411-hubspot-leads-zebulon-"))
    link.wait_for(state="visible", timeout=90_000)
    assert page.locator("progress#export-progress").get_attribute("value") == str(LEADS)
    assert f"{LEADS:,} of {LEADS:,} leads" in page.locator("#export-progress-text").inner_text()

    with page.expect_download() as info:
        link.click()
    download = info.value
    assert re.fullmatch(
        r"lead411-hubspot-leads-zebulon-\d{4}-\d{2}-\d{2}\.csv", download.suggested_filename
    )
    raw = Path(download.path()).read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf")
    rows = list(csv.DictReader(raw.decode("utf-8-sig").splitlines()))
    assert len(rows) == LEADS
    assert list(rows[0]) == [
        "Company name", "Company Domain Name", "Website URL", "City", "State/Region",
        "Country/Region", "Activity date", "Note body",
    ]  # fmt: skip
    assert {row["City"] for row in rows} == {"München"}
    assert {row["Company Domain Name"] for row in rows} == {"zebulon.example"}
    assert all(row["Note body"].startswith(row["Activity date"]) for row in rows)
