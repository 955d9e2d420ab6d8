"""``python -m skdigits.serve [MODEL] [--host HOST] [--port PORT]``.

The same as ``skdigits serve`` (an entry point, like ``python -m skdigits``):
the options and their errors are the command line's.
"""

from __future__ import annotations

import sys
from collections.abc import Sequence


def main(argv: Sequence[str] | None = None) -> int:
    """Run ``skdigits serve`` with ``argv``; the exit code."""
    from skdigits._commands.cli import main as cli_main

    return cli_main(["serve", *(sys.argv[1:] if argv is None else argv)])


if __name__ == "__main__":
    sys.exit(main())
