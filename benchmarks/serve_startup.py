"""How long does ``skdigits serve MODEL`` take to answer its first request?

A user starts the server and opens the page: what they wait for is the whole
process, from the command to the first answer. Each run is a fresh
``python -m skdigits serve MODEL --port 0`` process, timed from its start
until ``GET /api/model`` answers 200, then stopped with Ctrl-C (SIGINT). Its
runs are interleaved with two references, so that load from other jobs on
the machine spreads over all of them:

* ``import_persistence``: a process that only imports what loading a model
  needs (``skdigits.persistence``, hence scikit-learn), the floor of any
  server that returns scikit-learn estimators;
* ``python``: ``python -c pass``, the floor any process pays.

The model is the default pipeline, saved with :func:`skdigits.save_model`
(its size does not depend on how long it trained).
"""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

from benchmarks.common import REPO, RunConfig, loadavg, summarize
from benchmarks.predict_cli import _default_model

_TIMEOUT = 120.0  # seconds for one start-up; far beyond any real one


def _env() -> dict[str, str]:
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join(
        p for p in (str(REPO), env.get("PYTHONPATH", "")) if p
    )
    return env


def _serve_seconds(model: Path) -> float:
    """Seconds from starting ``skdigits serve`` to its first 200 answer."""
    start = time.perf_counter()
    process = subprocess.Popen(
        [sys.executable, "-m", "skdigits", "serve", str(model), "--port", "0"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=_env(),
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
            raise RuntimeError(f"skdigits serve printed no address: {process.stderr}")
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


def _wall(command: list[str]) -> float:
    start = time.perf_counter()
    subprocess.run(command, env=_env(), capture_output=True, check=True)
    return time.perf_counter() - start


def measure(config: RunConfig) -> dict:
    n_runs = 2 if config.quick else 9
    references = {
        "import_persistence": [sys.executable, "-c", "import skdigits.persistence"],
        "python": [sys.executable, "-c", "pass"],
    }
    with tempfile.TemporaryDirectory() as tmp:
        full, small, _ = _default_model(config, Path(tmp))
        candidates = {
            "serve": lambda: _serve_seconds(full),
            "serve_inference_file": lambda: _serve_seconds(small),
            **{
                name: (lambda command=command: _wall(command))
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
