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

import asyncio
import io
import json
import os
import re
import resource
import shutil
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
from benchmarks.predict_cli import default_model

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


def _cpu_seconds(pid: int) -> float | None:
    """User + system CPU seconds of process ``pid`` so far (Linux /proc)."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return None
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def _children(pid: int) -> list[int]:
    """The child processes of ``pid`` (Linux /proc): the server's workers."""
    try:
        return [
            int(c) for c in Path(f"/proc/{pid}/task/{pid}/children").read_text().split()
        ]
    except OSError:
        return []


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
        """CPU seconds of the server and its worker processes so far."""
        pids = [self.process.pid, *_children(self.process.pid)]
        seconds = [_cpu_seconds(pid) for pid in pids]
        return None if None in seconds else sum(seconds)

    def workers(self) -> int:
        """How many processes answer: the workers, or the server alone."""
        return len(_children(self.process.pid)) or 1

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


def _level(
    n_clients: int,
    seconds: float,
    latencies: list[float] | dict,
    errors: int,
    server_cpu: float | None,
    client_cpu: float | None,
) -> dict:
    """One level's record; ``latencies`` are seconds, or wrk's summary."""
    if isinstance(latencies, dict):
        latency = latencies
        p50, p99 = latency.pop("p50", None), latency.pop("p99", None)
    else:
        latency = summarize(latencies)
        p50, p99 = np.percentile(latencies, [50, 99]) if latencies else (None, None)
    answered = latency["n"]
    return {
        "clients": n_clients,
        "seconds": seconds,
        "answered": answered,
        "errors": errors,
        "requests_per_second": answered / seconds,
        "p50": None if p50 is None else float(p50),
        "p99": None if p99 is None else float(p99),
        "latency": latency,
        "server_cpu_seconds_per_request": server_cpu,
        "client_cpu_seconds_per_request": client_cpu,
    }


# wrk's script: POST the PNG, count answers that are not a 200 with a label,
# and print one JSON line with the counts and the latency percentiles (us).
_WRK_SCRIPT = """
local file = assert(io.open(%(body)s, "rb"))
wrk.method = "POST"
wrk.body = file:read("*a")
file:close()
wrk.headers["Content-Type"] = "image/png"
bad = 0
local threads = {}
function setup(thread) table.insert(threads, thread) end
function response(status, headers, body)
  if status ~= 200 or not string.find(body, '"label"', 1, true) then
    bad = bad + 1
  end
end
function done(summary, latency, requests)
  local bad_answers = 0
  for _, thread in ipairs(threads) do bad_answers = bad_answers + thread:get("bad") end
  local e = summary.errors
  local q = {}
  for _, p in ipairs({10, 25, 50, 75, 90, 99}) do
    q[#q + 1] = string.format('"%%d": %%d', p, latency:percentile(p))
  end
  io.write(string.format(
    'WRK-RESULT {"responses": %%d, "duration_us": %%d, "bad_answers": %%d, ' ..
    '"socket_errors": %%d, "min_us": %%d, "max_us": %%d, "mean_us": %%f, ' ..
    '"percentiles_us": {%%s}}\\n',
    summary.requests, summary.duration, bad_answers,
    e.connect + e.read + e.write + e.timeout,
    latency.min, latency.max, latency.mean, table.concat(q, ", ")))
end
"""


