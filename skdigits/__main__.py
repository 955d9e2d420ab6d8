"""``python -m skdigits``: the same as the ``skdigits`` command."""

import sys

from skdigits._commands.cli import main

if __name__ == "__main__":
    sys.exit(main())
