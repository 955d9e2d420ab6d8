"""The web application: the drawing page and the JSON prediction API.

:func:`create_app` wraps a fitted model in a Starlette application. The page
and its script and style sheet are files in ``skdigits/serve/static``, served
from the package (no CDN), so the page works offline. The API has four
routes:

* ``POST /api/predict``: a PNG or JPEG (``Content-Type: image/png`` or
  ``image/jpeg``, the raw bytes as the body), or a JSON array of grey pixels
  (``application/json``: ``{"pixels": [[...], ...]}`` or the bare array).
  The image is prepared the way MNIST was made (:mod:`skdigits.image_io`)
  and the answer holds the label, the probability of every class, whether
  the model is unsure (and its runner-up) and the 28x28 image the model was
  given.
* ``POST /api/number``: the same bodies, read as a number (a line of
  digits, :func:`skdigits.inference.predict_number`): the text, each digit's
  answer with its box, and whether the number is unsure and why. The page
  asks this one.
* ``GET /api/model``: the model's classes, where it came from, its "not
  sure" threshold, the routes that read pictures and the limits on
  requests.
* ``GET /api/openapi.json``: the OpenAPI description of the API.

Every error is a JSON object ``{"error": "..."}`` that says what was wrong,
with a 4xx status for a bad request and never a traceback.
"""

from __future__ import annotations

import logging
import os
from pathlib import Path
from typing import Any

from starlette.applications import Starlette
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import FileResponse, JSONResponse, Response
from starlette.routing import Mount, Route
from starlette.staticfiles import StaticFiles
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from skdigits import __version__
from skdigits._commands.serve.openapi import openapi_schema
from skdigits._commands.serve.predict_route import (
    INTERNAL_ERROR,
    SECURITY_HEADERS,
    PredictRoute,
)
from skdigits._prediction.marks import MAX_DIGITS
from skdigits._prediction.model_choice import check_digit_model
from skdigits._prediction.preparation import MNIST_SHAPE
from skdigits._prediction.unsure import check_unsure_below, model_unsure_below

__all__ = [
    "DEFAULT_BODY_TIMEOUT",
    "DEFAULT_MAX_BODY_BYTES",
    "DEFAULT_MAX_IMAGE_PIXELS",
    "create_app",
]

logger = logging.getLogger("skdigits.serve")

#: Largest request body accepted, in bytes (a phone photo fits).
DEFAULT_MAX_BODY_BYTES = 10 * 2**20
#: Largest image accepted, in pixels (width x height, before decoding).
DEFAULT_MAX_IMAGE_PIXELS = 40_000_000
#: Seconds a request body may take to arrive (a 10 MB photo at 2 Mbit/s fits).
DEFAULT_BODY_TIMEOUT = 60.0
_STATIC = Path(__file__).with_name("static")


def _usable_cores() -> int:
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # not on Linux
        return os.cpu_count() or 1


class _SecurityHeaders:
    """Adds the headers of ``SECURITY_HEADERS`` to every response."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                message.setdefault("headers", [])
                message["headers"] = [*message["headers"], *SECURITY_HEADERS]
            await send(message)

        await self.app(scope, receive, send_with_headers)


def _route_path(scope: Scope) -> str:
    """The path routes match: without the ``root_path`` the application is
    mounted at, as Starlette's router reads it."""
    path, root = scope["path"], scope.get("root_path", "")
    if not root or not path.startswith(root):
        return path
    if path == root:
        return ""
    return path[len(root) :] if path[len(root)] == "/" else path


