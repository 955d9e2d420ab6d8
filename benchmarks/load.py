"""How many predictions a second does ``skdigits serve MODEL`` answer, and how
fast, as concurrent clients rise?

A server process, ``python -m skdigits serve MODEL --port 0`` on 127.0.0.1,
is driven by 1, 8 and 64 concurrent keep-alive clients for a fixed time each.
Every client posts the same 112x112 PNG of a handwritten digit
(``POST /api/predict``), waits for the answer and posts again; a request
counts as an error unless it gets a 200 JSON answer with a label. The
clients are a small asyncio HTTP/1.1 loop in this process (one connection
each, no TLS, bounded in number and time), so that their own cost per
request is a fraction of the server's; they share the machine's cores with
the server, as any loopback load test does.

Beside the load figures stands the *direct cost*: the same request's work
(decode the PNG, prepare the digit MNIST-style, the forward pass) called in
this process with one BLAS thread, as the server runs it. ``cores / direct
cost`` is what the machine's cores could answer if serving cost nothing; the
ratio of the measured rate to it is the server's efficiency.

The server's own CPU seconds per request (from ``/proc``) are recorded for
each level too, which is where a server that wastes work shows it.
"""

from __future__ import annotations

import asyncio
import io
import json
import os
import re
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

from benchmarks.common import (
    RunConfig,
    child_env,
    load_data,
    loadavg,
    one_blas_thread,
    summarize,
    time_interleaved,
)
from benchmarks.predict_cli import _default_model

CLIENT_LEVELS = (1, 8, 64)
_START_TIMEOUT = 120.0  # seconds for the server to print its address
_REQUEST_TIMEOUT = 30.0  # seconds for one answer; far beyond any real one
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
    from skdigits.image_io import decode_image
    from skdigits.inference import load_inference_model
    from skdigits.serve import predict_digit

    model = load_inference_model(model_path)

    def answer():
        return predict_digit(model, decode_image(body, max_size=1024))

    label = answer()["label"]
    timings = time_interleaved(
        {"direct": answer},
        n_calls=n_calls,
        n_warmup=min(20, n_calls),
        blocks=1,
        contexts={"direct": one_blas_thread},
    )["direct"]
    return timings | {"label": label}


def _cpu_seconds(pid: int) -> float | None:
    """User + system CPU seconds of process ``pid`` so far (Linux /proc)."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return None
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


class _Server:
    """``skdigits serve MODEL --port 0`` in a child process, stopped by Ctrl-C."""

    def __init__(self, model: Path) -> None:
        self.process = subprocess.Popen(
            [sys.executable, "-m", "skdigits", "serve", str(model), "--port", "0"],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            env=child_env(),
        )
        start = time.monotonic()
        for line in self.process.stdout:  # the server prints its address
            found = re.search(r"http://127\.0\.0\.1:(\d+)/", line)
            if found:
                self.port = int(found.group(1))
                return
            if time.monotonic() - start > _START_TIMEOUT:
                break
        self.stop()
        raise RuntimeError(f"skdigits serve printed no address: {self.errors}")

    def cpu_seconds(self) -> float | None:
        return _cpu_seconds(self.process.pid)

    def stop(self) -> None:
        self.process.send_signal(signal.SIGINT)
        try:
            _, self.errors = self.process.communicate(timeout=30)
        except subprocess.TimeoutExpired:
            self.process.kill()
            _, self.errors = self.process.communicate()


async def _client(
    port: int, request: bytes, warm_until: float, stop_at: float, latencies: list
) -> tuple[int, int]:
    """One keep-alive connection posting ``request`` until ``stop_at``; the
    latency of every answer sent after ``warm_until`` goes to ``latencies``.
    Returns the number of errors after ``warm_until``, and of all answers."""
    errors = answers = 0
    reader = writer = None
    while time.monotonic() < stop_at:
        sent = time.monotonic()
        try:
            if writer is None:
                reader, writer = await asyncio.open_connection("127.0.0.1", port)
            writer.write(request)
            head = await asyncio.wait_for(
                reader.readuntil(b"\r\n\r\n"), _REQUEST_TIMEOUT
            )
            length = int(re.search(rb"(?i)content-length: *(\d+)", head).group(1))
            content = await asyncio.wait_for(
                reader.readexactly(length), _REQUEST_TIMEOUT
            )
            done = time.monotonic()
            ok = head.startswith(b"HTTP/1.1 200 ") and "label" in json.loads(content)
        except (OSError, EOFError, ValueError, AttributeError, TimeoutError):
            ok, done = False, time.monotonic()
            if writer is not None:
                writer.close()
            reader = writer = None
        answers += 1
        if sent >= warm_until:
            if ok:
                latencies.append(done - sent)
            else:
                errors += 1
    if writer is not None:
        writer.close()
    return errors, answers


async def _drive(
    port: int, request: bytes, n_clients: int, warmup: float, seconds: float
) -> tuple[list[float], int, int]:
    now = time.monotonic()
    latencies: list[float] = []
    counts = await asyncio.gather(
        *(
            _client(port, request, now + warmup, now + warmup + seconds, latencies)
            for _ in range(n_clients)
        )
    )
    return latencies, sum(c[0] for c in counts), sum(c[1] for c in counts)


def drive(
    server: _Server, body: bytes, n_clients: int, warmup: float, seconds: float
) -> dict:
    """``n_clients`` keep-alive clients posting ``body`` for ``seconds`` (after
    ``warmup`` seconds not counted): requests/s, latencies and errors."""
    request = (
        b"POST /api/predict HTTP/1.1\r\nHost: 127.0.0.1\r\n"
        b"Content-Type: image/png\r\nContent-Length: %d\r\n\r\n" % len(body)
    ) + body
    cpu_before = server.cpu_seconds()
    latencies, errors, all_answers = asyncio.run(
        _drive(server.port, request, n_clients, warmup, seconds)
    )
    cpu_after = server.cpu_seconds()
    answered = len(latencies)
    p50, p99 = np.percentile(latencies, [50, 99]) if latencies else (None, None)
    server_cpu = None
    if cpu_before is not None and cpu_after is not None and all_answers:
        # Over every answer, warm-up included, as the CPU time is.
        server_cpu = (cpu_after - cpu_before) / all_answers
    return {
        "clients": n_clients,
        "seconds": seconds,
        "answered": answered,
        "errors": errors,
        "requests_per_second": answered / seconds,
        "p50": None if p50 is None else float(p50),
        "p99": None if p99 is None else float(p99),
        "latency": summarize(latencies),
        "server_cpu_seconds_per_request": server_cpu,
    }


def measure(config: RunConfig) -> dict:
    seconds, warmup = (1.0, 0.3) if config.quick else (15.0, 2.0)
    cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else 1
    with tempfile.TemporaryDirectory() as tmp:
        model, _, _ = _default_model(config, Path(tmp))
        body = digit_png(load_data(config, n_train=1, n_test=1))
        direct = direct_cost(model, body, n_calls=20 if config.quick else 300)
        load_before = loadavg()
        server = _Server(model)
        try:
            levels = [drive(server, body, n, warmup, seconds) for n in CLIENT_LEVELS]
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
        "direct": direct,
        "levels": levels,
        "headline": {
            "direct_median_seconds": direct["median"],
            "cores_bound_requests_per_second": bound,
            # Targets (issue 23): at 8 and 64 clients at least half the bound;
            # no fall as clients rise; p99 at 64 within 10x the lone p50.
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
        },
        "loadavg_before": load_before,
        "loadavg_after": load_after,
    }
