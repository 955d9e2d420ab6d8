"""Scoring pictures read by models: accuracy, top probabilities, "not sure".

Each picture goes through the model's preparation (a refused picture counts
as wrong, and as rejected); :func:`score` gives one model's row on one
condition, :func:`error_reject` the error-reject curve as counts.
"""

from __future__ import annotations

import numpy as np

#: Thresholds of the top-probability columns.
SURE_LEVELS = (0.9, 0.5)
#: Thresholds of the error-reject curve: an answer is rejected ("not sure")
#: when its top probability is below one (a refused picture always is).
REJECT_THRESHOLDS = (0.5, 0.7, 0.8, 0.9, 0.95, 0.98, 0.99, 0.995, 0.998, 0.999)


def error_reject(proba, accepted, labels=None) -> dict:
    """For each of :data:`REJECT_THRESHOLDS`: how many pictures are kept (not
    refused, top probability at or above it) and, for digits, how many of
    those are misread. Counts, so that conditions can be pooled."""
    top = np.zeros(len(accepted))
    top[accepted] = proba.max(axis=1)
    wrong = None
    if labels is not None:
        predicted = np.full(len(accepted), -1)
        predicted[accepted] = proba.argmax(axis=1)
        wrong = predicted != labels
    out = {"thresholds": list(REJECT_THRESHOLDS), "kept": [], "errors": []}
    for threshold in REJECT_THRESHOLDS:
        kept = accepted & (top >= threshold)
        out["kept"].append(int(kept.sum()))
        out["errors"].append(None if wrong is None else int((kept & wrong).sum()))
    return out


def prepared(pictures, prepare) -> tuple[np.ndarray, np.ndarray]:
    """The model inputs of ``pictures`` and which ones preparation accepted
    (it refuses a picture without a digit, as ``skdigits predict`` does)."""
    from skdigits.image_io import ImageReadError

    images = np.zeros((len(pictures), 28, 28), dtype=np.uint8)
    accepted = np.zeros(len(pictures), dtype=bool)
    for i, picture in enumerate(pictures):
        try:
            images[i] = prepare(picture)
            accepted[i] = True
        except ImageReadError:
            pass
    return images, accepted


def score(proba, accepted, labels=None, unsure=None, either=None) -> dict:
    """One model on one condition: accuracy (a refused picture counts as
    wrong), top probabilities, and the "not sure" rule's effect if any.

    ``either``, for drawings whose shape does not decide the digit, is an
    (n, 2) array of the two digits a reader may take each for (-1 for a
    decided one): such a picture is read right only when the model says "not
    sure" with those two as its top two (by its ``unsure`` rule, or below
    0.5, the library's rule for a model without a calibrated threshold).
    """
    n = len(accepted)
    top = np.zeros(n)
    top[accepted] = proba.max(axis=1)
    out = {
        "n": n,
        "refused": int((~accepted).sum()),
        "mean_top_probability": float(top[accepted].mean()) if accepted.any() else None,
    }
    for level in SURE_LEVELS:
        out[f"share_top_at_least_{level}"] = float((top >= level).mean())
    flagged = None
    if unsure is not None:
        flagged = np.ones(n, dtype=bool)
        flagged[accepted] = unsure(proba)
        out["share_unsure"] = float(flagged.mean())
    if labels is None:
        out["error_reject"] = error_reject(proba, accepted, labels)
        return out
    predicted = np.full(n, -1)
    predicted[accepted] = proba.argmax(axis=1)
    right = predicted == labels
    decided = np.ones(n, dtype=bool)
    if either is not None and (np.asarray(either) >= 0).any():
        right, decided, out["either"] = _either_right(
            proba, accepted, either, right, flagged
        )
    out["accuracy"] = float(right.mean())
    wrong = ~right & accepted & decided
    pairs, counts = np.unique(
        np.stack([labels[wrong], predicted[wrong]], axis=1), axis=0, return_counts=True
    )
    order = np.argsort(-counts, kind="stable")[:5]
    out["top_confusions"] = [
        {"true": int(pairs[k][0]), "read": int(pairs[k][1]), "count": int(counts[k])}
        for k in order
    ]
    out["error_reject"] = error_reject(
        proba[decided[accepted]], accepted[decided], labels[decided]
    )
    if flagged is not None:
        kept = ~flagged & decided
        out["accuracy_when_sure"] = float(right[kept].mean()) if kept.any() else None
        # Right answers the model still calls "not sure": the cost of its rule.
        good = right & decided
        out["share_right_flagged"] = (
            float((good & flagged).sum() / good.sum()) if good.any() else None
        )
    return out