class _App(Starlette):
    """Starlette, with ``POST /api/predict`` and ``POST /api/number`` handed
    straight to :class:`PredictRoute` (the other routes and methods take
    Starlette's way)."""

    def __init__(self, predict: PredictRoute, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.predict = predict
        self._posts = {"/api/predict": predict.digit, "/api/number": predict.number}

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http" and scope["method"] == "POST":
            route = self._posts.get(_route_path(scope))
            if route is not None:
                await route(scope, receive, send)
                return
        await super().__call__(scope, receive, send)


def create_app(
    model: Any,
    *,
    source: str = "a fitted model",
    max_body_bytes: int = DEFAULT_MAX_BODY_BYTES,
    max_image_pixels: int = DEFAULT_MAX_IMAGE_PIXELS,
    body_timeout: float = DEFAULT_BODY_TIMEOUT,
    workers: int | None = None,
    unsure_below: float | None = None,
) -> Starlette:
    """Build the web application (the drawing page and the JSON API).

    Parameters
    ----------
    model : fitted classifier
        What :func:`skdigits.persistence.load_model` returns: a Pipeline of
        :class:`~skdigits.PixelScaler` and
        :class:`~skdigits.DenseDigitClassifier` trained on 28x28 digits, or
        any fitted classifier with ``predict_proba`` and ``classes_`` that
        takes (n, 28, 28) uint8 images.
    source : str, default="a fitted model"
        Where the model came from, shown on the page and in ``/api/model``.
    max_body_bytes : int, default=10 MiB
        Larger request bodies get a 413 answer.
    max_image_pixels : int, default=40,000,000
        Images with more pixels get a 413 answer, before they are decoded.
    body_timeout : float, default=60.0
        Seconds a request body may take to arrive; a slower one gets a 408
        answer and its connection is closed.
    workers : int or None, default=None
        How many numbers and large images (``/api/predict``'s over 512x512
        pixels, or JSON bodies over 64 KiB) are read at once, in threads;
        the others wait their turn. Smaller digits for ``/api/predict`` are
        answered at once on the server's event loop: their work takes less
        time than a hand-over to a thread. None: the number of cores this
        process may use.
    unsure_below : float or None, default=None
        Answers whose top probability is below this are marked unsure (the
        page says "not sure" and shows the runner-up). None: the model's
        calibrated threshold (a model file's ``unsure_below``, as the shipped
        model has), else 0.5.

    Returns
    -------
    app : starlette.applications.Starlette
        An ASGI application; serve it with uvicorn (or any ASGI server), or
        run it in a thread with :class:`~skdigits.serve.BackgroundServer`.

    Raises
    ------
    ValueError
        If the model is not a fitted classifier of 28x28 images.

    See Also
    --------
    skdigits.serve.run_server : Serve a model until Ctrl-C.
    skdigits.serve.start_server : Serve a model in the background.

    Notes
    -----
    Serve it with NumPy's BLAS on one thread, as :func:`skdigits.serve.run_server`
    and :class:`~skdigits.serve.BackgroundServer` do: the forward pass of
    one digit is too small to share between cores, and the ``workers``
    threads already use them.

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn.dummy import DummyClassifier
    >>> import json, urllib.request
    >>> from skdigits.serve import BackgroundServer, create_app
    >>> model = DummyClassifier().fit(np.zeros((2, 784)), [3, 7])
    >>> digit = np.zeros((28, 28), dtype=int)
    >>> digit[4:24, 12:16] = 255  # a "1"
    >>> def post(url, body, content_type):
    ...     request = urllib.request.Request(
    ...         url, data=body, headers={"Content-Type": content_type})
    ...     try:
    ...         with urllib.request.urlopen(request) as response:
    ...             return response.status, json.load(response)
    ...     except urllib.error.HTTPError as error:
    ...         return error.code, json.load(error)
    >>> with BackgroundServer(create_app(model)).start() as server:
    ...     url = server.url + "api/predict"
    ...     status, answer = post(url, json.dumps(digit.tolist()).encode(),
    ...                           "application/json")
    ...     print(status, answer["label"], answer["classes"])
    ...     print(*post(url, b"hello", "image/png"))
    200 3 [3, 7]
    400 {'error': 'image body: not an image that can be read (expected PNG or JPEG).'}
    """
    classes = check_digit_model(model)
    if unsure_below is not None:
        check_unsure_below(unsure_below)
    unsure_below = model_unsure_below(model, unsure_below)
    if max_body_bytes < 1 or max_image_pixels < 1:
        raise ValueError("max_body_bytes and max_image_pixels must be >= 1.")
    if not body_timeout > 0:
        raise ValueError(f"body_timeout must be > 0 seconds, got {body_timeout!r}.")
    if workers is None:
        workers = _usable_cores()
    elif workers < 1:
        raise ValueError(f"workers must be >= 1 (or None), got {workers!r}.")
    info = {
        "classes": classes,
        "source": source,
        "unsure_below": unsure_below,
        "about": getattr(model, "about", None),
        "input_shape": list(MNIST_SHAPE),
        # The routes that read pictures (relative, as the page links them).
        "routes": {"digit": "api/predict", "number": "api/number"},
        "max_digits": MAX_DIGITS,
        "max_body_bytes": max_body_bytes,
        "max_image_pixels": max_image_pixels,
        "skdigits_version": __version__,
    }

    async def page(request: Request) -> Response:
        return FileResponse(
            _STATIC / "index.html", headers={"cache-control": "no-cache"}
        )

    async def model_info(request: Request) -> Response:
        return JSONResponse(info)

    async def openapi(request: Request) -> Response:
        return JSONResponse(openapi_schema(__version__))

    async def http_error(request: Request, exc: Exception) -> Response:
        assert isinstance(exc, HTTPException)
        return JSONResponse(
            {"error": f"{exc.detail}: {request.method} {request.url.path}"},
            status_code=exc.status_code,
            headers=exc.headers,
        )

    async def server_error(request: Request, exc: Exception) -> Response:
        # The traceback goes to the server's log, never to the client.
        logger.error(
            "error answering %s %s", request.method, request.url.path, exc_info=exc
        )
        return JSONResponse({"error": INTERNAL_ERROR}, status_code=500)

    predict = PredictRoute(
        model,
        max_body_bytes=max_body_bytes,
        max_image_pixels=max_image_pixels,
        body_timeout=body_timeout,
        workers=workers,
        unsure_below=unsure_below,
    )
    app = _App(
        predict,
        routes=[
            Route("/", page, methods=["GET", "HEAD"]),
            # Only other methods reach these here (a 405): _App answers POSTs.
            Route("/api/predict", predict.digit, methods=["POST"]),
            Route("/api/number", predict.number, methods=["POST"]),
            Route("/api/model", model_info, methods=["GET", "HEAD"]),
            Route("/api/openapi.json", openapi, methods=["GET", "HEAD"]),
            Mount("/static", StaticFiles(directory=_STATIC), name="static"),
        ],
        exception_handlers={
            HTTPException: http_error,
            Exception: server_error,
        },
    )
    app.add_middleware(_SecurityHeaders)
    app.state.model = model
    return app
