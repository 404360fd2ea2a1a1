"""Delivery benchmark: the outbox sender beside a bare smtplib loop, 1, 4 and 8 connections (issue 15).

Run: ``.venv/bin/python bench/bench_delivery.py`` (or ``make bench``). Prints a Markdown
section ``## Delivery`` on stdout; progress goes to stderr.

A daily build (``bench_newsletter.populate``, ``BENCH_DELIVERY_MESSAGES`` members, default
5,000) queues real newsletters. The sink is Postfix's ``smtp-sink`` (C), extracted from
Debian's package by ``scripts/smtp-sink.sh``, fast enough not to be the bottleneck; when it
cannot be had, an aiosmtpd sink in another process, and the table says so. For each
width (``BENCH_DELIVERY_WIDTHS``, "1,4,8"), in the same run, ``BENCH_DELIVERY_RUNS`` times
(3), medians:

- the baseline: a bare ``smtplib`` loop sending the same bytes (the wire form the sender
  sends, built beforehand) over the same number of connections, one thread each;
- ``outbox_send(connections=width)``: claim, build each message from its stored row, send
  it, record every state change of the crash analysis (``mail/outbox.py``); the rows are
  returned to pending between runs.

The goal: at least 80 % of the bare rate at each width. The database is a temporary
SQLite file, and, when PostgreSQL answers at ``BENCH_DELIVERY_POSTGRES`` (default
``postgres://postgres@127.0.0.1:5432/postgres``), a temporary PostgreSQL database as well,
each in its own process. On PostgreSQL it also times ``BENCH_DELIVERY_PROCESSES`` (2)
sender processes of ``BENCH_DELIVERY_PROCESS_CONNECTIONS`` (4) connections each at once,
beside the bare loop over as many connections: PostgreSQL allows any number of senders
(``SKIP LOCKED``), SQLite one.
"""

import os
import shutil
import smtplib
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
MESSAGES = int(os.environ.get("BENCH_DELIVERY_MESSAGES", "5000"))
WIDTHS = [int(w) for w in os.environ.get("BENCH_DELIVERY_WIDTHS", "1,4,8").split(",")]
RUNS = int(os.environ.get("BENCH_DELIVERY_RUNS", "3"))
POSTGRES = os.environ.get("BENCH_DELIVERY_POSTGRES", "postgres://postgres@127.0.0.1:5432/postgres")
PROCESSES = int(os.environ.get("BENCH_DELIVERY_PROCESSES", "2"))
PROCESS_CONNECTIONS = int(os.environ.get("BENCH_DELIVERY_PROCESS_CONNECTIONS", "4"))
GOAL = 0.8


def log(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def _wait_for(port: int) -> None:
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=1).close()
            return
        except OSError:
            time.sleep(0.05)
    raise RuntimeError(f"no SMTP sink on port {port}")


def start_sink() -> tuple[subprocess.Popen[bytes], int, str]:
    """Start an SMTP sink; return (process, port, its description)."""
    port = _free_port()
    found = subprocess.run(  # noqa: S603 - our own script
        [str(ROOT / "scripts" / "smtp-sink.sh")], capture_output=True, text=True, check=False
    )
    binary = Path(found.stdout.strip()) if found.returncode == 0 else None
    if binary is not None and binary.exists():
        env = {**os.environ, "LD_LIBRARY_PATH": str(binary.parent.parent / "lib" / "postfix")}
        command = [str(binary), f"127.0.0.1:{port}", "1024"]
        if os.geteuid() == 0:
            command[1:1] = ["-u", "nobody"]  # it refuses to keep root's privileges
        process = subprocess.Popen(command, env=env)  # noqa: S603
        what = "Postfix smtp-sink (C)"
    else:
        log(f"smtp-sink unavailable ({found.stderr.strip()[-200:]}); using aiosmtpd")
        code = (
            "import sys, time\n"
            "from aiosmtpd.controller import Controller\n"
            "class H:\n"
            "    async def handle_DATA(self, server, session, envelope):\n"
            "        return '250 OK'\n"
            f"Controller(H(), hostname='127.0.0.1', port={port}).start()\n"
            "time.sleep(10**6)\n"
        )
        process = subprocess.Popen([sys.executable, "-c", code])  # noqa: S603
        what = "aiosmtpd (Python; smtp-sink could not be extracted)"
    _wait_for(port)
    return process, port, what


def bare_rate(messages: list[tuple[str, bytes]], *, port: int, width: int, sender: str) -> float:
    """Return messages/s of plain ``smtplib.sendmail`` loops over ``width`` connections."""
    shares = [messages[n::width] for n in range(width)]
    errors: list[BaseException] = []

    def loop(share: list[tuple[str, bytes]]) -> None:
        try:
            with smtplib.SMTP("127.0.0.1", port) as smtp:
                for to, data in share:
                    smtp.sendmail(sender, [to], data)
        except BaseException as exc:
            errors.append(exc)

    threads = [threading.Thread(target=loop, args=(share,)) for share in shares]
    started = time.perf_counter()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    took = time.perf_counter() - started
    if errors:
        raise errors[0]
    return len(messages) / took


