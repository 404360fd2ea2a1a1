"""Webhooks: signed, retried, exactly once at the receiver, SSRF-safe, disabled with an email.

Issue 16 ("Webhooks"), clauses L2 (leads into the member's own tools), P6 (lead data
only, no member sees another's), P8 (creation and deletion audited). The receiver is a
real HTTP server on loopback that verifies every request with the ``standardwebhooks``
library (``webhook_receiver.Receiver``); email goes over real SMTP (``smtp_sink``).
"""

import datetime as dt
import socket
from collections.abc import Iterator
from typing import Any

import pytest
from django.urls import reverse
from django.utils import timezone
from django_q.models import OrmQ

from lead411.accounts.services import stolen_password_report
from lead411.api import webhooks
from lead411.api.models import WebhookDelivery, WebhookEndpoint
from lead411.api.outbound import OutboundRefused, target_resolve, url_check
from lead411.api.services import (
    DISABLED_ON_THEFT_REPORT,
    CreatedEndpoint,
    webhook_endpoint_create,
)
from lead411.api.tasks import webhook_delivery_send, webhooks_run
from lead411.api.tests.conftest import bearer
from lead411.api.webhooks import webhook_deliveries_send, webhook_matches_queue
from lead411.core import clock
from lead411.core.models import AuditEvent
from lead411.leads.services import saved_search_create
from lead411.leads.tests.factories import CompanyFactory, TriggerEventFactory

from .webhook_receiver import Receiver

pytestmark = pytest.mark.clause("L2")


class Clock:
    """The site's clock seam, moved forward by hand (backoff, leases); signatures keep wall time."""

    def __init__(self) -> None:
        self.offset = dt.timedelta()

    def now(self) -> dt.datetime:
        return timezone.now() + self.offset

    def advance(self, seconds: float) -> None:
        self.offset += dt.timedelta(seconds=seconds)


@pytest.fixture
def later(monkeypatch: pytest.MonkeyPatch) -> Clock:
    moved = Clock()
    monkeypatch.setattr(clock, "now", moved.now)
    return moved


@pytest.fixture
def receiver(settings: Any) -> Iterator[Receiver]:
    """A receiver on 127.0.0.1, loopback allowed (the tests' setting), short timeouts."""
    settings.WEBHOOKS_ALLOW_LOOPBACK = True
    settings.WEBHOOKS_CONNECT_TIMEOUT_SECONDS = 0.5
    settings.WEBHOOKS_READ_TIMEOUT_SECONDS = 0.4
    settings.WEBHOOKS_RETRY_BASE_SECONDS = 60
    settings.WEBHOOKS_RETRY_MAX_SECONDS = 600
    with Receiver(slow_seconds=1.0) as running:
        yield running


def attach(member: Any, receiver: Receiver, path: str, city: str) -> CreatedEndpoint:
    """Save a search for ``city`` and attach the receiver's ``path`` to it."""
    search = saved_search_create(member=member, name=f"In {city}", criteria={"city": [city]})
    created = webhook_endpoint_create(member=member, saved_search=search, url=receiver.url(path))
    receiver.secrets[path] = created.secret
    return created


def events_in(city: str, count: int, endpoint: WebhookEndpoint) -> list[Any]:
    company = CompanyFactory.create(city=city, region="TX")
    after = endpoint.created_at + dt.timedelta(seconds=1)
    return [TriggerEventFactory.create(company=company, imported_at=after) for _ in range(count)]


def run_until_settled(later: Clock, *, runs: int = 30) -> int:
    """Run the scheduled job until nothing is pending, moving the clock past each backoff."""
    for run in range(1, runs + 1):
        webhooks_run()
        if not WebhookDelivery.objects.filter(status=WebhookDelivery.Status.PENDING).exists():
            return run
        later.advance(600)
    raise AssertionError("deliveries still pending")


