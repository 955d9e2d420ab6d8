"""The benchmark keeps working, and what it stores and renders stays honest.

``python -m benchmarks --quick`` runs every question end to end on a tiny
synthetic MNIST-shaped ``.npz``; its numbers mean nothing, so the checks are
that each question's figures are there and consistent with its raw data. The
other tests need no TensorFlow: argument checks, the targets file, rendering
``RESULTS.md`` from the stored results, and discovering new questions.
"""

from __future__ import annotations

import json
import math
import re
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from benchmarks import __main__ as entry
from benchmarks import _conditions as bench_conditions
from benchmarks import _fonts as bench_fonts
from benchmarks import _scoring as bench_scoring
from benchmarks import robustness
from benchmarks._peak import epoch_flops
from benchmarks.accuracy import time_to_accuracy
from benchmarks.common import RESULTS_DIR, summarize
from benchmarks.overhead import ratios, whole_fit_ratios
from benchmarks.render import ORDER, questions, render_results
from benchmarks.targets import check, load_targets, lookup
from skdigits.image_io import prepare_digit

REPO = Path(__file__).resolve().parents[1]
QUESTIONS = tuple(ORDER)  # the quick run measures every question


def write_tiny_digits(path: Path, n_train: int = 600, n_test: int = 200) -> Path:
    """A keras-layout npz of 28x28 uint8 "digits": noise plus a class stripe."""
    rng = np.random.default_rng(0)

    def split(n):
        y = (np.arange(n) % 10).astype(np.uint8)
        x = rng.integers(0, 60, size=(n, 28, 28), dtype=np.uint8)
        for digit in range(10):  # a bright row per class makes it learnable
            x[y == digit, 2 + 2 * digit, 4:24] = 255
        return x, y

    x_train, y_train = split(n_train)
    x_test, y_test = split(n_test)
    # Not named mnist.npz: fetch_mnist would check it against MNIST's sha256.
    np.savez(path, x_train=x_train, y_train=y_train, x_test=x_test, y_test=y_test)
    return path


@pytest.fixture(scope="module")
def quick_run(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("bench")
    data = write_tiny_digits(tmp / "tiny_digits.npz")
    out = tmp / "out"
    proc = subprocess.run(
        [
            sys.executable,
            "-m",
            "benchmarks",
            "--data",
            str(data),
            "--quick",
            "--output",
            str(out),
        ],
        capture_output=True,
        text=True,
        cwd=REPO,
        timeout=900,
    )
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-3000:]
    records = {
        q: json.loads((out / "results" / f"{q}.json").read_text()) for q in QUESTIONS
    }
    return records, (out / "RESULTS.md").read_text(), str(tmp)


def positive(x) -> bool:
    return isinstance(x, (int, float)) and math.isfinite(x) and x > 0


@pytest.mark.slow
def test_quick_run_stores_every_question_without_machine_paths(quick_run):
    records, markdown, tmp = quick_run
    for q, record in records.items():
        assert record["question"] == q
        assert record["config"] == {
            "data": "tiny_digits.npz",
            "quick": True,
            "seeds": [0, 1, 2],
        }
        assert record["run"]["command"].startswith(f"python -m benchmarks {q} ")
        assert record["machine"]["versions"]["keras"]
        assert tmp not in json.dumps(record)
    for heading in ("## Machine and runs", "## Targets", "## Accuracy", "## Memory"):
        assert heading in markdown
    # Every question's section has its own heading (none runs on under the
    # previous one's).
    sections = [line for line in markdown.splitlines() if line.startswith("## ")]
    assert len(sections) == 2 + len(QUESTIONS), sections
    assert f"Quick run of {', '.join(QUESTIONS)}" in markdown
    assert tmp not in markdown


@pytest.mark.slow
def test_quick_run_accuracy_is_consistent(quick_run):
    acc = quick_run[0]["accuracy"]["result"]
    for key in ("classifier", "keras", "mlp"):
        run = acc[key]
        assert run["epochs"] == len(run["test_accuracy"]) == len(run["epoch_seconds"])
        assert all(0.0 <= a <= 1.0 for a in run["test_accuracy"])
        assert all(positive(s) for s in run["epoch_seconds"])
        # Evaluation is excluded from training time but included in wall time.
        assert run["training_seconds"] <= run["wall_seconds"]
        assert run["final_accuracy"] == run["test_accuracy"][-1]
    # Same number of Adam steps in the Keras loop and MLPClassifier.
    assert acc["keras"]["optimizer_updates"] == acc["mlp"]["optimizer_updates"] > 0
    # The callback's last accuracy is the classifier's own score.
    clf = acc["classifier"]
    assert clf["score_check"] == pytest.approx(clf["final_accuracy"], abs=1e-6)
    assert clf["params"]["hidden_layer_sizes"] == [784, 196]


