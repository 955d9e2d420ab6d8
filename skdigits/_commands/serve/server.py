"""Running the application: in the foreground (``run_server``) or in a thread
(``start_server``).

The server is uvicorn, on a socket bound here, so that port 0 (any free
port) works and the address printed is the real one. It binds to 127.0.0.1
unless told otherwise: the API has no authentication, so exposing it to the
network is a choice to make on purpose.

``run_server`` serves from one process per usable core (on Linux): a request's
Python work holds its process's interpreter lock, so one process answers on
one core at most, however many threads it has. The worker processes are
forked from the one that loaded the model and bound the port, so they
start in milliseconds and share the model's memory; the first process only
watches over them. Each worker listens on a socket of its own on the one
port, so that the kernel shares connections out evenly.
"""

from __future__ import annotations

import contextlib
import ipaddress
import os
import signal
import socket
import sys
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

from skdigits._commands.serve.app import (
    DEFAULT_MAX_BODY_BYTES,
    DEFAULT_MAX_IMAGE_PIXELS,
    create_app,
)

__all__ = [
    "BackgroundServer",
    "default_workers",
    "resolve_model",
    "run_server",
    "start_server",
]


def _say(line: str) -> None:
    print(line, flush=True)  # flushed: the address must show at once in a pipe


# How long Ctrl-C waits for requests in progress before closing them.
_GRACEFUL_SECONDS = 3.0
# A worker process that dies sooner than this after its start is not started
# again (it would only die again): the server stops and says so.
_CRASH_LOOP_SECONDS = 5.0
# How often a worker process checks that its supervisor is still there.
_ORPHAN_CHECK_SECONDS = 0.5
# Several worker processes need fork(): on Linux it is safe with NumPy's
# BLAS and fast; elsewhere (macOS's Accelerate, Windows) one process serves.
_CAN_FORK_WORKERS = sys.platform.startswith("linux")


def default_workers() -> int:
    """How many processes ``run`` serves from unless told: the usable cores
    (on Linux; 1 elsewhere).

    Returns
    -------
    workers : int
        At least 1.

    Examples
    --------
    >>> from skdigits._commands.serve.server import default_workers
    >>> default_workers() >= 1
    True
    """
    if not _CAN_FORK_WORKERS:
        return 1
    return max(1, len(os.sched_getaffinity(0)))


def resolve_model(
    model: Any = None,
    *,
    echo: Callable[[str], Any] = _say,
) -> tuple[Any, str]:
    """The model to serve, and a description of where it came from.

    Parameters
    ----------
    model : str, path-like, fitted estimator or None, default=None
        A model file written by :func:`skdigits.persistence.save_model`, a fitted model,
        or None for the shipped model (:func:`skdigits.pretrained.load_pretrained`).
    echo : callable, default=print (flushed)
        Receives the lines that say what happens.

    Returns
    -------
    model : fitted estimator or skdigits.inference.InferenceModel
        A model file is loaded with
        :func:`skdigits.inference.load_inference_model` (NumPy only: the
        page only predicts).
    source : str
        Shown on the page, e.g. the file's name.

    Raises
    ------
    FileNotFoundError
        There is no such model file.
    skdigits.persistence.ModelFormatError
        The file is not a skdigits model.

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn.dummy import DummyClassifier
    >>> from skdigits._commands.serve.server import resolve_model
    >>> fitted = DummyClassifier().fit(np.zeros((2, 784)), [3, 7])
    >>> resolve_model(fitted)[1]
    'a DummyClassifier passed in'
    """
    if model is None:
        # Shipped in the package: nothing to train or download.
        from skdigits._prediction.pretrained import load_pretrained

        fitted = load_pretrained()
        about = fitted.about
        return fitted, (
            f"the shipped model ({about['recipe']} recipe, seed {about['seed']}, "
            f"{100 * about['accuracy']['test']:.2f} % on the MNIST test set)"
        )
    if isinstance(model, (str, os.PathLike)):
        # The page only predicts: NumPy alone, no scikit-learn or TensorFlow.
        from skdigits._prediction.model import load_inference_model

        path = Path(model)
        if path.is_dir():
            raise FileNotFoundError(
                f"{path} is a folder; give the model file in it (e.g. "
                f"{path / 'model.skdigits'})."
            )
        started = time.perf_counter()
        fitted = load_inference_model(path)
        echo(f"Loaded {path} in {time.perf_counter() - started:.2f} s.")
        return fitted, path.name
    return model, f"a {type(model).__name__} passed in"


