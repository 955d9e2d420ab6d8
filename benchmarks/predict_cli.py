"""How long does ``skdigits predict`` take, as a whole process, with and
without TensorFlow? And how big is the saved default model, full and
inference-only?

A user runs ``skdigits predict run/model.skdigits a.png b.png c.png`` once and
waits for the whole process: interpreter start-up, imports, reading the model,
preparing the images, printing. So every candidate here is a fresh process,
timed from the outside (wall clock), its runs interleaved with the others'
(A B C A B C ...) so that load from the other jobs on the machine spreads over
all of them:

* ``keras_load``: what ``skdigits predict`` cost before the NumPy-only path:
  the CLI, with the Keras network loaded as ``load_model`` used to do
  (``import tensorflow`` plus deserialising the network);
* ``cli``: ``python -m skdigits predict`` through the CLI at this commit
  (which calls the NumPy-only path);
* ``numpy_only``: the fast path the CLI is meant to call,
  :func:`skdigits.inference.predict_digits` (NumPy and Pillow only), printing
  the same table;
* ``python``: ``python -c pass``, the floor any process pays.

It also checks which heavy modules each path imports, that ``skdigits --help``
and ``skdigits predict --help`` start without TensorFlow, and the sizes of
the default network's full and inference-only files.
"""

from __future__ import annotations

import json
import subprocess
import sys
import tempfile
from pathlib import Path

import numpy as np

from benchmarks.common import (
    RunConfig,
    child_env,
    load_data,
    loadavg,
    summarize,
    wall_seconds,
)

# The CLI as it ran before this question's change: load_model deserialised
# the Keras network (starting TensorFlow) before predicting.
_KERAS_LOAD = """
import sys
from skdigits.persistence import load_model
load_model(sys.argv[1]).steps[-1][1].model_
from skdigits._commands.cli import main
sys.exit(main(["predict", *sys.argv[1:]]))
"""

_NUMPY_ONLY = """
import sys
from skdigits.inference import predict_digits
records = predict_digits(sys.argv[2:], sys.argv[1])
print("file  digit  probability")
for r in records:
    print(f"{r['file']}  {r['label']}  {100 * r['probability']:.1f} %")
"""

_MODULES = """
import json, runpy, sys
sys.argv = sys.argv[1:]
try:
    {run}
except SystemExit:
    pass
heavy = ("tensorflow", "keras", "sklearn", "scipy", "matplotlib", "pandas")
print(json.dumps(sorted(m for m in heavy if m in sys.modules)), file=sys.stderr)
"""


def _commands(model: Path, pngs: list[Path]) -> dict[str, list[str]]:
    files = [str(model), *map(str, pngs)]
    return {
        "keras_load": [sys.executable, "-c", _KERAS_LOAD, *files],
        "cli": [sys.executable, "-m", "skdigits", "predict", *files],
        "numpy_only": [sys.executable, "-c", _NUMPY_ONLY, *files],
        "python": [sys.executable, "-c", "pass"],
    }


def _heavy_modules(code: str, args: list[str]) -> list[str]:
    """Heavy modules a fresh process has imported after running ``code``
    with ``sys.argv`` set to ``args`` (program name first)."""
    script = _MODULES.format(run=code)
    result = subprocess.run(
        [sys.executable, "-c", script, *args],
        env=child_env(),
        capture_output=True,
        text=True,
        check=True,
    )
    return json.loads(result.stderr.strip().splitlines()[-1])


def default_model(config: RunConfig, folder: Path) -> tuple[Path, Path, np.ndarray]:
    """The default Pipeline, trained briefly (the timing does not depend on
    the weights' values), saved full and inference-only."""
    from sklearn.pipeline import Pipeline

    from skdigits import DenseDigitClassifier, PixelScaler, save_model

    data = load_data(config, n_train=2000 if config.quick else None)
    X_train = np.rint(data.X_train * 255).astype(np.uint8)
    X_test = np.rint(data.X_test[:3] * 255).astype(np.uint8).reshape(-1, 28, 28)
    model = Pipeline(
        [
            ("scale", PixelScaler()),
            ("clf", DenseDigitClassifier(epochs=1, random_state=0)),
        ]
    ).fit(X_train, data.y_train)
    full = save_model(model, folder / "model.skdigits")
    small = save_model(model, folder / "small.skdigits", include_optimizer=False)
    return full, small, X_test


def measure(config: RunConfig) -> dict:
    from PIL import Image

    n_runs = 2 if config.quick else 9
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        full, small, images = default_model(config, folder)
        pngs = []
        for i, image in enumerate(images):
            pngs.append(folder / f"digit_{i}.png")
            Image.fromarray(255 - image).resize((84, 84)).save(pngs[-1])

        commands = _commands(full, pngs)
        commands["numpy_only_inference_file"] = _commands(small, pngs)["numpy_only"]
        for command in commands.values():  # warm the file cache
            wall_seconds(command)
        load_before = loadavg()
        seconds: dict[str, list[float]] = {name: [] for name in commands}
        for _ in range(n_runs):
            for name, command in commands.items():
                seconds[name].append(wall_seconds(command))
        load_after = loadavg()

        files = [str(full), *map(str, pngs)]
        modules = {
            "cli": _heavy_modules(
                "runpy.run_module('skdigits', run_name='__main__')",
                ["skdigits", "predict", *files],
            ),
            "numpy_only": _heavy_modules(
                "from skdigits.inference import predict_digits; "
                "predict_digits(sys.argv[2:], sys.argv[1])",
                ["prog", *files],
            ),
            "help": _heavy_modules(
                "runpy.run_module('skdigits', run_name='__main__')",
                ["skdigits", "--help"],
            ),
            "predict_help": _heavy_modules(
                "runpy.run_module('skdigits', run_name='__main__')",
                ["skdigits", "predict", "--help"],
            ),
        }
        sizes = {
            "full_mb": full.stat().st_size / 1e6,
            "inference_only_mb": small.stat().st_size / 1e6,
        }

    timings = {name: summarize(t) | {"seconds": t} for name, t in seconds.items()}
    median = {name: t["median"] for name, t in timings.items()}
    best = {name: t["min"] for name, t in timings.items()}
    return {
        "n_images": len(pngs),
        "n_runs": n_runs,
        "timings": timings,
        "headline": {
            "before_median_seconds": median["keras_load"],
            "cli_median_seconds": median["cli"],
            "numpy_only_median_seconds": median["numpy_only"],
            "python_startup_median_seconds": median["python"],
            "speedup_vs_before": median["keras_load"] / median["numpy_only"],
            "speedup_vs_cli": median["cli"] / median["numpy_only"],
            "speedup_vs_cli_before": median["keras_load"] / median["cli"],
            # The least disturbed run of each: on a shared machine the
            # minimum is the closest to what an idle one gives.
            "before_min_seconds": best["keras_load"],
            "numpy_only_min_seconds": best["numpy_only"],
        },
        "loadavg_before": load_before,
        "loadavg_after": load_after,
        "heavy_modules": modules,
        "file_sizes": sizes,
    }