def test_each_event_arrives_once_after_500s_and_timeouts_signed_with_lead_data_only(
    member, other_member, receiver, later
):
    """Issue 16: "each event delivered exactly once after retries", two members' endpoints."""
    mine = attach(member, receiver, "/mine", "Austin")
    theirs = attach(other_member, receiver, "/theirs", "Boston")
    austin = events_in("Austin", 4, mine.endpoint)
    boston = events_in("Boston", 2, theirs.endpoint)
    events_in("Denver", 3, mine.endpoint)  # matches nobody
    receiver.plan("/mine", "500", "timeout", "500", "timeout")
    receiver.plan("/theirs", "500")

    run_until_settled(later)

    rows = WebhookDelivery.objects.all()
    assert {r.status for r in rows} == {WebhookDelivery.Status.DELIVERED}
    assert sorted(receiver.accepted.values()) == [1] * 6
    assert set(receiver.accepted) == {r.message_id for r in rows}
    assert receiver.bad_signatures == 0
    sent_to: dict[str, set[int]] = {path: set() for path in ("/mine", "/theirs")}
    for message_id, body in receiver.bodies.items():
        sent_to[receiver.paths[message_id]].add(body["data"]["lead"]["id"])
    assert sent_to == {"/mine": {e.id for e in austin}, "/theirs": {e.id for e in boston}}
    # Retries repeat the same webhook-id, so the receiver could drop a repeat.
    assert sum(receiver.requests.values()) == 6 + 5
    assert max(r.attempts for r in rows) >= 2
    # Lead data only: no member's address or name in any body.
    for body in receiver.bodies.values():
        text = str(body)
        assert member.email not in text
        assert other_member.email not in text
        assert "Olga" not in text
        assert set(body) == {"type", "timestamp", "data"}
        assert set(body["data"]) == {"saved_search_id", "lead"}
    # A rerun finds nothing new and sends nothing twice.
    webhooks_run()
    assert WebhookDelivery.objects.count() == 6
    assert sum(receiver.accepted.values()) == 6


def test_a_failed_attempt_waits_twice_as_long_each_time(member, receiver, later):
    created = attach(member, receiver, "/slow", "Austin")
    events_in("Austin", 1, created.endpoint)
    receiver.plan("/slow", "500", "500", "500")
    webhooks_run()
    waits = []
    row = WebhookDelivery.objects.get()
    for _ in range(3):
        row.refresh_from_db()
        if row.status != WebhookDelivery.Status.PENDING or row.response_code != 500:
            break
        assert row.last_attempt_at is not None
        waits.append((row.next_attempt_at - row.last_attempt_at).total_seconds())
        later.advance(waits[-1])
        webhook_deliveries_send()
    row.refresh_from_db()
    assert [round(w) for w in waits] == [60, 120, 240]  # from the attempt, in seconds
    assert (row.status, row.attempts, row.response_code) == ("delivered", 4, 204)


def test_the_secret_is_derived_not_stored_and_verifies_with_standardwebhooks(member, receiver):
    created = attach(member, receiver, "/hook", "Austin")
    endpoint = WebhookEndpoint.objects.get()
    assert created.secret.startswith("whsec_")
    assert webhooks.endpoint_secret(endpoint=endpoint) == created.secret
    stored = " ".join(str(v) for v in WebhookEndpoint.objects.values().get().values())
    assert created.secret not in stored
    assert created.secret[6:] not in stored
    assert endpoint.secret_prefix == created.secret[:12]


@pytest.mark.clause("P8")
def test_the_page_attaches_a_webhook_shows_its_secret_once_and_audits(member_client, member):
    search = saved_search_create(member=member, name="Robots", criteria={"q": ["robot"]})
    url = reverse("api_tokens:webhooks")
    response = member_client.post(
        url, {"saved_search": search.pk, "url": "https://crm.example.com/hooks/l411"}
    )
    assert response.status_code == 200
    body = response.content.decode()
    endpoint = WebhookEndpoint.objects.get(member=member)
    secret = webhooks.endpoint_secret(endpoint=endpoint)
    assert secret in body
    listing = member_client.get(url).content.decode()
    assert secret not in listing
    assert endpoint.secret_prefix in listing
    assert "https://crm.example.com/hooks/l411" in listing
    created = AuditEvent.objects.get(verb="webhook_endpoint_created")
    assert (created.actor, created.object_id) == (member, str(endpoint.pk))
    assert secret not in str(created.changes)
    deleted = member_client.post(reverse("api_tokens:webhook-delete", args=[endpoint.pk]))
    assert deleted.status_code == 302
    assert not WebhookEndpoint.objects.exists()
    assert AuditEvent.objects.filter(verb="webhook_endpoint_deleted", actor=member).exists()


