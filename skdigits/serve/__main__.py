"""``python -m skdigits.serve [MODEL] [--host HOST] [--port PORT]``.

The same as ``skdigits serve``; the server can be started (and tested)
without the main command line.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence


def main(argv: Sequence[str] | None = None) -> int:
    """Parse the arguments and run the server; the exit code."""
    parser = argparse.ArgumentParser(
        prog="python -m skdigits.serve",
        description="Serve a page to draw digits on, and a JSON API, for a model.",
    )
    parser.add_argument(
        "model",
        nargs="?",
        help="a model file from 'skdigits train' or save_model (default: a model "
        "trained on the bundled sample once, then cached)",
    )
    parser.add_argument("--host", default="127.0.0.1", help="default: %(default)s")
    parser.add_argument("--port", type=int, default=8000, help="default: %(default)s")
    parser.add_argument(
        "--retrain-default",
        action="store_true",
        help="train the default model again instead of using the cached one",
    )
    args = parser.parse_args(argv)

    from skdigits.persistence import ModelFormatError
    from skdigits.serve import run

    try:
        run(
            args.model,
            host=args.host,
            port=args.port,
            refresh_default=args.retrain_default,
        )
    except (OSError, ValueError, ModelFormatError) as exc:
        print(f"skdigits serve: error: {exc}", file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main())
