"""Everything in skdigits that imports Keras, TensorFlow or SciKeras.

Importing this package starts TensorFlow, once, with skdigits's settings; its
modules then ``import keras`` at their top like any Keras code, and code
outside skdigits that wants Keras with those settings (tests, benchmarks)
takes ``from skdigits._keras import keras``. Nothing
outside this package imports Keras, TensorFlow or SciKeras (an import-linter
contract in ``pyproject.toml`` checks it), and the rest of skdigits imports
this package only inside the functions that train, build or download, so
``import skdigits``, prediction and ``skdigits --help`` never start it.

TensorFlow reads its logging and threading settings once, at import:

* Log noise: TensorFlow prints oneDNN and CUDA notices through absl before its
  own log level applies, so ``TF_CPP_MIN_LOG_LEVEL`` alone cannot silence them.
  The C-level stderr is captured during the import and replayed only if the
  import fails.
* Threads: joblib's process workers (loky) and Dask's nanny export
  ``OMP_NUM_THREADS`` so that each worker uses its share of the cores.
  TensorFlow ignores that variable and would start one thread per core in every
  worker; the same budget goes on through ``TF_NUM_INTRAOP_THREADS`` and
  ``TF_NUM_INTEROP_THREADS``, unless the user set those explicitly.
"""

from __future__ import annotations

import os
import sys
import tempfile

__all__ = ["bridge_thread_budget", "keras"]


def bridge_thread_budget() -> None:
    """Pass ``OMP_NUM_THREADS`` on to TensorFlow's two thread pools.

    Values the user set for ``TF_NUM_INTRAOP_THREADS`` or
    ``TF_NUM_INTEROP_THREADS`` win.
    """
    budget = os.environ.get("OMP_NUM_THREADS")
    if budget and budget.isdigit() and int(budget) > 0:
        os.environ.setdefault("TF_NUM_INTRAOP_THREADS", budget)
        os.environ.setdefault("TF_NUM_INTEROP_THREADS", budget)


def _import_silently(name: str) -> None:
    """Import ``name`` with file descriptor 2 captured; replay it on failure."""
    sys.stderr.flush()
    saved_fd = os.dup(2)
    with tempfile.TemporaryFile() as captured:
        os.dup2(captured.fileno(), 2)
        try:
            __import__(name)
        except BaseException:
            os.dup2(saved_fd, 2)
            captured.seek(0)
            sys.stderr.write(captured.read().decode(errors="replace"))
            raise
        finally:
            os.dup2(saved_fd, 2)
            os.close(saved_fd)


if "tensorflow" not in sys.modules:
    # Level 3: TensorFlow also logs harmless start-up "errors" (no CUDA
    # driver, op-version skew) at ERROR level. Users can still override it.
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
    bridge_thread_budget()
    _import_silently("tensorflow")

import keras  # noqa: E402  (after TensorFlow's quiet start; for callers too)
