"""Faults as they reach a user, for the ``faults`` question.

:class:`FullDisk` makes the code run inside it see a disk with so many bytes
free: every file opened for writing (``open`` and ``io.open``, so
``pathlib``, ``zipfile``, Pillow and matplotlib too) takes bytes until they
are used up, then its writes raise ``OSError(ENOSPC)``, as a full disk's do.
:func:`kill_while_writing` runs a command that writes a file over and over
in a child process and kills it (SIGKILL) at a random moment of one write.
:func:`ctrl_c_during_training` sends Ctrl-C (SIGINT to the process group, as
a terminal does) to ``skdigits train`` while it trains.
"""

from __future__ import annotations

import builtins
import errno
import io
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import numpy as np

from benchmarks.common import REPO, child_env

__all__ = [
    "WRITERS",
    "FullDisk",
    "ctrl_c_during_training",
    "kill_while_writing",
    "partials_of",
]


class _FileOnAFullDisk:
    """A file opened for writing on :class:`FullDisk`'s disk."""

    def __init__(self, file, disk: FullDisk) -> None:
        self._file, self._disk = file, disk

    def write(self, data):
        room = self._disk.free
        if len(data) > room:
            if room:
                self._file.write(data[:room])
            self._disk.free, self._disk.hit = 0, True
            raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))
        self._disk.free -= len(data)
        return self._file.write(data)

    def writelines(self, lines) -> None:
        for line in lines:
            self.write(line)

    def __getattr__(self, name):
        return getattr(self._file, name)

    def __iter__(self):
        return iter(self._file)

    def __enter__(self):
        return self

    def __exit__(self, *exc_info):
        return self._file.__exit__(*exc_info)


class FullDisk:
    """Inside ``with FullDisk(free)``, the disk has ``free`` bytes left."""

    def __init__(self, free: int) -> None:
        self.free, self.hit = int(free), False

    def _open(self, file, mode="r", *args, **kwargs):
        opened = self._real_open(file, mode, *args, **kwargs)
        if any(flag in mode for flag in "wax+"):
            return _FileOnAFullDisk(opened, self)
        return opened

    def __enter__(self) -> FullDisk:
        self._real_open = io.open
        builtins.open = io.open = self._open
        return self

    def __exit__(self, *exc_info) -> None:
        builtins.open = io.open = self._real_open


def partials_of(path: Path) -> list[Path]:
    """The partial files of ``path`` (``skdigits._prediction.writing``)."""
    return sorted(path.parent.glob(f".{path.name}.*.partial"))


# A child writing a file over and over; "W" when a write starts (the atomic
# write asks for its partial file's name), "D" when the command returned.
_WRITE_LOOP = """
import sys
from pathlib import Path
from skdigits._prediction import writing

partial_path = writing.partial_path

def announced(path):
    print("W", flush=True)
    return partial_path(path)

writing.partial_path = announced
source, target = sys.argv[1], sys.argv[2]
%(setup)s
while True:
    %(write)s
    print("D", flush=True)
"""

#: The commands whose writes are killed: what a child sets up, then the
#: command it repeats (``source`` and ``target`` are paths, as str).
WRITERS = {
    "save_model": (
        "from skdigits.persistence import load_model, save_model\n"
        "model = load_model(source)",
        "save_model(model, target, include_optimizer=False)",
    ),
    "export": (
        "from skdigits._commands.cli import main",
        'assert main(["export", source, target]) == 0',
    ),
    "build": (
        "import importlib.util\n"
        f"spec = importlib.util.spec_from_file_location('build_pretrained', "
        f"{str(REPO / 'scripts' / 'build_pretrained.py')!r})\n"
        "build = importlib.util.module_from_spec(spec)\n"
        "spec.loader.exec_module(build)",
        "build.install(Path(source), Path(target))",
    ),
}


def kill_while_writing(
    writer: str, source: Path, target: Path, rng: np.random.Generator, rounds: int = 3
) -> dict:
    """Run ``WRITERS[writer]`` in a child until its ``rounds`` + 1-th write,
    and SIGKILL it at a random moment of that write: uniform over the length
    of the writes before it (from the partial file's name to the command's
    return). What is left of ``target`` is the caller's to check."""
    setup, write = WRITERS[writer]
    child = subprocess.Popen(
        [
            sys.executable,
            "-c",
            _WRITE_LOOP % {"setup": setup, "write": write},
            str(source),
            str(target),
        ],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=child_env(),
    )
    try:
        writes, started = [], None
        for line in child.stdout:
            if line == "W\n":
                started = time.monotonic()
                if len(writes) == rounds:
                    break
            elif line == "D\n":
                writes.append(time.monotonic() - started)
        else:
            raise RuntimeError(f"{writer} stopped: {child.communicate()[1][-2000:]}")
        delay = rng.uniform(0, float(np.median(writes)))
        time.sleep(max(0.0, started + delay - time.monotonic()))
        child.send_signal(signal.SIGKILL)
        child.communicate(timeout=60)
    finally:
        if child.poll() is None:
            child.kill()
            child.communicate()
    return {"write_seconds": float(np.median(writes)), "killed_after": delay}


# Ctrl-C's Python handler, set again: a child of a process that ignores
# SIGINT (a benchmark run in the background) would ignore it too.
_TAKES_CTRL_C = """
import signal, sys
signal.signal(signal.SIGINT, signal.default_int_handler)
from skdigits._commands.cli import main
sys.exit(main())
"""


def ctrl_c_during_training(train_args: list[str], folder: Path, delay: float) -> dict:
    """``skdigits train ... --output folder`` in a session of its own; Ctrl-C
    ``delay`` seconds into its first epoch. How long it took to stop, how it
    ended, and what it left of the folder."""
    child = subprocess.Popen(
        [
            sys.executable,
            "-c",
            _TAKES_CTRL_C,
            "train",
            *train_args,
            "--output",
            str(folder),
        ],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=child_env({"PYTHONUNBUFFERED": "1"}),
        start_new_session=True,
    )
    try:
        for line in child.stdout:
            if line.startswith("Epoch 1/"):
                break
        else:
            raise RuntimeError(f"train stopped: {child.communicate()[1][-2000:]}")
        time.sleep(delay)
        sent = time.monotonic()
        os.killpg(child.pid, signal.SIGINT)
        out, err = child.communicate(timeout=300)
        seconds = time.monotonic() - sent
    finally:
        if child.poll() is None:
            child.kill()
            child.communicate()
    if not folder.exists():
        left = "none"
    elif (folder / "INCOMPLETE.txt").exists():
        left = "marked incomplete"
    elif (folder / "report.md").exists():
        left = "complete"
    else:
        left = "unmarked"  # what must never happen
    return {
        "delay": delay,
        "seconds_to_stop": seconds,
        "exit_code": child.returncode,
        "last_line": (err.strip().splitlines() or [""])[-1],
        "epochs_begun": sum(line.startswith("Epoch ") for line in out.splitlines()) + 1,
        "folder_left": left,
    }
