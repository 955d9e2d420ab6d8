"""Committees: several fits of one classifier, voting with their probabilities.

A committee is scikit-learn's own
:class:`~sklearn.ensemble.VotingClassifier` with ``voting="soft"``: it fits
``n_members`` clones of one estimator, each with its own random state, and
reads the mean of their predicted probabilities. Networks fitted from
different starting weights, on differently distorted batches, err on
different digits, so their mean errs less often than any one of them: the
way the best dense networks on MNIST were combined (Meier, Cireşan,
Gambardella and Schmidhuber, 2011: committees of seven). A committee costs
the sum of its members' fits and predictions.

:data:`RECORD_COMMITTEE` is the record recipe: the committee with the best
MNIST accuracy that skdigits measured within 600 plain epochs of training
(the augmentation page of the docs says how it was chosen and what it costs);
:func:`make_record_committee` builds it.
"""

from __future__ import annotations

from numbers import Integral
from typing import Any

import numpy as np
from sklearn.base import BaseEstimator, clone, is_classifier
from sklearn.ensemble import VotingClassifier
from sklearn.utils import check_random_state
from sklearn.utils._param_validation import HasMethods, Interval, validate_params

from skdigits._estimators.augmentation import get_recipe
from skdigits._estimators.classifier import DenseDigitClassifier

__all__ = ["RECORD_COMMITTEE", "make_committee", "make_record_committee"]

#: The record recipe: a committee of ``n_members`` networks of
#: ``RECIPES[recipe]``, chosen on the validation split (fitted on training
#: images 0-49,999, scored on 50,000-59,999; the trials are in the docs'
#: "how the recipes were chosen"), within the record question's budget of
#: plain epochs (``benchmarks/RESULTS.md``).
RECORD_COMMITTEE: dict[str, Any] = {"recipe": "mnist-15min", "n_members": 3}


def _member_seeds(n_members: int, random_state) -> np.ndarray:
    # As scikit-learn's ensembles seed their members: integers drawn from the
    # committee's own random state, so one seed fixes them all.
    return check_random_state(random_state).randint(
        np.iinfo(np.int32).max, size=n_members
    )


def _seeded(estimator: BaseEstimator, seed: int | None) -> BaseEstimator:
    """A clone of ``estimator`` whose every ``random_state`` (a pipeline's
    steps' too) is ``seed``."""
    member = clone(estimator)
    names = [
        name
        for name in member.get_params(deep=True)
        if name == "random_state" or name.endswith("__random_state")
    ]
    if not names:
        raise ValueError(
            f"{type(estimator).__name__} has no random_state parameter: its "
            "members would all be the same fit. Give a classifier that takes "
            "random_state, such as DenseDigitClassifier."
        )
    return member.set_params(**dict.fromkeys(names, seed))


@validate_params(
    {
        "estimator": [HasMethods(["fit", "predict_proba", "get_params"])],
        "n_members": [Interval(Integral, 1, None, closed="left")],
        "random_state": ["random_state"],
    },
    prefer_skip_nested_validation=False,
)
def make_committee(
    estimator: BaseEstimator, n_members: int = 3, *, random_state=None
) -> VotingClassifier:
    """A soft-voting committee of ``n_members`` differently seeded clones.

    Parameters
    ----------
    estimator : classifier
        The member, unfitted: a :class:`~skdigits.DenseDigitClassifier` or a
        :class:`~sklearn.pipeline.Pipeline` ending in one. It is cloned, not
        changed.
    n_members : int, default=3
        How many networks vote.
    random_state : int, RandomState instance or None, default=None
        Draws each member's ``random_state``; an int makes the whole
        committee reproducible. With None the members' seeds differ at
        every call.

    Returns
    -------
    committee : sklearn.ensemble.VotingClassifier
        Unfitted, ``voting="soft"``, members named ``member0``,
        ``member1``, ... . ``fit`` fits them one after another (each
        :class:`~skdigits.DenseDigitClassifier` already trains on every core);
        ``predict_proba`` is the mean of theirs.

    Raises
    ------
    ValueError
        ``estimator`` is not a classifier, or has no ``random_state`` to
        differ by.

    See Also
    --------
    make_record_committee : The record recipe, built with this function.

    Notes
    -----
    A committee is saved with ``pickle``, ``joblib`` or ``skops.io``,
    like any scikit-learn ensemble (skops asks to trust skdigits's types and
    scikit-learn's ``Bunch``, which holds ``named_estimators_``);
    :func:`~skdigits.persistence.save_model` and the NumPy-only
    :class:`~skdigits.inference.InferenceModel` take one network.

    Examples
    --------
    >>> from skdigits import DenseDigitClassifier, load_mnist_sample
    >>> from skdigits.committee import make_committee
    >>> X, y = load_mnist_sample(return_X_y=True)[:2]
    >>> X = X[:600].reshape(600, -1) / 255
    >>> net = DenseDigitClassifier(hidden_layer_sizes=(32,), epochs=2)
    >>> committee = make_committee(net, n_members=2, random_state=0)
    >>> [name for name, _ in committee.estimators]
    ['member0', 'member1']
    >>> committee.fit(X, y[:600]).predict_proba(X[:3]).shape
    (3, 10)
    """
    if not is_classifier(estimator):
        raise ValueError(
            f"a committee votes with class probabilities: {type(estimator).__name__} "
            "is not a classifier."
        )
    seeds = _member_seeds(n_members, random_state)
    members = [
        (f"member{k}", _seeded(estimator, int(seed))) for k, seed in enumerate(seeds)
    ]
    return VotingClassifier(members, voting="soft")


def make_record_committee(random_state=None) -> VotingClassifier:
    """The record recipe, :data:`RECORD_COMMITTEE`, unfitted.

    Parameters
    ----------
    random_state : int, RandomState instance or None, default=None
        Seeds the members (see :func:`make_committee`).

    Returns
    -------
    committee : sklearn.ensemble.VotingClassifier
        ``RECORD_COMMITTEE["n_members"]`` networks of
        ``RECIPES[RECORD_COMMITTEE["recipe"]]``. Fitting it on full MNIST
        takes about three times as long as one network of that recipe.

    Examples
    --------
    >>> from skdigits.committee import make_record_committee
    >>> committee = make_record_committee(random_state=0)
    >>> len(committee.estimators), committee.voting
    (3, 'soft')
    >>> committee.estimators[0][1].hidden_layer_sizes
    (1024, 512)
    """
    member = DenseDigitClassifier(**get_recipe(RECORD_COMMITTEE["recipe"]))
    return make_committee(
        member, RECORD_COMMITTEE["n_members"], random_state=random_state
    )
