"""Steps of the crash and concurrency tests, run in processes of their own so they can be killed.

``python -m lead411.mail.tests.crash_helpers serve`` loads Django once, then reads
commands on stdin, one per line, and answers one line each:

- ``setup N``: build an issue for N new members; answers the number of deliveries.
- ``send [N]``: fork a sender process (``outbox_send`` over N SMTP connections, 1 if not
  given); answers its pid. Forking a loaded
  process makes each sender start in a millisecond, so kills land while it sends.
- ``wait PID``: wait for that sender; answers its exit status (-9 when killed).
- ``report``: answers the outbox as JSON ``[[message_id, status], ...]``.

The database and SMTP server come from the environment (DATABASE_URL, EMAIL_URL).
"""

import datetime as dt
import json
import os
import sys

import django

from lead411.core.tests.helper_process import child_outcome


def setup(members: int) -> None:
    from django.utils import timezone

    from lead411.accounts.models import User
    from lead411.leads.models import Company, SavedSearch, TriggerEvent
    from lead411.mail.models import Delivery
    from lead411.newsletter.digest import newsletter_issue_build
    from lead411.newsletter.models import NewsletterIssue

    Delivery.objects.all().delete()
    NewsletterIssue.objects.all().delete()
    SavedSearch.objects.all().delete()
    User.objects.all().delete()
    TriggerEvent.objects.all().delete()
    Company.objects.all().delete()
    now = timezone.now()
    users = User.objects.bulk_create(
        User(email=f"crash{n}@example.com", password="!", first_name=f"M{n}")
        for n in range(members)
    )
    SavedSearch.objects.bulk_create(
        SavedSearch(member=u, name="All", criteria={}, created_at=now, updated_at=now)
        for u in users
    )
    for n in range(3):
        company = Company.objects.create(
            name=f"Crash Co {n}", normalized_name=f"crash co {n}", source="test", source_key=f"c{n}",
            imported_at=now, updated_at=now,
        )  # fmt: skip
        TriggerEvent.objects.create(
            company=company, kind="funding_round", summary=f"Crash Co {n} raised money",
            search_document=f"Crash Co {n}\n\nraised money", source="test", source_key=f"e{n}",
            imported_at=now - dt.timedelta(minutes=1), updated_at=now,
        )  # fmt: skip
    report = newsletter_issue_build(date=timezone.localdate())
    print(report.deliveries, flush=True)


def send(connections: int) -> None:
    from lead411.mail.outbox import outbox_send

    print("ready", flush=True)
    batch_size = int(os.environ.get("OUTBOX_BATCH", "25"))
    print(outbox_send(batch_size=batch_size, connections=connections), flush=True)


def report() -> None:
    from lead411.mail.models import Delivery

    rows = list(Delivery.objects.values_list("message_id", "status"))
    print(json.dumps(rows), flush=True)


def serve() -> None:
    from django.db import connections

    from lead411.mail import outbox  # noqa: F401 - loaded before forking

    for line in sys.stdin:
        command, *args = line.split()
        if command == "setup":
            setup(int(args[0]))
        elif command == "report":
            report()
        elif command == "send":
            connections.close_all()  # each sender opens its own database connection
            pid = os.fork()
            if pid == 0:
                devnull = os.open(os.devnull, os.O_WRONLY)
                os.dup2(devnull, 1)
                try:
                    send(int(args[0]) if args else 1)
                finally:
                    os._exit(0)
            print(pid, flush=True)
        elif command == "wait":
            print(child_outcome(int(args[0])), flush=True)
        connections.close_all()


if __name__ == "__main__":
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.test")
    django.setup()
    serve()
