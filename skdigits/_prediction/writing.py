"""Writing a file so that a failure never leaves half of it: the atomic write.

Every file a user would open as a model, a model's export or the shipped
model (``save_model``, ``skdigits export``, ``scripts/build_pretrained.py``)
is written by :func:`write_atomically`: under a hidden name beside it
(:func:`partial_path`), flushed to the disk, then renamed over it in one
step. A write that fails or is killed leaves the old file whole; what a
killed one leaves behind is hidden and removed by the next write
(:func:`remove_stale_partials`).

Nothing here imports more than the standard library.
"""

from __future__ import annotations

import contextlib
import glob
import os
import secrets
from pathlib import Path
from typing import Any

__all__ = ["partial_path", "remove_stale_partials", "write_atomically"]


def partial_path(path: Path) -> Path:
    """Where :func:`write_atomically` writes ``path`` until it is complete.

    Beside ``path``, so that the rename is one step on one file system;
    hidden (a leading dot) and ending in ``.partial`` rather than ``path``'s
    own suffix, so that neither a person listing the folder nor a program
    looking for ``*.skdigits`` or ``*.onnx`` takes it for a finished file;
    and named after the writing process (``.NAME.PID-RANDOM.partial``), so
    that two writers never share one, and one left by a process that no
    longer runs can be told apart (:func:`remove_stale_partials`).

    Examples
    --------
    >>> from pathlib import Path
    >>> from skdigits._prediction.writing import partial_path
    >>> name = partial_path(Path("run") / "model.skdigits").name
    >>> name.startswith(".model.skdigits."), name.endswith(".partial")
    (True, True)
    """
    return path.with_name(f".{path.name}.{os.getpid()}-{secrets.token_hex(4)}.partial")


def remove_stale_partials(path: Path) -> list[Path]:
    """Remove the partial files of ``path`` (see :func:`partial_path`) whose
    writer no longer runs on this machine: what a process killed while it
    wrote ``path`` (SIGKILL, a crash, a power cut) left behind.

    Those of running processes are kept: they may still be writing.

    Returns
    -------
    removed : list of pathlib.Path
    """
    removed = []
    for partial in path.parent.glob(f".{glob.escape(path.name)}.*.partial"):
        writer = partial.name[len(path.name) + 2 :].split("-", 1)[0]
        if writer.isdigit() and not _process_runs(int(writer)):
            with contextlib.suppress(FileNotFoundError):
                partial.unlink()
                removed.append(partial)
    return removed


def _process_runs(pid: int) -> bool:
    if pid == os.getpid():
        return True
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except (PermissionError, OverflowError, OSError):
        return True  # another user's, or not a process id: leave it be
    return True


def _flush_to_disk(path: Path, *, folder: bool = False) -> None:
    """``fsync`` a file (or a folder's entries): on the disk, not only in
    the page cache, so that a power cut cannot undo it."""
    flags = os.O_RDONLY | (getattr(os, "O_DIRECTORY", 0) if folder else 0)
    fd = os.open(path, flags)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def write_atomically(path: Path, write: Any) -> Path:
    """Call ``write(partial)``, then put the file written in ``path``'s place.

    ``partial`` is a hidden file beside ``path`` (:func:`partial_path`); once
    ``write`` returns, it is flushed to the disk and renamed over ``path`` in
    one step. So ``path`` is always the old file or the new one, whole:

    - an error while writing (a full disk, ``OSError``) removes the partial
      file, leaves ``path`` as it was and raises an ``OSError`` (of the same
      errno) that names ``path`` and says so;
    - a process killed while writing (SIGKILL, a crash) cannot remove its
      partial file; it stays hidden, is no file a user or skdigits would
      open, and the next write to ``path`` removes it
      (:func:`remove_stale_partials`);
    - a power cut after the rename keeps the new file: it reached the disk
      before the rename did.

    Returns
    -------
    path : pathlib.Path
    """
    path.parent.mkdir(parents=True, exist_ok=True)
    remove_stale_partials(path)
    partial = partial_path(path)
    existed = path.exists()
    try:
        write(partial)
        _flush_to_disk(partial)  # a full disk may only say so here
        os.replace(partial, path)
    except OSError as exc:
        kept = "the file there is unchanged" if existed else "nothing was left there"
        message = f"cannot write {path}: {exc.strerror or exc}; {kept}."
        raise (
            OSError(message) if exc.errno is None else OSError(exc.errno, message)
        ) from exc
    finally:
        partial.unlink(missing_ok=True)
    # The rename itself reaches the disk with the folder's entries.
    with contextlib.suppress(OSError):  # not every system can sync a folder
        _flush_to_disk(path.parent, folder=True)
    return path
