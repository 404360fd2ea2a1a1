"""Webhook fan-out benchmark: matched events POSTed signed to endpoints on loopback (issue 16).

Run: ``.venv/bin/python bench/bench_webhooks.py`` (or ``make bench BENCH=webhooks``). Prints
a Markdown section ``## Webhooks`` on stdout; progress goes to stderr.

In a temporary SQLite database it creates ``BENCH_WEBHOOKS_ENDPOINTS`` members (100), each
with one saved search (``city = City n``) and one webhook endpoint, then
``BENCH_WEBHOOKS_EVENTS`` new events (10,000) spread over the cities, so every event
matches exactly one endpoint: 10,000 deliveries in all. The receivers run in another
process (no shared GIL): one HTTP/1.1 keep-alive server per endpoint, each on its own
loopback port, answering 204. Measured in the same run:

- finding the matches, ``webhook_matches_queue`` (one walk over the new events, one
  search-engine query per saved search per chunk of 500 events, delivery rows written
  with the endpoints' positions);
- sending, ``webhook_deliveries_send``: claim, sign (Standard Webhooks), POST over a
  pool per endpoint, record each outcome; deliveries/s, median of
  ``BENCH_WEBHOOKS_RUNS`` runs (3; the rows are put back to pending between runs);
- the baseline: a bare loop over the same payloads, signed and POSTed with urllib3 over
  one pool per endpoint, without the database.
"""

import multiprocessing
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
ENDPOINTS = int(os.environ.get("BENCH_WEBHOOKS_ENDPOINTS", "100"))
EVENTS = int(os.environ.get("BENCH_WEBHOOKS_EVENTS", "10000"))
RUNS = int(os.environ.get("BENCH_WEBHOOKS_RUNS", "3"))


