"""The estimator layer: the scikit-learn estimators, displays, data and saving.

``classifier`` (with ``network_handle`` and ``training_data``),
``preprocessing`` and ``deskew``, ``augmentation``, ``committee``,
``pipeline``, ``persistence`` (with ``onnx_converters``), ``metrics``, and
the ``plotting`` and ``datasets`` packages. They may import the prediction
layer and, inside the functions that train, ``skdigits._keras``; never the
commands.
"""
