"""``POST /api/predict`` and ``POST /api/number``: the routes that read pictures,
as plain ASGI applications.

:class:`PredictRoute` reads the request body (refusing it as soon as it is
too large or too slow), reads an image's size from its header without
decoding it, decodes it and reads it with one of two :class:`Reader` s:
:data:`DIGIT` (one digit, :func:`skdigits.inference.predict_digit`) or
:data:`NUMBER` (a line of digits, :func:`skdigits.inference.predict_number`),
and answers JSON, with a 4xx ``{"error": ...}`` for a bad request and never
a traceback. Both routes take the same bodies, limits and errors, and share
the event loop's turns and the worker threads. Starlette's middleware,
routing, Request and Response objects cost a large share of the server's
own CPU time per answer under load (the load question of
``benchmarks/RESULTS.md`` measures the server's CPU per request), so the
application hands these routes here directly; they answer as Starlette did:
the same errors, headers in the same order, and JSON.
"""

from __future__ import annotations

import json
import logging
import math
import struct
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import anyio
import anyio.to_thread
import numpy as np
from starlette.types import Message, Receive, Scope, Send

from skdigits._prediction.numbers import predict_number
from skdigits._prediction.paper import ImageReadError
from skdigits._prediction.predict import predict_digit
from skdigits._prediction.reading import decode_image

__all__ = [
    "DIGIT",
    "INTERNAL_ERROR",
    "NUMBER",
    "SECURITY_HEADERS",
    "ApiError",
    "PredictRoute",
    "Reader",
]

logger = logging.getLogger("skdigits.serve")

# Uploaded images are reduced to this many pixels on their longer side before
# preparation, which shrinks them to 20 pixels anyway.
_WORKING_SIZE = 1024
# Inputs up to these sizes are answered on the event loop by /api/predict (see
# DIGIT below): a 280x280 drawing, a thumbnail, 28x28 pixels as JSON.
_INLINE_MAX_PIXELS = 512 * 512
_INLINE_MAX_JSON_BYTES = 64 * 2**10
_IMAGE_TYPES = ("image/png", "image/jpeg", "image/jpg")
_JSON_TYPES = ("application/json",)
_MNIST_SIDE = 28
_PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"

# The page loads nothing from elsewhere; say so to the browser as well.
SECURITY_HEADERS = [
    (
        b"content-security-policy",
        b"default-src 'self'; img-src 'self' blob: data:; object-src 'none'; "
        b"base-uri 'none'; frame-ancestors 'none'; form-action 'none'",
    ),
    (b"x-content-type-options", b"nosniff"),
    (b"referrer-policy", b"no-referrer"),
]


class ApiError(Exception):
    """A request the API cannot answer; becomes ``{"error": message}``."""

    def __init__(self, status_code: int, message: str, *, close: bool = False) -> None:
        super().__init__(message)
        self.status_code = status_code
        self.message = message
        # The body was not read to its end: the connection cannot carry
        # another request, so the answer says it closes.
        self.close = close


def _size_text(n_bytes: int) -> str:
    if n_bytes >= 2**20:
        return f"{n_bytes / 2**20:.3g} MB"
    return f"{n_bytes:,} bytes"


def _pixels_from_json(body: bytes) -> np.ndarray:
    try:
        payload = json.loads(body)
    except (ValueError, UnicodeDecodeError) as exc:
        raise ApiError(400, f"the body is not valid JSON ({exc}).") from None
    if isinstance(payload, dict):
        if "pixels" not in payload:
            raise ApiError(
                422,
                'expected a JSON object with a "pixels" key (or a bare array); '
                f"got the keys {sorted(payload)[:5]}.",
            )
        payload = payload["pixels"]
    if not isinstance(payload, list):
        raise ApiError(
            422,
            "pixels must be an array of rows of numbers (28x28 for an MNIST "
            f"digit); got a JSON {type(payload).__name__}.",
        )
    try:
        pixels = np.asarray(payload, dtype=np.float64)
    except (ValueError, TypeError):
        raise ApiError(
            422,
            "pixels must be a rectangular array of numbers (every row as long "
            "as the first, no strings or nulls).",
        ) from None
    if pixels.ndim == 1 and pixels.size == _MNIST_SIDE**2:  # one flat digit
        pixels = pixels.reshape(_MNIST_SIDE, _MNIST_SIDE)
    if pixels.ndim not in (2, 3) or pixels.size == 0:
        raise ApiError(
            422,
            "pixels must be a 2-D array (height, width) of grey values, "
            "(height, width, 3 or 4) for RGB(A), or 784 values of one flat "
            f"28x28 digit; got an array of shape {pixels.shape}.",
        )
    return pixels