@pytest.mark.parametrize(
    ("url", "reason"),
    [
        ("http://crm.example.com/hook", "The URL must start with https://."),
        ("https://10.1.2.3/hook", "The address 10.1.2.3 is not a public internet address."),
        ("https://192.168.0.1/", "The address 192.168.0.1 is not a public internet address."),
        ("https://169.254.169.254/latest", "The address 169.254.169.254 is not a public internet address."),
        ("https://127.0.0.1:8000/", "The address 127.0.0.1 is not a public internet address."),
        ("https://[::1]/", "The address ::1 is not a public internet address."),
        ("https://[fe80::1]/", "The address fe80::1 is not a public internet address."),
        ("https://224.0.0.5/", "The address 224.0.0.5 is not a public internet address."),
        ("https://100.64.0.1/", "The address 100.64.0.1 is not a public internet address."),
        ("https://[::ffff:10.0.0.1]/", "The address ::ffff:a00:1 is not a public internet address."),
        ("https://0.0.0.0/", "The address 0.0.0.0 is not a public internet address."),
        ("https://user:pw@crm.example.com/", "The URL may not hold a user name or password."),
    ],
)  # fmt: skip
def test_internal_addresses_and_plain_http_are_refused_when_attaching(
    member_client, member, url, reason
):
    """SSRF: private, loopback, link-local, multicast, shared, reserved; no network used."""
    search = saved_search_create(member=member, name="Robots", criteria={})
    response = member_client.post(
        reverse("api_tokens:webhooks"), {"saved_search": search.pk, "url": url}
    )
    assert response.status_code == 400
    assert reason in response.content.decode()
    assert not WebhookEndpoint.objects.exists()


def test_every_address_of_a_host_is_checked_and_the_checked_one_is_used(
    member, receiver, monkeypatch, later
):
    """SSRF and DNS rebinding: one internal address refuses the host; the connection goes
    to the address that was checked, with the URL's host name in the Host header."""
    answers: dict[str, list[str]] = {
        "mixed.example.test": ["93.184.215.14", "10.0.0.7"],
        "hooks.example.test": ["127.0.0.1"],
    }
    real = socket.getaddrinfo

    def resolve(host: str, port: Any, *args: Any, **kwargs: Any) -> list[Any]:
        if host in answers:
            return [(socket.AF_INET, socket.SOCK_STREAM, 6, "", (a, port)) for a in answers[host]]
        return real(host, port, *args, **kwargs)

    monkeypatch.setattr(socket, "getaddrinfo", resolve)
    with pytest.raises(OutboundRefused, match=r"resolves to 10\.0\.0\.7"):
        target_resolve("https://mixed.example.test/hook")
    target = target_resolve(f"http://hooks.example.test:{receiver.port}/named")
    assert str(target.address) == "127.0.0.1"
    search = saved_search_create(member=member, name="Austin", criteria={"city": ["Austin"]})
    created = webhook_endpoint_create(
        member=member, saved_search=search, url=f"http://hooks.example.test:{receiver.port}/named"
    )
    receiver.secrets["/named"] = created.secret
    events_in("Austin", 1, created.endpoint)
    webhooks_run()
    assert sum(receiver.accepted.values()) == 1
    assert receiver.hosts == [f"hooks.example.test:{receiver.port}"]


