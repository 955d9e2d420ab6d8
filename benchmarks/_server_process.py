"""``skdigits serve`` in a child process, as the load and fault questions drive it.

:class:`ServerProcess` starts the server on a free port, reads the address it
prints, reports the CPU seconds of the server and its worker processes
(Linux ``/proc``), and stops it with Ctrl-C (SIGINT) as a user would.
"""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
import time
from pathlib import Path

from benchmarks.common import child_env

__all__ = ["ServerProcess", "children", "cpu_seconds"]

_START_TIMEOUT = 120.0  # seconds for the server to print its address


def cpu_seconds(pid: int) -> float | None:
    """User + system CPU seconds of process ``pid`` so far (Linux /proc)."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return None
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def children(pid: int) -> list[int]:
    """The child processes of ``pid`` (Linux /proc): the server's workers."""
    try:
        return [
            int(c) for c in Path(f"/proc/{pid}/task/{pid}/children").read_text().split()
        ]
    except OSError:
        return []


class ServerProcess:
    """``skdigits serve MODEL --port 0`` in a child process, stopped by Ctrl-C."""

    def __init__(self, model: Path, *args: str) -> None:
        self.process = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "skdigits",
                "serve",
                str(model),
                "--port",
                "0",
                *args,
            ],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            env=child_env(),
        )
        start = time.monotonic()
        for line in self.process.stdout:  # the server prints its address
            found = re.search(r"http://127\.0\.0\.1:(\d+)/", line)
            if found:
                self.port = int(found.group(1))
                return
            if time.monotonic() - start > _START_TIMEOUT:
                break
        self.stop()
        raise RuntimeError(f"skdigits serve printed no address: {self.errors}")

    def cpu_seconds(self) -> float | None:
        """CPU seconds of the server and its worker processes so far."""
        pids = [self.process.pid, *children(self.process.pid)]
        seconds = [cpu_seconds(pid) for pid in pids]
        return None if None in seconds else sum(seconds)

    def workers(self) -> int:
        """How many processes answer: the workers, or the server alone."""
        return len(children(self.process.pid)) or 1

    def stop(self) -> None:
        """Ctrl-C; then ``output`` and ``errors`` hold what it printed since
        its address, and ``returncode`` how it ended."""
        self.process.send_signal(signal.SIGINT)
        try:
            self.output, self.errors = self.process.communicate(timeout=30)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.output, self.errors = self.process.communicate()
        self.returncode = self.process.returncode