@pytest.mark.slow
def test_quick_run_overhead_ratio_comes_from_the_raw_epochs(quick_run):
    ov = quick_run[0]["overhead"]["result"]
    for variant in ("keras_fit", "classifier", "classifier_seeded"):
        assert len(ov[variant]["runs"]) == ov["rounds"]
        assert all(
            len(run["epoch_seconds"]) == ov["epochs_per_fit"]
            for run in ov[variant]["runs"]
        )

    def steady_median(variant):  # epochs 2.. of every fit, pooled
        return np.median(
            [s for r in ov[variant]["runs"] for s in r["epoch_seconds"][1:]]
        )

    expected = steady_median("classifier") / steady_median("keras_fit")
    assert ov["ratio"] == pytest.approx(expected, rel=1e-12)
    prof = ov["profile"]
    assert 0 < prof["keras_model_fit_seconds"] <= prof["total_seconds"]
    # Whole fits: every variant, as many fits as asked, ratios from them.
    for block in ov["whole_fit"].values():
        walls = [r["wall_seconds"] for r in block["keras_fit"]["runs"]]
        mine = [r["wall_seconds"] for r in block["classifier"]["runs"]]
        assert len(walls) == len(mine) >= 2
        assert block["classifier"]["ratio_of_medians"] == pytest.approx(
            np.median(mine) / np.median(walls)
        )
    pk = ov["peak"]
    assert ov["peak_ratio"] == pk["ratio_to_tf_gemm"]
    assert positive(pk["tf_gemm"]["gflops_best"])
    assert positive(pk["numpy_gemm"]["gflops_best"])
    assert pk["epoch_gflops_best"] == pytest.approx(
        pk["epoch_flops"]["total"] / pk["epoch_seconds_best"] / 1e9
    )
    assert all(positive(v["gflops"]) for v in pk["variants"].values())


@pytest.mark.slow
def test_quick_run_latency_is_consistent(quick_run):
    lat = quick_run[0]["latency"]["result"]
    assert set(lat["batches"]) == {"1", "32", "4096"}
    for batch in lat["batches"].values():
        ref = batch["keras Model.predict"]["median"]
        for name, r in batch.items():
            assert r["p90"] >= r["median"] >= r["min"] > 0, name
            assert r["ratio_vs_keras_predict"] == pytest.approx(r["median"] / ref)
    # The NumPy fast path gives Keras's probabilities to float32 rounding.
    assert lat["agreement"]["max_abs_diff"] < 1e-5
    assert lat["agreement"]["argmax_disagreements"] == 0
    assert lat["headline"]["largest_batch"] == 4096


@pytest.mark.slow
def test_quick_run_memory_ran_in_a_fresh_process(quick_run):
    mem = quick_run[0]["memory"]["result"]
    assert [c["jobs"] for c in mem["children"]] == [
        ["peak_classifier", "repeat_classifier"]
    ]
    peak = mem["peak_classifier"]
    assert peak["peak_rss_mb"] >= peak["rss_before_mb"] > 0
    rep = mem["repeat_classifier"]
    assert len(rep["rss_mb"]) == rep["fits"] == 4
    a, b = rep["checkpoints"]
    assert rep["growth_ratio"] == pytest.approx(
        rep["rss_mb"][b - 1] / rep["rss_mb"][a - 1]
    )


@pytest.mark.slow
def test_quick_run_robustness_scores_every_model_on_every_condition(quick_run):
    rob = quick_run[0]["robustness"]["result"]
    conditions, scores = rob["conditions"], rob["scores"]
    # The previous shipped model is read from git's history: there in a
    # clone, left out (and said so by its absence) in an archive.
    assert set(rob["models"]) - {"shipped-before"} == {
        "serve-default",
        "default",
        "mnist-5min",
        "robust",
        "robust-seed1",
        "robust-seed2",
        "shipped",
    }
    for name in {"shipped", "shipped-before"} & set(rob["models"]):
        assert rob["models"][name]["has_unsure_rule"]
        assert 0 <= rob["models"][name]["summary"]["mnist"] <= 1
    # The robust recipe's targets are over its seeds: the summary is theirs.
    seeds = rob["recipe_seeds"]["robust"]
    names = [v["model"] for v in seeds["seeds"].values()]
    assert names == ["robust", "robust-seed1", "robust-seed2"]
    reference = seeds["reference_condition"]
    assert conditions[reference]["group"] == "reference"
    assert seeds["mnist_mean"] == pytest.approx(
        np.mean([scores[m][reference]["accuracy"] for m in names])
    )
    assert seeds["worst_min"] == min(
        rob["models"][m]["worst"]["accuracy"] for m in names
    )
    assert seeds["max_fit_seconds"] == max(
        rob["models"][m]["fit_seconds"] for m in names
    )
    for shift in bench_conditions.MNIST_SHIFTS:
        assert conditions[shift]["n"] == robustness.N_MNIST_QUICK
    # Fonts and the browser are there, or skipped saying why.
    for part in ("handwriting fonts", "printed fonts", "drawn on the serve page"):
        assert (part in conditions) != (part in rob["skipped"]), part
        assert part in conditions or rob["skipped"][part]
    for name, note in rob["models"].items():
        rows = scores[name]
        assert set(rows) == set(conditions)
        for condition, row in rows.items():
            assert row["n"] == conditions[condition]["n"] >= row["refused"] >= 0
            assert 0 <= row["share_top_at_least_0.9"] <= row["share_top_at_least_0.5"]
            assert row["share_top_at_least_0.5"] <= 1
            # Letters, scribbles and blanks have no accuracy; digits do.
            is_digit = conditions[condition]["group"] != "not digits"
            assert ("accuracy" in row) == is_digit
        digit_rows = {
            c: r["accuracy"]
            for c, r in rows.items()
            if conditions[c]["group"] not in ("not digits", "reference")
        }
        assert note["worst"]["accuracy"] == min(digit_rows.values())
        assert digit_rows[note["worst"]["condition"]] == note["worst"]["accuracy"]
    drawn = conditions.get("drawn on the serve page")
    if drawn:  # the page answers with the served model, as read back offline
        assert drawn["page_agreement"]["share_page_equals_offline"] == 1.0
    assert "## Robustness" in quick_run[1]


