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
import selectors
import signal
import socket
import sys
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

__all__ = [
    "CAN_FORK_WORKERS",
    "START_FAILURES_IN_A_ROW",
    "check_workers",
    "default_workers",
    "reserve_port",
    "serve_in_processes",
    "worker_socket",
]

# A worker process that dies before it is ready (uvicorn listening on its
# socket) failed to start; a new one would most likely fail the same way.
# After this many such deaths in a row, with no worker becoming ready in
# between, the server stops and says so (a crash loop). A worker that dies
# once it was ready is always replaced, however young it was.
START_FAILURES_IN_A_ROW = 3
# How often a worker process checks that its supervisor is still there.
_ORPHAN_CHECK_SECONDS = 0.5
# Several worker processes need fork(): on Linux it is safe with NumPy's
# BLAS and fast; elsewhere (macOS's Accelerate, Windows) one process serves.
CAN_FORK_WORKERS = sys.platform.startswith("linux")
# What a worker writes on its pipe once it is ready.
_READY = b"R"
_STOP_SIGNALS = {signal.SIGINT, signal.SIGTERM}


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


def _say_ready_after_startup(server: Any, ready: int) -> None:
    """Make ``server`` (uvicorn's) write :data:`_READY` on the pipe ``ready``
    once its start-up is done: it listens on its socket and is about to take
    connections. The pipe stays open until the process ends."""
    startup = server.startup

    async def startup_then_say_ready(*args: Any, **kwargs: Any) -> None:
        await startup(*args, **kwargs)
        if server.started and not server.should_exit:
            os.write(ready, _READY)

    server.startup = startup_then_say_ready


def _worker_process(server: Any, sock: socket.socket, parent: int, ready: int) -> None:
    """The body of a forked worker process; never returns."""
    code = 1
    try:
        # Ctrl-C in a terminal reaches every process of the group; the
        # supervisor then sends SIGTERM. uvicorn handles both while it serves
        # and raises them again after. Outside that, Ctrl-C is ignored and
        # SIGTERM only asks the server to stop: one that comes before uvicorn
        # has started is not lost (the worker stops as soon as it has), and
        # one raised again after it stopped lets the worker end as it
        # should, with its requests answered.
        signal.signal(signal.SIGINT, signal.SIG_IGN)
        signal.signal(
            signal.SIGTERM, lambda signum, frame: setattr(server, "should_exit", True)
        )
        # Blocked by the supervisor around fork(): one sent since is taken now.
        signal.pthread_sigmask(signal.SIG_UNBLOCK, _STOP_SIGNALS)
        threading.Thread(
            target=_exit_when_orphaned, args=(server, parent), daemon=True
        ).start()
        _say_ready_after_startup(server, ready)
        server.run(sockets=[sock])
        code = 0
    except BaseException:  # a worker must not return into its parent's code
        import traceback

        traceback.print_exc()
    finally:
        sys.stderr.flush()
        os._exit(code)


@dataclass
class _Worker:
    """A worker process as its supervisor knows it."""

    pid: int
    pipe: int  # the read end of the worker's pipe: _READY, then end of file
    listener: socket.socket  # its socket, kept open for the one after it
    ready: bool = False


def _how(status: int) -> str:
    code = os.waitstatus_to_exitcode(status)
    return f"signal {-code}" if code < 0 else f"exit code {code}"


