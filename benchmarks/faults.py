"""What does a fault cost, and how soon is everything back?

Each fault is injected as it reaches a user, several times, and what was
lost is counted (``benchmarks/_fault_injection.py`` holds the tools):

* **a worker killed under load**: ``skdigits serve MODEL --workers 2``
  driven by 8 keep-alive clients (wrk, as the load question), one worker
  SIGKILLed *early* (0.5-4.5 s after the server printed its address, when
  the old rule, "a worker dead within 5 s of its start is a crash loop",
  stopped the whole server) or *late* (8 s after); a fresh server each time.
  Lost: the requests that failed (each client has one in flight at most, so
  at most 8 can). Time to recover: from the kill to the new worker's process
  (its socket listens from then on: connections wait in its queue). Also:
  whether the server was still running and answered afterwards. A run
  without a kill is the control.
* **a process killed while it writes a file** (SIGKILL at a random moment
  of the write, after three writes that set how long one takes):
  ``save_model``, ``skdigits export`` and the shipped model's build (its
  copy into the package, ``install``), each over an existing file. Lost:
  the target no longer a whole model. Left: hidden partial files, and those
  still there once the next write ran.
* **a full disk** (:class:`FullDisk`, writes raising ENOSPC once a random
  number of bytes is written): ``save_model`` over an old model, and
  ``write_report`` over an earlier report (the disk fills in a file of the
  report chosen at random, at a random byte). Lost: the old model
  changed; a report folder that does not say it is incomplete; the error
  not naming the file.
* **Ctrl-C during ``skdigits train``** (the default network on the run's
  data), at a random moment of the first epoch: seconds from Ctrl-C to the
  process's exit, its exit code, and what it left of the report folder.
"""

from __future__ import annotations

import errno
import json
import os
import shutil
import signal
import tempfile
import threading
import time
import urllib.request
from pathlib import Path

import numpy as np

from benchmarks._fault_injection import (
    FullDisk,
    ctrl_c_during_training,
    kill_while_writing,
    partials_of,
)
from benchmarks._load_driving import WRK_SCRIPT, drive_python, driver_name, run_wrk
from benchmarks._server_process import ServerProcess, children
from benchmarks.common import RunConfig, load_data, summarize
from benchmarks.load import digit_png
from benchmarks.predict_cli import default_model

CLIENTS = 8
_AFTER_KILL = 2.0  # seconds of load after a kill


def _drive(server: ServerProcess, driver: str, script: Path, body: bytes, seconds):
    """``CLIENTS`` clients for ``seconds``: answers, failed requests, and the
    failures by kind (wrk's socket errors and its bad answers)."""
    if driver == "python":
        level = drive_python(server, body, CLIENTS, 0.0, seconds)
        return level["answered"], level["errors"], None
    result, _ = run_wrk(script, server.port, CLIENTS, seconds)
    kinds = {**result["socket_errors_by_kind"], "bad answer": result["bad_answers"]}
    return (
        result["responses"] - result["bad_answers"],
        result["bad_answers"] + result["socket_errors"],
        {kind: n for kind, n in kinds.items() if n},
    )


def _answers(port: int, body: bytes) -> bool:
    request = urllib.request.Request(
        f"http://127.0.0.1:{port}/api/predict",
        data=body,
        headers={"Content-Type": "image/png"},
    )
    with urllib.request.urlopen(request, timeout=30) as answer:
        return answer.status == 200 and "label" in json.load(answer)


def kill_a_worker(model, driver, script, body, kill_at: float | None) -> dict:
    """One server, one load run; a worker SIGKILLed ``kill_at`` seconds after
    the server printed its address (None: no kill, the control)."""
    server = ServerProcess(model, "--workers", "2")
    started = time.monotonic()
    seconds = (kill_at or 3.0) + _AFTER_KILL
    done: dict = {}
    load = threading.Thread(
        target=lambda: done.update(
            zip(
                ("answered", "lost", "lost_by_kind"),
                _drive(server, driver, script, body, seconds),
                strict=True,
            )
        )
    )
    record: dict = {"kill_at": kill_at}
    try:
        load.start()
        workers = []
        while len(workers) < 2:
            workers = children(server.process.pid)
        if kill_at is not None:
            time.sleep(max(0.0, started + kill_at - time.monotonic()))
            victim = min(workers)  # the first forked
            record["victim_age"] = time.monotonic() - started
            killed = time.monotonic()
            os.kill(victim, signal.SIGKILL)
            while True:
                now = children(server.process.pid)
                if victim not in now and len(now) == 2:
                    break
                if server.process.poll() is not None:  # the server stopped
                    now = []
                    break
                time.sleep(0.0005)
            record["recovery_seconds"] = time.monotonic() - killed
            record["workers_after"] = len(now)
        load.join()
        record["running_after"] = server.process.poll() is None
        record["answers_after"] = record["running_after"] and _answers(
            server.port, body
        )
    finally:
        server.stop()
    record |= done
    record["replaced_said"] = "starting another." in (server.output or "")
    record["exit_code"] = server.returncode
    return record