@pytest.mark.slow
def test_quick_run_load_drove_a_real_server_without_errors(quick_run):
    load = quick_run[0]["load"]["result"]
    assert [level["clients"] for level in load["levels"]] == [1, 8, 64]
    for level in load["levels"]:
        assert level["errors"] == 0
        assert level["answered"] == level["latency"]["n"] > 0
        assert level["requests_per_second"] == pytest.approx(
            level["answered"] / level["seconds"]
        )
        assert 0 < level["p50"] <= level["p99"] <= level["latency"]["max"]
        assert positive(level["server_cpu_seconds_per_request"])
    direct, h = load["direct"], load["headline"]
    assert direct["label"] in range(10)
    assert h["cores_bound_requests_per_second"] == pytest.approx(
        load["cores"] / direct["median"]
    )
    by_clients = {level["clients"]: level for level in load["levels"]}
    assert h["rps_64_over_bound"] == pytest.approx(
        by_clients[64]["requests_per_second"] / h["cores_bound_requests_per_second"]
    )
    assert h["p99_64_over_lone_p50"] == pytest.approx(
        by_clients[64]["p99"] / by_clients[1]["p50"]
    )
    assert h["p99_64_over_queue_floor"] == pytest.approx(
        by_clients[64]["p99"] * by_clients[64]["requests_per_second"] / 64
    )
    assert h["errors"] == 0
    # wrk drives it where it is installed (its CPU is then measured too);
    # the server answers from one process per core, its default.
    import shutil

    from skdigits._commands.serve.supervisor import default_workers

    assert load["driver"].startswith("wrk") == (shutil.which("wrk") is not None)
    if load["driver"] != "python":
        assert all(
            positive(lv["client_cpu_seconds_per_request"]) for lv in load["levels"]
        )
    assert load["server_processes"] == default_workers()


@pytest.mark.slow
def test_quick_run_record_scores_each_member_and_the_committee(quick_run):
    rec = quick_run[0]["record"]["result"]
    assert rec["budget_plain_epochs"] == 600
    (run,) = rec["runs"]  # the quick run: one seed, two short members
    members, first_k = run["member_accuracy"], run["committee_of_first_k"]
    assert len(members) == len(first_k) == 2
    # The committee of all the members, averaged here, is what the fitted
    # VotingClassifier scores.
    assert first_k[-1] == run["final_accuracy"]
    # The curve: the first member's 2 epochs, then one point per further member.
    assert len(run["test_accuracy"]) == len(run["training_seconds"]) == 3
    assert run["test_accuracy"][-1] == run["final_accuracy"]
    assert np.all(np.diff(run["training_seconds"]) > 0)
    assert run["train_seconds"] == run["training_seconds"][-1]
    assert run["total_plain_epochs"] == pytest.approx(
        run["train_seconds"] / run["plain_epoch_seconds"]
    )
    s = rec["summary"]
    assert s["mean_accuracy"] == run["final_accuracy"]
    assert s["mean_member_accuracy"] == pytest.approx(np.mean(members))
    assert s["mean_committee_of_first_k"] == first_k
    assert "## Record" in quick_run[1]
    # Its curves join the other recipes' on the time-to-accuracy figure.
    from benchmarks.render import augmentation as section

    path = section.plot_plain_epochs(
        quick_run[0]["augmentation"],
        Path(quick_run[2]) / "plain.png",
        quick_run[0]["record"],
    )
    assert path.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


# -- no TensorFlow below ---------------------------------------------------------