def test_loopback_is_refused_unless_the_setting_allows_it(member, receiver, settings, later):
    """A host name that resolves to loopback is refused at delivery; nothing reaches it."""
    created = attach(member, receiver, "/local", "Austin")
    WebhookEndpoint.objects.filter(pk=created.endpoint.pk).update(
        url=f"https://localhost:{receiver.port}/local"
    )
    events_in("Austin", 1, created.endpoint)
    settings.WEBHOOKS_ALLOW_LOOPBACK = False
    with pytest.raises(OutboundRefused):
        url_check(receiver.url("/local"))
    webhooks_run()
    row = WebhookDelivery.objects.get()
    assert row.status == WebhookDelivery.Status.PENDING
    assert row.response_code is None
    assert row.last_error.startswith("refused: The host localhost resolves to ")
    assert "not a public internet address" in row.last_error
    assert sum(receiver.requests.values()) == 0


def test_a_redirect_is_not_followed_even_to_a_private_address(member, receiver, later):
    created = attach(member, receiver, "/moved", "Austin")
    events_in("Austin", 1, created.endpoint)
    receiver.plan("/moved", "redirect:http://10.0.0.1/steal")
    webhooks_run()
    row = WebhookDelivery.objects.get()
    assert (row.status, row.response_code) == (WebhookDelivery.Status.PENDING, 302)
    assert row.last_error == "redirect refused: redirects are not followed"
    assert sum(receiver.requests.values()) == 1


def test_an_answer_is_read_up_to_the_cap(member, receiver, settings):
    """A huge answer is cut at WEBHOOKS_RESPONSE_MAX_BYTES, the delivery still counts."""
    settings.WEBHOOKS_RESPONSE_MAX_BYTES = 1024
    from lead411.api.outbound import OutboundClient

    with Receiver() as big:
        handler = big.server.RequestHandlerClass

        def do_post(self: Any) -> None:
            self.rfile.read(int(self.headers.get("Content-Length", "0")))
            self.send_response(200)
            self.send_header("Content-Length", str(10_000_000))
            self.end_headers()
            self.wfile.write(b"x" * 100_000)

        handler.do_POST = do_post  # type: ignore[attr-defined]
        client = OutboundClient()
        result = client.post(url=big.url("/big"), body=b"{}", headers={})
        client.close()
    assert result.ok
    assert result.status == 200


def test_repeated_failures_disable_the_endpoint_and_email_the_member(
    member,
    receiver,
    later,
    smtp_sink,
    settings,
    member_client,
    django_capture_on_commit_callbacks,
    request,
):
    settings.WEBHOOKS_DISABLE_AFTER_FAILURES = 3
    # The email names the member's own endpoint, which is off the site by nature.
    request.node.add_marker(pytest.mark.links_off_site(receiver.url("/")))
    created = attach(member, receiver, "/down", "Austin")
    events_in("Austin", 2, created.endpoint)
    receiver.plan("/down", *["500"] * 3)
    with django_capture_on_commit_callbacks(execute=True):
        for _ in range(4):
            webhooks_run()
            later.advance(600)
    endpoint = WebhookEndpoint.objects.get()
    assert endpoint.disabled_at is not None
    assert endpoint.disabled_reason.startswith("3 failed attempts in a row; last: HTTP 500")
    assert sum(receiver.requests.values()) == 3  # nothing sent once disabled
    [email] = smtp_sink.handler.messages()
    assert email["To"] == member.email
    # The subject is non-ASCII, so it travels folded as an encoded word; unfold it.
    assert str(email["Subject"]).strip() == "[Lead411] Your webhook for “In Austin” was disabled"
    text = email.get_body(preferencelist=("plain",)).get_content()
    html = email.get_body(preferencelist=("html",)).get_content()
    assert "disabled after 3 failed deliveries in a row" in text
    assert receiver.url("/down") in text
    log_url = reverse("api_tokens:webhook-log", args=[endpoint.pk])
    assert log_url in text
    assert log_url in html
    assert 'style="' in html  # inlined CSS, as mail clients need
    # The page says so and enables it again; the waiting matches then arrive, once each.
    page = member_client.get(log_url).content.decode()
    assert "Disabled on" in page
    member_client.post(reverse("api_tokens:webhook-enable", args=[endpoint.pk]))
    run_until_settled(later)
    assert sorted(receiver.accepted.values()) == [1, 1]
    assert len(smtp_sink.handler.messages()) == 1


