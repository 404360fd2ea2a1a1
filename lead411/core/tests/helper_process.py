"""A helper script driven line by line from a test: the harness of the crash tests.

The mail outbox and the webhook sender are each killed with SIGKILL in the middle of their
work (``mail/tests/test_crash.py``, ``api/tests/test_webhooks_killed.py``). A helper
process (``python -m <module> serve``) forks the work on command, so the test can kill it
and read what it left; this module holds both ends of that conversation.
"""

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[3]


class HelperProcess:
    """``python -m <module> serve`` in the project root: one command a line, one answer a line."""

    def __init__(self, module: str, env: dict[str, str]) -> None:
        self.process = subprocess.Popen(  # noqa: S603 - our own script
            [sys.executable, "-m", module, "serve"], cwd=ROOT, env=env, stdin=subprocess.PIPE,
            stdout=subprocess.PIPE, text=True,
        )  # fmt: skip

    def ask(self, command: str) -> str:
        """Send ``command``; return the helper's one-line answer, stripped."""
        assert self.process.stdin is not None
        assert self.process.stdout is not None
        self.process.stdin.write(command + "\n")
        self.process.stdin.flush()
        answer = self.process.stdout.readline()
        assert answer, "the helper process died"
        return answer.strip()

    def close(self) -> None:
        assert self.process.stdin is not None
        self.process.stdin.close()
        self.process.wait(timeout=30)


def child_outcome(pid: int) -> int:
    """Wait for the forked child ``pid``: its exit code, or minus the signal that killed it."""
    _, status = os.waitpid(pid, 0)
    return -os.WTERMSIG(status) if os.WIFSIGNALED(status) else os.WEXITSTATUS(status)