def test_overhead_ratio_divides_two_different_medians():
    # keras_fit's own ratio is 1 by construction; the classifier's is not.
    # Epochs 2.. only: with the first (tracing) epoch the ratio would be 2.5.
    runs = {
        "keras_fit": [{"wall_seconds": 9.0, "epoch_seconds": [1.0, 2.0, 4.0]}],
        "classifier": [{"wall_seconds": 20.0, "epoch_seconds": [9.0, 4.0, 5.0]}],
    }
    out = ratios(runs)
    assert out["classifier"]["ratio_vs_keras_fit"] == pytest.approx(1.5)
    assert out["classifier"]["ratio_per_round"] == [pytest.approx(1.5)]
    assert out["classifier"]["outside_epochs_seconds"]["median"] == pytest.approx(2.0)


def test_whole_fit_ratios_divide_medians_and_compare_spreads():
    def fits(*walls):
        return [{"wall_seconds": w, "full_gc_seconds": 0.0} for w in walls]

    out = whole_fit_ratios(
        {
            "keras_fit": fits(2.0, 3.0, 4.0),  # median 3, spread 2
            "classifier": fits(3.0, 3.3, 3.6),  # median 3.3, spread 1.2
            "classifier_seeded": fits(3.0, 6.0, 6.0),
            "keras_fit_seeded": fits(4.0, 4.0, 4.0),
        }
    )
    assert out["classifier"]["ratio_of_medians"] == pytest.approx(1.1)
    assert out["classifier"]["ratio_of_minima"] == pytest.approx(1.5)
    assert out["classifier"]["spread_vs_keras_fit"] == pytest.approx(0.6)
    assert out["classifier_seeded"]["ratio_to_seeded_keras_fit"] == pytest.approx(1.5)


def test_epoch_flops_counts_forward_and_backward_products():
    f = epoch_flops(1000, layers=(4, 3, 2), batch_size=500)
    assert f["forward"] == 2 * 1000 * (4 * 3 + 3 * 2)
    # weights' gradients of both layers, activations' gradient of the second
    assert f["backward"] == 2 * 1000 * (4 * 3 + 3 * 2) + 2 * 1000 * (3 * 2)
    params = 4 * 3 + 3 * 2 + 3 + 2
    assert f["elementwise"] == 8 * 1000 * (3 + 2) + 12 * params * 2
    assert f["total"] == f["forward"] + f["backward"] + f["elementwise"]


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["accuracy", "speed", "--data", "sample"], "unknown question(s) speed"),
        (["--data", "sample", "--quick"], "--quick needs --output"),
        (["latency"], "--data is required"),
        (["--render-only", "--data", "sample"], "--render-only measures nothing"),
    ],
)
def test_bad_arguments_exit_2_naming_the_problem(argv, message, capsys):
    with pytest.raises(SystemExit) as exc:
        entry.parse_args(argv)
    assert exc.value.code == 2
    assert message in capsys.readouterr().err


def test_every_question_module_is_measurable_in_report_order():
    assert entry.measurable() == list(ORDER)
    args = entry.parse_args(["latency", "memory", "--data", "sample"])
    assert args.questions == ["latency", "memory"]


def test_summarize_and_time_to_accuracy():
    s = summarize([3.0, 1.0, 2.0])
    assert s["median"] == 2.0 and s["min"] == 1.0 and s["max"] == 3.0 and s["n"] == 3
    hit = time_to_accuracy([0.97, 0.986, 0.99], [2.0, 1.5, 1.0])
    assert hit == {"epoch": 2, "training_seconds": 3.5}
    assert time_to_accuracy([0.9], [1.0]) == {"epoch": None, "training_seconds": None}


def test_every_target_reads_a_figure_of_the_stored_results():
    # A typo in targets.toml would otherwise show as "not measured" forever.
    for question, targets in load_targets().items():
        record = json.loads((RESULTS_DIR / f"{question}.json").read_text())
        for row in check(question, record["result"], targets):
            # Met or not is the benchmark's finding, not the test's.
            assert row["measured"] is not None, (question, row["name"])
            assert row["met"] in (True, False), (question, row["name"])


def test_targets_compare_in_the_stated_direction():
    targets = {
        "fast": {"measured": "t", "scale": 1e3, "at_most": 0.2, "unit": "ms"},
        "good": {"measured": ["a.b", "acc"], "at_least": 0.98, "unit": "%"},
        "odd": {"measured": "t", "below": 3},
    }
    rows = check("q", {"t": 0.0003, "a.b": {"acc": 0.99}}, targets)
    assert [(r["measured"], r["met"]) for r in rows[:2]] == [
        (pytest.approx(0.3), False),
        (0.99, True),
    ]
    assert [r["target"] for r in rows[:2]] == ["<= 0.2 ms", ">= 98%"]
    assert rows[2]["met"] is None and "not understood" in rows[2]["what"]
    assert lookup({"x": {}}, "x.y") is not None  # missing: a sentinel, not None
    assert all(r["met"] is None for r in check("q", None, targets))


def test_results_md_is_rendered_from_the_stored_results():
    # RESULTS.md is never edited by hand: rebuilding it changes nothing.
    assert render_results() == (REPO / "benchmarks" / "RESULTS.md").read_text()