def test_the_test_button_sends_one_signed_test_event_shown_in_the_log(
    member, member_client, receiver, django_capture_on_commit_callbacks
):
    created = attach(member, receiver, "/test", "Austin")
    sample = TriggerEventFactory.create()
    with django_capture_on_commit_callbacks(execute=True):
        response = member_client.post(
            reverse("api_tokens:webhook-test", args=[created.endpoint.pk])
        )
    assert response.status_code == 302
    row = WebhookDelivery.objects.get(kind=WebhookDelivery.Kind.TEST)
    assert OrmQ.objects.count() == 1  # the task queue holds the send
    webhook_delivery_send(row.pk)  # what the worker runs
    [(message_id, body)] = receiver.bodies.items()
    assert message_id == row.message_id
    assert body["type"] == "test"
    assert body["data"]["lead"]["id"] == sample.id
    page = member_client.get(response["Location"]).content.decode()
    assert row.message_id in page
    assert "Test event" in page
    assert "Delivered" in page
    assert "HTTP 204" in page
    # A failing test event is tried once and does not count towards disabling.
    receiver.plan("/test", "500")
    with django_capture_on_commit_callbacks(execute=True):
        member_client.post(reverse("api_tokens:webhook-test", args=[created.endpoint.pk]))
    failed = WebhookDelivery.objects.filter(kind=WebhookDelivery.Kind.TEST).latest("id")
    webhook_delivery_send(failed.pk)
    failed.refresh_from_db()
    assert (failed.status, failed.attempts, failed.response_code) == ("failed", 1, 500)
    assert WebhookEndpoint.objects.get().consecutive_failures == 0


@pytest.mark.clause("P13")
def test_a_stolen_password_report_stops_the_members_webhooks_until_they_enable_them(
    member, other_member, member_client, receiver, later
):
    """Issue 16 (P13): whoever held the password may have attached their own URL, so a
    stolen-password report disables the member's webhooks, not another member's; the
    matches waiting then go out only after the member enables the webhook again."""
    mine = attach(member, receiver, "/mine", "Austin")
    theirs = attach(other_member, receiver, "/theirs", "Austin")
    held = events_in("Austin", 2, mine.endpoint)
    webhook_matches_queue()  # found before the report, not yet sent
    assert WebhookDelivery.objects.filter(endpoint=mine.endpoint).count() == 2
    form = " ".join(member_client.get(reverse("accounts:stolen-password")).content.decode().split())
    assert "Your API tokens are revoked and your webhooks switched off" in form  # as it does

    stolen_password_report(user=member)
    events_in("Austin", 1, mine.endpoint)  # and one imported after it
    webhooks_run()

    assert sum(receiver.requests.values()) == 3
    assert set(receiver.paths.values()) == {"/theirs"}
    endpoint = WebhookEndpoint.objects.get(pk=mine.endpoint.pk)
    assert endpoint.disabled_at is not None
    assert endpoint.disabled_reason == DISABLED_ON_THEFT_REPORT
    assert WebhookEndpoint.objects.get(pk=theirs.endpoint.pk).disabled_at is None
    audit = AuditEvent.objects.get(verb="webhook_endpoint_disabled")
    assert (audit.actor, audit.object_id) == (None, str(endpoint.pk))
    member.set_password("a new password for the webhook test")  # the reset link, used
    member.save()
    member_client.force_login(member)
    log_url = reverse("api_tokens:webhook-log", args=[endpoint.pk])
    page = member_client.get(log_url).content.decode()
    assert "Disabled on" in page
    assert "reported stolen" in page
    member_client.post(reverse("api_tokens:webhook-enable", args=[endpoint.pk]))
    run_until_settled(later)
    delivered = {
        receiver.bodies[m]["data"]["lead"]["id"] for m, p in receiver.paths.items() if p == "/mine"
    }
    assert {e.id for e in held} <= delivered
    assert len(delivered) == 3
    assert sorted(receiver.accepted.values()) == [1] * 6


