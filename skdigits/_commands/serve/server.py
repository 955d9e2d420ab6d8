"""Running the application: in the foreground (``run_server``) or in a thread
(``start_server``).

The server is uvicorn, on a socket bound here, so that port 0 (any free
port) works and the address printed is the real one. It binds to 127.0.0.1
unless told otherwise: the API has no authentication, so exposing it to the
network is a choice to make on purpose.

``run_server`` serves from one process per usable core (on Linux), forked
and watched by :mod:`skdigits._commands.serve.supervisor`.
"""

from __future__ import annotations

import contextlib
import ipaddress
import os
import socket
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
from skdigits._commands.serve.supervisor import (
    check_workers,
    reserve_port,
    serve_in_processes,
    worker_socket,
)

__all__ = [
    "BackgroundServer",
    "resolve_model",
    "run_server",
    "start_server",
]


def _say(line: str) -> None:
    print(line, flush=True)  # flushed: the address must show at once in a pipe


# How long Ctrl-C waits for requests in progress before closing them.
_GRACEFUL_SECONDS = 3.0


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
    thread per request, several times the CPU of the answer itself. The
    limit is process-wide (BLAS libraries have no
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


class BackgroundServer:
    """A server running in a daemon thread, for notebooks and tests.

    Made by :func:`~skdigits.serve.start_server`; also a context manager that
    stops it on exit.

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
        As in :func:`~skdigits.serve.run_server`.
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
    skdigits.serve.run_server : Serve in the foreground until Ctrl-C.

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
    skdigits.serve.start_server : Serve in a background thread.
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
    workers = check_workers(workers)
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
            sock = reserve_port(sock)
            listeners = [worker_socket(sock) for _ in range(workers)]
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
                serve_in_processes(
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