def test_stored_results_name_no_machine_paths():
    for path in [*RESULTS_DIR.glob("*.json"), REPO / "benchmarks" / "RESULTS.md"]:
        text = path.read_text()
        assert not re.search(r"(?<![\w.])/(home|work|tmp|usr|root)/", text), path.name


def test_new_questions_are_discovered_and_ordered(tmp_path):
    stored = json.loads((RESULTS_DIR / "memory.json").read_text())
    for name in ("memory", "zeta", "alpha"):
        record = {**stored, "question": name}
        (tmp_path / f"{name}.json").write_text(json.dumps(record))
    found = questions(tmp_path)
    # Known questions first in the fixed order (each has a renderer), then
    # any other by name.
    assert found == [*ORDER, "alpha", "zeta"]
    page = render_results(tmp_path, targets={})
    assert page.index("## Memory") < page.index("## Alpha") < page.index("## Zeta")
    assert "No renderer (`benchmarks/render/zeta.py`) yet" in page
    assert "## Accuracy\n\nNot run yet" in page


# -- the robustness question's generators (no TensorFlow) -------------------------


def _mnist_like_digit() -> np.ndarray:
    """A 28x28 "0": a ring about 2.5 pixels wide, in MNIST's 20x20 box."""
    rows, cols = np.mgrid[0:28, 0:28]
    radius = np.hypot((rows - 14) / 9.5, (cols - 14) / 7)
    return (255 * np.clip(1.3 - 8 * np.abs(radius - 0.85), 0, 1)).astype(np.uint8)


def test_mnist_shifts_are_seeded_user_pictures_that_preparation_reads():
    digits = np.stack([_mnist_like_digit()] * 3)
    for name in bench_conditions.MNIST_SHIFTS:
        first = bench_conditions.mnist_pictures(name, digits, seed=0)
        again = bench_conditions.mnist_pictures(name, digits, seed=0)
        assert all(np.array_equal(a, b) for a, b in zip(first, again, strict=True)), (
            name
        )
        for picture in first:
            # Dark ink on light paper, larger than MNIST: a user's picture.
            assert picture.dtype == np.uint8 and picture.shape[0] > 28, name
            assert np.median(picture) > 128, name
        images, accepted = bench_scoring.prepared(first, prepare_digit)
        assert accepted.all() and images.shape == (3, 28, 28), name
    other = bench_conditions.mnist_pictures("rotated 30°", digits, seed=1)
    assert not all(
        np.array_equal(a, b)
        for a, b in zip(
            other,
            bench_conditions.mnist_pictures("rotated 30°", digits, 0),
            strict=True,
        )
    )


def test_stroke_shifts_change_the_amount_of_ink_as_named():
    ink = bench_conditions.ink_of(_mnist_like_digit())
    assert bench_conditions.thicker(ink, 4).sum() > 1.5 * ink.sum()
    assert bench_conditions.thinner(ink, 2).sum() < 0.7 * ink.sum()
    small = bench_conditions.low_resolution(ink, 8)
    assert small.shape == ink.shape and 0 <= small.min() <= small.max() <= 1


def test_score_counts_refused_pictures_as_wrong_and_applies_an_unsure_rule():
    proba = np.array([[0.95, 0.05], [0.4, 0.6], [0.7, 0.3]])
    accepted = np.array([True, True, False, True])
    labels = np.array([0, 0, 1, 1])
    row = bench_scoring.score(
        proba, accepted, labels, unsure=lambda p: p.max(axis=1) < 0.65
    )
    assert row["n"] == 4 and row["refused"] == 1
    assert row["accuracy"] == 0.25  # only the first is read right
    assert row["share_top_at_least_0.9"] == 0.25
    assert row["share_top_at_least_0.5"] == 0.75
    assert row["mean_top_probability"] == pytest.approx((0.95 + 0.6 + 0.7) / 3)
    # Flagged: the 0.6 answer and the refused picture.
    assert row["share_unsure"] == 0.5
    assert row["accuracy_when_sure"] == 0.5
    assert row["top_confusions"][0]["count"] == 1
    assert row["share_right_flagged"] == 0.0  # the one right answer is sure
    not_digits = bench_scoring.score(proba, accepted)
    assert "accuracy" not in not_digits