@pytest.mark.clause("P6")
def test_members_see_only_their_own_webhooks_and_logs(
    member, other_member, member_client, client, receiver, later, saved_token
):
    mine = attach(member, receiver, "/mine", "Austin")
    theirs = attach(other_member, receiver, "/theirs-secret-path", "Austin")
    events_in("Austin", 1, mine.endpoint)
    webhooks_run()
    listing = member_client.get(reverse("api_tokens:webhooks")).content.decode()
    assert "/mine" in listing
    assert "/theirs-secret-path" not in listing
    own_log = member_client.get(reverse("api_tokens:webhook-log", args=[mine.endpoint.pk]))
    assert own_log.status_code == 200
    their_delivery = WebhookDelivery.objects.get(endpoint=theirs.endpoint)
    assert their_delivery.message_id not in own_log.content.decode()
    for name, method in (
        ("webhook-log", "get"),
        ("webhook-test", "post"),
        ("webhook-enable", "post"),
        ("webhook-delete", "post"),
    ):
        url = reverse(f"api_tokens:{name}", args=[theirs.endpoint.pk])
        assert getattr(member_client, method)(url).status_code == 404
    assert WebhookEndpoint.objects.filter(pk=theirs.endpoint.pk).exists()
    # The API too: my list, my log; theirs is a 404 like a missing one.
    headers = bearer(saved_token)
    api_list = client.get("/api/v1/webhooks", headers=headers).json()["results"]
    assert [w["id"] for w in api_list] == [mine.endpoint.pk]
    log = client.get(f"/api/v1/webhooks/{mine.endpoint.pk}/deliveries", headers=headers).json()
    assert [d["status"] for d in log["results"]] == ["delivered"]
    assert log["results"][0]["response_code"] == 204
    for response in (
        client.get(f"/api/v1/webhooks/{theirs.endpoint.pk}/deliveries", headers=headers),
        client.delete(f"/api/v1/webhooks/{theirs.endpoint.pk}", headers=headers),
    ):
        assert response.status_code == 404
        assert "theirs-secret-path" not in response.content.decode()


def test_the_api_attaches_a_webhook_returning_its_secret_once(member, client, saved_token):
    headers = bearer(saved_token)
    search = saved_search_create(member=member, name="Austin", criteria={"city": ["Austin"]})
    created = client.post(
        "/api/v1/webhooks",
        {"saved_search_id": search.pk, "url": "https://crm.example.com/in"},
        content_type="application/json",
        headers=headers,
    )
    assert created.status_code == 201
    body = created.json()
    endpoint = WebhookEndpoint.objects.get(pk=body["id"])
    assert body["secret"] == webhooks.endpoint_secret(endpoint=endpoint)
    listed = client.get("/api/v1/webhooks", headers=headers).content.decode()
    assert body["secret"] not in listed
    refused = client.post(
        "/api/v1/webhooks",
        {"saved_search_id": search.pk, "url": "https://10.0.0.1/in"},
        content_type="application/json",
        headers=headers,
    )
    assert refused.status_code == 400
    assert refused.json()["errors"] == ["The address 10.0.0.1 is not a public internet address."]
    gone = client.delete(f"/api/v1/webhooks/{endpoint.pk}", headers=headers)
    assert gone.status_code == 204
    assert not WebhookEndpoint.objects.exists()


def test_a_sender_stopped_mid_way_leaves_rows_that_are_sent_once_after_the_lease(
    member, receiver, later, settings
):
    """Kill safety (issue 16): rows a dead sender claimed stay 'sending' until the lease
    ends, then go out once each; the receiver sees each webhook-id accepted once."""
    created = attach(member, receiver, "/crash", "Austin")
    events_in("Austin", 3, created.endpoint)
    assert webhook_matches_queue() == 3
    # A sender claims the rows and dies before sending (what SIGKILL leaves behind).
    claimed = webhooks._claim(token="dead-sender", batch_size=10, only=None, skip_endpoints=set())
    assert len(claimed) == 3
    webhook_deliveries_send()
    assert sum(receiver.requests.values()) == 0  # still within the dead sender's lease
    later.advance(settings.WEBHOOKS_CLAIM_LEASE_SECONDS + 1)
    report = webhook_deliveries_send()
    assert report.recovered == 3
    assert report.delivered == 3
    assert sorted(receiver.accepted.values()) == [1, 1, 1]
    assert [r.attempts for r in WebhookDelivery.objects.all()] == [2, 2, 2]


