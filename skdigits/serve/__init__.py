"""``skdigits serve``: draw a digit in the browser and watch the model read it.

A small web server for a fitted digit classifier. Its page has a canvas to
draw on (mouse, touch or stylus, or the keyboard), shows the ten class
probabilities live while you draw and the 28x28 image the model was given
after MNIST-style preparation, and takes photos of digits. A JSON API
(``POST /api/predict``) answers programs. Everything is served from the
package, so it works offline.

Needs the ``serve`` extra (``pip install "skdigits[serve]"``: Starlette and
uvicorn). Importing it does not start TensorFlow.

* :func:`run` serves until Ctrl-C (what ``skdigits serve`` runs);
* :func:`start` serves in a background thread (notebooks, tests);
* :func:`create_app` builds the ASGI application, for any ASGI server;
* ``resolve_model`` finds the model to serve (by default the shipped one,
  :func:`skdigits.pretrained.load_pretrained`).
"""

from __future__ import annotations

try:
    import starlette  # noqa: F401
    import uvicorn  # noqa: F401
except ImportError as exc:  # pragma: no cover - depends on the install
    raise ImportError(
        f"skdigits.serve needs the 'serve' extra ({exc.name} is missing): "
        'pip install "skdigits[serve]"'
    ) from exc

from skdigits.serve._app import create_app, predict_digit
from skdigits.serve._server import (
    BackgroundServer,
    default_workers,  # noqa: F401  (not public API)
    resolve_model,  # noqa: F401  (not public API)
    run,
    start,
)

__all__ = [
    "BackgroundServer",
    "create_app",
    "predict_digit",
    "run",
    "start",
]