def _django(database: str, *, port: int) -> None:
    """Set up Django in this process on ``database``, sending to the sink on ``port``."""
    os.environ["DATABASE_URL"] = database
    os.environ["DJANGO_SETTINGS_MODULE"] = "config.settings.test"
    os.environ["TEST_EMAIL_BACKEND"] = "django.core.mail.backends.smtp.EmailBackend"
    os.environ["EMAIL_URL"] = f"smtp://127.0.0.1:{port}"
    os.environ.setdefault("LOG_LEVEL", "WARNING")
    sys.path[:0] = [str(ROOT), str(ROOT / "bench")]
    import django

    django.setup()


def _sender(database: str, port: int, folder: str, connections: int) -> None:
    """One sender process of the PostgreSQL measurement: ready, wait for the go, send all."""
    _django(database, port=port)
    from lead411.mail.outbox import outbox_send

    name = f"{os.getpid()}"
    Path(folder, f"{name}.ready").touch()
    while not Path(folder, "go").exists():
        time.sleep(0.001)
    started = time.time()
    report = outbox_send(batch_size=200, connections=connections)
    Path(folder, f"{name}.json").write_text(
        f'{{"sent": {report.sent}, "start": {started}, "end": {time.time()}}}'
    )


def processes_rate(database: str, *, port: int, processes: int, connections: int) -> float:
    """Return messages/s of ``processes`` sender processes with ``connections`` each, from
    the first one's start to the last one's end (their Django start-up is not counted)."""
    import json

    folder = tempfile.mkdtemp(prefix="bench-senders-")
    children = [
        subprocess.Popen(  # noqa: S603 - this script, with our interpreter
            [sys.executable, __file__, "--sender", database, str(port), folder, str(connections)]
        )
        for _ in range(processes)
    ]
    while len(list(Path(folder).glob("*.ready"))) < processes:
        time.sleep(0.01)
    Path(folder, "go").touch()
    for child in children:
        if child.wait() != 0:
            raise RuntimeError("a sender process failed")
    runs = [json.loads(p.read_text()) for p in Path(folder).glob("*.json")]
    shutil.rmtree(folder, ignore_errors=True)
    return sum(r["sent"] for r in runs) / (
        max(r["end"] for r in runs) - min(r["start"] for r in runs)
    )


def _requeue() -> None:
    """Return every delivery to pending for the next timed run. On PostgreSQL, VACUUM the
    table afterwards, as autovacuum does between two days' sends: each run rewrites every
    row three times (claim, hand-over, confirmation), and without it each later run would
    wade through the dead row versions of the earlier ones."""
    from django.db import connection

    from lead411.mail.models import Delivery

    Delivery.objects.update(
        status=Delivery.Status.PENDING, claim_token="", sent_at=None, attempts=0
    )
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute(f"VACUUM ANALYZE {connection.ops.quote_name(Delivery._meta.db_table)}")


def measure(database: str, *, port: int) -> dict[str, Any]:
    """In this process: set up ``database``, queue the newsletters, time both loops per width."""
    import random

    _django(database, port=port)
    import bench_newsletter
    from django.core.management import call_command
    from django.db import connection
    from django.utils import timezone

    from lead411.mail.models import Delivery
    from lead411.mail.outbox import delivery_message_bytes, outbox_send
    from lead411.mail.services import envelope_sender
    from lead411.newsletter.digest import newsletter_issue_build

    call_command("migrate", verbosity=0)
    log(f"{connection.vendor}: populating and building")
    bench_newsletter.populate(random.Random(411), members=MESSAGES)
    built = newsletter_issue_build(date=timezone.localdate())
    rows = list(Delivery.objects.order_by("id"))
    wire = [(row.to_email, delivery_message_bytes(delivery=row)) for row in rows]
    size = statistics.mean(len(data) for _, data in wire)
    sender = envelope_sender()
    results = []
    for width in WIDTHS:
        bare, ours = [], []
        for run in range(RUNS):
            log(f"{connection.vendor}: width {width}, run {run + 1}/{RUNS}")
            bare.append(bare_rate(wire, port=port, width=width, sender=sender))
            _requeue()
            started = time.perf_counter()
            report = outbox_send(batch_size=200, connections=width)
            took = time.perf_counter() - started
            if report.sent != len(rows):
                raise RuntimeError(f"sent {report.sent} of {len(rows)}: {report}")
            ours.append(report.sent / took)
        results.append((str(width), statistics.median(bare), statistics.median(ours)))
    if connection.vendor == "postgresql":
        # PostgreSQL takes any number of sender processes (SKIP LOCKED), one per core here.
        width = PROCESSES * PROCESS_CONNECTIONS
        bare, ours = [], []
        for run in range(RUNS):
            log(
                f"{connection.vendor}: {PROCESSES} processes x {PROCESS_CONNECTIONS}, run {run + 1}"
            )
            bare.append(bare_rate(wire, port=port, width=width, sender=sender))
            _requeue()
            connection.close()
            ours.append(
                processes_rate(
                    database, port=port, processes=PROCESSES, connections=PROCESS_CONNECTIONS
                )
            )
            if Delivery.objects.exclude(status=Delivery.Status.SENT).exists():
                raise RuntimeError("the sender processes left messages unsent")
        label = f"{width} ({PROCESSES} processes x {PROCESS_CONNECTIONS})"
        results.append((label, statistics.median(bare), statistics.median(ours)))
    return {
        "vendor": connection.vendor,
        "messages": built.deliveries,
        "size": size,
        "results": results,
    }


