"""An epoch against the cores' peak: how much of the machine a plain epoch uses.

Part of ``benchmarks/overhead.py``'s question (issue 35): the float32
matrix-product rate these cores reach through the same TensorFlow, with the
thread settings ``skdigits._keras`` starts it with (a large GEMM in a
``tf.function``), beside NumPy/OpenBLAS ``sgemm`` and the theoretical peak
read from the CPU's flags; the FLOPs of one plain epoch of the default
network, counted; and their ratio. :func:`variants` re-times the epoch in
fresh processes with other batch sizes, thread counts, oneDNN off and XLA,
the knobs that could raise it.

FLOPs of one epoch (``n`` samples, dense layers of ``d_in x d_out``, biases
and activations left out of the matrix products):

* forward: ``2 n sum(d_in d_out)``;
* backward: the weights' gradients ``2 n sum(d_in d_out)`` and the
  activations' gradients for every layer but the first ``2 n sum_{l>1}
  (d_in d_out)`` (nothing needs the gradient of the pixels): about twice the
  forward;
* elementwise (counted apart, not in the matrix rate): biases, ReLU,
  dropout and softmax about ``8 n sum(d_out)``, and Adam about 12 FLOPs per
  parameter per step.
"""

from __future__ import annotations

import itertools
import json
import math
import os
import platform
import statistics
import time

import numpy as np

#: The default network: pixels, hidden layers, classes.
LAYERS = (784, 784, 196, 10)


def epoch_flops(
    n_samples: int, layers=LAYERS, batch_size: int = 500, n_params: int | None = None
) -> dict:
    """FLOPs of one training epoch of the dense network (see the module doc)."""
    pairs = list(itertools.pairwise(layers))
    macs = sum(a * b for a, b in pairs)
    forward = 2 * n_samples * macs
    backward = 2 * n_samples * macs + 2 * n_samples * sum(a * b for a, b in pairs[1:])
    params = n_params if n_params is not None else macs + sum(layers[1:])
    steps = math.ceil(n_samples / batch_size)
    elementwise = 8 * n_samples * sum(layers[1:]) + 12 * params * steps
    return {
        "n_samples": n_samples,
        "batch_size": batch_size,
        "forward": forward,
        "backward": backward,
        "matmul": forward + backward,
        "elementwise": elementwise,
        "total": forward + backward + elementwise,
        "formula": "forward 2n*sum(din*dout); backward 2n*sum(din*dout) + "
        "2n*sum_{l>1}(din*dout); elementwise 8n*sum(dout) + 12*params*steps",
    }


def cpu_peak() -> dict:
    """The theoretical float32 peak from the CPU's flags and clock (Linux).

    FLOPs per cycle and core cannot be read from the flags alone (how many
    FMA units, how wide): the table below is an assumption, stated in the
    result. AMD Zen 4 (family 25) runs AVX-512 on two 256-bit FMA pipes: 32;
    Intel server cores with AVX-512 have two 512-bit FMA units: 64; AVX2 with
    FMA: 32; else 8. The clock is the one ``/proc/cpuinfo`` reports, the base
    clock in a VM (boost would raise the peak).
    """
    flags: set[str] = set()
    info: dict[str, str] = {}
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                key, _, value = line.partition(":")
                key = key.strip()
                if key == "flags" and not flags:
                    flags = set(value.split())
                elif key in ("vendor_id", "cpu family", "model name", "cpu MHz"):
                    info.setdefault(key, value.strip())
    except OSError:
        pass
    cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else None
    vendor, family = info.get("vendor_id", ""), info.get("cpu family", "")
    if "avx512f" in flags and vendor == "AuthenticAMD" and family == "25":
        per_cycle, why = 32, "Zen 4: AVX-512 on 2 x 256-bit FMA pipes"
    elif "avx512f" in flags:
        per_cycle, why = 64, "AVX-512: 2 x 512-bit FMA units assumed"
    elif {"avx2", "fma"} <= flags:
        per_cycle, why = 32, "AVX2 + FMA: 2 x 256-bit FMA units"
    else:
        per_cycle, why = 8, "SSE: no FMA"
    mhz = float(info["cpu MHz"]) if "cpu MHz" in info else None
    gflops = per_cycle * mhz / 1e3 * cores if mhz and cores else None
    return {
        "cpu": info.get("model name") or platform.processor(),
        "cores": cores,
        "mhz": mhz,
        "vector_flags": sorted(f for f in flags if f.startswith(("avx", "fma"))),
        "flops_per_cycle_per_core": per_cycle,
        "assumption": why,
        "gflops": gflops,
    }


def _best_rate(fn, flops: float, reps: int) -> dict:
    fn()  # warm-up: tracing, thread start-up, page faults
    times = []
    for _ in range(reps):
        t0 = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t0)
    return {
        "gflops_best": flops / min(times) / 1e9,
        "gflops_median": flops / statistics.median(times) / 1e9,
        "reps": reps,
    }


def tf_gemm_rate(n: int = 2048, reps: int = 10) -> dict:
    """float32 ``n x n`` GEMM through TensorFlow, as skdigits starts it."""
    import tensorflow as tf

    from skdigits._keras import keras  # noqa: F401  (skdigits's TensorFlow start)

    rng = np.random.default_rng(0)
    a = tf.constant(rng.standard_normal((n, n), dtype=np.float32))
    b = tf.constant(rng.standard_normal((n, n), dtype=np.float32))

    @tf.function
    def product(a, b):
        return tf.reduce_sum(tf.matmul(a, b))  # the sum keeps the output small

    out = _best_rate(lambda: product(a, b).numpy(), 2 * n**3, reps)
    return {
        **out,
        "n": n,
        "intra_op_threads": tf.config.threading.get_intra_op_parallelism_threads(),
        "inter_op_threads": tf.config.threading.get_inter_op_parallelism_threads(),
        "onednn": os.environ.get("TF_ENABLE_ONEDNN_OPTS", "default"),
    }


