"""Few-label views: which rows, and how each mode degrades the true values."""
import numpy as np
import pytest

import crl


@pytest.fixture(scope="module")
def data():
    scene = crl.scenes.load("sprites", resolution=16, color=True)
    return scene, scene.sample(400, seed=0)


def test_exact_labels_are_the_factors_of_the_chosen_rows(data):
    scene, sample = data
    labels = scene.labels(sample, n=50, seed=1)
    assert len(labels) == 50 and labels.index.is_unique and labels.index.max() < 400
    assert labels.equals(sample.factors.loc[labels.index])
    assert labels.equals(scene.labels(sample, n=50, seed=1))


def test_binned_labels_are_bin_centres(data):
    scene, sample = data
    labels = scene.labels(sample, n=100, mode="binned")
    truth = sample.factors.loc[labels.index]
    for factor in scene.factors:
        if factor.is_categorical:
            assert labels[factor.name].equals(truth[factor.name])
            continue
        width = (factor.high - factor.low) / 5
        centres = factor.low + (np.arange(5) + 0.5) * width
        assert np.isin(np.round(labels[factor.name], 9), np.round(centres, 9)).all()
        assert (np.abs(labels[factor.name] - truth[factor.name]) <= width / 2 + 1e-9).all()


def test_noisy_labels_replace_ten_percent(data):
    scene, sample = data
    labels = scene.labels(sample, n=200, mode="noisy", seed=3)
    truth = sample.factors.loc[labels.index]
    for factor in scene.factors:
        replaced = (labels[factor.name] != truth[factor.name]).sum()
        if factor.is_categorical:  # a replacement code can equal the true one by chance
            assert 5 <= replaced <= 20
        else:
            assert replaced == 20
        assert labels[factor.name].between(factor.low, factor.high).all()


def test_partial_labels_hide_half_of_each_factor(data):
    scene, sample = data
    labels = scene.labels(sample, n=100, mode="partial", seed=4)
    assert (labels.isna().sum() == 50).all()
    seen = labels.notna()
    truth = sample.factors.loc[labels.index]
    assert (labels[seen] == truth[seen]).sum().sum() == 50 * len(scene.factors)
    assert not seen.all(axis=1).all()  # each factor has its own observed rows


@pytest.mark.parametrize("kwargs, message", [({"n": 0}, "n must be"), ({"n": 401}, "n must be"), ({"mode": "fuzzy"}, "mode")])
def test_bad_label_requests(data, kwargs, message):
    scene, sample = data
    with pytest.raises(ValueError, match=message):
        scene.labels(sample, **kwargs)
