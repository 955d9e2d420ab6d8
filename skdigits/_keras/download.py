"""Keras's checked download, for ``fetch_mnist(download=True)``."""

from __future__ import annotations

from typing import Any

import keras

__all__ = ["get_file"]


def get_file(**kwargs: Any) -> str:
    """``keras.utils.get_file``: a progress bar, and the file's sha256 checked."""
    return keras.utils.get_file(**kwargs)