def test_a_drawing_that_may_be_a_1_or_a_7_is_right_when_the_model_says_not_sure():
    # Columns 1 and 7 of ten classes; rows: not sure between 1 and 7 (right),
    # sure 7 (wrong), not sure between 1 and 4 (wrong), and a decided 7.
    proba = np.zeros((4, 10))
    proba[0, [1, 7]] = [0.55, 0.45]
    proba[1, [1, 7]] = [0.01, 0.99]
    proba[2, [1, 4]] = [0.6, 0.4]
    proba[3, 7] = 1.0
    accepted = np.ones(4, dtype=bool)
    labels = np.array([1, 1, 1, 7])
    either = np.array([[1, 7], [1, 7], [1, 7], [-1, -1]])
    rule = {"unsure": lambda p: p.max(axis=1) < 0.9}
    row = bench_scoring.score(proba, accepted, labels, either=either, **rule)
    assert row["accuracy"] == 0.5
    assert row["either"] == {
        "n": 3,
        "not_sure_either": 1,
        "not_sure_other": 1,
        "sure_1": 0,
        "sure_7": 1,
        "sure_other": 0,
    }
    # Errors and error-reject counts are over the decided drawing only.
    assert row["top_confusions"] == []
    assert row["error_reject"]["kept"][0] == 1
    assert row["accuracy_when_sure"] == 1.0 and row["share_right_flagged"] == 0.0
    # Without a calibrated rule, the library's 0.5 applies: 0.55 and 0.6
    # are sure answers.
    without = bench_scoring.score(proba, accepted, labels, either=either)
    assert without["either"]["sure_1"] == 2 and without["accuracy"] == 0.25


def test_error_reject_counts_pool_into_curves():
    from benchmarks.render._error_reject import error_reject_rows, pooled_curve

    proba = np.array([[0.95, 0.05], [0.4, 0.6], [0.7, 0.3]])
    accepted = np.array([True, True, False, True])
    labels = np.array([0, 0, 1, 1])
    curve = bench_scoring.error_reject(proba, accepted, labels)
    at = {t: i for i, t in enumerate(curve["thresholds"])}
    # At 0.5 all three accepted answers are kept, two of them wrong; at 0.7
    # the 0.6 one is rejected; at 0.95 only the right 0.95 one is kept.
    assert (curve["kept"][at[0.5]], curve["errors"][at[0.5]]) == (3, 2)
    assert (curve["kept"][at[0.7]], curve["errors"][at[0.7]]) == (2, 1)
    assert (curve["kept"][at[0.95]], curve["errors"][at[0.95]]) == (1, 0)
    assert (curve["kept"][at[0.999]], curve["errors"][at[0.999]]) == (0, 0)
    assert bench_scoring.error_reject(proba, accepted)["errors"][0] is None
    # Two conditions of a group pool their counts.
    rule = {"unsure": lambda p: p.max(1) < 0.65}
    row = bench_scoring.score(proba, accepted, labels, **rule)
    scores = {
        "a": row,
        "b": row,
        "letters": bench_scoring.score(proba, accepted, **rule),
    }
    conditions = {
        "a": {"group": "mnist"},
        "b": {"group": "mnist"},
        "letters": {"group": "not digits"},
    }
    pooled = pooled_curve(scores, conditions, "mnist")
    assert pooled["n"] == 8
    assert pooled["rejected"][at[0.7]] == 1 - 4 / 8
    assert pooled["error"][at[0.7]] == 2 / 4
    assert pooled_curve(scores, conditions, "fonts") is None
    result = {
        "models": {"m": {"params": {"unsure_below": 0.65}}},
        "scores": {"m": scores},
        "conditions": conditions,
    }
    rows = error_reject_rows(result)
    assert [r[1] for r in rows] == ["0.5", "0.9", "0.99", "0.999", "**0.65** (its own)"]
    # Its own rule: the refused and the 0.6 answers rejected, one of two kept wrong.
    assert rows[-1][2:] == ["50.00% / 50.00%", "50.00%"]
    assert rows[0][2:] == ["25.00% / 66.67%", "25.00%"]  # at 0.5: refused only


def test_fonts_and_browser_are_skipped_saying_why(monkeypatch):
    from benchmarks import drawing

    monkeypatch.setattr(bench_fonts.shutil, "which", lambda name: None)
    monkeypatch.setattr(drawing.shutil, "which", lambda name: None)
    fonts, why = bench_fonts.installed_fonts()
    assert fonts == [] and "fc-list" in why
    assert "not installed" in drawing.browser_missing()


def test_training_never_sees_a_font_the_benchmark_reads():
    # RandomDistortion(printed_digits=...) trains on fonts from matplotlib's
    # package; the fonts condition reads every font fontconfig knows. No file
    # and no family may be in both, or the printed-font score would leak.
    from pathlib import Path

    import matplotlib

    from skdigits.datasets import PRINTED_FONTS

    fonts, why = bench_fonts.installed_fonts()
    if not fonts:
        pytest.skip(f"no fonts to compare with: {why}")
    folder = Path(matplotlib.get_data_path()) / "fonts" / "ttf"
    trained = {(folder / name).resolve() for name in PRINTED_FONTS}
    assert trained.isdisjoint(Path(f.file).resolve() for f in fonts)
    families = {f.family.casefold() for f in fonts}
    assert not any(family.startswith(("stix", "cm")) for family in families)


