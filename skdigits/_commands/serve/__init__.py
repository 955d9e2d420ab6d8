"""``skdigits serve``: draw digits in the browser and watch the model read them.

A small web server for a fitted digit classifier: ``app`` (the page's routes
and the JSON API), ``server`` (running it in the foreground or in a thread)
and ``openapi`` (the API's description); ``static/`` holds the page, served
from the package (no CDN). It needs the ``serve`` extra (Starlette and
uvicorn); the prediction itself is :mod:`skdigits._prediction`'s, NumPy only.
"""

try:
    import starlette  # noqa: F401
    import uvicorn  # noqa: F401
except ImportError as exc:  # pragma: no cover - depends on the install
    raise ImportError(
        f"skdigits.serve needs the 'serve' extra ({exc.name} is missing): "
        'pip install "skdigits[serve]"'
    ) from exc
