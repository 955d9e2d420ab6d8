"""The benchmark's shared harness: run configuration, data, timing, machines.

The benchmark is split by question, as scikit-learn's ``asv_benchmarks/``:
each module ``benchmarks/<question>.py`` answers one question through
``measure(config) -> dict`` (JSON-able numbers only, no Markdown), and its
result is stored on its own in ``benchmarks/results/<question>.json`` with the
commit and machine it ran on, so that re-running one question keeps the
others. Rendering to Markdown is kept apart from measuring
(``benchmarks/render/<question>.py``: ``render(record) -> str``), and targets
are data, not code (a table ``[<question>]`` in ``benchmarks/targets.toml``,
whose header explains the keys). ``python -m benchmarks`` runs questions and
rebuilds ``RESULTS.md`` from every stored result.

Everything a question needs from outside itself lives here: the run
configuration, loading the data, timing with interleaved rounds, fresh
processes, resident memory and a description of the machine.
"""

from __future__ import annotations

import datetime
import json
import math
import os
import platform
import pstats
import subprocess
import sys
import time
from contextlib import nullcontext
from dataclasses import dataclass
from importlib import metadata
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import numpy as np

HERE = Path(__file__).resolve().parent
REPO = HERE.parent
RESULTS_DIR = HERE / "results"


@dataclass(frozen=True)
class RunConfig:
    """What one benchmark run measures on.

    ``data`` is ``"sample"`` (the bundled 10,000 + 1,000 images), a keras-layout
    ``mnist.npz`` or a folder of IDX files. ``quick`` shrinks every question to
    a smoke test whose numbers mean nothing; ``seeds`` are the random states of
    questions that repeat a fit to report a mean and a spread.
    """

    data: str = "sample"
    quick: bool = False
    seeds: tuple[int, ...] = (0, 1, 2)


def load_data(
    config: RunConfig, n_train: int | None = None, n_test: int | None = None
) -> SimpleNamespace:
    """Flat float32 pixels / 255 and int labels, as the notebook fed Keras.

    ``source`` names the data without machine paths (a file name or
    ``"bundled sample"``), so results can be shared.
    """
    from skdigits.datasets import fetch_mnist, load_mnist_sample

    if config.data == "sample":
        arrays = load_mnist_sample(return_X_y=True)
        source = "bundled sample"
    else:
        arrays = fetch_mnist(config.data, download_if_missing=False, return_X_y=True)
        source = Path(config.data).name
    X_train, y_train, X_test, y_test = arrays

    def features(X, n):
        X = X[:n] if n else X
        return X.reshape(len(X), -1).astype(np.float32) / np.float32(255)

    def labels(y, n):
        return (y[:n] if n else y).astype(np.int64)

    return SimpleNamespace(
        X_train=features(X_train, n_train),
        y_train=labels(y_train, n_train),
        X_test=features(X_test, n_test),
        y_test=labels(y_test, n_test),
        source=source,
    )


def child_env(env: dict[str, str] | None = None) -> dict[str, str]:
    """This process's environment (plus ``env``), with this repository first
    on the child's ``sys.path``."""
    child = {**os.environ, **(env or {})}
    child["PYTHONPATH"] = os.pathsep.join(
        p for p in (str(REPO), child.get("PYTHONPATH", "")) if p
    )
    return child


def wall_seconds(command: list[str]) -> float:
    """Wall-clock seconds of a whole process, for start-up questions (the
    interleaved timers above time calls inside this process)."""
    start = time.perf_counter()
    subprocess.run(command, env=child_env(), capture_output=True, check=True)
    return time.perf_counter() - start


def run_fresh(
    code: str, *, env: dict[str, str] | None = None, timeout: float | None = None
) -> Any:
    """Run ``code`` in a new Python process; return the JSON of its last line.

    Memory and start-up questions need a process that nothing else has
    touched. The child sees this repository first on ``sys.path``.
    """
    proc = subprocess.run(
        [sys.executable, "-c", code],
        capture_output=True,
        text=True,
        env=child_env(env),
        timeout=timeout,
        check=False,
    )
    if proc.returncode != 0:
        raise RuntimeError(
            f"benchmark child failed with exit code {proc.returncode}:\n"
            f"{proc.stderr[-2000:]}"
        )
    return json.loads(proc.stdout.strip().splitlines()[-1])


def git_commit() -> str | None:
    """The commit being measured (``git describe --always --dirty``)."""
    try:
        return subprocess.run(
            ["git", "describe", "--always", "--dirty"],
            cwd=REPO,
            capture_output=True,
            text=True,
            check=True,
        ).stdout.strip()
    except (OSError, subprocess.CalledProcessError):
        return None


def save_result(
    question: str,
    result: dict,
    config: RunConfig,
    *,
    run: dict | None = None,
    results_dir: Path | None = None,
) -> Path:
    """Store one question's result with when, where and at which commit it ran.

    ``run`` (optional) says how the run went: its wall time, the load average
    before and after, the command. NumPy scalars in ``result`` are turned into
    Python numbers; the data is named by its file name only.
    """
    from skdigits._prediction.formatting import jsonable

    folder = RESULTS_DIR if results_dir is None else Path(results_dir)
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"{question}.json"
    record = {
        "question": question,
        "config": {
            "data": Path(config.data).name,
            "quick": config.quick,
            "seeds": list(config.seeds),
        },
        "machine": machine_info(),
        **({"run": run} if run else {}),
        "result": result,
    }
    path.write_text(json.dumps(jsonable(record), indent=1) + "\n")
    return path


def load_result(question: str, results_dir: Path | None = None) -> dict | None:
    """The stored record of ``question``, or None if it never ran."""
    folder = RESULTS_DIR if results_dir is None else Path(results_dir)
    path = folder / f"{question}.json"
    return json.loads(path.read_text()) if path.exists() else None