def _child(database: str, port: int, out: str) -> None:
    import json

    Path(out).write_text(json.dumps(measure(database, port=port)))


def _postgres_database() -> tuple[str, str] | None:
    """Create an empty PostgreSQL database; return (its URL, its name), None if no server."""
    try:
        import psycopg

        name = f"lead411_bench_{uuid.uuid4().hex[:8]}"
        with psycopg.connect(POSTGRES, autocommit=True, connect_timeout=3) as conn:
            conn.execute(f'CREATE DATABASE "{name}"')
    except Exception as exc:  # any failure means: no PostgreSQL here
        log(f"PostgreSQL not measured: {exc}")
        return None
    return POSTGRES.rsplit("/", 1)[0] + "/" + name, name


def _drop_postgres(name: str) -> None:
    import psycopg

    with psycopg.connect(POSTGRES, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def main() -> None:
    import json

    if len(sys.argv) == 6 and sys.argv[1] == "--sender":
        _sender(sys.argv[2], int(sys.argv[3]), sys.argv[4], int(sys.argv[5]))
        return
    if len(sys.argv) == 4 and sys.argv[1] == "--child":
        _child(sys.argv[2], int(sys.argv[3].split(":")[0]), sys.argv[3].split(":", 1)[1])
        return
    sink, port, sink_name = start_sink()
    tmp = tempfile.mkdtemp(prefix="bench-delivery-")
    databases: list[tuple[str, str, str | None]] = [
        ("SQLite", f"sqlite:///{tmp}/bench.sqlite3", None)
    ]
    created = _postgres_database()
    if created is not None:
        databases.append(("PostgreSQL", created[0], created[1]))
    measured = []
    try:
        for label, url, _ in databases:
            out = f"{tmp}/{label}.json"
            subprocess.run(  # noqa: S603 - this script, with our interpreter
                [sys.executable, __file__, "--child", url, f"{port}:{out}"], check=True
            )
            measured.append((label, json.loads(Path(out).read_text())))
    finally:
        sink.terminate()
        sink.wait(timeout=10)
        for _, _, name in databases:
            if name:
                _drop_postgres(name)
        shutil.rmtree(tmp, ignore_errors=True)
    print("## Delivery\n")
    first = measured[0][1]
    print(
        f"{first['messages']:,} queued newsletters (average {first['size'] / 1024:.1f} KiB on the "
        f"wire) sent to {sink_name} on loopback; medians of {RUNS} runs. The baseline is a bare "
        "`smtplib.sendmail` loop sending the same bytes over the same number of connections "
        "(one thread each), in the same run. Goal: at least 80 % of the baseline at each width.\n"
    )
    print("| database | connections | bare smtplib | outbox_send | ratio | goal met |")
    print("|---|---:|---:|---:|---:|---|")
    for label, data in measured:
        for width, bare, ours in data["results"]:
            ratio = ours / bare
            print(
                f"| {label} | {width} | {bare:,.0f}/s | **{ours:,.0f}/s** | {ratio:.2f}x | "
                f"{'yes' if ratio >= GOAL else 'no'} |"
            )
    load = os.getloadavg()
    print(
        "\nOne thread drives the sender's connections in step (ADR 0011). It records every "
        "state change the crash analysis needs (claim per batch, one hand-over commit per "
        "round of connections before their final dots, confirmations per batch), builds each "
        "message from its stored row, and on PostgreSQL claims with `SKIP LOCKED`; the "
        "PostgreSQL table is vacuumed between runs, as autovacuum would between two days. "
        "On PostgreSQL each of those state changes writes new entries in every index of the "
        "table (the status is indexed, so no update in place), and the database server "
        "shares the two cores with the sender and the sink. Load average at the end: "
        f"{load[0]:.1f} / {load[1]:.1f} / {load[2]:.1f} (2 cores, other work running)."
    )


if __name__ == "__main__":
    main()
