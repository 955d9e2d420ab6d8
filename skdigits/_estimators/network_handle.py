"""The classifier's handle on its Keras network, built only when needed.

Prediction runs on the NumPy weights (``coefs_``, ``intercepts_``), so a
classifier loaded from a file, unpickled or restored by ``skops`` should not
start TensorFlow to hold its network. :class:`NetworkHandle` holds either the
live ``keras.Model`` or what restores it (the ``network.keras`` bytes, or the
weights of an inference-only file) and builds it on the first :meth:`model`
call. It pickles as those bytes, not as a Keras object, so pickle, joblib and
``skops.io`` all save a classifier without walking into Keras.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

from skdigits._prediction.model_file import ModelFormatError

__all__ = ["NetworkHandle"]


class NetworkHandle:
    """A Keras network, live or ready to be restored.

    ``inference_only`` is true for a network restored from a file without
    optimizer state, from which training cannot continue. Make one with
    :meth:`from_model` (after training) or :meth:`from_saved` (the one way
    from a model file's parts); read the network with :meth:`model`.
    """

    def __init__(
        self,
        *,
        model: Any = None,
        network: bytes | None = None,
        weights: Sequence[tuple[np.ndarray, np.ndarray]] | None = None,
        activation: str | None = None,
        dropout: float = 0.0,
        where: str = "the network",
        inference_only: bool = False,
    ) -> None:
        self._model = model
        self.inference_only = inference_only
        self.network = network
        self.weights = weights
        self.activation = activation
        self.dropout = dropout
        self.where = where

    @classmethod
    def from_model(cls, model: Any) -> NetworkHandle:
        """A handle on a live, compiled network."""
        return cls(model=model)

    @classmethod
    def from_saved(
        cls,
        network: bytes | None,
        weights: Sequence[tuple[np.ndarray, np.ndarray]],
        activation: str,
        dropout: float,
        where: str,
    ) -> NetworkHandle:
        """A handle on a saved network, restored on first use.

        ``network`` is ``network.keras`` (the compiled network with its
        optimizer state), checked against ``weights`` when it is restored; or
        None for an inference-only file, whose network is rebuilt from
        ``weights``, uncompiled. ``where`` names the file in errors.
        """
        return cls(
            network=network,
            weights=list(weights),
            activation=activation,
            dropout=float(dropout),
            where=where,
            inference_only=network is None,
        )

    @property
    def built(self) -> bool:
        """Whether the Keras network exists (TensorFlow has started)."""
        return self._model is not None

    def model(self) -> Any:
        """The ``keras.Model``, restored (starting TensorFlow) on first call."""
        if self._model is None:
            self._model = self._restore()
            self.network = self.weights = None
        return self._model

    def _restore(self) -> Any:
        from skdigits._keras.network import (
            dense_weights,
            load_network,
            network_from_weights,
        )

        if self.network is None:  # an inference-only file
            return network_from_weights(self.weights, self.activation, self.dropout)
        try:
            model = load_network(self.network)
        except Exception as exc:  # Keras raises many types for a bad file
            raise ModelFormatError(
                f"{self.where}: the Keras network inside cannot be loaded: {exc}"
            ) from exc
        if self.weights is not None:
            loaded = [array for pair in dense_weights(model) for array in pair]
            saved = [array for pair in self.weights for array in pair]
            if len(loaded) != len(saved) or not all(
                np.array_equal(a, b) for a, b in zip(loaded, saved, strict=True)
            ):
                raise ModelFormatError(
                    f"{self.where}: the weights of the Keras network differ from "
                    "the saved weights."
                )
        return model

    def __getstate__(self) -> dict[str, Any]:
        # A live network travels as Keras's own file format (with its
        # optimizer state), as bytes: nothing of Keras is pickled.
        state = dict(vars(self))
        model = state.pop("_model")
        if model is not None:
            from skdigits._keras.network import network_bytes

            state.update(network=network_bytes(model), weights=None)
        return state

    def __setstate__(self, state: dict[str, Any]) -> None:
        vars(self).update(state)
        self._model = None