def _whole(path: Path) -> bool:
    """Whether ``path`` is a whole model file (or ONNX model)."""
    try:
        if path.suffix == ".onnx":
            import onnx

            onnx.checker.check_model(onnx.load(path))
        else:
            from skdigits._prediction.model_file import read_model_archive

            read_model_archive(path, read_network=False)
        return True
    except Exception:
        return False


def killed_writes(writer: str, source: Path, target: Path, n: int, rng) -> dict:
    """``n`` kills of ``writer`` mid-write over ``target``, a whole file."""
    from skdigits._prediction.writing import remove_stale_partials

    rows = []
    for _ in range(n):
        row = kill_while_writing(writer, source, target, rng)
        row["target_whole"] = _whole(target)
        row["partials_left"] = len(partials_of(target))
        remove_stale_partials(target)  # what the next write does first
        row["partials_after_next_write"] = len(partials_of(target))
        rows.append(row)
    return {
        "injected": n,
        "files_lost": sum(not r["target_whole"] for r in rows),
        "mid_write": sum(r["partials_left"] > 0 for r in rows),
        "partials_after_next_write": sum(r["partials_after_next_write"] for r in rows),
        "write_seconds": summarize([r["write_seconds"] for r in rows]),
        "rows": rows,
    }


def _full_disk(write, target: Path, free: int, old: bytes | None) -> dict:
    """``write()`` on a disk with ``free`` bytes: the error and the target."""
    with FullDisk(free) as disk:
        try:
            write()
            error = None
        except OSError as exc:
            error = exc
    return {
        "free_bytes": free,
        "hit": disk.hit,
        "errno": None if error is None else error.errno,
        "names_the_file": error is not None and f"cannot write {target}" in str(error),
        "target_unchanged": old is None or target.read_bytes() == old,
        "partials_left": len(partials_of(target)),
    }


def full_disk_saves(source: Path, folder: Path, n: int, rng) -> dict:
    from skdigits.persistence import load_model, save_model

    model, target = load_model(source), folder / "model.skdigits"
    old = source.read_bytes()
    target.write_bytes(old)
    rows = [
        _full_disk(
            lambda: save_model(model, target, include_optimizer=False),
            target,
            int(rng.integers(0, len(old))),
            old,
        )
        for _ in range(n)
    ]
    return {
        "injected": n,
        "enospc": sum(r["errno"] == errno.ENOSPC for r in rows),
        "names_the_file": sum(r["names_the_file"] for r in rows),
        "files_lost": sum(not r["target_unchanged"] for r in rows),
        "partials_left": sum(r["partials_left"] for r in rows),
        "rows": rows,
    }


def full_disk_reports(full: Path, config: RunConfig, folder: Path, n: int, rng):
    """A report over an earlier one, on a disk that fills in one of its
    files (chosen at random, in the order they are written) at a random byte."""
    from skdigits._commands.report import INCOMPLETE_FILE, REPORT_FILES, write_report
    from skdigits.persistence import load_model

    model = load_model(full)
    data = load_data(config, n_train=2000, n_test=1000)
    pixels = [np.rint(X * 255).astype(np.uint8) for X in (data.X_train, data.X_test)]
    args = (pixels[0], data.y_train, pixels[1], data.y_test)

    def write():
        write_report(folder, model, *args, overwrite=True)

    write()
    names = [INCOMPLETE_FILE, *REPORT_FILES.values()]  # in the order written
    sizes = [len(_INCOMPLETE_SIZE_GUESS)] + [
        (folder / name).stat().st_size for name in names[1:]
    ]
    starts = np.cumsum([0, *sizes[:-1]])
    rows = []
    for _ in range(n):
        i = int(rng.integers(len(names)))
        free = int(starts[i] + rng.integers(sizes[i]))
        row = _full_disk(write, folder / "model.skdigits", free, None)
        row["filled_in"] = names[i]
        row["marked_incomplete"] = (folder / INCOMPLETE_FILE).exists()
        row["model_whole"] = _whole(folder / "model.skdigits")
        rows.append(row)
    return {
        "injected": n,
        "enospc": sum(r["errno"] == errno.ENOSPC for r in rows),
        "marked_incomplete": sum(r["marked_incomplete"] for r in rows),
        "model_whole": sum(r["model_whole"] for r in rows),
        "files_lost": sum(not r["model_whole"] for r in rows),
        "partials_left": sum(r["partials_left"] for r in rows),
        "report_bytes": int(sum(sizes)),
        "rows": rows,
    }


