"""Webhooks survive SIGKILL at random points of the scheduled job: no event lost or doubled.

Issue 16: "Delivery goes through the task queue and survives a killed worker without
losing or doubling an event". The job (``webhooks_run``: find the new matches, then send)
runs in forked processes against a database of its own (``webhook_crash_helpers``) and is
killed 15 times at random moments, then run once to the end. The receiver is a real HTTP
server in this process that verifies every signature (``standardwebhooks``).

What is proven: every event has exactly one delivery row, hence one ``webhook-id``; every
one of them reached the receiver with a 2xx; no event reached it under two ids. A kill
after a 2xx and before the sender recorded it makes that id arrive again (at least once,
see ``lead411.api.webhooks``): a receiver that drops repeated ids, as the Standard
Webhooks spec asks, acts on each event once.
"""

import json
import os
import random
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from lead411.core.tests.databases import own_database_url
from lead411.core.tests.helper_process import HelperProcess

from .webhook_receiver import Receiver

pytestmark = [pytest.mark.clause("L2"), pytest.mark.slow]

ROOT = Path(__file__).resolve().parents[3]
HELPERS = "lead411.api.tests.webhook_crash_helpers"
EVENTS = 3000


@pytest.fixture
def world(tmp_path: Path, django_db_blocker: Any) -> Iterator[tuple[HelperProcess, Receiver]]:
    """A migrated database of its own, a receiver and the helper process."""
    with django_db_blocker.unblock():
        url = own_database_url(tmp_path, "whcrash")
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "config.settings.test",
        "DATABASE_URL": url,
        "LOG_LEVEL": "WARNING",
    }
    done = subprocess.run(
        [sys.executable, "manage.py", "migrate", "--noinput", "-v0"], cwd=ROOT, env=env,
        capture_output=True, text=True, check=False,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr[-3000:]
    with Receiver(delay_seconds=0.003) as receiver:
        helper = HelperProcess(HELPERS, env)
        yield helper, receiver
        helper.close()


def _kill_moment(rng: random.Random, receiver: Receiver) -> None:
    """Wait for a random moment of the job, measured by its progress, not by the clock.

    One kill in three comes within half a second (while it matches, or at its first
    sends); the others once 1 to 150 more events reached the receiver, whatever the
    machine's speed, so 15 kills always land before the 3,000 events are all sent.
    """
    if rng.random() < 1 / 3:
        time.sleep(rng.uniform(0.0, 0.5))
        return
    target = len(receiver.accepted) + rng.randint(1, 150)
    deadline = time.monotonic() + 20
    while len(receiver.accepted) < target and time.monotonic() < deadline:
        time.sleep(0.002)


def test_sigkill_at_15_random_points_loses_and_doubles_no_event(world):
    helper, receiver = world
    receiver.secrets["/crm"] = helper.ask(f"setup {EVENTS} {receiver.url('/crm')}")
    rng = random.Random(20261205)
    kills = 0
    while kills < 15:
        pid = int(helper.ask("run"))
        _kill_moment(rng, receiver)
        os.kill(pid, signal.SIGKILL)
        if helper.ask(f"wait {pid}") == "-9":
            kills += 1
        assert len(receiver.accepted) < EVENTS, "the job finished before 15 kills; slow it down"
    pid = int(helper.ask("run"))  # the run after the last kill finishes the job
    assert helper.ask(f"wait {pid}") == "0"

    rows = json.loads(helper.ask("report"))
    ids = {message_id for message_id, _, _ in rows}
    events = [event_id for _, event_id, _ in rows]
    assert len(rows) == len(set(events)) == EVENTS  # one row, one webhook-id, per event
    assert {status for _, _, status in rows} == {"delivered"}
    assert set(receiver.accepted) == ids  # none lost
    assert receiver.bad_signatures == 0
    lead_of = {m: body["data"]["lead"]["id"] for m, body in receiver.bodies.items()}
    assert sorted(lead_of.values()) == sorted(events)  # no event under two ids
    repeats = sum(receiver.accepted.values()) - len(ids)
    # At most one claim batch (100) per kill can be repeated, under the same webhook-id.
    assert repeats <= 15 * 100