def _header(scope: Scope, name: bytes) -> str | None:
    """The first value of header ``name`` (lower case) of an HTTP ``scope``."""
    for key, value in scope["headers"]:
        if key == name:  # ASGI servers give header names in lower case
            return value.decode("latin-1")
    return None


class _ClientGone(Exception):
    """The client closed its connection before its request body arrived."""


def _too_large(limit: int) -> ApiError:
    return ApiError(
        413,
        f"the request body is larger than the limit of {_size_text(limit)}.",
        close=True,
    )


async def _read_body(
    receive: Receive, declared: str | None, limit: int, timeout: float
) -> bytes:
    """The request body, refusing as soon as it exceeds ``limit`` bytes (413)
    or has taken ``timeout`` seconds to arrive (408). ``declared`` is the
    request's Content-Length."""
    if declared is not None and declared.isdigit() and int(declared) > limit:
        raise _too_large(limit)
    chunks, size = [], 0
    try:
        # A client trickling its body holds only its own connection, never a
        # worker thread, and not for longer than this.
        with anyio.fail_after(timeout):
            while True:
                message = await receive()
                if message["type"] != "http.request":  # http.disconnect
                    raise _ClientGone
                chunk = message.get("body", b"")
                size += len(chunk)
                if size > limit:  # chunked uploads declare no length
                    raise _too_large(limit)
                chunks.append(chunk)
                if not message.get("more_body", False):
                    break
    except TimeoutError:
        raise ApiError(
            408,
            f"the request body did not arrive within {timeout:g} s "
            f"({_size_text(size)} received).",
            close=True,
        ) from None
    return chunks[0] if len(chunks) == 1 else b"".join(chunks)


def _image_size(body: bytes) -> tuple[int, int] | None:
    """Width and height from the image's header, without decoding it."""
    # A PNG says its size at a fixed place (its first chunk, IHDR): reading
    # it there costs a microsecond, Pillow's parser some twenty. Large
    # sizes take Pillow's way, which refuses decompression bombs.
    if body[:8] == _PNG_SIGNATURE and body[12:16] == b"IHDR" and len(body) >= 24:
        width, height = struct.unpack(">II", body[16:24])
        if width * height <= _INLINE_MAX_PIXELS:
            return width, height
    import io

    from PIL import Image

    try:
        with Image.open(io.BytesIO(body)) as image:
            return image.size
    except Image.DecompressionBombError as exc:
        # Pillow refuses to open more than twice its own limit at all: a
        # small file declaring, say, 20000x20000 pixels (a decompression
        # bomb) is too large by any limit of ours, and no server error.
        raise ApiError(413, f"the image is too large to open: {exc}") from None
    except Exception:  # decode_image says what is wrong with it
        return None


@dataclass(frozen=True)
class Reader:
    """What a route answers: how it reads a picture, and which requests are
    small enough to answer on the event loop."""

    #: ``read(model, gray, unsure_below, scale)``: the answer for grey
    #: pixels; ``scale`` is how many of the request's pixels one of ``gray``
    #: is (a large image is reduced before it is read).
    read: Callable[[Any, np.ndarray, float, float], dict[str, Any]]
    #: Images up to this many pixels, and JSON bodies up to this many bytes,
    #: are answered on the event loop: their work takes less time than a
    #: hand-over to a thread (see PredictRoute._answer).
    inline_pixels: int
    inline_json_bytes: int


def _read_digit(
    model: Any, gray: np.ndarray, unsure_below: float, scale: float
) -> dict[str, Any]:
    return predict_digit(gray, model, unsure_below=unsure_below)


def _scaled_box(box: dict[str, int], scale: float, shape: tuple[int, ...]):
    """A box in the read picture's pixels, in the request's pixels."""
    width, height = round(shape[1] * scale), round(shape[0] * scale)
    x, y = math.floor(box["x"] * scale), math.floor(box["y"] * scale)
    right = min(math.ceil((box["x"] + box["width"]) * scale), width)
    bottom = min(math.ceil((box["y"] + box["height"]) * scale), height)
    return {"x": x, "y": y, "width": right - x, "height": bottom - y}


