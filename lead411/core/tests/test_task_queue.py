"""The task queue carries jobs over a real broker: the database by default, Redis to scale."""

import datetime as dt
import uuid
from importlib import import_module

import pytest
import redis
from django.conf import settings
from django.utils import timezone
from django_q.brokers.orm import ORM
from django_q.brokers.redis_broker import Redis
from django_q.conf import Conf
from django_q.signing import SignedPackage
from django_q.tasks import async_task

REDIS_URL = "redis://127.0.0.1:6379/15"


def _redis_or_skip() -> None:
    try:
        redis.from_url(REDIS_URL, socket_connect_timeout=2).ping()
    except redis.ConnectionError:
        pytest.skip("no Redis server answers on 127.0.0.1:6379")


def _expired_session() -> str:
    store = import_module(settings.SESSION_ENGINE).SessionStore()
    store["note"] = "old"
    store.set_expiry(timezone.now() - dt.timedelta(days=1))
    store.save()
    return str(store.session_key)


def _run_one(broker) -> None:
    """Take one task off ``broker`` and run it, as a django-q2 worker would."""
    (_ack_id, payload), *_ = broker.dequeue()
    task = SignedPackage.loads(payload)
    module, func = task["func"].rsplit(".", 1)
    getattr(import_module(module), func)(*task["args"], **task["kwargs"])


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("kind", ["orm", "redis"])
def test_a_queued_job_travels_through_the_broker_and_runs(kind, monkeypatch):
    if kind == "redis":
        _redis_or_skip()
        monkeypatch.setattr(Conf, "REDIS", REDIS_URL)
        broker = Redis(list_key=f"test-{uuid.uuid4().hex}")
    else:
        broker = ORM(list_key=f"test-{uuid.uuid4().hex}")
    session_key = _expired_session()
    session_model = import_module(settings.SESSION_ENGINE).SessionStore.get_model_class()

    async_task("lead411.core.tasks.sessions_clear_expired", broker=broker)
    assert broker.queue_size() == 1
    _run_one(broker)

    assert not session_model.objects.filter(session_key=session_key).exists()
    broker.delete_queue()
