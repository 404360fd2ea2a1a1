"""`make run` as a newcomer meets it (issue 17): ports checked first, Ctrl-C stops cleanly.

``scripts/run.sh`` is what ``make run`` runs after installing. These tests run it as a
subprocess in a session of its own, the way a terminal runs it, on a fresh SQLite file
and an empty data folder, with ports nobody else uses.
"""

import os
import signal
import socket
import subprocess
import time
from pathlib import Path

import pytest

from tests.e2e.conftest import free_port

ROOT = Path(__file__).resolve().parents[1]
SCRIPT = ROOT / "scripts" / "run.sh"


def _environment(tmp_path: Path, *, port: int, mail_port: int) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in ("EMAIL_URL", "DJANGO_SETTINGS_MODULE")}
    (tmp_path / "data").mkdir()
    return {
        **env,
        "PY": str(ROOT / ".venv" / "bin" / "python"),
        "HOST": "127.0.0.1",
        "PORT": str(port),
        "MAIL_PORT": str(mail_port),
        "SITE_URL": f"http://127.0.0.1:{port}",
        "DATABASE_URL": f"sqlite:///{tmp_path / 'db.sqlite3'}",
        "LEAD411_DATA_DIR": str(tmp_path / "data"),
        "SEARCH_INDEX_DIR": str(tmp_path / "index"),
        "CACHE_DIR": str(tmp_path / "cache"),
        # `make run` polls SEC EDGAR from its worker; no test reaches the network.
        "EDGAR_POLL_MINUTES": "0",
    }


@pytest.mark.parametrize("busy", ["mail", "site"])
def test_a_busy_port_is_named_and_nothing_starts(tmp_path: Path, busy: str) -> None:
    """A taken port 1025 printed a traceback, then "mail goes to the local sink"."""
    port, mail_port = free_port(), free_port()
    with socket.create_server(("127.0.0.1", mail_port if busy == "mail" else port)):
        result = subprocess.run(  # noqa: S603 - the repository's own script, no shell
            [str(SCRIPT)],
            env=_environment(tmp_path, port=port, mail_port=mail_port),
            capture_output=True,
            text=True,
            timeout=60,
            check=False,
        )
    taken = mail_port if busy == "mail" else port
    assert result.returncode == 1
    assert f"make run: port {taken} on 127.0.0.1 is already in use" in result.stderr
    assert "Nothing was started." in result.stderr
    assert "Traceback" not in result.stdout + result.stderr
    assert "Outgoing mail goes to" not in result.stdout
    assert not (tmp_path / "db.sqlite3").exists(), "no setup step ran"


@pytest.mark.slow
def test_ctrl_c_stops_the_site_worker_and_mail_sink_cleanly(tmp_path: Path) -> None:
    """Ctrl-C ended with ``make: *** [Makefile:34: run] Segmentation fault``."""
    port, mail_port = free_port(), free_port()
    process = subprocess.Popen(  # noqa: S603 - the repository's own script, no shell
        [str(SCRIPT)],
        env=_environment(tmp_path, port=port, mail_port=mail_port),
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        start_new_session=True,  # its own process group, as a terminal's foreground job
    )
    assert process.stdout is not None
    seen: list[str] = []
    deadline = time.monotonic() + 240
    while time.monotonic() < deadline and not any(s.startswith("Serving on") for s in seen):
        line = process.stdout.readline()
        if not line:
            break
        seen.append(line)
    assert any(s.startswith("Serving on") for s in seen), "".join(seen[-20:])
    assert f"Outgoing mail goes to the local SMTP sink on 127.0.0.1:{mail_port}" in "".join(seen)
    for target in (port, mail_port):  # the site and the sink answer
        socket.create_connection(("127.0.0.1", target), timeout=5).close()

    os.killpg(process.pid, signal.SIGINT)  # what Ctrl-C in a terminal does
    rest = process.communicate(timeout=60)[0]
    assert process.returncode == 0, rest
    assert "make run: stopped." in rest
    assert "Segmentation fault" not in rest
    assert "Traceback" not in rest
    left = subprocess.run(  # noqa: S603 - fixed arguments
        ["/usr/bin/pgrep", "-g", str(process.pid)], capture_output=True, check=False
    )
    assert left.stdout == b"", "a process of the run is still alive"
    for target in (port, mail_port):
        with pytest.raises(ConnectionRefusedError):
            socket.create_connection(("127.0.0.1", target), timeout=2).close()