def _read_number(
    model: Any, gray: np.ndarray, unsure_below: float, scale: float
) -> dict[str, Any]:
    """predict_number's answer, its boxes in the request's pixels, and each
    digit's ``image``: the 28x28 image the model read, where it is known."""
    number = predict_number(gray, model, unsure_below=unsure_below)
    digits = number["digits"]
    image = None
    if len(digits) == 1:
        # A picture read as one digit answers exactly as predict_digit does
        # (unless a ruled line was taken out first), so its image is
        # predict_digit's; the probabilities, equal to the last bit, show it.
        alone = predict_digit(gray, model, unsure_below=unsure_below)
        if alone["probabilities"] == digits[0]["probabilities"]:
            image = alone["image"]
    for digit in digits:
        # predict_number does not give the images it read several digits
        # from (cut from the ink, at its working scale): null, not a guess.
        digit["image"] = image
        if scale != 1.0:
            digit["box"] = _scaled_box(digit["box"], scale, gray.shape)
    return number


#: ``POST /api/predict``: one digit. Its work is under 2 ms for a drawing
#: (the page's, a thumbnail, 28x28 pixels as JSON): on the event loop.
DIGIT = Reader(_read_digit, _INLINE_MAX_PIXELS, _INLINE_MAX_JSON_BYTES)
#: ``POST /api/number``: a line of digits. Its work is several times a
#: digit's whatever the picture's size (marks, cuts and a dozen candidates
#: read by the model: 1.2 times the page's digit for a 28x28 digit, 3 times
#: for four digits written on the page, measured together): always in a
#: worker thread.
NUMBER = Reader(_read_number, 0, 0)


def _is_small(
    reader: Reader, kind: str, body: bytes, size: tuple[int, int] | None
) -> bool:
    """Whether a request's work is small enough (well under 2 ms) to do on
    the event loop; ``size`` is an image's, read from its header."""
    if kind != "image":
        return len(body) <= reader.inline_json_bytes
    return size is not None and size[0] * size[1] <= reader.inline_pixels


def _answer(
    model: Any,
    reader: Reader,
    kind: str,
    body: bytes,
    size: tuple[int, int] | None,
    max_image_pixels: int,
    unsure_below: float,
) -> dict[str, Any]:
    """Decode one request body and read it with ``reader`` (``size``: an
    image's, from :func:`_image_size`)."""
    scale = 1.0
    if kind == "image":
        if size is not None and size[0] * size[1] > max_image_pixels:
            raise ApiError(
                413,
                f"the image is {size[0]}x{size[1]} pixels; the limit is "
                f"{max_image_pixels:,} pixels.",
            )
        try:
            gray = decode_image(body, max_size=_WORKING_SIZE)
        except ImageReadError as exc:
            detail = str(exc).removeprefix("image: ")
            raise ApiError(400, f"image body: {detail}") from None
        if size is not None and max(size) > max(gray.shape):  # reduced
            scale = max(size) / max(gray.shape)
    else:
        gray = _pixels_from_json(body)
    try:
        return reader.read(model, gray, unsure_below, scale)
    except ImageReadError as exc:
        # A readable picture without a digit (blank), or bad pixel values;
        # for a number also two lines of digits, too many marks, a picture
        # too long and thin.
        message = str(exc).removeprefix("image: ")
        raise ApiError(422, message) from None


# Starlette's JSONResponse's encoding (compact, UTF-8, no NaN), made once:
# json.dumps builds an encoder on every call given options.
_JSON = json.JSONEncoder(ensure_ascii=False, allow_nan=False, separators=(",", ":"))
INTERNAL_ERROR = "internal error while answering; see the server's log."


def _json_answer(
    status: int, payload: Any, headers: list[tuple[bytes, bytes]]
) -> tuple[Message, Message]:
    """The two ASGI messages of a JSON answer, with the headers Starlette's
    JSONResponse would send (``headers`` first) and the security headers."""
    body = _JSON.encode(payload).encode("utf-8")
    start = {
        "type": "http.response.start",
        "status": status,
        "headers": [
            *headers,
            (b"content-length", str(len(body)).encode("latin-1")),
            (b"content-type", b"application/json"),
            *SECURITY_HEADERS,
        ],
    }
    return start, {"type": "http.response.body", "body": body}


