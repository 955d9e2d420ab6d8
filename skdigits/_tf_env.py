"""Prepare TensorFlow's environment before it is first imported.

TensorFlow reads its logging and threading settings once, at import. This
module is the single place that sets them, so that every module that needs
Keras imports it through :func:`import_keras`.

* Log noise: TensorFlow prints oneDNN and CUDA notices through absl before its
  own log level applies, so ``TF_CPP_MIN_LOG_LEVEL`` alone cannot silence them.
  We capture the C-level stderr during the import and replay it only if the
  import fails.
* Threads: joblib's process workers (loky) and Dask's nanny export
  ``OMP_NUM_THREADS`` so that each worker uses its share of the cores.
  TensorFlow ignores that variable and would start one thread per core in every
  worker; we pass the same budget on through ``TF_NUM_INTRAOP_THREADS`` and
  ``TF_NUM_INTEROP_THREADS``, unless the user set those explicitly.
"""

from __future__ import annotations

import os
import sys
import tempfile
from types import ModuleType


def _bridge_thread_budget() -> None:
    budget = os.environ.get("OMP_NUM_THREADS")
    if budget and budget.isdigit() and int(budget) > 0:
        os.environ.setdefault("TF_NUM_INTRAOP_THREADS", budget)
        os.environ.setdefault("TF_NUM_INTEROP_THREADS", budget)


def _import_silently(name: str) -> ModuleType:
    """Import ``name`` with file descriptor 2 captured; replay it on failure."""
    sys.stderr.flush()
    saved_fd = os.dup(2)
    with tempfile.TemporaryFile() as captured:
        os.dup2(captured.fileno(), 2)
        try:
            module = __import__(name)
        except BaseException:
            os.dup2(saved_fd, 2)
            captured.seek(0)
            sys.stderr.write(captured.read().decode(errors="replace"))
            raise
        finally:
            os.dup2(saved_fd, 2)
            os.close(saved_fd)
    return module


def import_keras() -> ModuleType:
    """Return the ``keras`` module, importing TensorFlow quietly the first time."""
    if "keras" in sys.modules and "tensorflow" in sys.modules:
        return sys.modules["keras"]
    # Level 3: TensorFlow also logs harmless start-up "errors" (no CUDA
    # driver, op-version skew) at ERROR level. Users can still override it.
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
    _bridge_thread_budget()
    if "tensorflow" not in sys.modules:
        _import_silently("tensorflow")
    import keras

    return keras