def test_match_detection_never_queues_an_event_twice(member, receiver):
    """A detection run killed after writing but before its caller saw it reruns harmlessly:
    the unique (endpoint, event) constraint drops the repeats."""
    created = attach(member, receiver, "/once", "Austin")
    events_in("Austin", 3, created.endpoint)
    assert webhook_matches_queue() == 3
    WebhookEndpoint.objects.update(matched_until_event_id=0)  # as if the move was lost
    webhook_matches_queue()
    assert WebhookDelivery.objects.count() == 3
    assert webhook_matches_queue() == 0


def test_deleting_a_saved_search_or_the_account_deletes_its_webhooks(
    member, other_member, receiver, later
):
    from lead411.privacy.services import member_erase

    mine = attach(member, receiver, "/mine", "Austin")
    theirs = attach(other_member, receiver, "/theirs", "Austin")
    events_in("Austin", 1, mine.endpoint)
    webhooks_run()
    member_erase(user=member)
    assert list(WebhookEndpoint.objects.all()) == [theirs.endpoint]
    assert set(WebhookDelivery.objects.values_list("endpoint_id", flat=True)) == {
        theirs.endpoint.pk
    }
    theirs.endpoint.saved_search.delete()
    assert not WebhookEndpoint.objects.exists()


@pytest.mark.clause("P11")
def test_erasure_removes_the_address_of_a_webhook_deleted_earlier_from_the_audit_log(
    member, other_member, receiver
):
    """A webhook's address may name its owner's company; the audit events of a member's own
    webhooks lose it at erasure, even for a webhook deleted before; another member's stay."""
    from lead411.api.services import webhook_endpoint_delete
    from lead411.privacy.services import member_erase

    mine = attach(member, receiver, "/zelda-corp-crm", "Austin")
    attach(other_member, receiver, "/other-crm", "Austin")
    webhook_endpoint_delete(actor=member, endpoint=mine.endpoint)
    logged = [f"{e.object_repr} {e.changes}" for e in AuditEvent.objects.all()]
    assert sum("zelda-corp-crm" in text for text in logged) >= 2, "created and deleted"

    member_erase(user=member)

    logged = [f"{e.object_repr} {e.changes}" for e in AuditEvent.objects.all()]
    assert not [text for text in logged if "zelda-corp-crm" in text]
    assert [text for text in logged if "other-crm" in text]


def test_the_test_button_is_limited_per_hour(member, member_client, receiver, settings):
    settings.WEBHOOKS_TESTS_PER_HOUR = 1
    created = attach(member, receiver, "/test", "Austin")
    url = reverse("api_tokens:webhook-test", args=[created.endpoint.pk])
    member_client.post(url)
    page = member_client.post(url, follow=True).content.decode()
    assert "At most 1 test events an hour per webhook; try again later." in page
    assert WebhookDelivery.objects.filter(kind=WebhookDelivery.Kind.TEST).count() == 1


@pytest.mark.clause("P8")
def test_staff_see_a_webhook_in_the_admin_but_never_its_secret(client, member, superuser):
    search = saved_search_create(member=member, name="Robots", criteria={})
    created = webhook_endpoint_create(
        member=member, saved_search=search, url="https://crm.example.com/in"
    )
    client.force_login(superuser)
    page = client.get(reverse("admin:api_webhookendpoint_change", args=[created.endpoint.pk]))
    assert page.status_code == 200
    body = page.content.decode()
    assert "https://crm.example.com/in" in body
    assert created.secret not in body
    assert created.endpoint.secret_salt not in body


def test_an_international_host_name_is_sent_as_idna():
    assert url_check("https://münchen.example/hook?x=1") == (
        "https",
        "xn--mnchen-3ya.example",
        443,
        "/hook?x=1",
    )