def _wrk(script: Path, port: int, n_clients: int, seconds: float) -> tuple[dict, float]:
    """One wrk run; its JSON summary, and the CPU seconds wrk used."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    out = subprocess.run(
        [
            "wrk",
            "--threads=1",
            f"--connections={n_clients}",
            f"--duration={max(1, round(seconds))}s",
            f"--timeout={_REQUEST_TIMEOUT:.0f}s",
            f"--script={script}",
            f"http://127.0.0.1:{port}/api/predict",
        ],
        capture_output=True,
        text=True,
        check=True,
        timeout=seconds + _REQUEST_TIMEOUT + 30,
    ).stdout
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    found = re.search(r"^WRK-RESULT (.*)$", out, re.MULTILINE)
    if found is None:
        raise RuntimeError(f"wrk printed no result: {out[-2000:]}")
    return json.loads(found.group(1)), cpu


def drive_wrk(
    server: _Server, script: Path, n_clients: int, warmup: float, seconds: float
) -> dict:
    """wrk's ``n_clients`` keep-alive connections posting the PNG for
    ``seconds`` (after a ``warmup`` run not counted)."""
    _wrk(script, server.port, n_clients, warmup)
    cpu_before = server.cpu_seconds()
    result, client_cpu = _wrk(script, server.port, n_clients, seconds)
    cpu_after = server.cpu_seconds()
    seconds = result["duration_us"] / 1e6
    responses = result["responses"]
    answered = responses - result["bad_answers"]
    quantiles = {int(p): v / 1e6 for p, v in result["percentiles_us"].items()}
    latency = {
        "n": answered,
        "median": quantiles[50],
        "p90": quantiles[90],
        "p10": quantiles[10],
        "iqr": quantiles[75] - quantiles[25],
        "min": result["min_us"] / 1e6,
        "max": result["max_us"] / 1e6,
        "mean": result["mean_us"] / 1e6,
        "p50": quantiles[50],
        "p99": quantiles[99],
    }
    server_cpu = None
    if cpu_before is not None and cpu_after is not None and responses:
        server_cpu = (cpu_after - cpu_before) / responses
    return _level(
        n_clients,
        seconds,
        latency,
        result["bad_answers"] + result["socket_errors"],
        server_cpu,
        client_cpu / responses if responses else None,
    )


def drive_python(
    server: _Server, body: bytes, n_clients: int, warmup: float, seconds: float
) -> dict:
    """``n_clients`` keep-alive clients of this process posting ``body`` for
    ``seconds`` (after ``warmup`` seconds not counted); wrk's stand-in."""
    request = (
        b"POST /api/predict HTTP/1.1\r\nHost: 127.0.0.1\r\n"
        b"Content-Type: image/png\r\nContent-Length: %d\r\n\r\n" % len(body)
    ) + body
    cpu_before = server.cpu_seconds()
    latencies, errors, all_answers = asyncio.run(
        _drive(server.port, request, n_clients, warmup, seconds)
    )
    cpu_after = server.cpu_seconds()
    server_cpu = None
    if cpu_before is not None and cpu_after is not None and all_answers:
        # Over every answer, warm-up included, as the CPU time is.
        server_cpu = (cpu_after - cpu_before) / all_answers
    return _level(n_clients, seconds, latencies, errors, server_cpu, None)


def _driver(quick: bool) -> str:
    """``wrk``'s version line, or ``"python"`` (its stand-in, quick runs only)."""
    if shutil.which("wrk"):
        version = subprocess.run(
            ["wrk", "--version"], capture_output=True, text=True, check=False
        ).stdout
        return version.split(" Copyright")[0].strip() or "wrk"
    if quick:
        return "python"
    raise RuntimeError(
        "the load question is driven by wrk, which is not installed "
        "(Debian/Ubuntu: apt-get install wrk)."
    )


def _work_share(direct_seconds: float, level: dict) -> float | None:
    server = level["server_cpu_seconds_per_request"]
    if server is None:
        return None
    return direct_seconds / (server + (level["client_cpu_seconds_per_request"] or 0))


def measure(config: RunConfig) -> dict:
    seconds, warmup = (1.0, 1.0) if config.quick else (15.0, 2.0)
    cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else 1
    driver = _driver(config.quick)
    with tempfile.TemporaryDirectory() as tmp:
        model, _, _ = default_model(config, Path(tmp))
        body = digit_png(load_data(config, n_train=1, n_test=1))
        png = Path(tmp) / "digit.png"
        png.write_bytes(body)
        script = Path(tmp) / "post.lua"
        script.write_text(_WRK_SCRIPT % {"body": json.dumps(str(png))})
        direct = direct_cost(model, body, n_calls=20 if config.quick else 1000)
        load_before = loadavg()
        server = _Server(model)
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
