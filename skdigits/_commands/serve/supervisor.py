"""The worker processes of ``skdigits serve``: forked, watched, replaced.

``run_server`` serves from one process per usable core (on Linux): a
request's Python work holds its process's interpreter lock, so one process
answers on one core at most, however many threads it has. The worker
processes are forked from the one that loaded the model and bound the port,
so they start in milliseconds and share the model's memory; the first
process only watches over them (:func:`serve_in_processes`). Each worker
listens on a socket of its own on the one port, so that the kernel shares
connections out evenly.
"""

from __future__ import annotations

import contextlib
import os
import signal
import socket
import sys
import threading
import time
from collections.abc import Callable
from typing import Any

__all__ = [
    "CAN_FORK_WORKERS",
    "check_workers",
    "default_workers",
    "reserve_port",
    "serve_in_processes",
    "worker_socket",
]

# A worker process that dies sooner than this after its start is not started
# again (it would only die again): the server stops and says so.
_CRASH_LOOP_SECONDS = 5.0
# How often a worker process checks that its supervisor is still there.
_ORPHAN_CHECK_SECONDS = 0.5
# Several worker processes need fork(): on Linux it is safe with NumPy's
# BLAS and fast; elsewhere (macOS's Accelerate, Windows) one process serves.
CAN_FORK_WORKERS = sys.platform.startswith("linux")


def default_workers() -> int:
    """How many processes ``run`` serves from unless told: the usable cores
    (on Linux; 1 elsewhere).

    Returns
    -------
    workers : int
        At least 1.

    Examples
    --------
    >>> from skdigits._commands.serve.supervisor import default_workers
    >>> default_workers() >= 1
    True
    """
    if not CAN_FORK_WORKERS:
        return 1
    return max(1, len(os.sched_getaffinity(0)))


def check_workers(workers: int | None) -> int:
    if workers is None:
        return default_workers()
    if isinstance(workers, bool) or not isinstance(workers, int) or workers < 1:
        raise ValueError(f"workers must be an integer >= 1, got {workers!r}.")
    if workers > 1 and not CAN_FORK_WORKERS:
        raise ValueError(
            f"workers={workers}: several worker processes need Linux; "
            "serve with workers=1 here."
        )
    return workers


def _exit_when_orphaned(server: Any, parent: int) -> None:
    """Stop ``server`` once the supervisor ``parent`` is gone (killed outright,
    it could not stop its workers), so that no worker outlives it."""
    while os.getppid() == parent and not server.should_exit:
        time.sleep(_ORPHAN_CHECK_SECONDS)
    server.should_exit = True


def _worker_process(server: Any, sock: socket.socket, parent: int) -> None:
    """The body of a forked worker process; never returns."""
    code = 1
    try:
        # Ctrl-C in a terminal reaches every process of the group; the
        # supervisor then sends SIGTERM. uvicorn handles both while it serves
        # and raises them again after: ignored here once it has stopped, so
        # the worker ends as it should, with its requests answered.
        signal.signal(signal.SIGINT, signal.SIG_IGN)
        signal.signal(signal.SIGTERM, signal.SIG_IGN)
        threading.Thread(
            target=_exit_when_orphaned, args=(server, parent), daemon=True
        ).start()
        server.run(sockets=[sock])
        code = 0
    except BaseException:  # a worker must not return into its parent's code
        import traceback

        traceback.print_exc()
    finally:
        sys.stderr.flush()
        os._exit(code)


def serve_in_processes(
    make_server: Callable[[], Any],
    reserved: socket.socket,
    listeners: list[socket.socket],
    echo: Callable[[str], Any],
) -> None:
    """Fork one process per socket of ``listeners`` (on the port ``reserved``
    holds, see :func:`reserve_port`) that runs ``make_server()`` on it;
    wait for them, stop them all on SIGINT or SIGTERM, and start again one
    that dies on its own (unless it died at once), on a new socket."""
    parent = os.getpid()
    children: dict[int, float] = {}  # pid -> when it started
    stopping = False

    def fork_worker(listener: socket.socket) -> None:
        server = make_server()
        pid = os.fork()
        if pid == 0:  # pragma: no cover - runs in the child, which never returns
            for other in [reserved, *listeners]:  # the others' are not its own
                other.close()
            _worker_process(server, listener, parent)
        listener.close()  # the worker's alone: connections to it are its own
        children[pid] = time.monotonic()

    def stop(signum: int = signal.SIGTERM, frame: object = None) -> None:
        nonlocal stopping
        if os.getpid() != parent:  # a worker, before it set its own handlers
            return
        stopping = True
        for pid in list(children):
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signal.SIGTERM)

    previous = {
        sig: signal.signal(sig, stop) for sig in (signal.SIGINT, signal.SIGTERM)
    }
    failure = None
    try:
        while listeners:
            fork_worker(listeners.pop(0))
        while children:
            try:
                pid, status = os.wait()
            except ChildProcessError:  # pragma: no cover - none left
                break
            started = children.pop(pid, None)
            if started is None or stopping:
                continue
            how = (
                f"signal {-code}"
                if (code := os.waitstatus_to_exitcode(status)) < 0
                else f"exit code {code}"
            )
            if time.monotonic() - started < _CRASH_LOOP_SECONDS:
                failure = f"a worker process stopped at its start ({how})."
                stop()
            else:
                echo(f"A worker process stopped ({how}); starting another.")
                fork_worker(worker_socket(reserved))
    finally:
        for listener in listeners:  # interrupted before every worker started
            listener.close()
        if children:  # interrupted in the parent's own code: leave no worker
            stop()
            for pid in list(children):
                with contextlib.suppress(ChildProcessError):
                    os.waitpid(pid, 0)
        for sig, handler in previous.items():
            signal.signal(sig, handler)
    if failure:
        raise RuntimeError(failure)


def _shared_port_socket(family: int, address: Any) -> socket.socket:
    sock = socket.socket(family, socket.SOCK_STREAM, socket.IPPROTO_TCP)
    try:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEPORT, 1)
        sock.bind(address)
    except BaseException:
        sock.close()
        raise
    return sock


def reserve_port(bound: socket.socket) -> socket.socket:
    """``bound``'s address, held for worker processes; ``bound`` is closed.

    Each worker listens on a socket of its own on the same port
    (SO_REUSEPORT), so that the kernel spreads new connections evenly over
    the workers. On one shared socket, whichever worker happened to be
    running took a burst of new connections, and its clients waited while
    the other worker idled. The socket
    returned is bound but does not listen, so it takes no connections; it
    keeps the port for the workers (and any that replaces one). Another
    program's server cannot join them: every socket on the port must say
    SO_REUSEPORT, and ``server``'s own do not, so the port stays "in use" to it.
    """
    family, address = bound.family, bound.getsockname()
    bound.close()
    return _shared_port_socket(family, address)


def worker_socket(reserved: socket.socket) -> socket.socket:
    """A listening socket of one worker, on the port ``reserved`` holds."""
    sock = _shared_port_socket(reserved.family, reserved.getsockname())
    sock.listen(128)
    return sock