def log(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


def _receivers(count: int, ports: Any, stop: Any) -> None:
    """Serve ``count`` keep-alive HTTP servers on loopback that answer every POST with 204."""
    import threading
    from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def log_message(self, *args: Any) -> None:
            return

        def do_POST(self) -> None:
            self.rfile.read(int(self.headers.get("Content-Length", "0")))
            self.send_response(204)
            self.send_header("Content-Length", "0")
            self.end_headers()

    servers = []
    for _ in range(count):
        server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        server.daemon_threads = True
        threading.Thread(target=server.serve_forever, daemon=True).start()
        servers.append(server)
    ports.put([s.server_address[1] for s in servers])
    stop.wait()
    for server in servers:
        server.shutdown()


def populate(ports: list[int]) -> None:
    """Create the members, saved searches and endpoints, then the new events (indexed)."""
    import datetime as dt

    from django.db import transaction
    from django.utils import timezone

    from lead411.accounts.models import User
    from lead411.api.services import webhook_endpoint_create
    from lead411.leads.models import Company, SavedSearch, TriggerEvent
    from lead411.leads.search.index import search_index_rebuild

    now = timezone.now()
    with transaction.atomic():
        for n in range(ENDPOINTS):
            member = User.objects.create_user(f"bench{n}@example.com", None)
            search = SavedSearch.objects.create(
                member=member, name=f"City {n}", criteria={"city": [f"City {n}"]},
                created_at=now, updated_at=now,
            )  # fmt: skip
            webhook_endpoint_create(
                member=member, saved_search=search, url=f"http://127.0.0.1:{ports[n]}/hook"
            )
    later = timezone.now() + dt.timedelta(seconds=1)
    with transaction.atomic():
        companies = Company.objects.bulk_create(
            Company(
                name=f"Company {n}", normalized_name=f"company {n}", country_code="USA",
                region="TX", city=f"City {n % ENDPOINTS}", source="bench", source_key=f"c{n}",
                imported_at=later, updated_at=later,
            )
            for n in range(EVENTS)
        )  # fmt: skip
        TriggerEvent.objects.bulk_create(
            (
                TriggerEvent(
                    company=company, kind="funding_round", announced_on=later.date(),
                    round_type="seed", currency="USD", summary=f"{company.name} raised a seed round",
                    search_document=f"{company.name}\n{company.name} raised a seed round",
                    source="bench", source_key=f"e{n}", imported_at=later, updated_at=later,
                )
                for n, company in enumerate(companies)
            ),
            batch_size=1000,
        )  # fmt: skip
    search_index_rebuild()  # bulk_create sends no signals: index the events once


def baseline_rate() -> float:
    """Sign and POST every delivery's payload with bare urllib3, one pool per endpoint."""
    import datetime as dt
    import json

    import urllib3

    from lead411.api.models import WebhookDelivery
    from lead411.api.webhooks import endpoint_secret, signed_headers

    rows = list(WebhookDelivery.objects.select_related("endpoint").order_by("id"))
    pools: dict[str, Any] = {}
    secrets = {}
    started = time.perf_counter()
    for row in rows:
        url = row.endpoint.url
        if url not in pools:
            port = int(url.split(":")[2].split("/")[0])
            pools[url] = urllib3.HTTPConnectionPool("127.0.0.1", port, maxsize=1)
            secrets[url] = endpoint_secret(endpoint=row.endpoint)
        body = json.dumps(row.payload, separators=(",", ":")).encode()
        headers = signed_headers(
            secret=secrets[url], message_id=row.message_id, body=body, at=dt.datetime.now(dt.UTC)
        )
        response = pools[url].urlopen(
            "POST", "/hook", body=body, headers={**headers, "Content-Type": "application/json"}
        )
        assert response.status == 204
    return len(rows) / (time.perf_counter() - started)


def main() -> None:
    tmp = tempfile.mkdtemp(prefix="bench-webhooks-")
    os.environ["DATABASE_URL"] = f"sqlite:///{tmp}/bench.sqlite3"
    os.environ["DJANGO_SETTINGS_MODULE"] = "config.settings.test"
    os.environ.setdefault("LOG_LEVEL", "WARNING")
    ports_queue: Any = multiprocessing.Queue()
    stop = multiprocessing.Event()
    receivers = multiprocessing.Process(
        target=_receivers, args=(ENDPOINTS, ports_queue, stop), daemon=True
    )
    receivers.start()
    ports = ports_queue.get(timeout=60)
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()
    from django.conf import settings
    from django.core.management import call_command

    from lead411.api.models import WebhookDelivery
    from lead411.api.webhooks import webhook_deliveries_send, webhook_matches_queue

    settings.WEBHOOKS_ALLOW_LOOPBACK = True  # the receivers are on loopback
    log("migrating")
    call_command("migrate", verbosity=0)
    log("populating")
    populate(ports)

    load_before = os.getloadavg()[0]
    log("finding the matches")
    started = time.perf_counter()
    queued = webhook_matches_queue()
    match_seconds = time.perf_counter() - started
    assert queued == EVENTS, queued

    sends = []
    for run in range(RUNS):
        if run:
            WebhookDelivery.objects.update(
                status=WebhookDelivery.Status.PENDING, attempts=0, delivered_at=None
            )
        log(f"sending {run + 1}/{RUNS}")
        started = time.perf_counter()
        report = webhook_deliveries_send()
        sends.append(time.perf_counter() - started)
        assert report.delivered == EVENTS, str(report)
    send_seconds = statistics.median(sends)

    log("baseline")
    base_rate = statistics.median(baseline_rate() for _ in range(RUNS))
    stop.set()
    receivers.join(timeout=10)

    send_rate = EVENTS / send_seconds
    print("## Webhooks\n")
    print(
        f"{EVENTS:,} new events, each matching one of {ENDPOINTS} saved searches with a webhook "
        f"each ({EVENTS:,} deliveries); receivers on loopback in another process, one "
        "keep-alive HTTP server per endpoint answering 204; temporary SQLite database.\n"
    )
    print("| measure | result |")
    print("|---|---|")
    print(
        f"| finding the matches (`webhook_matches_queue`), once | {match_seconds:.1f} s, "
        f"{EVENTS / match_seconds:,.0f} deliveries queued/s |"
    )
    print(
        f"| sending (`webhook_deliveries_send`: claim, sign, POST, record), median of {RUNS} | "
        f"{send_seconds:.1f} s, **{send_rate:,.0f} deliveries/s** |"
    )
    print(
        f"| baseline: bare urllib3 loop, same signed payloads, pool per endpoint, median of {RUNS} | "
        f"{base_rate:,.0f} POSTs/s |"
    )
    print(f"| sending against the baseline | {send_rate / base_rate:.2f}x |")
    print(
        "\nOne sender, sequential: each delivery costs its share of a claim (batches of 100), "
        "its signing, its POST, and its share of one UPDATE that records the batch's 2xx "
        "answers; django-q2 workers can run senders in parallel, each claiming its own rows. "
        f"Load average {load_before:.1f} before, {os.getloadavg()[0]:.1f} after (2 shared cores)."
    )


if __name__ == "__main__":
    main()
