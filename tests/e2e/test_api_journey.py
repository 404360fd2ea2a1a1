"""Browser journey: a member takes leads into their own tool by token and by webhook (issue 16).

In Chromium the member creates an API token on its page and copies it; the test calls the
live server's API with it (urllib, as a member's script would); the member saves a search,
attaches a webhook to it and copies its secret; a lead matching the search is imported;
the webhooks job runs with the server's environment (``manage.py shell``, as the
scheduler runs ``api.tasks.webhooks_run``); the receiver, a real HTTP server on loopback
in this process, verifies the signature with the ``standardwebhooks`` library; the
member reads the delivery on the webhook's log page. The server allows loopback
receivers (``WEBHOOKS_ALLOW_LOOPBACK`` in ``server_env``).
"""

import json
import urllib.request
from collections.abc import Iterator
from typing import Any

import pytest

from lead411.api.tests.webhook_receiver import Receiver
from tests.e2e.conftest import LiveServer, log_in
from tests.e2e.personas import PASSWORD

pytestmark = [pytest.mark.e2e, pytest.mark.clause("L2")]

MEMBER_EMAIL = "willa.webhook@e2e.test"
WORD = "wombatix"
# One lead before the webhook (for the API search), one after it (the webhook's match).
_ADD = f"""
import datetime as dt
from django.utils import timezone
from lead411.leads.models import Company, TriggerEvent
from lead411.leads.services import leads_changed
now = timezone.now()
company, _ = Company.objects.get_or_create(
    source="e2e", source_key="{WORD}",
    defaults=dict(name="Wombatix Robotics", normalized_name="wombatix robotics",
                  homepage="https://wombatix.example", country_code="AUS", city="Sydney",
                  imported_at=now, updated_at=now),
)
number = company.events.count()
event = TriggerEvent.objects.create(
    company=company, kind="funding_round", round_type="venture",
    announced_on=timezone.localdate() - dt.timedelta(days=1),
    summary=f"Wombatix Robotics raised round {{number}}", source="e2e",
    source_key=f"{WORD}-{{number}}", imported_at=now, updated_at=now,
)
leads_changed()
print(event.id)
"""
_REMOVE = f"""
from lead411.api.models import WebhookEndpoint
from lead411.leads.models import Company
from lead411.leads.services import leads_changed
WebhookEndpoint.objects.filter(member__email="{MEMBER_EMAIL}").delete()
Company.objects.filter(source="e2e", source_key="{WORD}").delete()
leads_changed()
"""


def _lead_add(server: LiveServer) -> int:
    """Import one Wombatix lead now; return its id."""
    return int(server.shell(_ADD).split()[-1])


def _api_get(server: LiveServer, path: str, token: str) -> tuple[int, dict[str, Any]]:
    """GET ``path`` of the live API with ``token``; return the status and the JSON body."""
    request = urllib.request.Request(  # noqa: S310  # the live server on loopback
        server.url + path, headers={"Authorization": f"Bearer {token}"}
    )
    with urllib.request.urlopen(request, timeout=30) as response:  # noqa: S310
        return response.status, json.loads(response.read())


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    """A webhook receiver on 127.0.0.1 that verifies signatures (``webhook_receiver``)."""
    with Receiver() as running:
        yield running


@pytest.fixture
def api_member(e2e_server: LiveServer) -> Iterator[None]:
    """A new member of their own; their webhooks and the journey's leads go afterwards."""
    e2e_server.shell(
        "from lead411.accounts.models import User; "
        f"User.objects.create_user({MEMBER_EMAIL!r}, {PASSWORD!r}, "
        "first_name='Willa', last_name='E2E')"
    )
    try:
        yield
    finally:
        e2e_server.shell(_REMOVE)


def test_a_member_creates_a_token_calls_the_api_attaches_a_webhook_and_reads_its_log(
    page: Any, e2e_server: LiveServer, receiver: Receiver, api_member: None
) -> None:
    """Issue 16, "A browser journey": token, API call, webhook, delivery log."""
    first_lead = _lead_add(e2e_server)
    log_in(page, email_address=MEMBER_EMAIL, password=PASSWORD)

    # A token, created and named on its page, shown once.
    page.goto("/members/api-tokens/")
    page.get_by_label("Name").fill("CRM sync")
    page.get_by_label("Read leads and manage saved searches").check()
    page.get_by_role("button", name="Create token").click()
    token = page.locator("#token-value").inner_text().strip()
    assert token.startswith("l411_")

    # The member's tool calls the API with it.
    status, body = _api_get(e2e_server, f"/api/v1/leads?q={WORD}", token)
    assert status == 200
    assert [lead["id"] for lead in body["results"]] == [first_lead]
    status, body = _api_get(e2e_server, "/api/v1/saved-searches", token)
    assert (status, body["results"]) == (200, [])
    page.goto("/members/api-tokens/")
    row = page.get_by_role("row", name="CRM sync")
    assert "never" not in row.inner_text()  # "Last used" says when
    assert token not in page.content()  # shown once only

    # A saved search, then a webhook attached to it, with its secret shown once.
    page.goto(f"/leads/searches/new/?q={WORD}")
    page.locator("#id_name").fill("Wombats")
    page.locator("main button[type=submit]").last.click()
    page.wait_for_load_state()
    assert page.url.endswith("/leads/searches/")
    page.goto("/members/api-tokens/webhooks/")
    page.get_by_label("Saved search").select_option(label="Wombats")
    page.get_by_label("Endpoint URL").fill(receiver.url("/crm"))
    page.get_by_role("button", name="Attach webhook").click()
    secret = page.locator("#webhook-secret").inner_text().strip()
    assert secret.startswith("whsec_")
    receiver.secrets["/crm"] = secret

    # A matching lead is imported; the scheduled webhooks job sends it, signed.
    new_lead = _lead_add(e2e_server)
    summary = e2e_server.shell("from lead411.api.tasks import webhooks_run; print(webhooks_run())")
    assert "1 new matches queued" in summary
    assert receiver.bad_signatures == 0
    [(message_id, payload)] = receiver.bodies.items()
    assert receiver.accepted[message_id] == 1
    assert payload["type"] == "lead.matched"
    assert payload["data"]["lead"]["id"] == new_lead
    assert MEMBER_EMAIL not in json.dumps(payload)  # lead data only (P6)

    # The member reads the delivery on the webhook's log.
    page.goto("/members/api-tokens/webhooks/")
    page.get_by_role("row", name="Wombats").get_by_role("link", name="Deliveries").click()
    page.wait_for_load_state()
    assert page.get_by_role("heading", name="Webhook deliveries").is_visible()
    delivery = page.get_by_role("row", name=message_id)
    cells = delivery.locator("td").all_inner_texts()
    assert cells[0] == "New match"
    assert cells[1] == f"#{new_lead}"
    assert cells[2] == "Delivered"
    assert cells[3] == "1"
    assert cells[4].strip() == "HTTP 204"