# INCOMPLETE.txt is gone once a report is complete: its size, near enough.
_INCOMPLETE_SIZE_GUESS = "x" * 560


def _worker_summary(rows: list[dict]) -> dict:
    return {
        "injected": len(rows),
        "requests": sum(r["answered"] + r["lost"] for r in rows),
        "lost": sum(r["lost"] for r in rows),
        "max_lost_per_kill": max(r["lost"] for r in rows),
        "recovery_seconds": summarize([r["recovery_seconds"] for r in rows]),
        "max_recovery_seconds": max(r["recovery_seconds"] for r in rows),
        "server_stopped": sum(not r["running_after"] for r in rows),
        "answered_after": sum(bool(r["answers_after"]) for r in rows),
        "workers_back": sum(r["workers_after"] == 2 for r in rows),
        "rows": rows,
    }


def measure(config: RunConfig) -> dict:
    quick = config.quick
    rng = np.random.default_rng(0)
    early = (0.3,) if quick else (0.5, 1.5, 2.5, 3.5, 4.5)
    late = (1.0,) if quick else (8.0, 8.0, 8.0)
    n_kills, n_full = (1, 2) if quick else (8, 10)
    driver = driver_name(quick)
    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        full, small, _ = default_model(config, tmp)
        body = digit_png(load_data(config, n_train=1, n_test=1))
        (tmp / "digit.png").write_bytes(body)
        script = tmp / "post.lua"
        script.write_text(WRK_SCRIPT % {"body": json.dumps(str(tmp / "digit.png"))})
        control = kill_a_worker(small, driver, script, body, None)
        workers = {
            name: _worker_summary(
                [kill_a_worker(small, driver, script, body, at) for at in times]
            )
            for name, times in (("early", early), ("late", late))
        }
        files = {}
        from skdigits.persistence import export_onnx

        targets = {
            "save_model": "m.skdigits",
            "export": "m.onnx",
            "build": "p.skdigits",
        }
        for writer, name in targets.items():
            folder = tmp / writer
            folder.mkdir()
            target = folder / name
            if writer == "export":
                export_onnx(small, target)
            else:
                shutil.copyfile(small, target)
            files[writer] = killed_writes(writer, small, target, n_kills, rng)
        (tmp / "disk").mkdir()
        disk = {
            "save_model": full_disk_saves(small, tmp / "disk", n_full, rng),
            "report": full_disk_reports(
                full, config, tmp / "report", 1 if quick else 4, rng
            ),
        }
        train_args = ["--data", config.data, "--no-download"] + (
            ["--epochs", "200", "--hidden", "16", "--batch-size", "256"]
            if quick
            else ["--epochs", "30"]
        )
        ctrl_c = [
            ctrl_c_during_training(
                train_args, tmp / f"run{i}", float(rng.uniform(0, 0.5 if quick else 5))
            )
            for i in range(1 if quick else 3)
        ]
    return {
        "clients": CLIENTS,
        "driver": driver,
        "control": control,
        "workers": workers,
        "killed_writes": files,
        "full_disk": disk,
        "ctrl_c": {
            "injected": len(ctrl_c),
            "seconds_to_stop": summarize([r["seconds_to_stop"] for r in ctrl_c]),
            "max_seconds_to_stop": max(r["seconds_to_stop"] for r in ctrl_c),
            "exit_130": sum(r["exit_code"] == 130 for r in ctrl_c),
            "unmarked_folders": sum(r["folder_left"] == "unmarked" for r in ctrl_c),
            "rows": ctrl_c,
        },
        "headline": {
            "max_requests_lost_per_worker_kill": max(
                w["max_lost_per_kill"] for w in workers.values()
            ),
            "server_stopped_after_a_worker_kill": sum(
                w["server_stopped"] for w in workers.values()
            ),
            "max_worker_recovery_seconds": max(
                w["max_recovery_seconds"] for w in workers.values()
            ),
            "files_lost": sum(f["files_lost"] for f in files.values())
            + sum(d["files_lost"] for d in disk.values()),
            "partials_after_next_write": sum(
                f["partials_after_next_write"] for f in files.values()
            )
            + sum(d["partials_left"] for d in disk.values()),
            "unmarked_report_folders": (
                disk["report"]["injected"] - disk["report"]["marked_incomplete"]
            )
            + sum(r["folder_left"] == "unmarked" for r in ctrl_c),
            "max_seconds_to_stop_training": max(r["seconds_to_stop"] for r in ctrl_c),
        },
    }
