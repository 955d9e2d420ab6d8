"""``skdigits serve``: draw a digit in the browser and watch the model read it.

A small web server for a fitted digit classifier. Its page has a canvas to
draw on (mouse, touch or stylus, or the keyboard), shows the ten class
probabilities live while you draw and the 28x28 image the model was given
after MNIST-style preparation, and takes photos of digits. A JSON API
(``POST /api/predict``) answers programs. Everything is served from the
package, so it works offline.

Needs the ``serve`` extra (``pip install "skdigits[serve]"``: Starlette and
uvicorn). Importing it does not start TensorFlow.

* :func:`run_server` serves until Ctrl-C (what ``skdigits serve`` runs);
* :func:`start_server` serves in a background thread (notebooks, tests) and
  returns a :class:`BackgroundServer`;
* :func:`create_app` builds the ASGI application, for any ASGI server.

To read a picture without HTTP, use :func:`skdigits.inference.predict_digit`.
"""

from skdigits._commands.serve.app import create_app
from skdigits._commands.serve.server import BackgroundServer, run_server, start_server

__all__ = [
    "BackgroundServer",
    "create_app",
    "run_server",
    "start_server",
]