class PredictRoute:
    """``POST /api/predict`` and ``POST /api/number``, as plain ASGI
    applications: :attr:`digit` and :attr:`number`.

    The API's busy routes, handed here directly by the application (see the
    module's docstring). One handler serves both: the same bodies, limits
    and errors; the event loop's turns and the worker threads are shared.
    """

    def __init__(
        self,
        model: Any,
        *,
        max_body_bytes: int,
        max_image_pixels: int,
        body_timeout: float,
        workers: int,
        unsure_below: float,
    ) -> None:
        self.model = model
        self.max_body_bytes = max_body_bytes
        self.max_image_pixels = max_image_pixels
        self.body_timeout = body_timeout
        self.workers = workers
        self.unsure_below = unsure_below
        self._limiter: anyio.CapacityLimiter | None = None
        self._turns: anyio.Lock | None = None
        #: ``POST /api/predict``: one digit.
        self.digit = _Route(self, DIGIT)
        #: ``POST /api/number``: a line of digits.
        self.number = _Route(self, NUMBER)

    async def _answer(
        self, reader: Reader, scope: Scope, receive: Receive
    ) -> dict[str, Any]:
        content_type = _header(scope, b"content-type") or ""
        media_type = content_type.split(";")[0].strip().lower()
        if media_type in _IMAGE_TYPES:
            kind = "image"
        elif media_type in _JSON_TYPES:
            kind = "json"
        else:
            raise ApiError(
                415,
                f"cannot read a body of type {media_type or 'unknown'!r}: send "
                "a PNG or JPEG with Content-Type image/png or image/jpeg, or "
                "pixels as JSON with Content-Type application/json.",
            )
        body = await _read_body(
            receive,
            _header(scope, b"content-length"),
            self.max_body_bytes,
            self.body_timeout,
        )
        if not body:
            raise ApiError(400, "the request body is empty: send an image or pixels.")
        size = _image_size(body) if kind == "image" else None
        args = (
            self.model,
            reader,
            kind,
            body,
            size,
            self.max_image_pixels,
            self.unsure_below,
        )
        if _is_small(reader, kind, body, size):
            # A drawn digit's work costs less than handing it to a thread and
            # back, which also makes the two threads contend for the GIL.
            # Other clients wait that long.
            if self._turns is None:  # made in the server's event loop
                self._turns = anyio.Lock()
            # One such answer per turn of the event loop, in the order the
            # requests came: between two, the loop reads new requests and
            # accepts a new connection (libuv, under uvloop, accepts one per
            # turn). Answering every waiting request in one turn instead let
            # a new client wait behind all of them, turn after turn (the load
            # question's p99 at 64 clients is the check).
            async with self._turns:
                return _answer(*args)
        # A large image, or a number, is CPU work for many milliseconds: off
        # the event loop, which keeps serving others, in at most `workers`
        # threads. More threads than cores only take turns at the GIL and
        # the cores (and hold a decoded image each); requests beyond them
        # wait in order, costing nothing.
        if self._limiter is None:  # made in the server's event loop
            self._limiter = anyio.CapacityLimiter(self.workers)
        return await anyio.to_thread.run_sync(_answer, *args, limiter=self._limiter)

    def warm_up(self) -> None:
        """Answer one drawn digit as a PNG, on each route, so that the first
        client does not wait for the imports and first calls that the first
        answer costs (several times a later one's; a number's first call
        imports SciPy's ndimage); worker processes forked after it share
        them."""
        import io

        from PIL import Image

        digit = np.zeros((_MNIST_SIDE, _MNIST_SIDE), dtype=np.uint8)
        digit[4:24, 12:16] = 255  # a "1"
        buffer = io.BytesIO()
        Image.fromarray(digit).save(buffer, "PNG")
        body = buffer.getvalue()
        for reader in (DIGIT, NUMBER):
            try:
                _answer(
                    self.model,
                    reader,
                    "image",
                    body,
                    _image_size(body),
                    self.max_image_pixels,
                    self.unsure_below,
                )
            except Exception:  # a failing model answers 500s, with its traceback
                logger.debug("warming up the model failed", exc_info=True)

    async def answer(
        self, reader: Reader, scope: Scope, receive: Receive, send: Send
    ) -> None:
        """Answer one request with ``reader`` (the ASGI application of its
        route)."""
        try:
            answer = await self._answer(reader, scope, receive)
            start, body = _json_answer(200, answer, [(b"cache-control", b"no-store")])
        except ApiError as exc:
            close = [(b"connection", b"close")] if exc.close else []
            start, body = _json_answer(exc.status_code, {"error": exc.message}, close)
        except _ClientGone:
            return  # nobody to answer
        except Exception as exc:
            # The traceback goes to the server's log, never to the client.
            logger.error(
                "error answering %s %s", scope["method"], scope["path"], exc_info=exc
            )
            start, body = _json_answer(500, {"error": INTERNAL_ERROR}, [])
        await send(start)
        await send(body)


class _Route:
    """One route of :class:`PredictRoute`, as an ASGI application."""

    def __init__(self, handler: PredictRoute, reader: Reader) -> None:
        self.handler = handler
        self.reader = reader

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        await self.handler.answer(self.reader, scope, receive, send)
