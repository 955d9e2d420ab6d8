"""Clients that keep a server busy: wrk, or this process's asyncio stand-in.

:func:`drive_wrk` runs wrk's keep-alive connections posting a PNG to
``/api/predict`` (its Lua script, :data:`WRK_SCRIPT`, counts answers that are
not a 200 with a label); :func:`drive_python` does the same from this
process, for quick runs where wrk is not installed. Each returns one level's
record: answers per second, latency percentiles, errors, and the CPU seconds
per request of the server and of the client.
"""

from __future__ import annotations

import asyncio
import json
import re
import resource
import shutil
import subprocess
import time
from pathlib import Path

import numpy as np

from benchmarks._server_process import ServerProcess
from benchmarks.common import summarize

__all__ = ["WRK_SCRIPT", "drive_python", "drive_wrk", "driver_name", "run_wrk"]

_REQUEST_TIMEOUT = 30.0  # seconds for one answer; far beyond any real one


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
WRK_SCRIPT = """
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
    '"socket_errors": %%d, "socket_errors_by_kind": {"connect": %%d, ' ..
    '"read": %%d, "write": %%d, "timeout": %%d}, ' ..
    '"min_us": %%d, "max_us": %%d, "mean_us": %%f, ' ..
    '"percentiles_us": {%%s}}\\n',
    summary.requests, summary.duration, bad_answers,
    e.connect + e.read + e.write + e.timeout,
    e.connect, e.read, e.write, e.timeout,
    latency.min, latency.max, latency.mean, table.concat(q, ", ")))
end
"""


def run_wrk(
    script: Path, port: int, n_clients: int, seconds: float
) -> tuple[dict, float]:
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
    server: ServerProcess, script: Path, n_clients: int, warmup: float, seconds: float
) -> dict:
    """wrk's ``n_clients`` keep-alive connections posting the PNG for
    ``seconds`` (after a ``warmup`` run not counted)."""
    run_wrk(script, server.port, n_clients, warmup)
    cpu_before = server.cpu_seconds()
    result, client_cpu = run_wrk(script, server.port, n_clients, seconds)
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
    server: ServerProcess, body: bytes, n_clients: int, warmup: float, seconds: float
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


def driver_name(quick: bool) -> str:
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
