"""Steps of the webhook kill test, run in processes of their own so they can be killed.

``python -m lead411.api.tests.webhook_crash_helpers serve`` loads Django once, then reads
commands on stdin, one per line, and answers one line each:

- ``setup N URL``: one member, a saved search matching everything, a webhook to ``URL``,
  then N new events (indexed); answers the endpoint's secret.
- ``run``: fork a process running the scheduled job (``webhooks_run``: find the new
  matches, send them); answers its pid.
- ``wait PID``: wait for that process; answers its exit status (-9 when killed).
- ``report``: answers the deliveries as JSON ``[[webhook_id, event_id, status], ...]``.

The database comes from DATABASE_URL. Loopback receivers are allowed here, and the claim
lease is 0 s: runs never overlap, so a claimed row found by the next run is always a
killed run's.
"""

import datetime as dt
import json
import os
import sys

import django

from lead411.core.tests.helper_process import child_outcome


def setup(count: int, url: str) -> None:
    from django.utils import timezone

    from lead411.accounts.models import User
    from lead411.api.services import webhook_endpoint_create
    from lead411.leads.models import Company, SavedSearch, TriggerEvent
    from lead411.leads.search.index import search_index_rebuild

    now = timezone.now()
    member = User.objects.create_user("crash@example.com", None)
    search = SavedSearch.objects.create(
        member=member, name="All", criteria={}, created_at=now, updated_at=now
    )
    created = webhook_endpoint_create(member=member, saved_search=search, url=url)
    later = timezone.now() + dt.timedelta(seconds=1)
    company = Company.objects.create(
        name="Crash Co", normalized_name="crash co", source="test", source_key="c",
        imported_at=later, updated_at=later,
    )  # fmt: skip
    TriggerEvent.objects.bulk_create(
        TriggerEvent(
            company=company, kind="funding_round", summary=f"Crash Co raised round {n}",
            search_document=f"Crash Co\n\nraised round {n}", source="test", source_key=f"e{n}",
            imported_at=later + dt.timedelta(microseconds=n), updated_at=later,
        )
        for n in range(count)
    )  # fmt: skip
    search_index_rebuild()
    print(created.secret, flush=True)


def report() -> None:
    from lead411.api.models import WebhookDelivery

    rows = list(WebhookDelivery.objects.values_list("message_id", "event_id", "status"))
    print(json.dumps(rows), flush=True)


def serve() -> None:
    from django.conf import settings
    from django.db import connections

    from lead411.api import tasks  # loaded before forking

    settings.WEBHOOKS_ALLOW_LOOPBACK = True
    settings.WEBHOOKS_CLAIM_LEASE_SECONDS = 0
    for line in sys.stdin:
        command, *args = line.split()
        if command == "setup":
            setup(int(args[0]), args[1])
        elif command == "report":
            report()
        elif command == "run":
            connections.close_all()  # each run opens its own database connection
            pid = os.fork()
            if pid == 0:
                devnull = os.open(os.devnull, os.O_WRONLY)
                os.dup2(devnull, 1)
                os.dup2(devnull, 2)
                code = 1
                try:
                    tasks.webhooks_run()
                    code = 0
                finally:
                    os._exit(code)
            print(pid, flush=True)
        elif command == "wait":
            print(child_outcome(int(args[0])), flush=True)
        connections.close_all()


if __name__ == "__main__":
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.test")
    django.setup()
    serve()