def numpy_gemm_rate(n: int = 2048, reps: int = 10) -> dict:
    """float32 ``n x n`` GEMM through NumPy's BLAS (OpenBLAS sgemm)."""
    rng = np.random.default_rng(0)
    a = rng.standard_normal((n, n), dtype=np.float32)
    b = rng.standard_normal((n, n), dtype=np.float32)
    out = np.empty((n, n), np.float32)
    return {**_best_rate(lambda: np.matmul(a, b, out=out), 2 * n**3, reps), "n": n}


# One plain Keras epoch in a fresh process, with the environment of a variant.
_EPOCH_CHILD = """
import json, os, sys, time
import numpy as np
from benchmarks._peak import plain_epoch_seconds
print(json.dumps(plain_epoch_seconds(**json.loads(sys.argv[1]))))
"""


def plain_epoch_seconds(
    n_samples: int, batch_size: int = 500, epochs: int = 3, jit_compile=False
) -> dict:
    """Seconds of each epoch of plain ``model.fit`` on random pixels.

    The work of an epoch does not depend on the pixels' values, so random
    data of MNIST's shape stands in for it.
    """
    from benchmarks._baselines import epoch_recorder
    from skdigits._keras.network import build_dense_network, make_optimizer

    rng = np.random.default_rng(0)
    X = rng.random((n_samples, LAYERS[0]), dtype=np.float32)
    Y = np.eye(LAYERS[-1], dtype=np.float32)[rng.integers(0, LAYERS[-1], n_samples)]
    model = build_dense_network(LAYERS[0], LAYERS[-1], hidden_layer_sizes=LAYERS[1:-1])
    model.compile(
        optimizer=make_optimizer("adam", 1e-3),
        loss="categorical_crossentropy",
        metrics=["accuracy"],
        jit_compile=jit_compile,
    )
    recorder = epoch_recorder()
    model.fit(
        X, Y, batch_size=batch_size, epochs=epochs, verbose=0, callbacks=[recorder]
    )
    import tensorflow as tf

    return {
        "epoch_seconds": recorder.epoch_seconds,
        "n_params": int(model.count_params()),
        "intra_op_threads": tf.config.threading.get_intra_op_parallelism_threads(),
        "inter_op_threads": tf.config.threading.get_inter_op_parallelism_threads(),
        "keras_jit_compile": bool(model.jit_compile),
    }


#: What could raise the epoch's share of the peak, each run in a fresh
#: process (TensorFlow reads its threads and oneDNN switch at start-up).
VARIANTS = {
    "default (batch 500)": ({}, {}),
    "batch 2000": ({}, {"batch_size": 2000}),
    "batch 100": ({}, {"batch_size": 100}),
    "1 intra-op thread": ({"TF_NUM_INTRAOP_THREADS": "1"}, {}),
    "1 inter-op thread": ({"TF_NUM_INTEROP_THREADS": "1"}, {}),
    "oneDNN off": ({"TF_ENABLE_ONEDNN_OPTS": "0"}, {}),
    "XLA jit_compile": ({}, {"jit_compile": True}),
}


def variants(n_samples: int, epochs: int, names=None) -> dict:
    """:func:`plain_epoch_seconds` and the TF GEMM rate under each variant."""
    from benchmarks.common import run_fresh

    out = {}
    for name, (env, kwargs) in VARIANTS.items():
        if names is not None and name not in names:
            continue
        args = json.dumps({"n_samples": n_samples, "epochs": epochs, **kwargs})
        code = _EPOCH_CHILD.replace("sys.argv[1]", repr(args))
        run = run_fresh(code, env=env, timeout=1800)
        steady = run["epoch_seconds"][1:] or run["epoch_seconds"]
        flops = epoch_flops(n_samples, batch_size=kwargs.get("batch_size", 500))
        out[name] = {
            **run,
            "env": env,
            "kwargs": kwargs,
            "steady_epoch_seconds": min(steady),
            "gflops": flops["total"] / min(steady) / 1e9,
        }
    return out


def measure_peak(
    n_samples: int, epoch_seconds: list[float], gemm_n: int, reps: int
) -> dict:
    """The cores' rates and a plain epoch's share of them.

    ``epoch_seconds``: steady (post-trace) epochs of plain ``model.fit`` on
    ``n_samples`` at batch 500, timed by the caller in this process.
    """
    tf_rate = tf_gemm_rate(gemm_n, reps)
    np_rate = numpy_gemm_rate(gemm_n, reps)
    theory = cpu_peak()
    flops = epoch_flops(n_samples)
    best = min(epoch_seconds)
    median = statistics.median(epoch_seconds)
    achieved = flops["total"] / best / 1e9
    return {
        "tf_gemm": tf_rate,
        "numpy_gemm": np_rate,
        "theoretical": theory,
        "epoch_flops": flops,
        "epoch_seconds_best": best,
        "epoch_seconds_median": median,
        "epoch_gflops_best": achieved,
        "epoch_gflops_median": flops["total"] / median / 1e9,
        # The target's ratio: the best steady epoch against the best GEMM
        # measured in the same run (both are the least disturbed readings).
        "ratio_to_tf_gemm": achieved / tf_rate["gflops_best"],
        "ratio_to_numpy_gemm": achieved / np_rate["gflops_best"],
        "ratio_to_theoretical": achieved / theory["gflops"]
        if theory["gflops"]
        else None,
    }
