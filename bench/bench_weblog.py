"""Web-log benchmark: access-log import against GoAccess, and recording's cost per request.

Prints one Markdown section (``## Web logs``) for BENCHMARKS.md:

1. The real elastic access log replicated to 1,000,000 lines in a temporary file, read
   by ``manage.py import_access_log`` (each round into a fresh copy of an empty migrated
   SQLite database) and by ``goaccess`` (COMBINED, crawlers excluded, JSON), alternated
   in the same run: lines/s by wall clock and by CPU time, the ratios, and peak RSS.
   Ours runs twice a round: as configured (the 2015 log is past the 30-day raw
   retention, so its lines go straight into the daily aggregates) and with the
   retention set to a century (every line a raw row, as for a log of recent days).
2. A public page served by gunicorn on loopback with recording on and off, alternated:
   requests per second at concurrency 8; both servers stay up and short bursts alternate
   between them, and the ratio is the median of the pairs' ratios.

No per-IP output: only counts and rates are printed.
"""

import argparse
import http.client
import os
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DATA = Path(os.environ.get("LEAD411_DATA_DIR", ROOT.parent / "shared" / "data"))
LOG = DATA / "access_logs_elastic" / "apache_logs"


def _run_measured(cmd: list[str], env: dict[str, str]) -> tuple[float, float, int, str]:
    """Run ``cmd``; return (wall s, CPU s, peak RSS KiB, stdout) of that child alone."""
    started = time.perf_counter()
    proc = subprocess.Popen(  # noqa: S603 - our own commands
        cmd, cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True
    )
    assert proc.stdout is not None
    out = proc.stdout.read()
    _, status, usage = os.wait4(proc.pid, 0)
    proc.returncode = os.waitstatus_to_exitcode(status)
    wall = time.perf_counter() - started
    if proc.returncode != 0:
        raise SystemExit(f"{cmd[0]} failed with exit code {proc.returncode}")
    return wall, usage.ru_utime + usage.ru_stime, usage.ru_maxrss, out


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _load(port: int, path: str, seconds: float, concurrency: int) -> tuple[float, int]:
    """Return (requests/s of 200 responses, errors) with ``concurrency`` client threads."""
    deadline = time.perf_counter() + seconds
    counts = [0] * concurrency
    errors = [0] * concurrency

    def worker(i: int) -> None:
        while time.perf_counter() < deadline:
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
            try:
                conn.request(
                    "GET", path, headers={"User-Agent": "Mozilla/5.0 (bench) Firefox/120.0"}
                )
                response = conn.getresponse()
                response.read()
                if response.status == 200:
                    counts[i] += 1
                else:
                    errors[i] += 1
            except OSError:
                errors[i] += 1
            finally:
                conn.close()

    started = time.perf_counter()
    threads = [threading.Thread(target=worker, args=(i,)) for i in range(concurrency)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return sum(counts) / (time.perf_counter() - started), sum(errors)


def _serve(env: dict[str, str], port: int, recording: bool) -> subprocess.Popen:
    env = {**env, "WEBLOG_RECORDING_ENABLED": "true" if recording else "false"}
    proc = subprocess.Popen(  # noqa: S603 - our own server
        [str(ROOT / ".venv" / "bin" / "gunicorn"), "config.wsgi:application",
         "--bind", f"127.0.0.1:{port}", "--workers", "3", "--log-level", "warning"],
        cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )  # fmt: skip
    for _ in range(100):
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.2):
                return proc
        except OSError:
            time.sleep(0.1)
    proc.kill()
    raise SystemExit("gunicorn did not start")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--lines", type=int, default=1_000_000, help="0 skips the import")
    parser.add_argument("--import-rounds", type=int, default=3, help="ours then GoAccess, each")
    parser.add_argument("--seconds", type=float, default=3.0, help="per load burst")
    parser.add_argument("--rounds", type=int, default=10, help="burst pairs; 0 skips serving")
    parser.add_argument("--path", default="/privacy/", help="a light public page to load")
    args = parser.parse_args()

    print("## Web logs\n")
    if not LOG.exists():
        print(f"Skipped: the elastic access log is not at {LOG}.")
        return 0
    python = str(ROOT / ".venv" / "bin" / "python")
    with tempfile.TemporaryDirectory(prefix="bench-weblog-") as tmp:
        env = {
            **os.environ,
            "DATABASE_URL": f"sqlite:///{tmp}/bench.sqlite3",
            "DJANGO_SETTINGS_MODULE": "config.settings.local",
        }
        subprocess.run([python, "manage.py", "migrate", "-v0"], cwd=ROOT, env=env, check=True)  # noqa: S603
        if args.lines:
            _bench_import(python, env, tmp, args.lines, args.import_rounds)
        if args.rounds:
            _bench_serving(python, env, args)
    return 0


