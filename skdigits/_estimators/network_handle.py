"""The classifier's handle on its Keras network, built only when needed.

Prediction runs on the NumPy weights (``coefs_``, ``intercepts_``), so a
classifier loaded from a file, unpickled or restored by ``skops`` should not
start TensorFlow to hold its network. :class:`NetworkHandle` holds either the
live ``keras.Model`` or what restores it (the ``network.keras`` bytes, or the
weights of an inference-only file) and builds it on the first :meth:`model`
call. It pickles as those bytes, not as a Keras object, so pickle, joblib and
``skops.io`` all save a classifier without walking into Keras.

:class:`KerasNetworkMixin` gives the classifier ``model_`` (the network,
built on first read) and the checks that continuing training needs.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator, Sequence
from typing import Any

import numpy as np

from skdigits._prediction.model_file import ModelFormatError

__all__ = ["KerasNetworkMixin", "NetworkHandle", "hidden_layer_widths"]


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


class KerasNetworkMixin:
    """``model_`` and the continued-training checks of a classifier whose
    network sits behind a :class:`NetworkHandle` in ``_network``.

    Prediction runs on ``coefs_`` and ``intercepts_`` in NumPy; the Keras
    network (which training and saving with the optimizer need) is built
    lazily, so that a loaded or unpickled classifier starts TensorFlow only
    when something reads ``model_``.
    """

    @property
    def model_(self) -> Any:
        """The trained ``keras.Model`` (rebuilt on first access after loading)."""
        if "_network" not in vars(self):
            raise AttributeError(
                f"{type(self).__name__!r} object has no attribute 'model_'"
            )
        return self._network.model()

    def _restore_network(self, network, weights, *, where: str) -> None:
        """Hold the network of a model file: ``network.keras`` as bytes, or
        None for an inference-only file (rebuilt from ``weights``)."""
        self._network = NetworkHandle.from_saved(
            network, weights, self.hidden_activation_, self.dropout, where
        )

    def __dir__(self) -> list[str]:
        # BaseEstimator.__dir__ keeps the names that hasattr finds, and tools
        # that walk dir() (skl2onnx, IDEs) read what it lists. Listing model_
        # before it is built would rebuild a loaded network, starting
        # TensorFlow, just to look: it is listed once it exists.
        network = vars(self).get("_network")
        has_model = network is not None and network.built
        return [
            name
            for name in object.__dir__(self)
            if (has_model if name == "model_" else hasattr(self, name))
        ]

    @contextlib.contextmanager
    def _unchanged_on_error(self, continuing: bool) -> Iterator[None]:
        """Leave the estimator exactly as it was if the block raises.

        Its attributes are put back; a continued call also changes the Keras
        network in place, so its variables and the optimizer's are restored
        too. An inference-only network is refused first: it has no optimizer
        state to snapshot, or to continue.
        """
        previous_state = dict(vars(self))
        snapshot = None
        try:
            if continuing:
                self._check_can_continue_training()
                from skdigits._keras.network import snapshot_training_state

                snapshot = snapshot_training_state(self.model_)
            yield
        except BaseException:
            vars(self).clear()
            vars(self).update(previous_state)
            if snapshot is not None:
                from skdigits._keras.network import restore_training_state

                restore_training_state(*snapshot)
            raise

    def _check_can_continue_training(self) -> None:
        """Raise if the network lacks the optimizer state that continuing needs."""
        if self._network.inference_only:
            raise ValueError(
                f"This {type(self).__name__} was loaded from an inference-only "
                "file (saved with include_optimizer=False), which holds no "
                "optimizer state, so training cannot continue from it. Load the "
                "full file (saved with include_optimizer=True), or fit from "
                "scratch."
            )

    def _check_unchanged_network(self) -> None:
        """Continuing needs the network and optimizer the model was built with.

        (An inference-only model was refused by _check_can_continue_training.)
        """
        from skdigits._keras.network import describe_network

        # The activation as fitted (Keras's own name may differ).
        built = {
            **describe_network(self.model_),
            "activation": self.hidden_activation_,
        }
        wanted = {
            "hidden_layer_sizes": hidden_layer_widths(self.hidden_layer_sizes),
            "activation": self.activation,
            "dropout": float(self.dropout),
            "optimizer": str(self.optimizer).lower(),
            "ema_momentum": None
            if getattr(self, "ema_momentum", None) is None
            else float(self.ema_momentum),
        }
        for name, value in wanted.items():
            was = built[name]
            if value != was:
                raise ValueError(
                    f"{type(self).__name__} cannot continue training with "
                    f"{name}={value!r}: the network was built with {name}={was!r}. "
                    "Set it back to continue, or fit with warm_start=False to "
                    "train a new network."
                )


def hidden_layer_widths(hidden_layer_sizes: Any) -> tuple[int, ...]:
    """``hidden_layer_sizes`` as a tuple of ints, as the network is built."""
    return tuple(int(w) for w in np.ravel(hidden_layer_sizes))
