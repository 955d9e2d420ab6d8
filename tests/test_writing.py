"""The atomic write (skdigits._prediction.writing) under faults.

Whatever happens while a file is written (an error, a full disk, the
process killed), the file a user opens is the old one or the new one,
whole, and nothing left beside it passes for a finished file. The same
write under ``save_model``, ``skdigits export`` and the shipped model's
build is tested with them (test_persistence.py, test_cli.py,
test_pretrained.py).
"""

from __future__ import annotations

import errno
import os
import signal
import subprocess
import sys
from pathlib import Path

import pytest

from skdigits._prediction import writing
from skdigits._prediction.writing import (
    partial_path,
    remove_stale_partials,
    write_atomically,
)

OLD = b"the old file, whole"


def _full_disk(after: int):
    """A ``write`` that puts ``after`` bytes on the disk, then finds it full."""

    def write(partial: Path) -> None:
        with partial.open("wb") as file:
            file.write(b"n" * after)
            file.flush()
            raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))

    return write


def test_a_write_replaces_the_file_and_leaves_nothing_beside_it(tmp_path):
    path = tmp_path / "model.skdigits"
    path.write_bytes(OLD)
    assert write_atomically(path, lambda p: p.write_bytes(b"new")) == path
    assert path.read_bytes() == b"new"
    assert os.listdir(tmp_path) == ["model.skdigits"]


@pytest.mark.parametrize("old", [True, False], ids=["over-a-file", "new-file"])
def test_a_full_disk_is_a_clear_error_and_the_old_file_is_unchanged(old, tmp_path):
    path = tmp_path / "model.skdigits"
    if old:
        path.write_bytes(OLD)
    with pytest.raises(OSError) as raised:
        write_atomically(path, _full_disk(after=1000))
    assert raised.value.errno == errno.ENOSPC
    kept = "the file there is unchanged" if old else "nothing was left there"
    assert str(raised.value) == (
        f"[Errno 28] cannot write {path}: No space left on device; {kept}."
    )
    assert os.listdir(tmp_path) == (["model.skdigits"] if old else [])
    if old:
        assert path.read_bytes() == OLD


def test_a_full_disk_found_only_when_flushing_is_caught_before_the_rename(
    tmp_path, monkeypatch
):
    # With delayed allocation the file system may take the bytes and only
    # find no room for them when they are flushed (fsync): still an error,
    # the old file still there.
    path = tmp_path / "model.skdigits"
    path.write_bytes(OLD)

    def fsync(fd):
        raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))

    monkeypatch.setattr(writing.os, "fsync", fsync)
    with pytest.raises(OSError, match=r"cannot write .*No space left on device"):
        write_atomically(path, lambda p: p.write_bytes(b"new"))
    assert path.read_bytes() == OLD and os.listdir(tmp_path) == ["model.skdigits"]


def test_other_errors_pass_through_and_leave_the_old_file(tmp_path):
    path = tmp_path / "model.skdigits"
    path.write_bytes(OLD)

    def write(partial):
        partial.write_bytes(b"half")
        raise ValueError("not JSON")

    with pytest.raises(ValueError, match="not JSON"):
        write_atomically(path, write)
    assert path.read_bytes() == OLD and os.listdir(tmp_path) == ["model.skdigits"]


_KILLED_WHILE_WRITING = """
import sys, time
from pathlib import Path
from skdigits._prediction.writing import write_atomically

def write(partial):
    with partial.open("wb") as file:
        file.write(b"half of a model")
        file.flush()
        print(partial.name, flush=True)
        time.sleep(120)

write_atomically(Path(sys.argv[1]), write)
"""


def test_a_writer_killed_mid_write_leaves_the_old_file_and_a_hidden_partial(
    tmp_path, child_env
):
    path = tmp_path / "model.skdigits"
    path.write_bytes(OLD)
    child = subprocess.Popen(
        [sys.executable, "-c", _KILLED_WHILE_WRITING, str(path)],
        stdout=subprocess.PIPE,
        text=True,
        env=child_env,
    )
    name = child.stdout.readline().strip()
    child.send_signal(signal.SIGKILL)
    child.communicate(timeout=30)
    # What is lost: the new file. What is not: the old one, and no file a
    # user or a program would open as a model.
    assert path.read_bytes() == OLD
    assert sorted(os.listdir(tmp_path)) == sorted([name, "model.skdigits"])
    assert name == f".model.skdigits.{child.pid}-{name.split('-')[1]}"
    assert name.startswith(".") and name.endswith(".partial")
    assert list(tmp_path.glob("*.skdigits")) == [path]
    # The next write removes it: its writer no longer runs.
    write_atomically(path, lambda p: p.write_bytes(b"new"))
    assert path.read_bytes() == b"new"
    assert os.listdir(tmp_path) == ["model.skdigits"]


def test_partials_of_running_writers_and_other_files_are_kept(tmp_path):
    path = tmp_path / "model.skdigits"
    mine = partial_path(path)  # this process's: it may be writing it
    dead = path.with_name(f".model.skdigits.{_dead_pid()}-0a1b2c3d.partial")
    other = path.with_name(f".other.skdigits.{_dead_pid()}-0a1b2c3d.partial")
    for file in (mine, dead, other):
        file.write_bytes(b"half")
    assert remove_stale_partials(path) == [dead]
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted([mine.name, other.name])
    assert partial_path(path) != partial_path(path)  # two writers, two files


def _dead_pid() -> int:
    """The id of a process that has ended (and been waited for)."""
    child = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"],
                           capture_output=True, text=True, check=True)  # fmt: skip
    return int(child.stdout)