def _either_right(proba, accepted, either, right, flagged):
    """Right answers when some pictures may be either of two digits, which of
    them are decided, and what the undecided ones were read as."""
    either = np.asarray(either)
    undecided = either[:, 0] >= 0
    top_two = np.full((len(accepted), 2), -1)
    top_two[accepted] = np.argsort(-proba, axis=1, kind="stable")[:, :2]
    if flagged is None:  # the library's rule without a calibrated threshold
        flagged = np.ones(len(accepted), dtype=bool)
        flagged[accepted] = proba.max(axis=1) < 0.5
    pair_on_top = np.sort(top_two, axis=1) == np.sort(either, axis=1)
    not_sure_pair = undecided & flagged & pair_on_top.all(axis=1)
    right = np.where(undecided, not_sure_pair, right)
    sure = undecided & ~flagged
    counts = {
        "n": int(undecided.sum()),
        "not_sure_either": int(not_sure_pair.sum()),
        "not_sure_other": int((undecided & flagged & ~not_sure_pair).sum()),
    }
    for k in np.unique(either[undecided]):
        counts[f"sure_{int(k)}"] = int((sure & (top_two[:, 0] == k)).sum())
    counts["sure_other"] = int(sure.sum()) - sum(
        v for key, v in counts.items() if key.startswith("sure_")
    )
    return right, ~undecided, counts


def evaluate(models: dict, conditions: dict) -> dict:
    """Every model on every condition: ``conditions[name]`` holds
    ``pictures`` and ``labels`` (None for pictures that are not digits)."""
    out: dict = {}
    for model_name, (model, entry) in models.items():
        prepare = entry.prepare or _prepare_digit()
        rows = {}
        for name, condition in conditions.items():
            key = id(prepare)
            cache = condition.setdefault("_prepared", {})
            if key not in cache:
                cache[key] = prepared(condition["pictures"], prepare)
            images, accepted = cache[key]
            proba = (
                model.predict_proba(images[accepted])
                if accepted.any()
                else np.zeros((0, 10))
            )
            rows[name] = score(
                proba,
                accepted,
                condition["labels"],
                entry.unsure,
                condition.get("either"),
            )
        out[model_name] = rows
    return out


def _prepare_digit():
    from skdigits.image_io import prepare_digit

    return prepare_digit


def worst(rows: dict, conditions: dict) -> dict:
    digit_rows = {
        name: r["accuracy"]
        for name, r in rows.items()
        if "accuracy" in r and conditions[name]["group"] != "reference"
    }
    name = min(digit_rows, key=digit_rows.get)
    return {"condition": name, "accuracy": digit_rows[name]}


def per_item_accuracy(rows_source: dict, model, entry) -> dict:
    """Accuracy per font (or per drawing style) of one model; a style that
    may be either of two digits is right when the model says "not sure"
    with those two on top (see :func:`score`)."""
    out = {}
    for name, condition in rows_source.items():
        if "per_item" not in condition:
            continue
        images, accepted = next(iter(condition["_prepared"].values()))
        proba = np.zeros((0, 10))
        predicted = np.full(len(accepted), -1)
        if accepted.any():
            proba = model.predict_proba(images[accepted])
            predicted[accepted] = proba.argmax(axis=1)
        right = predicted == condition["labels"]
        either = condition.get("either")
        if either is not None and (np.asarray(either) >= 0).any():
            flagged = None
            if entry.unsure is not None:
                flagged = np.ones(len(accepted), dtype=bool)
                flagged[accepted] = entry.unsure(proba)
            right, _, _ = _either_right(proba, accepted, either, right, flagged)
        items = np.array(condition["per_item"])
        out[name] = {
            str(item): float(right[items == item].mean()) for item in np.unique(items)
        }
    return out
