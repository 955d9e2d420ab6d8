"""skdigits.committee: soft-voting committees of differently seeded networks."""

from __future__ import annotations

import pickle

import numpy as np
import pytest
from sklearn.base import clone
from sklearn.ensemble import VotingClassifier
from sklearn.linear_model import LinearRegression
from sklearn.mixture import GaussianMixture
from sklearn.naive_bayes import GaussianNB
from sklearn.utils._param_validation import InvalidParameterError

from skdigits import DenseDigitClassifier, make_digit_pipeline
from skdigits.augmentation import get_recipe
from skdigits.committee import (
    RECORD_COMMITTEE,
    make_committee,
    make_record_committee,
)

TINY = {"hidden_layer_sizes": (16,), "epochs": 2, "batch_size": 100}


@pytest.fixture(scope="module")
def fitted(digits300):
    X, y = digits300
    committee = make_committee(DenseDigitClassifier(**TINY), 3, random_state=0)
    return committee.fit(X, y), X, y


def _seeds(committee):
    return [member.random_state for _, member in committee.estimators]


def test_members_are_seeded_clones_named_in_order():
    net = DenseDigitClassifier(**TINY)
    committee = make_committee(net, 4, random_state=7)
    assert isinstance(committee, VotingClassifier)
    assert committee.voting == "soft"
    assert [name for name, _ in committee.estimators] == [
        "member0",
        "member1",
        "member2",
        "member3",
    ]
    seeds = _seeds(committee)
    assert len(set(seeds)) == 4, seeds  # four different fits
    assert all(isinstance(s, int) for s in seeds)
    # Only the seed differs from the estimator given, which is left alone.
    assert net.random_state is None
    for _, member in committee.estimators:
        assert member is not net
        params = member.get_params()
        assert {k: v for k, v in params.items() if k != "random_state"} == {
            k: v for k, v in net.get_params().items() if k != "random_state"
        }


def test_one_seed_fixes_every_member_and_none_draws_new_ones():
    net = DenseDigitClassifier(**TINY)
    assert _seeds(make_committee(net, 3, random_state=1)) == _seeds(
        make_committee(net, 3, random_state=1)
    )
    assert _seeds(make_committee(net, 3, random_state=1)) != _seeds(
        make_committee(net, 3, random_state=2)
    )
    rng = np.random.RandomState(0)
    assert _seeds(make_committee(net, 3, random_state=rng)) != _seeds(
        make_committee(net, 3, random_state=rng)
    )


def test_a_pipelines_steps_are_seeded_too():
    pipe = make_digit_pipeline(DenseDigitClassifier(**TINY), deskew=True)
    committee = make_committee(pipe, 2, random_state=0)
    seeds = [m.get_params()["clf__random_state"] for _, m in committee.estimators]
    assert len(set(seeds)) == 2
    assert all(isinstance(s, int) for s in seeds)
    assert [m.steps[0][0] for _, m in committee.estimators] == ["deskew", "deskew"]


@pytest.mark.parametrize(
    "estimator, n_members, error, message",
    [
        (DenseDigitClassifier(), 0, InvalidParameterError, "n_members"),
        (DenseDigitClassifier(), 2.5, InvalidParameterError, "n_members"),
        ("DenseDigitClassifier", 3, InvalidParameterError, "estimator"),
        (LinearRegression(), 3, InvalidParameterError, "implementing 'fit', 'pred"),
        (GaussianMixture(), 3, ValueError, "GaussianMixture is not a classifier"),
        (GaussianNB(), 3, ValueError, "GaussianNB has no random_state"),
    ],
)
def test_bad_arguments_are_refused_naming_the_problem(
    estimator, n_members, error, message
):
    with pytest.raises(error, match=message):
        make_committee(estimator, n_members)


def test_the_committee_reads_the_mean_of_its_members_probabilities(fitted):
    committee, X, y = fitted
    members = committee.estimators_
    assert len(members) == 3
    probas = np.stack([m.predict_proba(X) for m in members])
    # The members were fitted differently (their seeds differ) ...
    assert not np.array_equal(probas[0], probas[1])
    # ... and the committee's probabilities are their mean. VotingClassifier
    # averages in float32: n - 1 additions and a division, each rounding by at
    # most half an ulp of numbers <= 1, so within n * eps / 2 of the exact mean.
    expected = probas.astype(np.float64).mean(axis=0)
    bound = len(members) * np.finfo(np.float32).eps / 2
    np.testing.assert_allclose(committee.predict_proba(X), expected, rtol=0, atol=bound)
    top2 = np.sort(expected, axis=1)[:, -2:]
    clear = top2[:, 1] - top2[:, 0] > 2 * bound  # no tie within the rounding
    np.testing.assert_array_equal(
        committee.predict(X)[clear], committee.classes_[expected.argmax(axis=1)][clear]
    )
    assert clear.mean() > 0.9
    assert committee.score(X, y) == np.mean(committee.predict(X) == y)


def test_a_fitted_committee_pickles_and_reads_the_same(fitted):
    committee, X, _ = fitted
    again = pickle.loads(pickle.dumps(committee))
    np.testing.assert_array_equal(again.predict_proba(X), committee.predict_proba(X))


def test_the_committee_clones_like_any_scikit_learn_ensemble(fitted):
    committee, _, _ = fitted
    copy = clone(committee)
    assert not hasattr(copy, "estimators_")
    assert _seeds(copy) == _seeds(committee)


def test_the_record_committee_is_the_recorded_recipe():
    committee = make_record_committee(random_state=0)
    assert len(committee.estimators) == RECORD_COMMITTEE["n_members"]
    recipe = get_recipe(RECORD_COMMITTEE["recipe"])
    for _, member in committee.estimators:
        params = member.get_params()
        assert params["hidden_layer_sizes"] == recipe["hidden_layer_sizes"]
        assert params["epochs"] == recipe["epochs"]
        assert params["learning_rate"] == recipe["learning_rate"]
        assert params["augment"] == recipe["augment"]
    assert _seeds(committee) == _seeds(make_record_committee(random_state=0))


def test_a_fitted_committee_round_trips_through_skops_trusting_only_skdigits(fitted):
    sio = pytest.importorskip("skops.io")
    committee, X, _ = fitted
    payload = sio.dumps(committee)
    untrusted = sio.get_untrusted_types(data=payload)
    # VotingClassifier and its LabelEncoder are scikit-learn's, which skops
    # trusts; left to review are skdigits's own types and the Bunch that
    # holds the committee's named_estimators_ (a dict with attribute access).
    ours = {name for name in untrusted if name.startswith("skdigits.")}
    assert ours and set(untrusted) - ours == {"sklearn.utils._bunch.Bunch"}
    loaded = sio.loads(payload, trusted=untrusted)
    np.testing.assert_array_equal(loaded.predict_proba(X), committee.predict_proba(X))