def test_drawing_templates_cover_every_digit_inside_the_pad():
    from benchmarks import _strokes as drawing

    assert set(drawing.TEMPLATES) == set(range(10))
    assert "European, long flag, no foot" in drawing.TEMPLATES[1]
    assert "with a bar" in drawing.TEMPLATES[7]
    rng = np.random.default_rng(0)
    for styles in drawing.TEMPLATES.values():
        for strokes in styles.values():
            placed = drawing.place(strokes, drawing.random_placement(rng), rng)
            points = np.concatenate([np.asarray(s) for s in placed])
            assert 0 < points.min() and points.max() < 1


def test_plain_epochs_and_time_to_accuracy_of_a_run():
    from benchmarks.augmentation import in_plain_epochs, summarize_runs

    run = {
        "test_accuracy": [0.98, 0.9855, 0.991, 0.9935],
        "training_seconds": [2.0, 4.0, 6.0, 8.0],
        "final_accuracy": 0.9935,
        "train_seconds": 8.0,
    }
    clocked = in_plain_epochs(run, plain_seconds=4.0)
    assert clocked["plain_epochs"] == [0.5, 1.0, 1.5, 2.0]
    assert clocked["total_plain_epochs"] == 2.0
    reached = clocked["to_accuracy"]
    assert reached["0.985"] == {
        "epoch": 2,
        "training_seconds": 4.0,
        "plain_epochs": 1.0,
    }
    assert reached["0.993"]["epoch"] == 4 and reached["0.993"]["plain_epochs"] == 2.0
    assert reached["0.995"] == {
        "epoch": None,
        "training_seconds": None,
        "plain_epochs": None,
    }
    # A slower seed (twice the plain epochs) that never reaches 99.3 %.
    slow = in_plain_epochs({**run, "test_accuracy": [0.98, 0.986, 0.99, 0.992]}, 2.0)
    summary = summarize_runs([clocked, {**slow, "final_accuracy": 0.992}])[
        "to_accuracy"
    ]
    assert summary["0.985"]["n_reached"] == 2
    assert summary["0.985"]["mean_plain_epochs"] == pytest.approx((1.0 + 2.0) / 2)
    assert summary["0.985"]["max_plain_epochs"] == 2.0
    assert summary["0.993"]["n_reached"] == 1
    assert summary["0.995"] == {
        "n_reached": 0,
        "mean_plain_epochs": None,
        "max_plain_epochs": None,
        "mean_seconds": None,
    }


def test_time_to_accuracy_table_and_figure_render_from_a_record(tmp_path):
    from benchmarks.augmentation import CHOSEN, in_plain_epochs, summarize_runs
    from benchmarks.render import augmentation as section

    def run(seed, accuracy):
        seconds = [3.0 * (i + 1) for i in range(len(accuracy))]
        raw = {
            "seed": seed,
            "test_accuracy": accuracy,
            "training_seconds": seconds,
            "final_accuracy": accuracy[-1],
            "train_seconds": seconds[-1],
            "median_epoch_seconds": 3.0,
        }
        return in_plain_epochs(raw, plain_seconds=2.0)

    fast = [run(0, [0.98, 0.986, 0.991]), run(1, [0.98, 0.984, 0.989])]
    runs = {"mnist-fast": {"params": {}, "chosen": CHOSEN["mnist-fast"], "runs": fast}}
    runs["mnist-fast"]["summary"] = summarize_runs(fast)
    record = {
        "result": {
            "n_train": 100,
            "n_test": 10,
            "source": "tiny",
            "loadavg_start": 1.0,
            "loadavg_end": 1.0,
            "epoch_cost": {},
            "runs": runs,
            "plain_epoch": {"median": 2.0, "min": 1.5, "max": 2.5, "n": 4},
        }
    }
    markdown = section.render(record)
    table = markdown.split("### Time to accuracy")[1]
    row = next(line for line in table.splitlines() if "mnist-fast" in line)
    cells = [c.strip() for c in row.strip("|").split("|")]
    # 98.5 %: seed 0 at epoch 2 (6 s, 3.0 plain epochs), seed 1 at epoch 3
    # (9 s, 4.5): means 7.5 s (rounded half to even) and 3.75.
    assert cells[2:] == [
        "4.5",
        "8 s, 3.8 (max 4.5)",
        "9 s, 4.5 (max 4.5), 1 of 2 runs",
        "not reached",
        "not reached",
    ]
    assert "validation split" in markdown and "median 2.00 s" in markdown
    path = section.plot_plain_epochs(record, tmp_path / "plain.png")
    assert path.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_hard_cases_gallery_draws_every_row(tmp_path):
    from PIL import Image
    from sklearn.dummy import DummyClassifier

    from benchmarks import hard_cases
    from skdigits.datasets import load_mnist_sample

    X, y, _, _ = load_mnist_sample(return_X_y=True)
    rows = hard_cases.hard_pictures(X[:2], y[:2].astype(int))
    assert [name for name, _, _ in rows][-1] == "not a digit"
    assert len(rows) == len(hard_cases.SHIFTS) + 1
    model = DummyClassifier(strategy="prior").fit(X.reshape(len(X), -1), y)
    flat = type(
        "Flat",
        (),
        {"predict_proba": lambda self, a: model.predict_proba(a.reshape(len(a), -1))},
    )()
    path = hard_cases.draw(rows, flat, tmp_path / "hard.png")
    with Image.open(path) as sheet:
        assert sheet.height >= len(rows) * 64
        # Not one blank sheet: pictures were pasted.
        assert len(np.unique(np.asarray(sheet.convert("L")))) > 10


