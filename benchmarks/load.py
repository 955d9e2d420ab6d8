"""How many predictions a second does ``skdigits serve MODEL`` answer, and how
fast, as concurrent clients rise?

A server, ``python -m skdigits serve MODEL --port 0`` on 127.0.0.1 (as many
worker processes as usable cores, its default), is driven by 1, 8 and 64
concurrent keep-alive clients for a fixed time each. Every client posts the
same 112x112 PNG of a handwritten digit (``POST /api/predict``), waits for
the answer and posts again; a request counts as an error unless it gets a
200 JSON answer with a label.

The clients are wrk (Debian's ``wrk`` package: a C load generator on one
event-loop thread, one connection per client, a Lua check of every answer),
so that the load generator costs a few microseconds per request and leaves
the cores to the server it shares them with, as any loopback load test does.
Its CPU time per request is recorded beside the server's: 0.05-0.09 ms,
where a Python client of the same kind (asyncio, in this process) took
0.31 ms, a third of the request's own work, from the cores the server
needs. That client only stands in for wrk in a quick run on a machine
without it.

Beside the load figures stands the *direct cost*: the same request's work
(decode the PNG, prepare the digit MNIST-style, the forward pass) called in
this process with one BLAS thread, as the server runs it. ``cores / direct
cost`` is what the machine's cores could answer if serving cost nothing; the
ratio of the measured rate to it is the server's efficiency.

The server's own CPU seconds per request (from ``/proc``) are recorded for
each level too, which is where a server that wastes work shows it.
"""

from __future__ import annotations

import io
import json
import os
import tempfile
import time
from pathlib import Path

import numpy as np

from benchmarks._load_driving import WRK_SCRIPT, drive_python, drive_wrk, driver_name
from benchmarks._server_process import ServerProcess
from benchmarks.common import (
    RunConfig,
    load_data,
    loadavg,
    one_blas_thread,
    time_interleaved,
)
from benchmarks.predict_cli import default_model

CLIENT_LEVELS = (1, 8, 64)
_SIDE = 112  # the posted PNG's width and height, in pixels


def digit_png(data) -> bytes:
    """A test digit drawn dark on light paper, 112x112 pixels, as PNG bytes."""
    from PIL import Image

    digit = np.rint(data.X_test[0].reshape(28, 28) * 255).astype(np.uint8)
    paper = Image.fromarray(255 - digit).resize((_SIDE, _SIDE))
    buffer = io.BytesIO()
    paper.save(buffer, "PNG")
    return buffer.getvalue()


def direct_cost(model_path: Path, body: bytes, n_calls: int) -> dict:
    """Seconds of one request's work called in this process: decode, prepare
    and classify the PNG (what the server does for ``POST /api/predict``)."""
    from skdigits._prediction.reading import decode_image
    from skdigits.inference import load_inference_model, predict_digit

    model = load_inference_model(model_path)

    def answer():
        return predict_digit(decode_image(body, max_size=1024), model)

    label = answer()["label"]
    timings = time_interleaved(
        {"direct": answer},
        n_calls=n_calls,
        n_warmup=min(20, n_calls),
        blocks=1,
        contexts={"direct": one_blas_thread},
    )["direct"]
    # The same calls' CPU time (this thread's), to set beside the server's
    # CPU time per request: on a busy machine a call's wall time also holds
    # the time other jobs had the core, and its CPU time does not.
    with one_blas_thread():
        started = time.thread_time()
        for _ in range(n_calls):
            answer()
        cpu = (time.thread_time() - started) / n_calls
    return timings | {"label": label, "cpu_seconds": cpu}


def _work_share(direct_seconds: float, level: dict) -> float | None:
    server = level["server_cpu_seconds_per_request"]
    if server is None:
        return None
    return direct_seconds / (server + (level["client_cpu_seconds_per_request"] or 0))


def measure(config: RunConfig) -> dict:
    seconds, warmup = (1.0, 1.0) if config.quick else (15.0, 2.0)
    cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else 1
    driver = driver_name(config.quick)
    with tempfile.TemporaryDirectory() as tmp:
        model, _, _ = default_model(config, Path(tmp))
        body = digit_png(load_data(config, n_train=1, n_test=1))
        png = Path(tmp) / "digit.png"
        png.write_bytes(body)
        script = Path(tmp) / "post.lua"
        script.write_text(WRK_SCRIPT % {"body": json.dumps(str(png))})
        direct = direct_cost(model, body, n_calls=20 if config.quick else 1000)
        load_before = loadavg()
        server = ServerProcess(model)
        try:
            if driver == "python":
                levels = [
                    drive_python(server, body, n, warmup, seconds)
                    for n in CLIENT_LEVELS
                ]
            else:
                levels = [
                    drive_wrk(server, script, n, warmup, seconds) for n in CLIENT_LEVELS
                ]
            workers = server.workers()
        finally:
            server.stop()
        load_after = loadavg()
    bound = cores / direct["median"]
    by_clients = {str(level["clients"]): level for level in levels}
    lone_p50 = by_clients["1"]["p50"]
    rates = [level["requests_per_second"] for level in levels]
    return {
        "png_bytes": len(body),
        "png_side": _SIDE,
        "cores": cores,
        "driver": driver,
        "server_processes": workers,
        "direct": direct,
        "levels": levels,
        "headline": {
            "direct_median_seconds": direct["median"],
            "direct_cpu_seconds": direct["cpu_seconds"],
            "cores_bound_requests_per_second": bound,
            # Targets (issue 23, see targets.toml): at 8 and 64 clients at
            # least half the bound; no fall as clients rise; p99 at 64 within
            # 2x the queueing floor 64 / rate (the 10x the lone p50
            # is below that floor).
            "rps_8_over_bound": by_clients["8"]["requests_per_second"] / bound,
            "rps_64_over_bound": by_clients["64"]["requests_per_second"] / bound,
            "lowest_rate_over_earlier_best": min(
                rate / max(rates[: i + 1]) for i, rate in enumerate(rates)
            ),
            "p99_64_over_lone_p50": (
                by_clients["64"]["p99"] / lone_p50
                if lone_p50 and by_clients["64"]["p99"]
                else None
            ),
            # Little's law: n closed-loop clients at a rate X wait n / X on
            # average, so p99 at 64 clients can be no lower than 64 / rate;
            # this ratio says how far the tail is above that floor.
            "p99_64_over_queue_floor": (
                by_clients["64"]["p99"] / (64 / by_clients["64"]["requests_per_second"])
                if by_clients["64"]["p99"] and by_clients["64"]["answered"]
                else None
            ),
            "errors": sum(level["errors"] for level in levels),
            # The share of the CPU time spent per request (server and load
            # generator) that is the request's own work (its CPU time called
            # directly): what rps / bound would be with the cores to
            # themselves. Unlike the rate, it hardly depends on how much of
            # the cores other jobs take.
            **{
                f"direct_over_cpu_{n}": _work_share(
                    direct["cpu_seconds"], by_clients[n]
                )
                for n in ("8", "64")
            },
        },
        "loadavg_before": load_before,
        "loadavg_after": load_after,
    }
