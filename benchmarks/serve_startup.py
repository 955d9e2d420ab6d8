"""How long does ``skdigits serve MODEL`` take to answer its first request?

A user starts the server and opens the page: what they wait for is the whole
process, from the command to the first answer. Each run is a fresh
``python -m skdigits serve MODEL --port 0`` process, timed from its start
until ``GET /api/model`` answers 200, then stopped with Ctrl-C (SIGINT). Its
runs are interleaved with two references, so that load from other jobs on
the machine spreads over all of them:

* ``import_persistence``: a process that only imports
  ``skdigits.persistence`` (hence scikit-learn), the floor of a server that
  loads the file as scikit-learn estimators, as ``skdigits serve`` did
  before it used the NumPy-only :func:`skdigits.inference.load_inference_model`;
* ``python``: ``python -c pass``, the floor any process pays.

The model is the default pipeline, saved with :func:`skdigits.save_model`
(its size does not depend on how long it trained).
"""

from __future__ import annotations

import re
import signal
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

from benchmarks.common import RunConfig, child_env, loadavg, summarize, wall_seconds
from benchmarks.predict_cli import default_model

_TIMEOUT = 120.0  # seconds for one start-up; far beyond any real one


def _serve_seconds(model: Path) -> float:
    """Seconds from starting ``skdigits serve`` to its first 200 answer."""
    start = time.perf_counter()
    process = subprocess.Popen(
        [sys.executable, "-m", "skdigits", "serve", str(model), "--port", "0"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=child_env(),
    )
    try:
        url = None
        for line in process.stdout:  # the server prints its address
            found = re.search(r"http://127\.0\.0\.1:\d+/", line)
            if found:
                url = found.group(0)
                break
            if time.perf_counter() - start > _TIMEOUT:
                break
        if url is None:
            process.kill()
            raise RuntimeError(
                f"skdigits serve printed no address: {process.stderr.read()[-2000:]}"
            )
        while True:
            try:
                with urllib.request.urlopen(url + "api/model", timeout=5) as answer:
                    if answer.status == 200:
                        return time.perf_counter() - start
            except OSError:
                if time.perf_counter() - start > _TIMEOUT:
                    raise
                time.sleep(0.005)
    finally:
        process.send_signal(signal.SIGINT)
        try:
            process.communicate(timeout=30)
        except subprocess.TimeoutExpired:
            process.kill()
            process.communicate()


def measure(config: RunConfig) -> dict:
    n_runs = 2 if config.quick else 9
    references = {
        "import_persistence": [sys.executable, "-c", "import skdigits.persistence"],
        "python": [sys.executable, "-c", "pass"],
    }
    with tempfile.TemporaryDirectory() as tmp:
        full, small, _ = default_model(config, Path(tmp))
        candidates = {
            "serve": lambda: _serve_seconds(full),
            "serve_inference_file": lambda: _serve_seconds(small),
            **{
                name: (lambda command=command: wall_seconds(command))
                for name, command in references.items()
            },
        }
        for run in candidates.values():  # warm the file cache
            run()
        load_before = loadavg()
        seconds: dict[str, list[float]] = {name: [] for name in candidates}
        for _ in range(n_runs):
            for name, run in candidates.items():
                seconds[name].append(run())
        load_after = loadavg()
    timings = {name: summarize(t) | {"seconds": t} for name, t in seconds.items()}
    return {
        "n_runs": n_runs,
        "timings": timings,
        "headline": {
            "serve_median_seconds": timings["serve"]["median"],
            "serve_min_seconds": timings["serve"]["min"],
            "import_persistence_median_seconds": timings["import_persistence"][
                "median"
            ],
        },
        "loadavg_before": load_before,
        "loadavg_after": load_after,
    }