@pytest.mark.slow
def test_quick_run_numbers_reads_every_set_both_ways(quick_run):
    from benchmarks import _number_pictures as number_pictures
    from benchmarks import numbers

    num = quick_run[0]["numbers"]["result"]
    assert "mnist, touching (gaps < 0)" in num["sets"]
    for name, info in num["sets"].items():
        for who in ("plain", "reader"):
            row = num["scores"][name][who]
            assert row["n"] == info["n"] > 0
            assert 0 <= row["exact"] <= row["right_count"] <= 1 or row["exact"] == 0
            assert 0 <= row["share_unsure"] <= 1 and row["ms_median"] > 0
    speed = num["six_digit_speed"]
    assert num["headline"]["six_digit_ms"] == speed["one_blas_thread"]["ms_median"]
    assert list(num["single_digit_conditions"]) == list(numbers.SINGLE_CONDITIONS)
    # Numbers written on the serve page need Chromium: read, or skipped
    # with the reason.
    page = number_pictures.PAGE_SET
    assert (page in num["sets"]) != (page in num["skipped"])
    if page in num["sets"]:
        assert num["sets"][page]["n"] == numbers.N_PAGE_QUICK
        assert 0 <= num["headline"]["page_equals_function"] <= 1


def test_number_scores_come_from_the_readings():
    from benchmarks._number_readers import edit_distance, score

    assert edit_distance("123", "123") == 0
    assert edit_distance("1234", "124") == 1  # a digit lost
    assert edit_distance("12", "21") == 2
    assert edit_distance("", "12") == edit_distance("12", "") == 2
    read = {
        "texts": ["12", "35", "7"],
        "unsure": [False, True, False],
        "seconds": [0.001, 0.003, 0.002],
    }
    row = score(["12", "345", "6"], read)
    assert row["exact"] == pytest.approx(1 / 3)
    assert row["digit_error"] == pytest.approx(2 / 6)  # one lost, one misread
    assert row["right_count"] == pytest.approx(2 / 3)
    assert row["share_unsure"] == pytest.approx(1 / 3)
    assert row["wrong_when_sure"] == pytest.approx(1 / 2)  # "6" read "7", sure
    assert row["ms_median"] == pytest.approx(2.0)
    assert row["failures"] == [
        {"true": "345", "read": "35"},
        {"true": "6", "read": "7"},
    ]


def test_number_pictures_are_seeded_and_labelled():
    from benchmarks import _number_pictures as pictures
    from skdigits.datasets import load_mnist_sample

    X, y, _, _ = load_mnist_sample(return_X_y=True)
    first = pictures.mnist_numbers(X, y, 4, [0, 1], singles=True)
    again = pictures.mnist_numbers(X, y, 4, [0, 1])
    for a, b in zip(first, again, strict=True):
        assert np.array_equal(a.picture, b.picture) and a.text == b.text
        assert 2 <= len(a.text) <= 8 and len(a.gaps) == len(a.text) - 1
        assert all(-3 <= g <= 8 for g in a.gaps)
        assert len(a.singles) == len(a.text)  # each digit alone, too
        assert a.picture.dtype == np.uint8 and a.picture.max() > 200
    lit = pictures.mnist_numbers(X, y, 4, [0, 1], condition="uneven lighting, strong")
    assert [n.text for n in lit] == [n.text for n in first]
    assert all(
        n.picture.shape == m.picture.shape for n, m in zip(lit, first, strict=True)
    )


def test_the_plain_baseline_joins_what_overlaps_and_cannot_split():
    from benchmarks import _number_pictures as pictures
    from benchmarks._number_readers import plain_reader
    from skdigits.datasets import load_mnist_sample
    from skdigits.pretrained import load_pretrained

    model = load_pretrained()
    X, y, _, _ = load_mnist_sample(return_X_y=True)
    proba = model.predict_proba(X[:200])
    clear = np.flatnonzero(
        (proba.argmax(axis=1) == y[:200]) & (proba.max(axis=1) > 0.99)
    )
    a, b = clear[0], clear[1]
    rng = np.random.default_rng(0)
    read = plain_reader(model)
    apart, _ = pictures.compose(X[[a, b]], [6], rng)
    assert read(pictures.on_paper(apart))[0] == f"{y[a]}{y[b]}"
    touching, _ = pictures.compose(X[[a, b]], [-3], rng)
    assert len(read(pictures.on_paper(touching))[0]) == 1  # one box, one digit