def serve_in_processes(
    make_server: Callable[[], Any],
    reserved: socket.socket,
    listeners: list[socket.socket],
    echo: Callable[[str], Any],
) -> None:
    """Fork one process per socket of ``listeners`` (on the port ``reserved``
    holds, see :func:`reserve_port`) that runs ``make_server()`` on it;
    wait for them, stop them all on SIGINT or SIGTERM, and start another,
    on the same socket, in place of one that dies on its own: the
    supervisor keeps every worker's socket open, so that the connections
    queued on it when its worker dies wait for the next one.

    Each worker has a pipe to the supervisor: it writes one byte once it is
    ready (uvicorn has started on its socket), and the pipe's end of file
    says that the process is gone (the kernel closes a process's files as it
    ends), so the supervisor waits on the pipes alone, without polling. A
    worker that dies after it was ready is replaced at once, whatever its
    age. One that dies before it was ready failed to start: it is replaced
    too, unless it is the :data:`START_FAILURES_IN_A_ROW`-th in a row to do so
    with no worker becoming ready in between; then every worker is stopped
    and RuntimeError says why.
    """
    parent = os.getpid()
    children: dict[int, _Worker] = {}
    selector = selectors.DefaultSelector()
    stopping = False

    def fork_worker(listener: socket.socket) -> None:
        server = make_server()
        read_end, write_end = os.pipe()
        # Until the worker has its own handlers, a stop signal waits for them
        # (it would reach the supervisor's, which a worker ignores).
        blocked = signal.pthread_sigmask(signal.SIG_BLOCK, _STOP_SIGNALS)
        pid = os.fork()
        if pid != 0:
            signal.pthread_sigmask(signal.SIG_SETMASK, blocked)
        if pid == 0:  # pragma: no cover - runs in the child, which never returns
            others = [reserved, *listeners, *(w.listener for w in children.values())]
            for other in others:  # the others' are not its own
                other.close()
            for fd in [
                read_end,
                selector.fileno(),
                *(w.pipe for w in children.values()),
            ]:
                os.close(fd)
            _worker_process(server, listener, parent, write_end)
        os.close(write_end)  # the worker's alone: its end of file is its end
        # The listener stays open here too: if the worker dies, the
        # connections the kernel queued on its socket wait for the worker
        # that replaces it on the same socket, instead of being reset.
        worker = _Worker(pid, read_end, listener)
        children[pid] = worker
        selector.register(read_end, selectors.EVENT_READ, worker)

    def stop(signum: int = signal.SIGTERM, frame: object = None) -> None:
        nonlocal stopping
        if os.getpid() != parent:  # a worker, before it set its own handlers
            return
        stopping = True
        for pid in list(children):
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signal.SIGTERM)

    def reap(worker: _Worker) -> str:
        """The worker whose pipe ended: forget it, wait for it, say how it ended."""
        selector.unregister(worker.pipe)
        os.close(worker.pipe)
        del children[worker.pid]
        _, status = os.waitpid(worker.pid, 0)  # it is ending: its files are closed
        return _how(status)

    previous = {sig: signal.signal(sig, stop) for sig in _STOP_SIGNALS}
    failure = None
    failed_starts = 0  # workers in a row that died before they were ready
    try:
        while listeners:
            fork_worker(listeners.pop(0))
        while children:
            for key, _ in selector.select():
                worker = key.data
                if os.read(worker.pipe, 64):  # _READY
                    worker.ready = True
                    failed_starts = 0
                    continue
                how = reap(worker)
                if stopping:
                    worker.listener.close()
                    continue
                if worker.ready:
                    echo(f"A worker process stopped ({how}); starting another.")
                else:
                    failed_starts += 1
                    if failed_starts >= START_FAILURES_IN_A_ROW:
                        failure = (
                            f"{failed_starts} worker processes in a row stopped "
                            f"before they were ready to serve (the last: {how}); "
                            "the server stops."
                        )
                        stop()
                        worker.listener.close()
                        continue
                    echo(
                        f"A worker process stopped before it was ready ({how}); "
                        "starting another."
                    )
                fork_worker(worker.listener)  # on its socket, queue and all
    finally:
        for listener in listeners:  # interrupted before every worker started
            listener.close()
        if children:  # interrupted in the parent's own code: leave no worker
            stop()
            for worker in list(children.values()):
                with contextlib.suppress(ChildProcessError):
                    os.waitpid(worker.pid, 0)
                os.close(worker.pipe)
        for worker in children.values():
            worker.listener.close()
        selector.close()
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