def _median(values: list[float]) -> float:
    return statistics.median(values)


def _bench_import(python: str, env: dict[str, str], tmp: str, wanted: int, rounds: int) -> None:
    """Print the import table: ours against GoAccess on the same replicated file, alternated.

    Each of our rounds imports into a fresh copy of the migrated, empty database.
    """
    source = LOG.read_bytes()
    source_lines = source.count(b"\n")
    big = Path(tmp) / "access.log"
    with big.open("wb") as out:
        for _ in range(wanted // source_lines):
            out.write(source)
    lines = (wanted // source_lines) * source_lines
    template = Path(tmp) / "bench.sqlite3"
    goaccess = shutil.which("goaccess")
    ours: list[tuple[float, float, int, str]] = []
    ours_raw: list[tuple[float, float, int, str]] = []
    theirs: list[tuple[float, float, int, str]] = []
    loads: list[float] = []
    for n in range(rounds):
        db = Path(tmp) / f"import{n}.sqlite3"
        shutil.copyfile(template, db)
        loads.append(os.getloadavg()[0])
        ours.append(
            _run_measured(
                [python, "manage.py", "import_access_log", "--no-progress", str(big)],
                {**env, "DATABASE_URL": f"sqlite:///{db}"},
            )
        )
        db.unlink()
        shutil.copyfile(template, db)
        ours_raw.append(
            _run_measured(
                [python, "manage.py", "import_access_log", "--no-progress", str(big)],
                {**env, "DATABASE_URL": f"sqlite:///{db}", "WEBLOG_RAW_RETENTION_DAYS": "36500"},
            )
        )
        db.unlink()
        if goaccess:
            command = [goaccess, str(big), "--log-format=COMBINED", "--ignore-crawlers"]
            theirs.append(_run_measured([*command, "-o", f"{tmp}/goaccess.json"], env))
    summary = ours[0][3].splitlines()[0].split(": ", 1)[1]
    print(f"Import of the real elastic log (semicomplete.com, May 2015) replicated to "
          f"{lines:,} lines, same file, same run, {rounds} alternated rounds each "
          f"(medians; each round in brackets); {os.cpu_count()} cores, load average "
          f"{min(loads):.1f}-{max(loads):.1f} at the rounds' start.\n")  # fmt: skip
    print("| tool | wall s | lines/s (wall) | CPU s | lines/s (CPU) | peak RSS |")
    print("|---|---:|---:|---:|---:|---:|")
    rows = [
        ("`import_access_log`, old days to daily aggregates (SQLite)", ours),
        ("`import_access_log`, every line a raw row (SQLite)", ours_raw),
    ]
    if theirs:
        rows.append(("GoAccess 1.7 (JSON report)", theirs))
    for label, runs in rows:
        wall, cpu = _median([r[0] for r in runs]), _median([r[1] for r in runs])
        each = ", ".join(f"{r[0]:.1f}" for r in runs)
        each_cpu = ", ".join(f"{r[1]:.1f}" for r in runs)
        print(f"| {label} | {wall:.1f} ({each}) | {lines / wall:,.0f} | {cpu:.1f} ({each_cpu}) | "
              f"{lines / cpu:,.0f} | {max(r[2] for r in runs) / 1024:.0f} MiB |")  # fmt: skip
    for label, runs in (("daily aggregates", ours), ("raw rows", ours_raw)):
        if not theirs:
            break
        by_wall = _median([t[0] for t in theirs]) / _median([o[0] for o in runs])
        by_cpu = _median([t[1] for t in theirs]) / _median([o[1] for o in runs])
        pairs = ", ".join(f"{t[0] / o[0]:.2f}" for o, t in zip(runs, theirs, strict=True))
        print(f"\nRatio ours ({label}) / GoAccess (lines/s): {by_wall:.2f}x by wall clock "
              f"(round by round: {pairs}), {by_cpu:.2f}x by CPU time (goal 1.5x).")  # fmt: skip
    if not theirs:
        print("\nGoAccess is not installed: no comparison (apt-get install goaccess).")
    print(f"\nImporter summary: `{summary}`. GoAccess only counts; we classify every user "
          "agent with uap-core and store either the days' aggregates (lines older than the "
          "raw retention) or one minimised row per line. "
          "Our figures include Python and Django start-up (about 0.8 s CPU).\n")  # fmt: skip


def _bench_serving(python: str, env: dict[str, str], args: argparse.Namespace) -> None:
    """Print req/s of a public page with recording off and on.

    Both servers run side by side for the whole measurement; short bursts alternate
    between them (off, on, off, on...), so drift in the machine's load hits both alike,
    and the ratio is the median of the pairs' ratios.
    """
    subprocess.run(  # noqa: S603
        [python, "manage.py", "collectstatic", "--noinput", "-v0"],
        cwd=ROOT,
        env=env,
        check=True,
    )
    ports = {False: _free_port(), True: _free_port()}
    servers = {recording: _serve(env, port, recording) for recording, port in ports.items()}
    rates: dict[bool, list[float]] = {True: [], False: []}
    loads: list[float] = []
    errors = 0
    try:
        for port in ports.values():
            _load(port, args.path, 15.0, 8)  # warm-up: workers boot after the port opens
        for _ in range(args.rounds):
            loads.append(os.getloadavg()[0])
            for recording in (False, True):
                rate, failed = _load(ports[recording], args.path, args.seconds, 8)
                rates[recording].append(rate)
                errors += failed
    finally:
        for server in servers.values():
            server.send_signal(signal.SIGTERM)
        for server in servers.values():
            server.wait(timeout=30)
    off, on = _median(rates[False]), _median(rates[True])
    ratios = [b / a for a, b in zip(rates[False], rates[True], strict=True)]
    print(f"Public page `{args.path}` under gunicorn (3 sync workers each, loopback), "
          f"concurrency 8; both servers up side by side, {args.rounds} alternated bursts of "
          f"{args.seconds:.0f} s each after a 15 s warm-up; load average "
          f"{min(loads):.1f}-{max(loads):.1f}:\n")  # fmt: skip
    print("| recording | req/s, each burst | median |\n|---|---|---:|")
    for recording, label in ((False, "off"), (True, "on")):
        each = ", ".join(f"{r:,.1f}" for r in rates[recording])
        print(f"| {label} | {each} | {_median(rates[recording]):,.1f} |")
    print(f"\nRatio on / off: **{_median(ratios):.2f}**, median of the burst pairs' ratios "
          f"({', '.join(f'{r:.2f}' for r in ratios)}); ratio of the medians {on / off:.2f} "
          f"(goal ≥ 0.9). Non-200 responses: {errors}.")  # fmt: skip
    recorded = subprocess.run(  # noqa: S603
        [python, "manage.py", "shell", "-c",
         "from lead411.weblog.models import PageView; "
         "print(PageView.objects.filter(source='live').count())"],
        cwd=ROOT, env=env, capture_output=True, text=True, check=True,
    ).stdout.strip().splitlines()[-1]  # fmt: skip
    print(f"Rows recorded by the 'on' server: {recorded}.")


if __name__ == "__main__":
    sys.exit(main())