def _model_app(
    model: Any,
    *,
    unsure_below: float | None,
    max_body_bytes: int,
    max_image_pixels: int,
    echo: Callable[[str], Any],
) -> tuple[Any, str]:
    """The application for ``model`` (see :func:`resolve_model`), and its source."""
    fitted, source = resolve_model(model, echo=echo)
    app = create_app(
        fitted,
        source=source,
        unsure_below=unsure_below,
        max_body_bytes=max_body_bytes,
        max_image_pixels=max_image_pixels,
    )
    return app, source


def _is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def _bind(host: str, port: int) -> socket.socket:
    """A listening socket on ``host:port``, or an OSError that says why not."""
    if not 0 <= port <= 65535:
        raise ValueError(f"port must be 0-65535 (0 picks a free one), got {port}.")
    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except socket.gaierror as exc:
        raise OSError(f"cannot listen on {host!r}: unknown host ({exc}).") from None
    family = infos[0][0]
    try:
        listener = socket.create_server((host, port), family=family, backlog=128)
    except OSError as exc:
        hint = " (choose another --port, or 0 for any free one)"
        raise OSError(
            exc.errno,
            f"cannot listen on {host}:{port}: {exc.strerror or exc}"
            f"{hint if port else ''}",
        ) from None
    # create_server leaves the protocol number 0, and asyncio turns Nagle's
    # algorithm off (TCP_NODELAY) only on connections whose socket says
    # IPPROTO_TCP. Without it, uvicorn's two writes per answer (head, then
    # body) wait for the client's delayed ACK: 40 ms on every request.
    return socket.socket(
        family, socket.SOCK_STREAM, socket.IPPROTO_TCP, fileno=listener.detach()
    )


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


def _reserve_port(bound: socket.socket) -> socket.socket:
    """``bound``'s address, held for worker processes; ``bound`` is closed.

    Each worker listens on a socket of its own on the same port
    (SO_REUSEPORT), so that the kernel spreads new connections evenly over
    the workers. On one shared socket, whichever worker happened to be
    running took a burst of new connections: measured with 64 clients, one
    worker's clients got 14 answers while the other's got 119. The socket
    returned is bound but does not listen, so it takes no connections; it
    keeps the port for the workers (and any that replaces one). Another
    program's server cannot join them: every socket on the port must say
    SO_REUSEPORT, and ``_bind``'s do not, so the port stays "in use" to it.
    """
    family, address = bound.family, bound.getsockname()
    bound.close()
    return _shared_port_socket(family, address)


def _worker_socket(reserved: socket.socket) -> socket.socket:
    """A listening socket of one worker, on the port ``reserved`` holds."""
    sock = _shared_port_socket(reserved.family, reserved.getsockname())
    sock.listen(128)
    return sock


def _url(sock: socket.socket, host: str) -> str:
    port = sock.getsockname()[1]
    shown = "127.0.0.1" if host in ("0.0.0.0", "") else host
    shown = f"[{shown}]" if ":" in shown else shown
    if host == "::":
        shown = "[::1]"
    return f"http://{shown}:{port}/"


@contextlib.contextmanager
def _one_blas_thread() -> Iterator[None]:
    """NumPy's BLAS on one thread while serving.

    Requests run side by side in the application's worker threads, one per
    core; a forward pass of one digit is far too small to share. With
    OpenBLAS's own threads on top, every product woke (and spun) a second
    thread per request: 31 ms of CPU per answer instead of 4 ms, measured
    with one client. The limit is process-wide (BLAS libraries have no
    per-thread setting), so it is held while the server runs, and undone
    when it stops. threadpoolctl comes with scikit-learn.
    """
    try:
        from threadpoolctl import threadpool_limits
    except ImportError:  # pragma: no cover - installed with scikit-learn
        yield
        return
    with threadpool_limits(limits=1, user_api="blas"):
        yield


def _uvicorn_server(app: Any, access_log: bool) -> Any:
    import uvicorn

    config = uvicorn.Config(
        app,
        # Logging stays with the application: uvicorn does not reconfigure it,
        # and only warnings and errors show (the page asks often while drawing).
        log_config=None,
        log_level="warning",
        access_log=access_log,
        server_header=False,
        timeout_graceful_shutdown=_GRACEFUL_SECONDS,
        lifespan="off",
    )
    return uvicorn.Server(config)


def _check_workers(workers: int | None) -> int:
    if workers is None:
        return default_workers()
    if isinstance(workers, bool) or not isinstance(workers, int) or workers < 1:
        raise ValueError(f"workers must be an integer >= 1, got {workers!r}.")
    if workers > 1 and not _CAN_FORK_WORKERS:
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