def summarize(seconds) -> dict:
    """Median, p90 and spread of a list of durations (seconds)."""
    a = np.asarray(seconds, dtype=float)
    if a.size == 0:
        return {"n": 0}
    q10, q25, q50, q75, q90 = np.percentile(a, [10, 25, 50, 75, 90])
    return {
        "n": int(a.size),
        "median": float(q50),
        "p90": float(q90),
        "p10": float(q10),
        "iqr": float(q75 - q25),
        "min": float(a.min()),
        "max": float(a.max()),
        "mean": float(a.mean()),
    }


def time_interleaved(
    fns: dict, n_calls: int, n_warmup: int, blocks: int, contexts: dict | None = None
) -> dict:
    """Time each ``fn()`` ``n_calls`` times, alternating between them in blocks.

    Alternating blocks (A B C A B C ...) spreads a burst of load from the other
    jobs on this shared machine over every candidate instead of one.
    ``contexts[name]()``, if given, is entered around each of that candidate's
    blocks (not each call, so that its own cost is not timed).
    """
    contexts = contexts or {}
    for name, fn in fns.items():
        with contexts.get(name, nullcontext)():
            for _ in range(n_warmup):
                fn()
    times: dict[str, list[float]] = {name: [] for name in fns}
    per_block = max(1, math.ceil(n_calls / blocks))
    while any(len(t) < n_calls for t in times.values()):
        for name, fn in fns.items():
            with contexts.get(name, nullcontext)():
                for _ in range(min(per_block, n_calls - len(times[name]))):
                    t0 = time.perf_counter()
                    fn()
                    times[name].append(time.perf_counter() - t0)
    return {name: {**summarize(t), "seconds": t} for name, t in times.items()}


def one_blas_thread():
    """Limit NumPy's BLAS to one thread (threadpoolctl ships with scikit-learn).

    On this shared 2-core machine a 2-thread OpenBLAS product waits for the
    busy second core, which gives small batches tails of tens of ms.
    """
    from threadpoolctl import threadpool_limits

    return threadpool_limits(limits=1, user_api="blas")


def loadavg() -> list[float]:
    try:
        return [round(x, 2) for x in os.getloadavg()]
    except OSError:
        return []


def rss_mb() -> dict:
    """Current and peak resident set size in MB (Linux /proc, else psutil/resource)."""
    try:
        fields = {}
        with open("/proc/self/status") as f:
            for line in f:
                key, _, value = line.partition(":")
                if key in ("VmRSS", "VmHWM"):
                    fields[key] = int(value.split()[0]) / 1024  # kB -> MB
        return {"rss": fields["VmRSS"], "peak": fields["VmHWM"]}
    except (OSError, KeyError):
        pass
    import resource

    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # kB on Linux
    try:
        import psutil

        return {"rss": psutil.Process().memory_info().rss / 2**20, "peak": peak}
    except ImportError:
        return {"rss": None, "peak": peak}


def reset_peak_rss() -> bool:
    """Reset VmHWM (Linux >= 4.0), so the next peak is the fit's, not loading's."""
    try:
        with open("/proc/self/clear_refs", "w") as f:
            f.write("5")
        return True
    except OSError:
        return False


def machine_info() -> dict:
    def first(path, key):
        try:
            with open(path) as f:
                for line in f:
                    if line.startswith(key):
                        return line.split(":", 1)[1].strip() if ":" in line else line
        except OSError:
            pass
        return None

    def version(dist):
        try:
            return metadata.version(dist)
        except metadata.PackageNotFoundError:
            return None

    os_name = None
    try:
        os_name = platform.freedesktop_os_release().get("PRETTY_NAME")
    except (OSError, AttributeError):
        pass
    mem = first("/proc/meminfo", "MemTotal")
    try:
        cores_usable = len(os.sched_getaffinity(0))
    except AttributeError:
        cores_usable = os.cpu_count()
    return {
        "cpu": first("/proc/cpuinfo", "model name") or platform.processor(),
        "cores": os.cpu_count(),
        "cores_usable": cores_usable,
        "ram_gb": round(int(mem.split()[0]) / 2**20, 1) if mem else None,
        "os": f"{os_name or platform.system()} ({platform.platform()})",
        "python": platform.python_version(),
        "versions": {
            d: version(d)
            for d in (
                "numpy",
                "scikit-learn",
                "tensorflow",
                "keras",
                "scikeras",
                "skdigits",
                "psutil",
            )
        },
        "git": git_commit(),
        "date": datetime.datetime.now(datetime.timezone.utc).isoformat(
            timespec="seconds"
        ),
    }


def rows_of(X: np.ndarray, n: int) -> np.ndarray:
    """``n`` rows of ``X``, repeating it if it is shorter (small test sets)."""
    reps = math.ceil(n / len(X))
    return np.ascontiguousarray(np.concatenate([X] * reps)[:n])


def top_functions(stats: pstats.Stats, packages: tuple[str, ...], n: int) -> list[dict]:
    """The ``n`` functions of ``packages`` with the largest cumulative time.

    Files are named by their last two path parts, so no machine path leaks
    into the results.
    """
    rows = []
    for (file, line, func), (_, calls, tottime, cumtime, _) in stats.stats.items():
        parts = Path(file).parts
        if not any(p in parts for p in packages):
            continue
        rows.append(
            {
                "function": f"{'/'.join(parts[-2:])}:{line}({func})",
                "calls": calls,
                "tottime": tottime,
                "cumtime": cumtime,
            }
        )
    rows.sort(key=lambda r: r["cumtime"], reverse=True)
    return rows[:n]