def _serve_in_processes(
    make_server: Callable[[], Any],
    reserved: socket.socket,
    listeners: list[socket.socket],
    echo: Callable[[str], Any],
) -> None:
    """Fork one process per socket of ``listeners`` (on the port ``reserved``
    holds, see :func:`_reserve_port`) that runs ``make_server()`` on it;
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
                fork_worker(_worker_socket(reserved))
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


class BackgroundServer:
    """A server running in a daemon thread, for notebooks and tests.

    Made by :func:`start`; also a context manager that stops it on exit.

    Parameters
    ----------
    app : ASGI application
        From :func:`create_app`.
    host : str, default="127.0.0.1"
        Address to listen on.
    port : int, default=0
        Port to listen on; 0 picks a free one.
    access_log : bool, default=False
        Log every request.

    Attributes
    ----------
    url : str
        The page's address, e.g. ``"http://127.0.0.1:54321/"``.
    app : ASGI application
        The application served; ``app.state.model`` is the model.

    See Also
    --------
    start : Build the application for a model and start serving it.

    Notes
    -----
    While it runs, NumPy's BLAS uses one thread in this whole process
    (threadpoolctl; BLAS libraries have no per-thread setting): requests
    run side by side in the application's worker threads instead. The
    previous limit comes back when the server stops.

    Examples
    --------
    >>> import json, urllib.request
    >>> import numpy as np
    >>> from sklearn.dummy import DummyClassifier
    >>> from skdigits.serve import BackgroundServer, create_app
    >>> model = DummyClassifier().fit(np.zeros((2, 784)), [3, 7])
    >>> server = BackgroundServer(create_app(model, source="a dummy")).start()
    >>> with urllib.request.urlopen(server.url + "api/model") as answer:
    ...     json.load(answer)["source"]
    'a dummy'
    >>> server.stop()
    """

    def __init__(
        self,
        app: Any,
        *,
        host: str = "127.0.0.1",
        port: int = 0,
        access_log: bool = False,
    ) -> None:
        self.app = app
        self._socket = _bind(host, port)
        self.url = _url(self._socket, host)
        self._server = _uvicorn_server(app, access_log)
        self._thread = threading.Thread(
            target=self._serve,
            name="skdigits-serve",
            daemon=True,
        )

    def _serve(self) -> None:
        with _one_blas_thread():
            self._server.run(sockets=[self._socket])

    def start(self, timeout: float = 30.0) -> BackgroundServer:
        """Start serving; return once the server accepts requests.

        Parameters
        ----------
        timeout : float, default=30.0
            Seconds to wait for the server to start.

        Returns
        -------
        self : BackgroundServer
            Running.

        Raises
        ------
        RuntimeError
            If it has not started within ``timeout`` seconds.
        """
        self._thread.start()
        deadline = time.monotonic() + timeout
        while not self._server.started:
            if not self._thread.is_alive() or time.monotonic() > deadline:
                self._socket.close()
                raise RuntimeError(f"the server at {self.url} did not start.")
            time.sleep(0.01)
        return self

    def stop(self, timeout: float = 10.0) -> None:
        """Stop serving (finishing requests in progress) and free the port.

        Parameters
        ----------
        timeout : float, default=10.0
            Seconds to wait for the server's thread to end.
        """
        self._server.should_exit = True
        if self._thread.is_alive():
            self._thread.join(timeout)
        self._socket.close()

    def __enter__(self) -> BackgroundServer:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.stop()

    def __repr__(self) -> str:
        state = "running" if self._thread.is_alive() else "stopped"
        return f"<BackgroundServer {self.url} ({state})>"


def start_server(
    model: Any = None,
    *,
    host: str = "127.0.0.1",
    port: int = 0,
    max_body_bytes: int = DEFAULT_MAX_BODY_BYTES,
    max_image_pixels: int = DEFAULT_MAX_IMAGE_PIXELS,
    access_log: bool = False,
    echo: Callable[[str], Any] = _say,
) -> BackgroundServer:
    """Serve the drawing page in a background thread and return at once.

    For a notebook (train a model, then draw digits for it in the browser)
    and for tests. Call ``.stop()`` on the result, or use it in a ``with``.

    Parameters
    ----------
    model : str, path-like, fitted estimator or None, default=None
        As in :func:`run`.
    host : str, default="127.0.0.1"
        Address to listen on.
    port : int, default=0
        Port to listen on; 0 picks a free one (see ``.url``).
    max_body_bytes, max_image_pixels : int
        Request limits, as in :func:`create_app`.
    access_log : bool, default=False
        Log every request.
    echo : callable, default=print (flushed)
        Receives the lines that say what happens.

    Returns
    -------
    server : BackgroundServer
        Running; its ``url`` is the page's address.

    See Also
    --------
    run : Serve in the foreground until Ctrl-C.

    Examples
    --------
    >>> import json, urllib.request
    >>> import numpy as np
    >>> from sklearn.dummy import DummyClassifier
    >>> from skdigits.serve import start_server
    >>> model = DummyClassifier().fit(np.zeros((2, 784)), [3, 7])
    >>> with start_server(model, echo=lambda line: None) as server:
    ...     with urllib.request.urlopen(server.url + "api/model") as answer:
    ...         json.load(answer)["classes"]
    [3, 7]
    """
    app, _ = _model_app(
        model,
        unsure_below=None,
        max_body_bytes=max_body_bytes,
        max_image_pixels=max_image_pixels,
        echo=echo,
    )
    server = BackgroundServer(app, host=host, port=port, access_log=access_log)
    return server.start()


def run_server(
    model: Any = None,
    *,
    host: str = "127.0.0.1",
    port: int = 8000,
    unsure_below: float | None = None,
    max_body_bytes: int = DEFAULT_MAX_BODY_BYTES,
    max_image_pixels: int = DEFAULT_MAX_IMAGE_PIXELS,
    access_log: bool = False,
    workers: int | None = None,
    echo: Callable[[str], Any] = _say,
) -> None:
    """Serve the drawing page and the JSON API until Ctrl-C.

    What ``skdigits serve [MODEL] [--host HOST] [--port PORT] [--workers N]``
    runs. It prints the address, and on Ctrl-C (or SIGTERM) finishes the
    requests in progress (for up to 3 s), closes the port and returns.

    Parameters
    ----------
    model : str, path-like, fitted estimator or None, default=None
        A model file written by :func:`skdigits.persistence.save_model` (loaded with
        :func:`skdigits.persistence.load_model`), a fitted model, or None for the
        shipped model (:func:`skdigits.pretrained.load_pretrained`).
    host : str, default="127.0.0.1"
        Address to listen on. The default only answers this computer; use
        ``"0.0.0.0"`` (or a LAN address) to let other devices, such as a
        phone, reach the page. The API has no authentication.
    port : int, default=8000
        Port to listen on; 0 picks a free one.
    unsure_below : float or None, default=None
        The "not sure" threshold, as in :func:`create_app`.
    max_body_bytes, max_image_pixels : int
        Request limits, as in :func:`create_app`.
    access_log : bool, default=False
        Print a line for every request.
    workers : int or None, default=None
        Processes that answer requests, all on the same port. None: one per
        core this process may use (see ``default_workers()``), so that
        every core answers. More than 1 needs Linux.
    echo : callable, default=print (flushed)
        Receives the lines to show the user.

    Returns
    -------
    None
        Once the server has stopped.

    Raises
    ------
    FileNotFoundError, skdigits.persistence.ModelFormatError
        The model file is missing or not a model.
    OSError
        The address cannot be listened on (e.g. the port is taken).
    ValueError
        ``workers`` is not a whole number >= 1, or above 1 off Linux.

    See Also
    --------
    start : Serve in a background thread.
    create_app : The application, for another ASGI server.

    Examples
    --------
    ``run_server("my-run/model.skdigits")`` serves until Ctrl-C. A model file that
    is not there is reported before anything starts:

    >>> from skdigits.serve import run_server
    >>> run_server("no-such-model.skdigits", port=0)
    Traceback (most recent call last):
    ...
    FileNotFoundError: No model file at no-such-model.skdigits.
    """
    started = time.perf_counter()
    workers = _check_workers(workers)
    # The address first: a taken port is reported before a model is loaded.
    sock = _bind(host, port)
    listeners: list[socket.socket] = []
    try:
        app, source = _model_app(
            model,
            unsure_below=unsure_below,
            max_body_bytes=max_body_bytes,
            max_image_pixels=max_image_pixels,
            echo=echo,
        )
        url = _url(sock, host)
        if workers > 1:
            # Listening before the address is shown: early connections wait
            # in the workers' queues until the workers take them.
            sock = _reserve_port(sock)
            listeners = [_worker_socket(sock) for _ in range(workers)]
        if not _is_loopback(host):
            echo(
                f"Listening on {host}: other computers can reach this server, "
                "and it has no authentication."
            )
        processes = f" in {workers} processes" if workers > 1 else ""
        echo(
            f"Serving {source} at {url}{processes} (ready in "
            f"{time.perf_counter() - started:.1f} s; Ctrl-C to stop)"
        )
        with _one_blas_thread():
            # Before the workers are forked, so that they share what it loaded.
            app.predict.warm_up()
            if workers > 1:
                _serve_in_processes(
                    lambda: _uvicorn_server(app, access_log), sock, listeners, echo
                )
            else:
                try:
                    _uvicorn_server(app, access_log).run(sockets=[sock])
                except KeyboardInterrupt:
                    # uvicorn has already shut down cleanly; it re-raises
                    # Ctrl-C after.
                    pass
    finally:
        for listener in [sock, *listeners]:
            listener.close()
    echo("Stopped.")
